"""Actions on a profile: each answers htmx, shows validation errors in place (422) and
changes nothing when refused."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.models import Appointment, Associate, Note, Task
from customers.factories import ConsentWordingFactory, CustomerFactory
from customers.models import Consent, Customer
from journeys.factories import AfterSalesTicketFactory, OrderLineFactory, WishlistItemFactory
from journeys.models import AfterSalesTicket, WishlistItem
from omni.factories import ProductFactory
from omni.models import Service, Store

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args: object) -> str:
    return reverse(f"clienteling:{name}", args=args)


def test_add_note(associate_client: Client, associate: Associate, customer: Customer) -> None:
    response = associate_client.post(
        url("note_create", customer.pk), {"body": "Loves camel"}, **HTMX
    )
    assert response.status_code == 200
    assert "Loves camel" in response.content.decode()
    assert "timelineChanged" in response["HX-Trigger"]
    note = Note.objects.get(customer=customer)
    assert (note.author_id, note.store_id) == (associate.user_id, associate.store_id)


def test_empty_note_is_refused_in_place(associate_client: Client, customer: Customer) -> None:
    response = associate_client.post(url("note_create", customer.pk), {"body": "  "}, **HTMX)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Note.objects.exists()


def test_product_search_and_add_to_wishlist(
    associate_client: Client, associate: Associate, customer: Customer
) -> None:
    product = ProductFactory(name="Trench coat Kensington")
    found = associate_client.get(url("wishlist_sheet", customer.pk), {"q": "kensington"}, **HTMX)
    assert "Trench coat Kensington" in found.content.decode()
    response = associate_client.post(
        url("wishlist_add", customer.pk), {"product": product.pk, "size": "M"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#wishlist"
    assert "closeSheet" in response["HX-Trigger"]
    item = WishlistItem.objects.get(wishlist__customer=customer)
    assert (item.product, item.size, item.added_via) == (product, "M", "store")
    assert (item.added_by_id, item.added_at_store_id) == (associate.user_id, associate.store_id)
    again = associate_client.post(
        url("wishlist_add", customer.pk), {"product": product.pk, "size": "M"}, **HTMX
    )
    assert again.status_code == 422
    assert "already on the wishlist" in again.content.decode()
    assert WishlistItem.objects.count() == 1


def test_remove_from_wishlist(associate_client: Client, customer: Customer) -> None:
    item = WishlistItemFactory(wishlist__customer=customer)
    response = associate_client.post(url("wishlist_remove", customer.pk, item.pk), **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.removed_at is not None
    other_item = WishlistItemFactory()
    assert (
        associate_client.post(
            url("wishlist_remove", customer.pk, other_item.pk), **HTMX
        ).status_code
        == 404
    )


def test_open_ticket_and_move_it_through_its_workflow(
    associate_client: Client, associate: Associate, customer: Customer
) -> None:
    line = OrderLineFactory(order__customer=customer)
    invalid = associate_client.post(url("ticket_create", customer.pk), {"kind": "repair"}, **HTMX)
    assert invalid.status_code == 422
    assert not AfterSalesTicket.objects.exists()
    response = associate_client.post(
        url("ticket_create", customer.pk),
        {"kind": "repair", "subject": "Broken zip", "order_line": line.pk},
        **HTMX,
    )
    assert response.status_code == 200
    ticket = AfterSalesTicket.objects.get()
    assert (ticket.store_id, ticket.opened_by_id, ticket.order_line_id) == (
        associate.store_id,
        associate.user_id,
        line.pk,
    )
    for status in ("in_progress", "ready", "closed"):
        moved = associate_client.post(
            url("ticket_move", ticket.pk), {"status": status, "note": "ok"}, **HTMX
        )
        assert moved.status_code == 200
        ticket.refresh_from_db()
        assert ticket.status == status
    refused = associate_client.post(url("ticket_move", ticket.pk), {"status": "open"}, **HTMX)
    assert refused.status_code == 422
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_other_store_cannot_move_a_stores_ticket(
    other_store_client: Client, customer: Customer, store: Store
) -> None:
    ticket = AfterSalesTicketFactory(customer=customer, store=store)
    response = other_store_client.post(
        url("ticket_move", ticket.pk), {"status": "in_progress"}, **HTMX
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert not ticket.status_changes.exists()


def test_create_task(associate_client: Client, associate: Associate, customer: Customer) -> None:
    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    past = associate_client.post(
        url("task_create", customer.pk),
        {"title": "Call", "due_on": "2020-01-01", "reason": "call_back"},
        **HTMX,
    )
    assert past.status_code == 422
    assert not Task.objects.exists()
    response = associate_client.post(
        url("task_create", customer.pk),
        {
            "title": "Call back about the coat",
            "due_on": due,
            "reason": "call_back",
            "assignee": associate.pk,
        },
        **HTMX,
    )
    assert response.status_code == 200
    task = Task.objects.get()
    assert (task.store_id, task.customer_id, task.assignee_id) == (
        associate.store_id,
        customer.pk,
        associate.pk,
    )


def test_task_cannot_be_given_to_another_stores_associate(
    associate_client: Client, customer: Customer, other_store_associate: Associate
) -> None:
    due = timezone.localdate().isoformat()
    response = associate_client.post(
        url("task_create", customer.pk),
        {
            "title": "Call",
            "due_on": due,
            "reason": "call_back",
            "assignee": other_store_associate.pk,
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert not Task.objects.exists()


def test_record_consent_given_in_store(
    associate_client: Client, associate: Associate, customer: Customer
) -> None:
    wording = ConsentWordingFactory(purpose="newsletter", version="in-store-2026-01")
    data = {"purpose": "newsletter", "channel": "email", "granted": "yes", "wording": wording.pk}
    response = associate_client.post(url("consent_create", customer.pk), data, **HTMX)
    assert response.status_code == 200
    consent = Consent.objects.get(customer=customer)
    assert consent.granted is True
    assert (consent.wording, consent.wording_version) == (wording, "in-store-2026-01")
    assert (consent.collected_via, consent.collected_at_store_id, consent.recorded_by_id) == (
        "store",
        associate.store_id,
        associate.user_id,
    )
    missing = associate_client.post(
        url("consent_create", customer.pk), {**data, "granted": ""}, **HTMX
    )
    assert missing.status_code == 422
    assert Consent.objects.count() == 1


@pytest.fixture
def tomorrow() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() == 6:  # the test store is closed on Sundays
        day += datetime.timedelta(days=1)
    return day


def test_book_an_appointment_in_a_free_slot(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    associate: Associate,
    tomorrow: datetime.date,
) -> None:
    query = {"service": service.pk, "day": tomorrow.isoformat()}
    slots = associate_client.get(url("booking_slots", customer.pk), query, **HTMX).content.decode()
    assert "10:00" in slots
    assert "Inès" in slots
    assert "camille" not in slots.lower(), "the associate without the specialty is not offered"
    starts = datetime.datetime.combine(
        tomorrow, datetime.time(10, 0), tzinfo=esthetician.store.zone
    )
    slot = f"{esthetician.pk}|{starts.isoformat()}"
    response = associate_client.post(
        url("booking_create", customer.pk), {**query, "slot": slot}, **HTMX
    )
    assert response.status_code == 200, response.content.decode()
    appointment = Appointment.objects.get()
    assert (appointment.associate, appointment.starts_at, appointment.booked_via) == (
        esthetician,
        starts,
        "store",
    )
    again = associate_client.post(
        url("booking_create", customer.pk), {**query, "slot": slot}, **HTMX
    )
    assert again.status_code == 422
    assert "no longer free" in again.content.decode()
    assert Appointment.objects.count() == 1


def test_booking_without_a_slot_is_refused(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    tomorrow: datetime.date,
) -> None:
    data = {"service": service.pk, "day": tomorrow.isoformat()}
    response = associate_client.post(url("booking_create", customer.pk), data, **HTMX)
    assert response.status_code == 422
    assert "Choose one of the free times" in response.content.decode()
    assert not Appointment.objects.exists()


def test_new_customer_is_warned_of_likely_duplicates(
    associate_client: Client, store: Store
) -> None:
    existing = CustomerFactory(phone="+33611223344", email="marie@example.fr")
    check = associate_client.get(url("customer_duplicates"), {"phone": "06 11 22 33 44"}, **HTMX)
    assert str(existing) in check.content.decode()
    data = {
        "first_name": "Marie",
        "last_name": "Curie",
        "phone": "06 11 22 33 44",
        "preferred_language": "fr",
    }
    warned = associate_client.post(url("customer_new"), data, **HTMX)
    assert warned.status_code == 422
    assert "hx-swap-oob" in warned.content.decode()
    assert Customer.objects.count() == 1
    created = associate_client.post(
        url("customer_new"), {**data, "confirm_not_duplicate": "on"}, **HTMX
    )
    assert created.status_code == 200
    customer = Customer.objects.exclude(pk=existing.pk).get()
    assert created["HX-Redirect"] == url("customer", customer.pk)
    assert (customer.phone, customer.preferred_store, customer.acquisition_channel) == (
        "+33611223344",
        store,
        "store",
    )


def test_new_customer_needs_a_way_to_be_recognised(associate_client: Client) -> None:
    response = associate_client.post(
        url("customer_new"),
        {"first_name": "A", "last_name": "B", "preferred_language": "fr"},
        **HTMX,
    )
    assert response.status_code == 422
    assert not Customer.objects.exists()


def test_same_email_cannot_be_created_twice(associate_client: Client) -> None:
    CustomerFactory(email="taken@example.fr")
    data = {
        "first_name": "A",
        "last_name": "B",
        "email": "Taken@example.fr",
        "preferred_language": "fr",
        "confirm_not_duplicate": "on",
    }
    response = associate_client.post(url("customer_new"), data, **HTMX)
    assert response.status_code == 422
    assert Customer.objects.count() == 1
