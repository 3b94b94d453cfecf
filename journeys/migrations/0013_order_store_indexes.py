"""Indexes for a store-limited API client at scale: whether a customer has an order in the
store (probed per customer while the customers list walks its order) and the store's orders in
the cursor order of the orders list. Built concurrently on PostgreSQL (non-atomic)."""

from django.db import migrations, models

from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0012_secrets_encrypted_at_rest"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="order",
            index=models.Index(fields=["customer", "store"], name="order_customer_store"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="order",
            index=models.Index(fields=["store", "updated_at", "id"], name="order_store_updated"),
        ),
    ]
