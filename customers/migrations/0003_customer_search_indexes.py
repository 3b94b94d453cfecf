"""Trigram indexes for the tablet's customer search (PostgreSQL only).

They index exactly the expressions the search filters on (customers.search), so that
substring and typo-tolerant searches stay fast with millions of profiles. SQLite, the
zero-setup default, has no trigram index and scans instead.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast

from customers.search import search_name_expression

INDEXES = (
    ("customer_search_name_trgm", lambda: search_name_expression()),
    ("customer_email_trgm", lambda: Cast("email", output_field=TextField())),
)


def _indexes():
    return [
        GinIndex(OpClass(expression(), name="gin_trgm_ops"), name=name)
        for name, expression in INDEXES
    ]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    customer = apps.get_model("customers", "Customer")
    for index in _indexes():
        schema_editor.add_index(customer, index)


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    customer = apps.get_model("customers", "Customer")
    for index in _indexes():
        schema_editor.remove_index(customer, index)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_identity_matched_on")]

    operations = [migrations.RunPython(create_trigram_indexes, drop_trigram_indexes)]
