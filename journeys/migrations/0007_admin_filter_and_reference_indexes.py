"""Indexes for head office's admin at scale: orders by status, newest first (a rare status,
pending payment, is listed and counted without reading millions of orders), and a return
found by its reference whatever its source (the unique index starts with the source).

On PostgreSQL they are built with CREATE INDEX CONCURRENTLY, so that the tables stay
writable meanwhile; hence a non-atomic migration.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL; a plain AddIndex on any other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0006_wishlist_item_customer"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="order",
            index=models.Index(fields=["status", "placed_at"], name="order_status_placed_at"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="return",
            index=models.Index(fields=["external_reference"], name="return_reference_idx"),
        ),
    ]
