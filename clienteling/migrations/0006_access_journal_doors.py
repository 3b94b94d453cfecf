"""The access journal records every door personal data is read through: the reader may be an
API client, a search keeps what was typed, an export's entries name the export.

The new columns are nullable or have a constant default (no table rewrite on PostgreSQL); the
two partial indexes build concurrently there, so the journal stays writable (non-atomic)."""

import django.db.models.deletion
from django.db import migrations, models

from omni.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clienteling", "0005_scale_reads"),
        ("omni", "0002_api_clients"),
        ("segments", "0001_segments_snapshots_exports"),
    ]

    operations = [
        migrations.AddField(
            model_name="profileaccess",
            name="api_client",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="omni.apiclient",
                verbose_name="API client",
            ),
        ),
        migrations.AddField(
            model_name="profileaccess",
            name="query",
            field=models.CharField(
                blank=True,
                help_text="What was typed in the search box, for a search (its start only).",
                max_length=100,
                verbose_name="search typed",
            ),
        ),
        migrations.AddField(
            model_name="profileaccess",
            name="segment_export",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="segments.segmentexport",
                verbose_name="segment export",
            ),
        ),
        migrations.AlterField(
            model_name="profileaccess",
            name="context",
            field=models.CharField(
                choices=[
                    ("profile", "Tablet: customer 360"),
                    ("brief", "Tablet: appointment brief"),
                    ("order", "Tablet: order detail"),
                    ("tablet_search", "Tablet: search"),
                    ("tablet_partial", "Tablet: part of the 360"),
                    ("admin_list", "Admin: customer list"),
                    ("admin_search", "Admin: customer search"),
                    ("admin_change", "Admin: customer page"),
                    ("api", "API"),
                    ("segment_pull", "API: segment members"),
                    ("segment_members", "Admin: segment members"),
                    ("segment_export", "Admin: segment export"),
                ],
                max_length=16,
                verbose_name="through",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="profileaccess",
            index=models.Index(
                condition=models.Q(("api_client__isnull", False)),
                fields=["api_client", "-accessed_at"],
                name="profile_access_by_client",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="profileaccess",
            index=models.Index(
                condition=models.Q(("segment_export__isnull", False)),
                fields=["segment_export"],
                name="profile_access_by_export",
            ),
        ),
    ]
