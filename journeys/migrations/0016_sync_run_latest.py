"""An index for a shop's last pull of each kind (issue 12: the System status and the metrics):
without it, a shop that has not pulled for a long time walked every run since (370 ms with
350,000 runs). Built concurrently on PostgreSQL (non-atomic)."""

from django.db import migrations, models

from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0015_order_write_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="syncrun",
            index=models.Index(
                fields=["integration", "kind", "started_at", "id"], name="sync_run_latest"
            ),
        ),
    ]
