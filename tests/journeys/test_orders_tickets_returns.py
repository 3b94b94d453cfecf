from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.factories import CustomerFactory
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    OrderLineFactory,
    WishlistItemFactory,
)
from journeys.models import AfterSalesTicket, Order, OrderLine, Return, WishlistItem
from journeys.services import (
    order_set_status,
    return_record,
    ticket_add_message,
    ticket_open,
    ticket_transition,
    wishlist_add_item,
    wishlist_remove_item,
)
from omni.errors import DomainError, InvalidTransitionError
from omni.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_order_reference_is_unique_per_source() -> None:
    OrderFactory(source="shopify", external_reference="1001")
    OrderFactory(source="woocommerce", external_reference="1001")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(source="shopify", external_reference="1001")
    assert Order.objects.count() == 2


@pytest.mark.parametrize("field", ["total", "subtotal", "shipping_total", "discount_total"])
def test_negative_order_amounts_are_refused_by_the_database(field: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(**{field: Decimal("-1.00")})
    assert not Order.objects.exists()


def test_line_quantity_must_be_positive_in_the_database() -> None:
    line = OrderLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(quantity=0)


def test_unknown_order_status_is_refused_by_the_database() -> None:
    order = OrderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status="lost")


def test_order_status_workflow_records_history(associate) -> None:
    order = OrderFactory(status=Order.Status.PENDING)
    order = order_set_status(order=order, status="confirmed", actor=associate.user)
    with pytest.raises(InvalidTransitionError):
        order_set_status(order=order, status="pending", actor=associate.user)
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert order.status_changes.get().actor == associate.user


def test_web_order_returned_in_a_store(associate) -> None:
    order = OrderFactory(channel="web", source="shopify", store=None)
    line = OrderLineFactory(
        order=order, quantity=2, unit_price=Decimal("45.00"), total=Decimal("90.00")
    )

    returned = return_record(
        order=order, lines=[(line, 1)], channel="store", store=associate.store, actor=associate.user
    )

    assert returned.channel == "store"
    assert returned.store == associate.store
    assert returned.refund_amount == Decimal("45.00")
    assert returned.lines.get().quantity == 1


def test_cannot_return_more_than_was_bought(associate) -> None:
    order = OrderFactory()
    line = OrderLineFactory(order=order, quantity=1)
    return_record(order=order, lines=[(line, 1)], channel="store", actor=associate.user)
    with pytest.raises(DomainError, match="Only 0"):
        return_record(order=order, lines=[(line, 1)], channel="store", actor=associate.user)
    assert Return.objects.count() == 1


def test_cannot_return_a_line_of_another_order(associate) -> None:
    order = OrderFactory()
    foreign_line = OrderLineFactory()
    with pytest.raises(DomainError, match="not part of this order"):
        return_record(order=order, lines=[(foreign_line, 1)], channel="store", actor=associate.user)
    assert not Return.objects.exists()


def test_ticket_workflow_through_to_closed(associate) -> None:
    line = OrderLineFactory()
    ticket = ticket_open(
        customer=line.order.customer,
        kind="repair",
        subject="Broken zip",
        channel="store",
        actor=associate.user,
        store=associate.store,
        order_line=line,
    )
    assert ticket.reference.startswith("SAV-")
    assert ticket.product == line.product
    for status in ("in_progress", "waiting_customer", "in_progress", "ready"):
        ticket = ticket_transition(ticket=ticket, status=status, actor=associate.user)
    ticket = ticket_transition(
        ticket=ticket, status="closed", actor=associate.user, note="Zip replaced"
    )
    assert ticket.closed_at is not None
    assert ticket.resolution == "Zip replaced"
    assert ticket.status_changes.count() == 5


def test_closed_ticket_cannot_reopen_nor_take_messages(associate) -> None:
    ticket = AfterSalesTicketFactory(status=AfterSalesTicket.Status.CLOSED)
    with pytest.raises(InvalidTransitionError, match="from “closed” to “in_progress”"):
        ticket_transition(ticket=ticket, status="in_progress", actor=associate.user)
    with pytest.raises(DomainError, match="closed"):
        ticket_add_message(ticket=ticket, body="Hello", actor=associate.user)
    assert ticket.messages.count() == 0


def test_ticket_for_someone_elses_order_line_is_refused(associate) -> None:
    line = OrderLineFactory()
    with pytest.raises(DomainError, match="another customer"):
        ticket_open(
            customer=CustomerFactory(),
            kind="repair",
            subject="Zip",
            channel="store",
            actor=associate.user,
            order_line=line,
        )
    assert not AfterSalesTicket.objects.exists()


def test_wishlist_is_shared_by_web_and_store(associate) -> None:
    customer = CustomerFactory()
    product = ProductFactory()
    web_item = wishlist_add_item(customer=customer, product=product, channel="web", size="M")
    store_item = wishlist_add_item(
        customer=customer,
        product=ProductFactory(),
        channel="store",
        actor=associate.user,
        store=associate.store,
    )
    assert web_item.wishlist_id == store_item.wishlist_id
    assert store_item.added_by == associate.user
    with pytest.raises(DomainError, match="already on the wishlist"):
        wishlist_add_item(customer=customer, product=product, channel="store", size="M")
    wishlist_remove_item(item=web_item, channel="store")
    wishlist_add_item(customer=customer, product=product, channel="store", size="M")
    assert WishlistItem.objects.filter(removed_at__isnull=True).count() == 2


def test_active_wishlist_item_is_unique_in_the_database() -> None:
    item = WishlistItemFactory(size="M")
    with pytest.raises(IntegrityError), transaction.atomic():
        WishlistItemFactory(wishlist=item.wishlist, product=item.product, size="M")
