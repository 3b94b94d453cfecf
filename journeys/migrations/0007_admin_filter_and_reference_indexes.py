"""Indexes for head office's admin at scale: orders by status, newest first (a rare status,
pending payment, is listed and counted without reading millions of orders), and a return
found by its reference whatever its source (the unique index starts with the source).

On PostgreSQL they are built with CREATE INDEX CONCURRENTLY, so that the tables stay
writable meanwhile; hence a non-atomic migration.
"""

from django.db import migrations, models

from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


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
