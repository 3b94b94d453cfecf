"""Shops, real payload samples and a signed-webhook sender for the integration tests."""

import base64
import copy
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from celery import current_app
from django.http import HttpResponse
from django.test import Client

from journeys.integrations.models import ShopIntegration
from omni.models import Store
from tests.integrations.fake_shop import FakeShop

PAYLOADS = Path(__file__).parent / "payloads"
SHOPIFY_SECRET = "shpss_test_app_client_secret"
WOOCOMMERCE_SECRET = "wc-test-webhook-secret"


@cache
def _read(name: str) -> str:
    return (PAYLOADS / name).read_text()


def payload(name: str) -> Any:
    """A fresh copy of a real sample (tests may change it)."""
    return json.loads(_read(name))


def shopify_order(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(payload("shopify_order_get.json")["order"])
    order.update(changes)
    return order


def woocommerce_order(**changes: Any) -> dict[str, Any]:
    order = payload("woocommerce_order.json")
    order.update(changes)
    return order


def hmac_base64(body: bytes, secret: str) -> str:
    """Written out here rather than imported, so the tests check the code under test."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def as_body(data: Any) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data).encode()


def shopify_headers(topic: str, body: bytes, **overrides: str) -> dict[str, str]:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": hmac_base64(body, SHOPIFY_SECRET),
        "X-Shopify-Shop-Domain": "maison-omni.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-02T10:00:00.000Z",
    }
    return {**headers, **overrides}


def woocommerce_headers(topic: str, body: bytes, **overrides: str) -> dict[str, str]:
    resource, _, event = topic.partition(".")
    headers = {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": hmac_base64(body, WOOCOMMERCE_SECRET),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
    }
    return {**headers, **overrides}


@dataclass
class WebhookSender:
    """Posts signed webhooks through the test client and runs what they queue after commit."""

    client: Client
    capture: Callable

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        with self.capture(execute=True):
            return self.client.post(
                path, data=body, content_type="application/json", headers=headers
            )

    def shopify(
        self, topic: str, data: Any, *, slug: str = "shopify", **headers: str
    ) -> HttpResponse:
        body = as_body(data)
        return self.post(
            f"/webhooks/shopify/{slug}/", body, shopify_headers(topic, body, **headers)
        )

    def woocommerce(
        self, topic: str, data: Any, *, slug: str = "woocommerce", **headers: str
    ) -> HttpResponse:
        body = as_body(data)
        return self.post(
            f"/webhooks/woocommerce/{slug}/", body, woocommerce_headers(topic, body, **headers)
        )


@pytest.fixture
def send(client: Client, django_capture_on_commit_callbacks: Callable) -> WebhookSender:
    return WebhookSender(client, django_capture_on_commit_callbacks)


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Run Celery retries in-process, as a worker would (immediately: countdowns are skipped).

    With eager propagation on (the default settings), a retry surfaces as an exception instead.
    """
    current_app.conf.task_eager_propagates = False
    yield
    current_app.conf.task_eager_propagates = True


@pytest.fixture
def fake_shop() -> Iterator[FakeShop]:
    """A shop over real HTTP on 127.0.0.1, for what the connectors read from the shop."""
    shop = FakeShop().start()
    yield shop
    shop.stop()


@pytest.fixture
def shopify_shop(store: Store) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Maison Omni (Shopify)",
        slug="shopify",
        base_url="https://maison-omni.myshopify.com",
        api_secret="shpat_test_token",
        webhook_secret=SHOPIFY_SECRET,
        pickup_store=store,
    )


@pytest.fixture
def woocommerce_shop(store: Store) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="woocommerce",
        name="Maison Omni (WooCommerce)",
        slug="woocommerce",
        base_url="https://shop.example.com",
        api_key="ck_test",
        api_secret="cs_test",
        webhook_secret=WOOCOMMERCE_SECRET,
        pickup_store=store,
    )
