"""The orders change feed: every change of an order, its pickup, its returns or its owner shows
in `GET /api/v1/orders?updated_since=...`, read through the real endpoint.

Each test first ages every order, checks that the feed is empty from a checkpoint, changes one
thing, and reads the feed again. A cancelled order's pickup never becomes ready.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.factories import CustomerFactory
from customers.services import customer_merge, customer_merge_undo
from journeys.factories import OrderFactory, OrderLineFactory, PickupFactory
from journeys.integrations.models import WebhookDelivery
from journeys.models import Order, Pickup
from journeys.services import (
    order_set_status,
    pickup_cancel,
    pickup_create,
    pickup_hand_over,
    pickup_mark_ready,
    pickup_start_preparing,
)
from omni.api.clients import api_client_create
from omni.errors import DomainError
from omni.models import ApiScope, Store
from tests.integrations.conftest import payload, shopify_order

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - datetime.timedelta(days=30)
PREPARED_FOR_PICKUP = "fulfillment_orders/line_items_prepared_for_pickup"


@pytest.fixture
def feed() -> APIClient:
    _client, token = api_client_create(name="change-feed", scopes=ApiScope.values)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _checkpoint() -> datetime.datetime:
    """Age every order, and give the time from which the feed must show what changes next."""
    Order.objects.update(updated_at=LONG_AGO)
    return timezone.now()


def _changed(feed: APIClient, since: datetime.datetime) -> list[dict]:
    response = feed.get(
        "/api/v1/orders", {"updated_since": since.isoformat().replace("+00:00", "Z")}
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _references(feed: APIClient, since: datetime.datetime) -> list[str]:
    return [row["external_reference"] for row in _changed(feed, since)]


def _prepared_for_pickup(send) -> None:
    fulfilment_order = payload("shopify_fulfillment_orders_list.json")["fulfillment_orders"][0]
    fulfilment_order["delivery_method"] = {"method_type": "pick_up"}
    send.shopify(PREPARED_FOR_PICKUP, {"fulfillment_order": fulfilment_order})


def test_the_prepared_for_pickup_webhook_shows_the_order_in_the_feed(
    send, shopify_shop, feed: APIClient, store: Store
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    since = _checkpoint()
    assert _changed(feed, since) == []

    _prepared_for_pickup(send)

    [row] = _changed(feed, since)
    assert row["external_reference"] == "450789469"
    assert (row["fulfilment"], row["store"], row["pickup"]["status"]) == (
        "click_and_collect",
        store.code,
        "ready",
    )


def test_a_cancelled_orders_pickup_is_not_made_ready_by_the_webhook(
    send, shopify_shop, feed: APIClient
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[], cancelled_at="2008-01-10T12:00:00Z"))
    assert Order.objects.get().status == "cancelled"
    since = _checkpoint()

    _prepared_for_pickup(send)

    delivery = WebhookDelivery.objects.get(topic=PREPARED_FOR_PICKUP)
    assert delivery.status == "ignored"
    assert "cancelled" in delivery.outcome
    assert not Pickup.objects.exists()
    assert Order.objects.get().fulfilment == "shipping"
    assert _changed(feed, since) == []


@pytest.fixture
def pickup(store: Store) -> Pickup:
    return PickupFactory(order__store=store, store=store, order__external_reference="W-7")


def test_each_move_of_a_pickup_shows_its_order_in_the_feed(
    feed: APIClient, pickup: Pickup, associate
) -> None:
    moves = [
        lambda: pickup_start_preparing(pickup=pickup, actor=associate.user),
        lambda: pickup_mark_ready(pickup=pickup, actor=associate.user),
        lambda: pickup_hand_over(pickup=pickup, code=pickup.code, actor=associate.user),
    ]
    statuses = []
    for move in moves:
        since = _checkpoint()
        assert _changed(feed, since) == []
        move()
        pickup.refresh_from_db()
        [row] = _changed(feed, since)
        statuses.append((row["external_reference"], row["pickup"]["status"]))

    assert statuses == [("W-7", "preparing"), ("W-7", "ready"), ("W-7", "collected")]


def test_opening_and_cancelling_a_pickup_show_the_order_in_the_feed(
    feed: APIClient, store: Store, associate
) -> None:
    order = OrderFactory(store=store, channel="web", external_reference="W-8")
    since = _checkpoint()

    opened = pickup_create(order=order, store=store)
    assert _references(feed, since) == ["W-8"]

    since = _checkpoint()
    pickup_cancel(pickup=opened, actor=associate.user, reason="Out of stock")
    [row] = _changed(feed, since)
    assert (row["external_reference"], row["pickup"]["status"]) == ("W-8", "cancelled")


def test_a_cancelled_orders_pickup_cannot_be_prepared_or_made_ready(
    pickup: Pickup, associate, store: Store
) -> None:
    order_set_status(order=pickup.order, status="cancelled", actor=associate.user)

    with pytest.raises(DomainError) as refused:
        pickup_mark_ready(pickup=pickup, actor=associate.user)
    with pytest.raises(DomainError):
        pickup_start_preparing(pickup=pickup, actor=associate.user)
    with pytest.raises(DomainError) as not_opened:
        pickup_create(order=OrderFactory(status="cancelled", store=store), store=store)

    assert refused.value.code == not_opened.value.code == "order_cancelled"
    pickup.refresh_from_db()
    assert (pickup.status, pickup.ready_at, pickup.status_changes.count()) == ("placed", None, 0)
    assert Pickup.objects.count() == 1
    # Cancelling it stays possible.
    pickup_cancel(pickup=pickup, actor=associate.user)
    assert Pickup.objects.get().status == "cancelled"


def test_a_refund_from_the_shop_shows_the_order_with_its_return(
    send, shopify_shop, feed: APIClient
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    since = _checkpoint()

    refund = payload("shopify_refunds_list.json")["refunds"][0]
    send.shopify("refunds/create", refund)

    [row] = _changed(feed, since)
    assert [item["refund_amount"] for item in row["returns"]] == ["209.00"]
    assert row["returns"][0]["adjustment"] == "-190.29"


def test_a_return_recorded_through_the_api_shows_the_order_in_the_feed(
    feed: APIClient, store: Store
) -> None:
    order = OrderFactory(store=store, external_reference="P-9")
    OrderLineFactory(order=order, line_number=1)
    since = _checkpoint()

    response = feed.post(
        f"/api/v1/orders/{order.pk}/returns",
        {"lines": [{"line_number": 1, "quantity": 1}], "channel": "store"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert _references(feed, since) == ["P-9"]


def test_a_customer_merge_and_its_undo_show_the_moved_orders_in_the_feed(
    feed: APIClient, store: Store, marketer
) -> None:
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    OrderFactory(customer=survivor, store=store, external_reference="KEPT")
    OrderFactory(customer=absorbed, store=store, external_reference="MOVED")
    since = _checkpoint()

    merge = customer_merge(survivor=survivor, absorbed=absorbed, actor=marketer)

    [row] = _changed(feed, since)
    assert (row["external_reference"], row["customer"]) == ("MOVED", survivor.pk)

    since = _checkpoint()
    customer_merge_undo(merge=merge, actor=marketer)

    [row] = _changed(feed, since)
    assert (row["external_reference"], row["customer"]) == ("MOVED", absorbed.pk)
