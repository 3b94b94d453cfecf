"""import_history remembers each file it imports and each chunk written, to resume."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0008_return_shipping_refund_and_adjustment"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoryImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("path", models.CharField(max_length=1024, verbose_name="file")),
                ("size", models.BigIntegerField(verbose_name="size (bytes)")),
                (
                    "head_hash",
                    models.CharField(max_length=64, verbose_name="hash of its first bytes"),
                ),
                (
                    "fingerprint",
                    models.CharField(max_length=64, verbose_name="options fingerprint"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("customers", "Customers"),
                            ("orders", "Orders"),
                            ("returns", "Returns"),
                            ("pickups", "Pickups"),
                        ],
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                ("format", models.CharField(max_length=20, verbose_name="format")),
                ("chunk_records", models.PositiveIntegerField(verbose_name="records per chunk")),
                ("options", models.JSONField(blank=True, default=dict, verbose_name="options")),
                (
                    "chunk_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="chunks"),
                ),
                ("started_at", models.DateTimeField(auto_now_add=True, verbose_name="started at")),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                ),
            ],
            options={
                "verbose_name": "history import",
                "verbose_name_plural": "history imports",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("path", "size", "head_hash", "fingerprint"),
                        name="history_import_unique_file",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoryImportChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="chunk")),
                ("start", models.BigIntegerField(verbose_name="first byte")),
                ("end", models.BigIntegerField(verbose_name="end byte")),
                ("first_line", models.BigIntegerField(verbose_name="first line")),
                (
                    "status",
                    models.CharField(
                        choices=[("done", "Written"), ("failed", "Failed")],
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("records", models.PositiveIntegerField(default=0, verbose_name="records")),
                (
                    "outcomes",
                    models.JSONField(blank=True, default=dict, verbose_name="records by outcome"),
                ),
                (
                    "errors",
                    models.JSONField(blank=True, default=list, verbose_name="refused records"),
                ),
                ("message", models.TextField(blank=True, verbose_name="why it failed")),
                ("finished_at", models.DateTimeField(auto_now=True, verbose_name="finished at")),
                (
                    "history_import",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="journeys.historyimport",
                        verbose_name="history import",
                    ),
                ),
            ],
            options={
                "verbose_name": "history import chunk",
                "verbose_name_plural": "history import chunks",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("history_import", "number"),
                        name="history_import_chunk_unique_number",
                    )
                ],
            },
        ),
    ]
