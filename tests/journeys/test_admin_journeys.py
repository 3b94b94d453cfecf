"""Head-office admin of orders, pickups and SAV tickets: workflow actions call the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.factories import CustomerFactory
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    PickupFactory,
    WishlistFactory,
)
from journeys.models import AfterSalesMessage, AfterSalesTicket, Order, Pickup, Return, WishlistItem
from omni.factories import ProductFactory, StoreFactory, UserFactory
from tests.admin_helpers import admin_url, inline_management_data, run_action

ALLOWED_MOVES = [
    (OrderFactory, "order_to_fulfilled", "fulfilled", "Fulfilled"),
    (OrderFactory, "order_to_cancelled", "cancelled", "Cancelled"),
    (PickupFactory, "pickup_start_preparing", "preparing", "Preparing"),
    (PickupFactory, "pickup_cancel", "cancelled", "Cancelled"),
    (AfterSalesTicketFactory, "ticket_to_in_progress", "in_progress", "In progress"),
    (AfterSalesTicketFactory, "ticket_to_cancelled", "cancelled", "Cancelled"),
]
REFUSED_MOVES = [
    (OrderFactory, "order_to_completed", "confirmed"),
    (PickupFactory, "pickup_mark_ready", "placed"),
    (PickupFactory, "pickup_expire", "placed"),
    (AfterSalesTicketFactory, "ticket_to_closed", "open"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "action", "status", "label"), ALLOWED_MOVES)
def test_action_moves_the_record_through_the_service(
    admin_client: Client, superuser: User, factory: type, action: str, status: str, label: str
) -> None:
    record = factory()

    messages = run_action(admin_client, factory._meta.model, action, [record])

    assert messages == [f"{record} is now “{label}”."]
    record.refresh_from_db()
    assert record.status == status
    change = record.status_changes.get()
    assert (change.to_status, change.actor) == (status, superuser)


@pytest.mark.django_db
@pytest.mark.parametrize(("factory", "action", "status"), REFUSED_MOVES)
def test_refused_action_shows_why_and_changes_nothing(
    admin_client: Client, factory: type, action: str, status: str
) -> None:
    record = factory()

    (message,) = run_action(admin_client, factory._meta.model, action, [record])

    assert message.startswith(f"{record}: ")
    record.refresh_from_db()
    assert record.status == status
    assert not record.status_changes.exists()


@pytest.mark.django_db
def test_action_reports_each_pickup_on_its_own(admin_client: Client, superuser: User) -> None:
    placed = PickupFactory()
    preparing = PickupFactory(status=Pickup.Status.PREPARING)

    messages = run_action(admin_client, Pickup, "pickup_mark_ready", [placed, preparing])

    assert sorted(messages) == sorted(
        [
            f"{placed}: A pickup cannot go from “placed” to “ready”.",
            f"{preparing} is now “Ready for pickup”.",
        ]
    )
    placed.refresh_from_db()
    preparing.refresh_from_db()
    assert (placed.status, preparing.status) == ("placed", "ready")
    assert preparing.ready_at is not None
    assert preparing.status_changes.get().actor == superuser


@pytest.mark.django_db
def test_action_runs_from_the_pickup_page(admin_client: Client, superuser: User) -> None:
    pickup = PickupFactory()
    url = admin_url(Pickup, "change", pickup.pk)

    response = admin_client.post(
        url,
        {"CHANGE_FORM-action": "pickup_start_preparing", "_selected_action": pickup.pk},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        f"{pickup} is now “Preparing”."
    ]
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.PREPARING
    assert pickup.status_changes.get().actor == superuser


@pytest.mark.django_db
def test_pickup_added_in_the_admin_gets_its_code_from_the_service(admin_client: Client) -> None:
    order = OrderFactory(fulfilment="click_and_collect")
    page = admin_client.get(admin_url(Pickup, "add"))

    response = admin_client.post(
        admin_url(Pickup, "add"),
        {
            "order": order.pk,
            "store": order.store.pk,
            "pickup_by": "",
            **inline_management_data(page),
        },
    )

    assert response.status_code == 302
    pickup = Pickup.objects.get()
    assert (pickup.order, pickup.status, len(pickup.code)) == (order, "placed", 8)


@pytest.mark.django_db
def test_pickup_refused_by_the_service_shows_why(admin_client: Client) -> None:
    order = OrderFactory(store=StoreFactory(offers_click_and_collect=False))
    page = admin_client.get(admin_url(Pickup, "add"))

    response = admin_client.post(
        admin_url(Pickup, "add"),
        {
            "order": order.pk,
            "store": order.store.pk,
            "pickup_by": "",
            **inline_management_data(page),
        },
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        f"{order.store} does not offer click & collect."
    ]
    assert not Pickup.objects.exists()


@pytest.mark.django_db
def test_ticket_opened_in_the_admin_gets_a_reference_and_due_date(
    admin_client: Client, superuser: User
) -> None:
    customer = CustomerFactory()
    page = admin_client.get(admin_url(AfterSalesTicket, "add"))

    response = admin_client.post(
        admin_url(AfterSalesTicket, "add"),
        {
            "customer": customer.pk,
            "kind": "repair",
            "subject": "Broken heel",
            "description": "",
            "channel_opened": "phone",
            "store": "",
            "order_line": "",
            "product": "",
            **inline_management_data(page),
        },
    )

    assert response.status_code == 302
    ticket = AfterSalesTicket.objects.get()
    assert ticket.reference.startswith("SAV-")
    assert ticket.opened_by == superuser
    assert ticket.sla_due_at is not None


@pytest.mark.django_db
def test_message_written_on_the_ticket_page_is_sent_by_the_service(
    admin_client: Client, superuser: User
) -> None:
    ticket = AfterSalesTicketFactory()
    url = admin_url(AfterSalesTicket, "change", ticket.pk)
    page = admin_client.get(url)
    data = {
        "subject": ticket.subject,
        "description": "",
        "order": "",
        "order_line": "",
        "product": "",
        "store": ticket.store.pk,
        "assigned_to": "",
        "sla_due_at_0": ticket.sla_due_at.strftime("%Y-%m-%d"),
        "sla_due_at_1": ticket.sla_due_at.strftime("%H:%M:%S"),
        "resolution": "",
        **inline_management_data(page),
        "messages-TOTAL_FORMS": 1,
        "messages-0-channel": "email",
        "messages-0-body": "  Your repair is under way.  ",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302
    message = AfterSalesMessage.objects.get()
    assert (message.ticket, message.author, message.body) == (
        ticket,
        superuser,
        "Your repair is under way.",
    )
    assert message.sent_at is not None


@pytest.mark.django_db
def test_message_on_a_closed_ticket_is_refused_with_the_reason(admin_client: Client) -> None:
    ticket = AfterSalesTicketFactory(status=AfterSalesTicket.Status.CLOSED)

    response = admin_client.post(
        admin_url(AfterSalesMessage, "add"),
        {"ticket": ticket.pk, "channel": "email", "body": "Hello"},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "This ticket is closed; open a new one."
    ]
    assert not AfterSalesMessage.objects.exists()


@pytest.mark.django_db
def test_ticket_messages_cannot_be_edited(admin_client: Client) -> None:
    ticket = AfterSalesTicketFactory()
    run_action(admin_client, AfterSalesTicket, "ticket_to_in_progress", [ticket])
    message = AfterSalesMessage.objects.create(
        ticket=ticket, channel="email", body="Original", sent_at=ticket.created_at
    )

    response = admin_client.post(
        admin_url(AfterSalesMessage, "change", message.pk),
        {"ticket": ticket.pk, "channel": "email", "body": "Rewritten"},
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.body == "Original"


@pytest.mark.django_db
def test_status_histories_are_read_only(admin_client: Client) -> None:
    order = OrderFactory()
    run_action(admin_client, Order, "order_to_fulfilled", [order])
    change = order.status_changes.get()
    model = type(change)

    added = admin_client.get(admin_url(model, "add"))
    changed = admin_client.post(admin_url(model, "change", change.pk), {"note": "forged"})
    deleted = admin_client.post(admin_url(model, "delete", change.pk), {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    change.refresh_from_db()
    assert change.note == ""


@pytest.mark.django_db
def test_pickup_page_and_list_offer_the_workflow_actions(admin_client: Client) -> None:
    pickup = PickupFactory()

    page = admin_client.get(admin_url(Pickup, "change", pickup.pk)).content.decode()
    listing = admin_client.get(admin_url(Pickup, "changelist")).content.decode()

    assert ">Mark ready</option>" in page
    assert ">Mark selected pickups ready</option>" in listing


# The order list at scale: exact reference, the customer, filters ----------------------------


def orders_found(client: Client, **params: str) -> list[Order]:
    response = client.get(admin_url(Order, "changelist"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.django_db
def test_order_search_finds_an_exact_reference(admin_client: Client) -> None:
    wanted = OrderFactory(external_reference="WEB-100234")
    OrderFactory(external_reference="WEB-100235")

    assert orders_found(admin_client, q=" WEB-100234 ") == [wanted]
    assert orders_found(admin_client, q="WEB-1002") == []


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["Lefèvre", "lefe", "06 11 22 33 44", "ines@example.fr"])
def test_order_search_finds_the_customer_orders(admin_client: Client, search: str) -> None:
    customer = CustomerFactory(
        first_name="Inès", last_name="Lefèvre", phone="+33611223344", email="ines@example.fr"
    )
    older = OrderFactory(customer=customer, placed_at=timezone.now() - timedelta(days=3))
    newer = OrderFactory(customer=customer)
    OrderFactory(customer=CustomerFactory(last_name="Bernard"))

    assert orders_found(admin_client, q=search) == [newer, older]


@pytest.mark.django_db
def test_order_list_filters_by_status_channel_store_and_date(admin_client: Client) -> None:
    store = StoreFactory()
    wanted = OrderFactory(store=store, channel="web", status="pending")
    OrderFactory(store=store, channel="web", status="confirmed")
    OrderFactory(store=store, channel="store", status="pending")
    OrderFactory(channel="web", status="pending")
    OrderFactory(
        store=store,
        channel="web",
        status="pending",
        placed_at=timezone.now() - timedelta(days=400),
    )
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    found = orders_found(
        admin_client,
        status__exact="pending",
        channel__exact="web",
        store__id__exact=str(store.pk),
        placed_at__gte=str(month_start),  # as Django's "This month" writes it
    )

    assert found == [wanted]


ORDER_LIST_QUERIES = [
    {},
    {"q": "martin"},
    {"q": "ORD-0000001"},
    {"status__exact": "pending"},
    {"channel__exact": "web", "fulfilment__exact": "in_store"},
    {"source": "pos"},
    {"o": "-8"},
]


def add_orders(count: int) -> None:
    customer = CustomerFactory(last_name="Martin")
    for _number in range(count):
        OrderFactory(customer=customer, status="pending", channel="web", sold_by=UserFactory())


@pytest.mark.django_db
@pytest.mark.parametrize("params", ORDER_LIST_QUERIES, ids=str)
def test_order_list_queries_do_not_grow_with_rows(
    admin_client: Client, params: dict[str, str]
) -> None:
    url = admin_url(Order, "changelist")
    add_orders(2)
    admin_client.get(url, params)  # caches: session, permissions, content types
    with CaptureQueriesContext(connection) as with_two:
        admin_client.get(url, params)
    add_orders(20)

    with CaptureQueriesContext(connection) as with_many:
        response = admin_client.get(url, params)

    assert response.status_code == 200
    assert len(with_many.captured_queries) == len(with_two.captured_queries) <= 12


@pytest.mark.django_db
def test_return_and_wishlist_item_saved_in_the_admin_carry_their_customer(
    admin_client: Client,
) -> None:
    order = OrderFactory()
    wishlist = WishlistFactory()
    product = ProductFactory()

    returned = admin_client.post(
        admin_url(Return, "add"),
        {
            "order": order.pk,
            "source": "pos",
            "external_reference": "RET-1",
            "channel": "store",
            "status": "received",
            "returned_at_0": "2026-11-02",
            "returned_at_1": "10:00:00",
            "refund_amount": "0",
            "shipping_refund": "0",
            "adjustment": "0",
            "adjustment_reason": "",
            "currency": "EUR",
            **inline_management_data(admin_client.get(admin_url(Return, "add"))),
        },
    )
    wished = admin_client.post(
        admin_url(WishlistItem, "add"),
        {
            "wishlist": wishlist.pk,
            "product": product.pk,
            "size": "",
            "note": "",
            "added_at_0": "2026-11-02",
            "added_at_1": "10:00:00",
            "added_via": "web",
        },
    )

    assert (returned.status_code, wished.status_code) == (302, 302)
    assert Return.objects.get().customer == order.customer
    assert WishlistItem.objects.get().customer == wishlist.customer


@pytest.mark.django_db
def test_the_return_admin_shows_what_the_refund_is_made_of_and_wants_a_reason_for_an_adjustment(
    admin_client: Client,
) -> None:
    order = OrderFactory()
    fields = {
        "order": order.pk,
        "source": "pos",
        "external_reference": "RET-2",
        "channel": "store",
        "status": "refunded",
        "returned_at_0": "2026-11-02",
        "returned_at_1": "10:00:00",
        "refund_amount": "15.00",
        "shipping_refund": "5.00",
        "adjustment": "10.00",
        "adjustment_reason": "",
        "currency": "EUR",
        **inline_management_data(admin_client.get(admin_url(Return, "add"))),
    }

    refused = admin_client.post(admin_url(Return, "add"), fields)
    saved = admin_client.post(
        admin_url(Return, "add"), {**fields, "adjustment_reason": "Goodwill: late parcel"}
    )

    assert refused.status_code == 200
    assert "Say why the refund has an adjustment." in refused.content.decode()
    assert saved.status_code == 302
    returned = Return.objects.get()
    assert (returned.shipping_refund, returned.adjustment, returned.lines_amount) == (
        Decimal("5.00"),
        Decimal("10.00"),
        Decimal("0.00"),
    )
    page = admin_client.get(admin_url(Return, "change", returned.pk)).content.decode()
    assert "Goodwill: late parcel" in page
    assert "0.00 EUR" in page  # the lines' share
