"""Shop and outbound webhook secrets encrypted at rest, key rotation, expiring previous secrets.

The database holds Fernet tokens only; the code reading the secrets (signature checks, shop
clients, outbound signing) sees the plain values; the admin never shows them back.
"""

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.forms import modelform_factory
from django.test import Client, override_settings
from django.utils import timezone

from journeys.admin import ShopIntegrationForm
from journeys.integrations.models import (
    WEBHOOK_SECRET_ROTATION_GRACE,
    OutboundWebhook,
    ShopIntegration,
)
from omni.crypto import SecretUnreadable, decrypt, encrypt, secrets_rotate
from tests.admin_helpers import admin_url
from tests.omni.test_settings import _manage

pytestmark = pytest.mark.django_db
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
BEFORE_ENCRYPTION = ("journeys", "0011_order_ingest_digest")
WITH_ENCRYPTION = ("journeys", "0012_secrets_encrypted_at_rest")


def _stored(model: type, pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _shop(**secrets: object) -> ShopIntegration:
    fields = {"api_secret": "shpat_token", "webhook_secret": "shpss_current"} | secrets
    return ShopIntegration.objects.create(
        platform="shopify", name="Shop", slug="shopify", base_url="https://s.example", **fields
    )


def _post_webhook(secret: str) -> int:
    body = json.dumps({"id": 1}).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    headers = {
        "X-Shopify-Topic": "app/uninstalled",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }
    return (
        Client()
        .post("/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers)
        .status_code
    )


def test_secrets_are_stored_encrypted_and_read_back_plain() -> None:
    shop = _shop(previous_webhook_secret="shpss_old")
    hook = OutboundWebhook.objects.create(name="CRM", url="https://crm.example", secret="out_key")

    for column, plain in [
        ("api_secret", "shpat_token"),
        ("webhook_secret", "shpss_current"),
        ("previous_webhook_secret", "shpss_old"),
    ]:
        stored = _stored(ShopIntegration, shop.pk, column)
        assert stored.startswith("fernet:")
        assert plain not in stored
        assert getattr(ShopIntegration.objects.get(pk=shop.pk), column) == plain
    assert "out_key" not in _stored(OutboundWebhook, hook.pk, "secret")
    assert OutboundWebhook.objects.get(pk=hook.pk).secret == "out_key"
    # The same secret twice gives two different tokens (nothing to compare across rows).
    assert encrypt("same") != encrypt("same")


def test_webhook_signatures_are_checked_with_the_decrypted_secret(
    django_capture_on_commit_callbacks,
) -> None:
    _shop()
    with django_capture_on_commit_callbacks():
        assert _post_webhook("shpss_current") == 200
    assert _post_webhook("shpss_wrong") == 401


def test_an_empty_secret_stays_empty_meaning_not_set() -> None:
    shop = _shop(api_secret="")
    assert _stored(ShopIntegration, shop.pk, "api_secret") == ""
    assert ShopIntegration.objects.get(pk=shop.pk).api_secret == ""


def test_a_value_planted_in_the_database_without_the_key_is_refused() -> None:
    shop = _shop()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journeys_shopintegration SET webhook_secret = %s WHERE id = %s",
            ["attacker-knows-this", shop.pk],
        )
    with pytest.raises(SecretUnreadable):
        ShopIntegration.objects.get(pk=shop.pk)
    foreign_token = "fernet:" + Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    with pytest.raises(SecretUnreadable):
        decrypt(foreign_token)


def test_rotate_secrets_re_encrypts_everything_with_the_new_first_key() -> None:
    with override_settings(OMNI_ENCRYPTION_KEYS=[OLD_KEY]):
        shop = _shop(previous_webhook_secret="shpss_old")
        hook = OutboundWebhook.objects.create(name="CRM", url="https://crm.example", secret="k")
    with override_settings(OMNI_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        # Both keys decrypt while the rotation runs.
        assert ShopIntegration.objects.get(pk=shop.pk).webhook_secret == "shpss_current"
        output = StringIO()
        call_command("rotate_secrets", stdout=output)
        assert "2 record(s)" in output.getvalue()
        assert secrets_rotate() == 0  # Nothing left under the old key.
    with override_settings(OMNI_ENCRYPTION_KEYS=[NEW_KEY]):
        shop = ShopIntegration.objects.get(pk=shop.pk)
        assert (shop.api_secret, shop.webhook_secret, shop.previous_webhook_secret) == (
            "shpat_token",
            "shpss_current",
            "shpss_old",
        )
        assert OutboundWebhook.objects.get(pk=hook.pk).secret == "k"
    with override_settings(OMNI_ENCRYPTION_KEYS=[OLD_KEY]), pytest.raises(SecretUnreadable):
        ShopIntegration.objects.get(pk=shop.pk)


def test_rotate_secrets_changes_nothing_when_a_value_is_unreadable() -> None:
    with override_settings(OMNI_ENCRYPTION_KEYS=[OLD_KEY]):
        readable = _shop()
        lost = OutboundWebhook.objects.create(name="CRM", url="https://crm.example", secret="k")
    before = _stored(ShopIntegration, readable.pk, "webhook_secret")
    with override_settings(OMNI_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE journeys_outboundwebhook SET secret = %s WHERE id = %s",
                ["fernet:" + Fernet(Fernet.generate_key()).encrypt(b"x").decode(), lost.pk],
            )
        with pytest.raises(Exception, match="cannot be decrypted"):
            call_command("rotate_secrets")
    assert _stored(ShopIntegration, readable.pk, "webhook_secret") == before


def test_the_admin_never_shows_a_stored_secret(admin_client: Client) -> None:
    shop = _shop(previous_webhook_secret="shpss_old")
    hook = OutboundWebhook.objects.create(name="CRM", url="https://crm.example", secret="out_key")

    page = admin_client.get(admin_url(ShopIntegration, "change", shop.pk)).content.decode()
    for plain in ("shpat_token", "shpss_current", "shpss_old", "fernet:"):
        assert plain not in page
    assert "Set; leave empty to keep it." in page
    hook_page = admin_client.get(admin_url(OutboundWebhook, "change", hook.pk)).content.decode()
    assert "out_key" not in hook_page
    assert "fernet:" not in hook_page
    add_page = admin_client.get(admin_url(OutboundWebhook, "add")).content.decode()
    assert "Not set." in add_page


# Previous webhook secrets always expire ----------------------------------------------------


def test_a_previous_secret_without_an_end_date_is_not_accepted() -> None:
    shop = _shop(previous_webhook_secret="shpss_old", previous_secret_valid_until=None)
    assert shop.accepted_webhook_secrets() == ["shpss_current"]
    assert _post_webhook("shpss_old") == 401


def test_a_previous_secret_is_accepted_until_its_end_date_only(
    django_capture_on_commit_callbacks,
) -> None:
    shop = _shop(
        previous_webhook_secret="shpss_old",
        previous_secret_valid_until=timezone.now() + datetime.timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks():
        assert _post_webhook("shpss_old") == 200
    shop.previous_secret_valid_until = timezone.now() - datetime.timedelta(seconds=1)
    shop.save()
    assert _post_webhook("shpss_old") == 401


def test_a_previous_secret_typed_without_an_end_date_gets_the_grace_period() -> None:
    shop = _shop()
    fields = ["name", "platform", "slug", "base_url", "webhook_secret"]
    fields += ["previous_webhook_secret", "previous_secret_valid_until"]
    form_class = modelform_factory(ShopIntegration, form=ShopIntegrationForm, fields=fields)
    data = {name: getattr(shop, name) for name in fields[:4]} | {
        "webhook_secret": "",
        "previous_webhook_secret": "shpss_typed",
        "previous_secret_valid_until": "",
    }
    form = form_class(data=data, instance=shop)
    assert form.is_valid(), form.errors

    shop = form.save()

    remaining = shop.previous_secret_valid_until - timezone.now()
    grace = WEBHOOK_SECRET_ROTATION_GRACE
    assert grace - datetime.timedelta(minutes=1) < remaining <= grace
    assert shop.accepted_webhook_secrets() == ["shpss_current", "shpss_typed"]


# The data migration ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_plain_secrets_ends_open_rotations_and_goes_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_ENCRYPTION])
    old_apps = executor.loader.project_state([BEFORE_ENCRYPTION]).apps
    shop = old_apps.get_model("journeys", "ShopIntegration").objects.create(
        platform="shopify",
        name="Old",
        slug="old",
        base_url="https://old.example",
        api_secret="shpat_plain",
        webhook_secret="shpss_plain",
        previous_webhook_secret="shpss_forever",
    )
    hook = old_apps.get_model("journeys", "OutboundWebhook").objects.create(
        name="CRM", url="https://crm.example", secret="out_plain", events=[]
    )
    assert _stored(ShopIntegration, shop.pk, "webhook_secret") == "shpss_plain"

    MigrationExecutor(connection).migrate([WITH_ENCRYPTION])

    for column in ("api_secret", "webhook_secret", "previous_webhook_secret"):
        assert _stored(ShopIntegration, shop.pk, column).startswith("fernet:")
    assert _stored(OutboundWebhook, hook.pk, "secret").startswith("fernet:")
    migrated = ShopIntegration.objects.get(pk=shop.pk)
    assert migrated.webhook_secret == "shpss_plain"
    assert OutboundWebhook.objects.get(pk=hook.pk).secret == "out_plain"
    # Accepted forever before; now for one more grace period, then never.
    assert migrated.previous_secret_valid_until is not None
    assert migrated.previous_secret_valid_until <= timezone.now() + WEBHOOK_SECRET_ROTATION_GRACE
    assert "shpss_forever" in migrated.accepted_webhook_secrets()

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_ENCRYPTION])
    assert _stored(ShopIntegration, shop.pk, "api_secret") == "shpat_plain"
    assert _stored(OutboundWebhook, hook.pk, "secret") == "out_plain"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# Settings ---------------------------------------------------------------------------------------

PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "omni.example.com",
}


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    result = _manage("check", **PRODUCTION)
    assert result.returncode != 0
    assert "OMNI_ENCRYPTION_KEYS is required" in result.stderr


def test_a_malformed_encryption_key_is_refused() -> None:
    result = _manage("check", **PRODUCTION, OMNI_ENCRYPTION_KEYS=f"{NEW_KEY},not-a-key")
    assert result.returncode != 0
    assert "not a Fernet key" in result.stderr


def test_development_derives_a_key_from_the_secret_key() -> None:
    script = "from omni.crypto import encrypt, decrypt; print(decrypt(encrypt('round trip')))"
    result = _manage("shell", "-c", script, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "round trip"
