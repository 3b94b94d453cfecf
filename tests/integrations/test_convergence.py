"""Shuffled and duplicated event sequences converge to the latest state.

Shops deliver at least once and in no particular order. Whatever order the versions of an order
arrive in, and however often, Omni ends with the newest version (by the shop's updated_at), one
order, one pickup, and every refund once.
"""

import copy
import datetime
import random
import uuid
from decimal import Decimal

import pytest

from journeys.integrations.models import WebhookDelivery
from journeys.models import Order, Pickup, Return
from journeys.tasks import webhook_delivery_process_task
from tests.integrations.conftest import payload, shopify_order, woocommerce_order

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _shopify_versions(*, last_status: str) -> list[tuple[str, dict]]:
    """Five versions of one click & collect order, each a little later than the one before."""
    base = shopify_order(refunds=[])
    base["shipping_lines"][0]["delivery_method"] = {"method_type": "pickup"}
    versions = []
    for number in range(5):
        version = copy.deepcopy(base)
        version["updated_at"] = (T0 + datetime.timedelta(minutes=number)).isoformat()
        version["line_items"] = version["line_items"][: 1 + number % 3]
        version["line_items"][0]["quantity"] = 1 + number
        versions.append(("orders/updated" if number else "orders/create", version))
    topic, last = versions[-1]
    if last_status == "cancelled":
        last["cancelled_at"] = last["updated_at"]
        topic = "orders/cancelled"
    else:
        last["fulfillment_status"] = "fulfilled"
    versions[-1] = (topic, last)
    refund = payload("shopify_refunds_list.json")["refunds"][0]
    versions.append(("refunds/create", refund))
    return versions


def _deliveries_shuffled_with_duplicates(
    versions: list[tuple[str, dict]], seed: int
) -> list[tuple[str, dict, str]]:
    """Each version once, some sent again with the same delivery id, some as a new delivery."""
    rng = random.Random(seed)
    deliveries = [(topic, data, str(uuid.uuid4())) for topic, data in versions]
    deliveries += rng.sample(deliveries, 3)  # Shop retries: same delivery id.
    deliveries += [(topic, data, str(uuid.uuid4())) for topic, data, _ in rng.sample(deliveries, 3)]
    rng.shuffle(deliveries)
    return deliveries


def _run_the_retries_a_worker_would_run_later() -> None:
    """A refund received before its order waits; the task's delayed retry then applies it."""
    for delivery_id in WebhookDelivery.objects.filter(status="received").values_list(
        "pk", flat=True
    ):
        webhook_delivery_process_task.delay(delivery_id)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("last_status", ["fulfilled", "cancelled"])
def test_shopify_order_versions_in_any_order_end_at_the_newest(
    send, shopify_shop, seed: int, last_status: str
) -> None:
    versions = _shopify_versions(last_status=last_status)

    for topic, data, delivery_id in _deliveries_shuffled_with_duplicates(versions, seed):
        response = send.shopify(topic, data, **{"X-Shopify-Webhook-Id": delivery_id})
        assert response.status_code == 200
    _run_the_retries_a_worker_would_run_later()

    order = Order.objects.get()
    assert order.status == last_status
    assert order.source_updated_at == T0 + datetime.timedelta(minutes=4)
    assert list(order.lines.values_list("sku", "quantity")) == [
        ("IPOD2008GREEN", 5),
        ("IPOD2008RED", 1),
    ]
    pickups = list(Pickup.objects.values_list("status", flat=True))
    if last_status == "cancelled":
        # Cancelled before or after its pickup was opened: in any case, none is left active.
        assert pickups in ([], ["cancelled"])
    else:
        assert pickups == ["placed"]
    assert Return.objects.get().external_reference == "509562969"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}


@pytest.mark.parametrize("seed", range(4))
def test_woocommerce_order_versions_in_any_order_end_at_the_newest(
    send, woocommerce_shop, seed: int
) -> None:
    statuses = ["pending", "processing", "on-hold", "processing", "completed"]
    versions = []
    for number, status in enumerate(statuses):
        version = woocommerce_order(
            status=status,
            date_modified_gmt=f"2017-03-22T19:3{number}:00",
            shipping_total=f"{number}.00",
        )
        versions.append(("order.updated", version))
    rng = random.Random(seed)
    deliveries = [*versions, *rng.sample(versions, 3)]
    rng.shuffle(deliveries)

    for topic, data in deliveries:
        send.woocommerce(topic, data)

    order = Order.objects.get()
    assert (order.status, order.shipping_total) == ("completed", Decimal("4.00"))
    assert WebhookDelivery.objects.filter(status="processed").count() == len(deliveries)
