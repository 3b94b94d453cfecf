"""Ledger entries recorded before wordings were kept point to a placeholder wording per purpose
and version, whose text says so: the version they were given under is all that was kept.

One aggregate read of the ledger, then one UPDATE per purpose and version (set-based, whatever
the number of entries)."""

from django.conf import settings
from django.db import migrations
from django.db.models import Min
from django.utils import timezone

PLACEHOLDER_TEXT = (
    "Wording not recorded before {date}: Omni kept only its version, “{version}”. "
    "— Texte non conservé avant le {date} : Omni n'en gardait que la version, « {version} »."
)


def link_existing_entries(apps, schema_editor) -> None:
    Consent = apps.get_model("customers", "Consent")
    ConsentWording = apps.get_model("customers", "ConsentWording")
    today = timezone.now().date().isoformat()
    versions = (
        Consent.objects.filter(wording__isnull=True)
        .values("purpose", "wording_version")
        .annotate(first_recorded_at=Min("recorded_at"))
        .order_by("purpose", "wording_version")
    )
    for row in versions:
        purpose, version = row["purpose"], row["wording_version"].strip() or "unknown"
        wording, _created = ConsentWording.objects.get_or_create(
            purpose=purpose,
            version=version,
            language=settings.LANGUAGE_CODE,
            is_placeholder=True,
            defaults={
                "channel": "",
                "text": PLACEHOLDER_TEXT.format(date=today, version=version),
                "valid_from": row["first_recorded_at"],
            },
        )
        Consent.objects.filter(
            wording__isnull=True, purpose=purpose, wording_version=row["wording_version"]
        ).update(wording=wording)


def unlink_placeholders(apps, schema_editor) -> None:
    Consent = apps.get_model("customers", "Consent")
    ConsentWording = apps.get_model("customers", "ConsentWording")
    placeholders = ConsentWording.objects.filter(is_placeholder=True)
    Consent.objects.filter(wording__in=placeholders).update(wording=None)
    placeholders.delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_consent_wording")]

    operations = [migrations.RunPython(link_existing_entries, unlink_placeholders)]
