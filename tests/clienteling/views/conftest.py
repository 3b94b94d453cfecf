"""Fixtures for the tablet app's views: signed-in clients and a customer with a long history."""

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from clienteling import sms
from clienteling.factories import AppointmentFactory, AssociateFactory, NoteFactory
from clienteling.models import Associate
from customers.factories import ConsentFactory, CustomerFactory, PreferenceFactory
from customers.models import Customer
from journeys.factories import (
    AfterSalesTicketFactory,
    PickupFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import LifecycleTrigger, Order, OrderLine, Pickup, Return, ReturnLine
from omni.factories import ProductFactory, ServiceFactory, SpecialtyFactory
from omni.models import Service, Store

HISTORY_ORDERS = 300


@pytest.fixture(autouse=True)
def sms_outbox(settings: object) -> Iterator[list[sms.TextMessage]]:
    settings.OMNI_SMS_BACKEND = "clienteling.sms.LocmemSmsBackend"  # type: ignore[attr-defined]
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _in_english(associate: Associate) -> Associate:
    """Associates default to French; these tests read the English wording (the French
    translation has its own tests)."""
    associate.preferred_language = "en"
    associate.save(update_fields=["preferred_language"])
    return associate


@pytest.fixture
def associate(associate: Associate) -> Associate:
    return _in_english(associate)


@pytest.fixture
def store_manager(store_manager: Associate) -> Associate:
    return _in_english(store_manager)


@pytest.fixture
def other_store_associate(other_store_associate: Associate) -> Associate:
    return _in_english(other_store_associate)


def signed_in(associate: Associate) -> Client:
    client = Client()
    client.force_login(associate.user)
    return client


@pytest.fixture
def associate_client(associate: Associate) -> Client:
    return signed_in(associate)


@pytest.fixture
def manager_client(store_manager: Associate) -> Client:
    return signed_in(store_manager)


@pytest.fixture
def other_store_client(other_store_associate: Associate) -> Client:
    return signed_in(other_store_associate)


@pytest.fixture
def htmx() -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(store: Store) -> Customer:
    customer = CustomerFactory(
        first_name="Hélène", last_name="Dupont-Éluard", loyalty_tier="gold", preferred_store=store
    )
    PreferenceFactory(customer=customer)
    return customer


@pytest.fixture
def service(store: Store) -> Service:
    specialty = SpecialtyFactory(code="esthetician", name="Esthetician")
    service = ServiceFactory(
        code="brow-styling", name="Brow styling", duration_minutes=30, required_specialty=specialty
    )
    store.services.add(service)
    return service


@pytest.fixture
def esthetician(store: Store, service: Service) -> Associate:
    person = AssociateFactory(
        user__username="esthetician", user__first_name="Inès", user__last_name="Morel", store=store
    )
    person.specialties.add(service.required_specialty)
    return person


@pytest.fixture
def pickup(store: Store, customer: Customer) -> Pickup:
    return PickupFactory(order__customer=customer, order__store=store, store=store)


def _bulk_history(customer: Customer, store: Store, count: int) -> None:
    product = ProductFactory()
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            customer=customer,
            source="pos" if number % 2 else "shopify",
            external_reference=f"HIST-{customer.pk}-{number:05d}",
            channel="store" if number % 2 else "web",
            placed_at=now - datetime.timedelta(days=number, hours=1),
            store=store,
            subtotal=Decimal("120.00"),
            total=Decimal("120.00"),
        )
        for number in range(count)
    )
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            line_number=1,
            product=product,
            sku=product.sku,
            name=product.name,
            quantity=1,
            unit_price=Decimal("120.00"),
            total=Decimal("120.00"),
        )
        for order in orders
    )
    returns = Return.objects.bulk_create(
        Return(
            order=order,
            customer=customer,
            source="pos",
            external_reference=f"HIST-R-{order.pk}",
            channel="store",
            returned_at=order.placed_at + datetime.timedelta(days=2),
            refund_amount=Decimal("120.00"),
        )
        for order in orders[::10]
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(parent=parent, order_line=line, quantity=1, refund_amount=Decimal("120.00"))
        for parent, line in zip(returns, lines[::10], strict=False)
    )


@pytest.fixture
def long_history_customer(customer: Customer, store: Store, associate: Associate) -> Customer:
    """A customer with a few hundred orders, and some of everything else."""
    _bulk_history(customer, store, HISTORY_ORDERS)
    for number in range(30):
        TouchpointFactory(
            customer=customer, occurred_at=timezone.now() - datetime.timedelta(days=number)
        )
        NoteFactory(customer=customer, author=associate.user, store=store)
    for _number in range(5):
        WishlistItemFactory(wishlist__customer=customer)
        AfterSalesTicketFactory(customer=customer, store=store)
        PickupFactory(order__customer=customer, order__store=store, store=store)
    AppointmentFactory(customer=customer, associate__store=store)
    ConsentFactory(customer=customer)
    # As after any write of her orders (bulk_create above bypasses the services that queue it).
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger=LifecycleTrigger.EVENT)
    return customer
