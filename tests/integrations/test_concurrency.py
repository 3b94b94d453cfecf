"""The same webhook delivered many times at once is stored once and applied once.

Threads post through the whole view stack (signature, inbox, on-commit task run in-process)
against the real database: PostgreSQL in CI, where the unique constraint on the delivery id and
the order's row lock do the work; SQLite serialises the writers instead.
"""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from journeys.integrations.models import ShopIntegration, WebhookDelivery
from journeys.models import Order, OrderLine
from tests.integrations.conftest import as_body, shopify_headers, shopify_order

SENDERS = 20


def _post_at_once(bodies_and_headers: list[tuple[bytes, dict]]) -> list[tuple[int, str]]:
    """Post all at the same moment from as many threads; (HTTP status, "accepted"/"duplicate")."""
    barrier = threading.Barrier(len(bodies_and_headers))
    answers: list[tuple[int, str]] = []

    def post(body: bytes, headers: dict) -> None:
        client = Client()
        barrier.wait()
        try:
            response = client.post(
                "/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers
            )
            answers.append((response.status_code, response.json()["status"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in bodies_and_headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.django_db(transaction=True)
def test_one_delivery_sent_twenty_times_at_once_makes_one_order(
    shopify_shop: ShopIntegration,
) -> None:
    body = as_body(shopify_order())
    headers = shopify_headers("orders/create", body, **{"X-Shopify-Webhook-Id": "same-delivery"})

    answers = _post_at_once([(body, headers)] * SENDERS)

    assert sorted(answers) == [(200, "accepted")] + [(200, "duplicate")] * (SENDERS - 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("processed", 1)
    assert (Order.objects.count(), OrderLine.objects.count()) == (1, 3)


@pytest.mark.django_db(transaction=True)
def test_twenty_deliveries_of_one_order_at_once_make_one_order(
    shopify_shop: ShopIntegration,
) -> None:
    body = as_body(shopify_order())
    topics = ["orders/create", "orders/updated"]
    pairs = [
        (
            body,
            shopify_headers(
                topics[number % 2], body, **{"X-Shopify-Webhook-Id": str(uuid.uuid4())}
            ),
        )
        for number in range(SENDERS)
    ]

    answers = _post_at_once(pairs)

    assert answers == [(200, "accepted")] * SENDERS
    assert WebhookDelivery.objects.filter(status="processed").count() == SENDERS
    assert (Order.objects.count(), OrderLine.objects.count()) == (1, 3)
    outcomes = sorted(WebhookDelivery.objects.values_list("outcome", flat=True))
    assert sum("created" in outcome for outcome in outcomes) == 1
