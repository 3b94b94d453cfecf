"""Head-office admin of the e-shop integrations: secrets stay hidden, replays call services."""

import pytest
from django.test import Client

from journeys.integrations.models import (
    OutboundDelivery,
    OutboundWebhook,
    ShopIntegration,
    WebhookDelivery,
)
from tests.admin_helpers import admin_url, run_action


@pytest.fixture
def shop(db: None) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Maison Omni e-shop",
        slug="shopify",
        base_url="https://maison-omni.example.com",
        api_secret="shpat_current_token",
        webhook_secret="client-secret-1",
    )


def shop_form(shop: ShopIntegration, **overrides: object) -> dict[str, object]:
    return {
        "name": shop.name,
        "platform": shop.platform,
        "slug": shop.slug,
        "base_url": shop.base_url,
        "pickup_store": "",
        "is_active": "on",
        "api_key": "",
        "api_secret": "",
        "webhook_secret": "",
        "previous_webhook_secret": "",
        "previous_secret_valid_until_0": "",
        "previous_secret_valid_until_1": "",
        "orders_synced_until_0": "",
        "orders_synced_until_1": "",
        "customers_synced_until_0": "",
        "customers_synced_until_1": "",
        **overrides,
    }


def test_shop_page_never_shows_its_secrets(admin_client: Client, shop: ShopIntegration) -> None:
    page = admin_client.get(admin_url(ShopIntegration, "change", shop.pk)).content.decode()

    assert "shpat_current_token" not in page
    assert "client-secret-1" not in page


def test_saving_a_shop_without_typing_secrets_keeps_them(
    admin_client: Client, shop: ShopIntegration
) -> None:
    response = admin_client.post(
        admin_url(ShopIntegration, "change", shop.pk), shop_form(shop, name="Renamed shop")
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.api_secret, shop.webhook_secret) == (
        "Renamed shop",
        "shpat_current_token",
        "client-secret-1",
    )


def test_typing_a_new_webhook_secret_replaces_it(
    admin_client: Client, shop: ShopIntegration
) -> None:
    response = admin_client.post(
        admin_url(ShopIntegration, "change", shop.pk),
        shop_form(shop, webhook_secret="client-secret-2"),
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.webhook_secret, shop.api_secret) == ("client-secret-2", "shpat_current_token")


def test_pull_now_queues_a_pull_of_customers_and_orders_after_commit(
    admin_client: Client,
    shop: ShopIntegration,
    django_capture_on_commit_callbacks: object,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        messages = run_action(admin_client, ShopIntegration, "pull_now", [shop])

    assert messages == [f"{shop}: customers and orders will be pulled in the background."]
    assert [callback.args for callback in callbacks] == [
        (shop.pk, "customers"),
        (shop.pk, "orders"),
    ]


def make_delivery(shop: ShopIntegration, status: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        integration=shop,
        topic="orders/create",
        delivery_id=f"delivery-{status}",
        body=b"{}",
        status=status,
    )


def test_failed_webhook_delivery_is_replayed(admin_client: Client, shop: ShopIntegration) -> None:
    delivery = make_delivery(shop, WebhookDelivery.Status.FAILED)

    messages = run_action(admin_client, WebhookDelivery, "replay", [delivery])

    assert messages == [f"{delivery} will be processed again."]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RECEIVED


def test_processed_webhook_delivery_is_not_replayed(
    admin_client: Client, shop: ShopIntegration
) -> None:
    delivery = make_delivery(shop, WebhookDelivery.Status.PROCESSED)

    messages = run_action(admin_client, WebhookDelivery, "replay", [delivery])

    assert messages == [f"{delivery}: Only failed or waiting deliveries can be replayed."]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED


def test_webhook_inbox_cannot_be_edited(admin_client: Client, shop: ShopIntegration) -> None:
    delivery = make_delivery(shop, WebhookDelivery.Status.FAILED)

    response = admin_client.post(
        admin_url(WebhookDelivery, "change", delivery.pk), {"topic": "forged"}
    )

    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.topic == "orders/create"


@pytest.mark.parametrize(
    ("status", "expected_status", "message"),
    [
        ("failed", "pending", "{delivery} will be sent again."),
        ("delivered", "delivered", "{delivery}: Only failed deliveries can be sent again."),
    ],
)
def test_outbound_delivery_is_resent_only_when_it_failed(
    admin_client: Client, shop: ShopIntegration, status: str, expected_status: str, message: str
) -> None:
    endpoint = OutboundWebhook.objects.create(
        name="Store screens", url="https://screens.example.com/hook", secret="shh"
    )
    delivery = OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", status=status
    )

    messages = run_action(admin_client, OutboundDelivery, "resend", [delivery])

    assert messages == [message.format(delivery=delivery)]
    delivery.refresh_from_db()
    assert delivery.status == expected_status


def test_outbound_webhook_events_are_ticked_from_the_list(
    admin_client: Client, shop: ShopIntegration
) -> None:
    response = admin_client.post(
        admin_url(OutboundWebhook, "add"),
        {
            "name": "Store screens",
            "url": "https://screens.example.com/hook",
            "secret": "shh",
            "events": ["pickup.ready", "pickup.collected"],
            "integration": shop.pk,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    endpoint = OutboundWebhook.objects.get()
    assert endpoint.events == ["pickup.ready", "pickup.collected"]
    assert endpoint.secret == "shh"
