"""Indexes for head office's admin at scale: the loyalty tier and acquisition channel filters
(a rare value, VIP or phone, is found without reading every profile) and an id typed alone in
the search box (the unique index of identities starts with their system).

On PostgreSQL they are built with CREATE INDEX CONCURRENTLY, so that a table of millions of
profiles stays writable meanwhile; hence a non-atomic migration.
"""

from django.db import migrations, models

from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0006_search_at_scale"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="customer",
            index=models.Index(fields=["loyalty_tier"], name="customer_loyalty_tier"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="customer",
            index=models.Index(fields=["acquisition_channel"], name="customer_acquisition_channel"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="externalidentity",
            index=models.Index(fields=["external_id"], name="identity_external_id"),
        ),
    ]
