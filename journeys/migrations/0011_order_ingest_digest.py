"""Orders remember the fingerprints of the record (and of its customer) they were last written
from, so that a record received again unchanged is known without being resolved or staged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0010_webhook_delivery_requeue"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="ingest_digest",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=32,
                verbose_name="fingerprint of the last record received",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="ingest_customer_digest",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=32,
                verbose_name="fingerprint of the customer last received with it",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="ingested_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="last written from a record received",
            ),
        ),
    ]
