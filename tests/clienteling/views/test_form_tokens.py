"""A tablet form sent twice (a double tap, a retry on a slow network) is written once: each form
carries a one-time token, and the second submission answers as the first did."""

import datetime
import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.models import Appointment, Associate, Note
from customers.models import Customer
from journeys.factories import OrderLineFactory
from journeys.models import AfterSalesTicket, Pickup, PickupStatusChange
from omni.form_tokens import FIELD
from omni.models import FormSubmission, Service
from privacy.retention import retention_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TOKEN = "tok-" + "a" * 28


def url(name: str, *args: object) -> str:
    return reverse(f"clienteling:{name}", args=args)


def token_in(html: str) -> str:
    found = re.search(rf'name="{FIELD}" value="([^"]+)"', html)
    assert found, "the form carries a token"
    return found.group(1)


def test_every_form_shown_carries_its_own_token(associate_client: Client, customer: Customer):
    first = associate_client.get(url("ticket_create", customer.pk), **HTMX).content.decode()
    second = associate_client.get(url("ticket_create", customer.pk), **HTMX).content.decode()
    assert token_in(first) != token_in(second)
    assert "hx-disabled-elt=\"find button[type='submit']\"" in first
    page = associate_client.get(url("customer", customer.pk)).content.decode()
    token_in(page)  # the notes form and the tickets' moves


def test_a_ticket_sent_twice_is_opened_once(
    associate_client: Client, associate: Associate, customer: Customer
) -> None:
    line = OrderLineFactory(order__customer=customer)
    form = associate_client.get(url("ticket_create", customer.pk), **HTMX).content.decode()
    data = {"kind": "repair", "subject": "Broken zip", "order_line": line.pk}
    data[FIELD] = token_in(form)
    first = associate_client.post(url("ticket_create", customer.pk), data, **HTMX)
    again = associate_client.post(url("ticket_create", customer.pk), data, **HTMX)
    assert first.status_code == again.status_code == 200
    assert "After-sales ticket opened." in again["HX-Trigger"]
    assert AfterSalesTicket.objects.filter(customer=customer).count() == 1
    # A new form (a new token) opens a second ticket: only the same form is written once.
    data[FIELD] = TOKEN
    associate_client.post(url("ticket_create", customer.pk), data, **HTMX)
    assert AfterSalesTicket.objects.filter(customer=customer).count() == 2


def test_a_refused_submission_leaves_its_token_free(
    associate_client: Client, customer: Customer
) -> None:
    refused = associate_client.post(
        url("note_create", customer.pk), {"body": " ", FIELD: TOKEN}, **HTMX
    )
    assert 'class="error"' in refused.content.decode()
    assert not FormSubmission.objects.exists()
    corrected = associate_client.post(
        url("note_create", customer.pk), {"body": "Loves camel", FIELD: TOKEN}, **HTMX
    )
    assert corrected.status_code == 200
    associate_client.post(
        url("note_create", customer.pk), {"body": "Loves camel", FIELD: TOKEN}, **HTMX
    )
    assert Note.objects.filter(customer=customer).count() == 1


def test_a_malformed_token_is_refused_and_writes_nothing(
    associate_client: Client, customer: Customer
) -> None:
    line = OrderLineFactory(order__customer=customer)
    data = {"kind": "repair", "subject": "Broken zip", "order_line": line.pk, FIELD: "x' OR 1"}
    response = associate_client.post(url("ticket_create", customer.pk), data, **HTMX)
    assert response.status_code == 422
    assert "This form has expired: open it again." in response.content.decode()
    assert not AfterSalesTicket.objects.exists()
    assert not FormSubmission.objects.exists()


def test_the_same_token_from_another_associate_is_their_own(
    associate_client: Client, other_store_associate: Associate, customer: Customer, client: Client
) -> None:
    data = {"body": "Loves camel", FIELD: TOKEN}
    associate_client.post(url("note_create", customer.pk), data, **HTMX)
    Customer.objects.filter(pk=customer.pk).update(preferred_store=None)
    client.force_login(other_store_associate.user)
    client.post(url("note_create", customer.pk), data, **HTMX)
    assert Note.objects.filter(customer=customer).count() == 2


def test_a_new_customer_sent_twice_is_created_once_and_both_open_her_profile(
    associate_client: Client,
) -> None:
    data = {
        "first_name": "Marie",
        "last_name": "Curie",
        "email": "marie.curie@example.fr",
        "preferred_language": "fr",
        FIELD: TOKEN,
    }
    first = associate_client.post(url("customer_new"), data, **HTMX)
    again = associate_client.post(url("customer_new"), data, **HTMX)
    customer = Customer.objects.get()
    assert first["HX-Redirect"] == again["HX-Redirect"] == url("customer", customer.pk)


def test_a_hand_over_sent_twice_is_a_success_both_times(
    associate_client: Client, pickup: Pickup
) -> None:
    Pickup.objects.filter(pk=pickup.pk).update(status="ready", ready_at=timezone.now())
    data = {"code": pickup.code, FIELD: TOKEN}
    first = associate_client.post(url("pickup_hand_over", pickup.pk), data, **HTMX)
    again = associate_client.post(url("pickup_hand_over", pickup.pk), data, **HTMX)
    assert first.status_code == again.status_code == 200
    assert "Handed over" in again["HX-Trigger"]
    assert PickupStatusChange.objects.filter(subject=pickup, to_status="collected").count() == 1


def test_a_booking_sent_twice_books_once(
    associate_client: Client, customer: Customer, service: Service, esthetician: Associate
) -> None:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() == 6:  # the test store is closed on Sundays
        day += datetime.timedelta(days=1)
    starts = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=esthetician.store.zone)
    data = {
        "service": service.pk,
        "day": day.isoformat(),
        "slot": f"{esthetician.pk}|{starts.isoformat()}",
        FIELD: TOKEN,
    }
    first = associate_client.post(url("booking_create", customer.pk), data, **HTMX)
    again = associate_client.post(url("booking_create", customer.pk), data, **HTMX)
    assert first.status_code == again.status_code == 200, again.content.decode()
    assert "Appointment booked" in again["HX-Trigger"]
    assert Appointment.objects.count() == 1


def test_used_tokens_are_forgotten_after_a_day(
    associate_client: Client, customer: Customer, settings: object
) -> None:
    associate_client.post(
        url("note_create", customer.pk), {"body": "Loves camel", FIELD: TOKEN}, **HTMX
    )
    hours = settings.OMNI_RETENTION["idempotency_hours"]  # type: ignore[attr-defined]
    retention_run(now=timezone.now() + datetime.timedelta(hours=hours - 1))
    assert FormSubmission.objects.count() == 1
    retention_run(now=timezone.now() + datetime.timedelta(hours=hours + 1))
    assert not FormSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_open_one_ticket(
    associate: Associate, customer: Customer
) -> None:
    """Both requests run at once on their own connections: the second waits for the first's
    claim and then answers as a repeat (on SQLite, writes are serialised all the same)."""
    line = OrderLineFactory(order__customer=customer)
    data = {"kind": "repair", "subject": "Broken zip", "order_line": line.pk, FIELD: TOKEN}
    statuses: list[int] = []
    start = threading.Barrier(2)

    def send() -> None:
        client = Client()
        client.force_login(associate.user)
        start.wait()
        try:
            statuses.append(
                client.post(url("ticket_create", customer.pk), data, **HTMX).status_code
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200]
    assert AfterSalesTicket.objects.filter(customer=customer).count() == 1
    assert connection.vendor in {"postgresql", "sqlite"}
