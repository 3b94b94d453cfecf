"""factory-boy factories for orders, pickups, tickets... (used by tests and by seed_demo)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from customers.factories import CustomerFactory
from journeys.models import (
    AfterSalesTicket,
    LifecycleStageChange,
    Order,
    OrderLine,
    Pickup,
    Return,
    Touchpoint,
    Wishlist,
    WishlistItem,
)
from journeys.pickup_codes import new_pickup_code
from journeys.ticket_references import ticket_reference_for_number
from omni.factories import ProductFactory, StoreFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    source = "pos"
    external_reference = factory.Sequence(lambda number: f"ORD-{number:07d}")
    channel = "store"
    placed_at = factory.LazyFunction(timezone.now)
    store = factory.SubFactory(StoreFactory)
    subtotal = Decimal("890.00")
    total = Decimal("890.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    line_number = factory.Sequence(lambda number: number % 30000 + 1)
    product = factory.SubFactory(ProductFactory)
    sku = factory.LazyAttribute(lambda line: line.product.sku)
    name = factory.LazyAttribute(lambda line: line.product.name)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda line: line.product.price)
    total = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return

    order = factory.SubFactory(OrderFactory)
    customer = factory.SelfAttribute("order.customer")
    source = "pos"
    external_reference = factory.Sequence(lambda number: f"RET-{number:07d}")
    channel = "store"
    returned_at = factory.LazyFunction(timezone.now)
    refund_amount = Decimal("0.00")


class WishlistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wishlist
        django_get_or_create = ("customer", "name")

    customer = factory.SubFactory(CustomerFactory)
    name = "Wishlist"


class WishlistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WishlistItem

    wishlist = factory.SubFactory(WishlistFactory)
    customer = factory.SelfAttribute("wishlist.customer")
    product = factory.SubFactory(ProductFactory)
    added_at = factory.LazyFunction(timezone.now)
    added_via = "web"


class AfterSalesTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterSalesTicket

    reference = factory.Sequence(ticket_reference_for_number)
    customer = factory.SubFactory(CustomerFactory)
    kind = AfterSalesTicket.Kind.REPAIR
    subject = "Broken zip"
    store = factory.SubFactory(StoreFactory)
    channel_opened = "store"
    sla_due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class PickupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pickup

    order = factory.SubFactory(
        OrderFactory, channel="web", source="shopify", fulfilment="click_and_collect"
    )
    customer = factory.SelfAttribute("order.customer")
    store = factory.SelfAttribute("order.store")
    code = factory.LazyFunction(new_pickup_code)
    pickup_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    customer = factory.SubFactory(CustomerFactory)
    channel = "web"
    kind = Touchpoint.Kind.PRODUCT_VIEW
    occurred_at = factory.LazyFunction(timezone.now)


class LifecycleStageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LifecycleStageChange

    customer = factory.SubFactory(CustomerFactory)
    from_stage = "conversion"
    to_stage = "retention"
    changed_at = factory.LazyFunction(timezone.now)
    reason = "2 purchases"
    trigger = "event"
