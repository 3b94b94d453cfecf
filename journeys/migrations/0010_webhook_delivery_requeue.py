"""A webhook delivery carries a lease: still waiting when it ends, its task is taken as lost
(worker killed mid-task) and beat's sweep queues it again, counted in requeued_count.

Adding the columns is instant on PostgreSQL 11+ (a constant default, then dropped); deliveries
waiting at migration time get a lease ending one lease after it, so the sweep picks them up.
The sweep's index is built concurrently on PostgreSQL: the inbox stays writable meanwhile.
"""

from django.db import migrations, models

import journeys.integrations.models
from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0009_history_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="requeue_at",
            field=models.DateTimeField(
                blank=True,
                default=journeys.integrations.models.webhook_lease_end,
                help_text="If still waiting then, its task was lost: it is queued again.",
                null=True,
                verbose_name="queued again at",
            ),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="requeued_count",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Times it was queued again because its task was lost.",
                verbose_name="queued again",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status", "received")),
                fields=["requeue_at"],
                name="webhook_delivery_requeue_due",
            ),
        ),
    ]
