"""Pickups and returns carry their order's customer (read by index on the customer's page):
the copy follows the order wherever its customer changes, and a merge and its undo move it."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from customers.factories import CustomerFactory
from customers.identity import InboundCustomer
from customers.models import Customer
from customers.services import customer_merge, customer_merge_undo
from journeys.factories import OrderFactory, OrderLineFactory
from journeys.ingest import LineInput, OrderInput, order_upsert
from journeys.models import Fulfilment, Order, Pickup, Return
from journeys.services import pickup_create, return_record
from omni.factories import ProductFactory, StoreFactory
from tests.admin_helpers import admin_url, inline_management_data

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 11, 1, 10, 0))


def owners(order: Order) -> set[int | None]:
    pickups = Pickup.objects.filter(order=order).values_list("customer_id", flat=True)
    returns = Return.objects.filter(order=order).values_list("customer_id", flat=True)
    return {*pickups, *returns}


def _order(email: str, updated_at: datetime.datetime) -> OrderInput:
    return OrderInput(
        source="shopify",
        external_reference="C-1",
        channel="web",
        placed_at=T0,
        fulfilment=Fulfilment.CLICK_AND_COLLECT,
        store_code="paris",
        lines=(LineInput(sku="TRENCH-M", quantity=1, unit_price=Decimal("890.00")),),
        customer=InboundCustomer(email=email),
        source_updated_at=updated_at,
    )


def test_services_give_new_pickups_and_returns_the_orders_customer() -> None:
    order = OrderFactory(channel="web", fulfilment="click_and_collect")
    line = OrderLineFactory(order=order, quantity=1, total=Decimal("90.00"))
    pickup_create(order=order, store=order.store)
    return_record(order=order, lines=[(line, 1)], channel="store", actor=None)
    assert owners(order) == {order.customer_id}


def test_an_order_moved_by_the_shop_takes_its_pickup_and_returns_along() -> None:
    ProductFactory(sku="TRENCH-M")
    StoreFactory(code="paris")
    order = order_upsert(_order("first@example.fr", T0)).order
    line = order.lines.get()
    return_record(order=order, lines=[(line, 1)], channel="store", actor=None)
    first = order.customer_id
    moved = order_upsert(_order("second@example.fr", T0 + datetime.timedelta(hours=1))).order
    assert moved.customer_id != first
    assert owners(moved) == {moved.customer_id}


def test_an_order_moved_in_the_admin_takes_its_pickup_along(admin_client: Client) -> None:
    order = OrderFactory(channel="web", fulfilment="click_and_collect")
    pickup_create(order=order, store=order.store)
    other = CustomerFactory()
    url = admin_url(Order, "change", order.pk)
    page = admin_client.get(url)
    placed = timezone.localtime(order.placed_at)
    data = {
        **inline_management_data(page),
        "source": order.source,
        "external_reference": order.external_reference,
        "customer": other.pk,
        "placed_at_0": placed.strftime("%Y-%m-%d"),
        "placed_at_1": placed.strftime("%H:%M:%S"),
        "channel": order.channel,
        "store": order.store_id,
        "fulfilment": order.fulfilment,
        "currency": order.currency,
        **{name: getattr(order, name) for name in ("subtotal", "discount_total", "total")},
        "shipping_total": order.shipping_total,
        "tax_total": order.tax_total,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.customer_id == other.pk
    assert owners(order) == {other.pk}


def test_a_merge_moves_them_and_its_undo_gives_them_back() -> None:
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    order = OrderFactory(customer=absorbed, channel="web", fulfilment="click_and_collect")
    line = OrderLineFactory(order=order, quantity=1, total=Decimal("90.00"))
    pickup_create(order=order, store=order.store)
    return_record(order=order, lines=[(line, 1)], channel="store", actor=None)
    merge = customer_merge(survivor=survivor, absorbed=absorbed, actor=None)
    assert owners(order) == {survivor.pk}
    customer_merge_undo(merge=merge, actor=None)
    assert owners(order) == {absorbed.pk}
    assert Customer.objects.get(pk=absorbed.pk).merged_into_id is None
