"""Rotating a shop's webhook secret in the admin keeps the old one valid for a while."""

import datetime

import pytest
from django.forms import modelform_factory
from django.utils import timezone

from journeys.admin import ShopIntegrationForm
from journeys.integrations.models import ShopIntegration
from journeys.integrations.signatures import sign
from tests.integrations.conftest import SHOPIFY_SECRET, as_body, shopify_order

pytestmark = pytest.mark.django_db
FIELDS = ["name", "platform", "slug", "base_url", "webhook_secret", "previous_webhook_secret"]
FIELDS += ["previous_secret_valid_until", "is_active"]


def _edit(integration: ShopIntegration, **typed: object) -> ShopIntegration:
    form_class = modelform_factory(ShopIntegration, form=ShopIntegrationForm, fields=FIELDS)
    data = {name: getattr(integration, name) for name in FIELDS} | {
        "webhook_secret": "",
        "previous_webhook_secret": "",
        "previous_secret_valid_until": "",
    }
    form = form_class(data={**data, **typed}, instance=integration)
    assert form.is_valid(), form.errors
    return form.save()


def test_a_new_secret_keeps_the_old_one_for_an_hour(send, shopify_shop) -> None:
    integration = _edit(shopify_shop, webhook_secret="shpss_new")

    assert integration.webhook_secret == "shpss_new"
    assert integration.previous_webhook_secret == SHOPIFY_SECRET
    remaining = integration.previous_secret_valid_until - timezone.now()
    assert datetime.timedelta(minutes=59) < remaining <= datetime.timedelta(hours=1)
    body = as_body(shopify_order())
    assert send.shopify("orders/create", body).status_code == 200  # Signed with the old one.
    signed_with_new = {"X-Shopify-Hmac-Sha256": sign(body, "shpss_new")}
    assert send.shopify("orders/updated", body, **signed_with_new).status_code == 200


def test_an_earlier_rotation_date_is_not_reused(shopify_shop) -> None:
    shopify_shop.previous_webhook_secret = "shpss_older"
    shopify_shop.previous_secret_valid_until = timezone.now() - datetime.timedelta(days=30)
    shopify_shop.save()

    integration = _edit(
        shopify_shop,
        webhook_secret="shpss_new",
        previous_secret_valid_until=shopify_shop.previous_secret_valid_until,
    )

    assert integration.previous_webhook_secret == SHOPIFY_SECRET
    assert integration.previous_secret_valid_until > timezone.now()


def test_leaving_the_secret_empty_keeps_everything(shopify_shop) -> None:
    integration = _edit(shopify_shop, name="Renamed")

    assert (integration.name, integration.webhook_secret) == ("Renamed", SHOPIFY_SECRET)
    assert integration.previous_webhook_secret == ""
    assert integration.accepted_webhook_secrets() == [SHOPIFY_SECRET]


def test_a_typed_previous_secret_and_date_are_kept(shopify_shop) -> None:
    until = timezone.now() + datetime.timedelta(hours=6)

    integration = _edit(
        shopify_shop,
        webhook_secret="shpss_new",
        previous_webhook_secret="shpss_other",
        previous_secret_valid_until=until,
    )

    assert integration.previous_webhook_secret == "shpss_other"
    assert integration.previous_secret_valid_until == until
