"""Shop and outbound webhook secrets encrypted at rest (omni.crypto), and previous webhook
secrets always given an end date.

The columns become text (a token is longer than the secret), the stored values are encrypted
with the first key of OMNI_ENCRYPTION_KEYS, then the fields become EncryptedTextField (no
change to the columns). Reversible: going back decrypts the values and narrows the columns.

A previous webhook secret without an end date was accepted forever; it is now accepted for one
more grace period from this migration, then never (the end date is kept when going back).
"""

import datetime

from django.db import migrations, models
from django.utils import timezone

import omni.crypto

SECRET_FIELDS = {
    "shopintegration": ("api_secret", "webhook_secret", "previous_webhook_secret"),
    "outboundwebhook": ("secret",),
}
# journeys.integrations.models.WEBHOOK_SECRET_ROTATION_GRACE when this migration was written.
ROTATION_GRACE = datetime.timedelta(hours=1)


def _convert(apps, convert, is_converted) -> None:
    for model_name, fields in SECRET_FIELDS.items():
        model = apps.get_model("journeys", model_name)
        changed = []
        for row in model.objects.only("pk", *fields).iterator():
            for field in fields:
                value = getattr(row, field)
                if value and not is_converted(value):
                    setattr(row, field, convert(value))
            changed.append(row)
        model.objects.bulk_update(changed, fields, batch_size=500)


def encrypt_secrets(apps, schema_editor) -> None:
    _convert(apps, omni.crypto.encrypt, lambda value: value.startswith(omni.crypto.TOKEN_PREFIX))


def decrypt_secrets(apps, schema_editor) -> None:
    _convert(
        apps, omni.crypto.decrypt, lambda value: not value.startswith(omni.crypto.TOKEN_PREFIX)
    )


def end_previous_secrets(apps, schema_editor) -> None:
    shop_integration = apps.get_model("journeys", "ShopIntegration")
    shop_integration.objects.exclude(previous_webhook_secret="").filter(
        previous_secret_valid_until__isnull=True
    ).update(previous_secret_valid_until=timezone.now() + ROTATION_GRACE)


def _text(verbose_name: str, **options) -> models.TextField:
    return models.TextField(verbose_name, max_length=200, **options)


def _encrypted(verbose_name: str, **options) -> omni.crypto.EncryptedTextField:
    return omni.crypto.EncryptedTextField(verbose_name, max_length=200, **options)


API_SECRET_HELP = "Shopify Admin API access token (shpat_…) or WooCommerce consumer secret."
WEBHOOK_SECRET_HELP = "Shopify app client secret, or the secret of the WooCommerce webhooks."
SIGNING_SECRET_HELP = "Key of the HMAC-SHA256 signature sent in X-Omni-Hmac-Sha256."


def _alter_all(field_factory) -> list[migrations.AlterField]:
    return [
        migrations.AlterField(
            "shopintegration",
            "api_secret",
            field_factory("API secret", blank=True, help_text=API_SECRET_HELP),
        ),
        migrations.AlterField(
            "shopintegration",
            "webhook_secret",
            field_factory("webhook secret", help_text=WEBHOOK_SECRET_HELP),
        ),
        migrations.AlterField(
            "shopintegration",
            "previous_webhook_secret",
            field_factory("previous webhook secret", blank=True),
        ),
        migrations.AlterField(
            "outboundwebhook",
            "secret",
            field_factory("signing secret", help_text=SIGNING_SECRET_HELP),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0011_order_ingest_digest"),
    ]

    operations = [
        migrations.RunPython(end_previous_secrets, migrations.RunPython.noop),
        *_alter_all(_text),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        *_alter_all(_encrypted),
    ]
