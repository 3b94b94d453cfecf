"""The store agenda, the customer brief, follow-ups after an appointment, my day, and free
slots computed from opening hours, durations and existing bookings."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.availability import free_slots
from clienteling.factories import AppointmentFactory, TaskFactory
from clienteling.models import Appointment, Associate, ProfileAccess, Task
from customers.models import Customer
from omni.models import Service, Store

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(store: Store, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=store.zone)


def next_open_day(offset: int = 1) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=offset)
    while day.weekday() == 6:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def past_appointment(customer: Customer, esthetician: Associate, service: Service) -> Appointment:
    starts = timezone.now() - datetime.timedelta(hours=2)
    return AppointmentFactory(
        customer=customer,
        associate=esthetician,
        service=service,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
    )


def test_agenda_shows_the_day_by_associate(
    associate_client: Client,
    past_appointment: Appointment,
    esthetician: Associate,
    django_assert_max_num_queries: object,
) -> None:
    day = timezone.localtime(past_appointment.starts_at, esthetician.store.zone).date()
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = associate_client.get(
            reverse("clienteling:agenda"), {"day": day.isoformat(), "associate": "all"}
        )
    html = response.content.decode()
    assert str(esthetician) in html
    assert str(past_appointment.customer) in html


def test_brief_is_journaled_and_completing_proposes_a_follow_up(
    associate_client: Client, associate: Associate, past_appointment: Appointment
) -> None:
    brief = associate_client.get(
        reverse("clienteling:appointment_brief", args=[past_appointment.pk]), **HTMX
    )
    assert brief.status_code == 200
    assert "Last purchases" in brief.content.decode()
    assert ProfileAccess.objects.filter(
        customer=past_appointment.customer, user=associate.user, context="brief"
    ).exists()
    done = associate_client.post(
        reverse("clienteling:appointment_move", args=[past_appointment.pk]),
        {"status": "completed"},
        **HTMX,
    )
    assert done.status_code == 200
    assert "Plan a follow-up?" in done.content.decode()
    assert "agendaChanged" in done["HX-Trigger"]
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    created = associate_client.post(
        reverse("clienteling:appointment_follow_up", args=[past_appointment.pk]),
        {"title": "Send the brow serum sample", "due_on": due},
        **HTMX,
    )
    assert created.status_code == 200
    task = Task.objects.get()
    assert (task.reason, task.assignee, task.customer) == (
        "appointment_follow_up",
        past_appointment.associate,
        past_appointment.customer,
    )


def test_future_appointment_cannot_be_completed(
    associate_client: Client, customer: Customer, esthetician: Associate, service: Service
) -> None:
    future = AppointmentFactory(customer=customer, associate=esthetician, service=service)
    response = associate_client.post(
        reverse("clienteling:appointment_move", args=[future.pk]), {"status": "completed"}, **HTMX
    )
    assert response.status_code == 422
    future.refresh_from_db()
    assert future.status == "booked"
    # It is not offered either: the brief says when it will be.
    brief = associate_client.get(
        reverse("clienteling:appointment_brief", args=[future.pk]), **HTMX
    ).content.decode()
    assert "Mark as done" not in brief
    assert "No-show" not in brief
    assert "Done or no-show once it has started." in brief
    assert "Confirm" in brief


def test_a_started_appointment_offers_done_and_no_show(
    associate_client: Client, past_appointment: Appointment
) -> None:
    brief = associate_client.get(
        reverse("clienteling:appointment_brief", args=[past_appointment.pk]), **HTMX
    ).content.decode()
    assert "Mark as done" in brief
    assert "No-show" in brief
    assert "once it has started" not in brief


def test_other_store_cannot_see_or_act_on_appointments_and_tasks(
    other_store_client: Client, past_appointment: Appointment, associate: Associate
) -> None:
    task = TaskFactory(assignee=associate)
    assert (
        other_store_client.get(
            reverse("clienteling:appointment_brief", args=[past_appointment.pk]), **HTMX
        ).status_code
        == 404
    )
    assert (
        other_store_client.post(
            reverse("clienteling:appointment_move", args=[past_appointment.pk]),
            {"status": "cancelled"},
            **HTMX,
        ).status_code
        == 404
    )
    assert (
        other_store_client.post(
            reverse("clienteling:appointment_follow_up", args=[past_appointment.pk]),
            {"title": "x", "due_on": timezone.localdate().isoformat()},
            **HTMX,
        ).status_code
        == 404
    )
    assert (
        other_store_client.post(
            reverse("clienteling:task_done", args=[task.pk]), **HTMX
        ).status_code
        == 404
    )
    past_appointment.refresh_from_db()
    task.refresh_from_db()
    assert (past_appointment.status, task.status) == ("booked", "open")
    assert not ProfileAccess.objects.exists()
    agenda = other_store_client.get(reverse("clienteling:agenda")).content.decode()
    assert str(past_appointment.customer) not in agenda


def test_my_day(
    associate_client: Client,
    associate: Associate,
    customer: Customer,
    past_appointment: Appointment,
    pickup: object,
    django_assert_max_num_queries: object,
) -> None:
    overdue = TaskFactory(
        title="Send the lookbook",
        assignee=associate,
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    later = TaskFactory(
        title="Birthday card",
        assignee=associate,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    associate_client.get(reverse("clienteling:customer", args=[customer.pk]))
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = associate_client.get("/")
    html = response.content.decode()
    due = html.split('id="my-tasks"')[1].split("</section>")[0]
    assert overdue.title in due
    assert "overdue" in due
    assert later.title not in due, "due in three days: in the week ahead, not due yet"
    assert later.title in html.split('id="week-ahead"')[1].split("</section>")[0]
    assert str(customer) in html
    done = associate_client.post(reverse("clienteling:task_done", args=[overdue.pk]), **HTMX)
    assert done.status_code == 200
    overdue.refresh_from_db()
    assert overdue.status == "done"


# Free slots ---------------------------------------------------------------------------------


def test_free_slots_follow_opening_hours_and_bookings(
    store: Store, service: Service, esthetician: Associate, customer: Customer
) -> None:
    day = next_open_day(2)
    slots = free_slots(store=store, service=service, day=day)
    starts = [slot.starts_at for slot in slots]
    assert starts[0] == at(store, day, 10)
    assert starts[-1] == at(store, day, 18, 30), "the 30 minutes must end by closing at 19:00"
    assert {slot.associate for slot in slots} == {esthetician}
    AppointmentFactory(
        customer=customer,
        associate=esthetician,
        service=service,
        starts_at=at(store, day, 11),
        ends_at=at(store, day, 11, 30),
    )
    starts = [slot.starts_at for slot in free_slots(store=store, service=service, day=day)]
    assert at(store, day, 11) not in starts
    assert at(store, day, 10, 45) not in starts, "would overlap the 11:00 booking"
    assert at(store, day, 10, 30) in starts
    assert at(store, day, 11, 30) in starts


def test_no_slots_when_closed_in_the_past_or_not_offered(
    store: Store, service: Service, esthetician: Associate
) -> None:
    sunday = timezone.localdate() + datetime.timedelta(
        days=(6 - timezone.localdate().weekday()) % 7 or 7
    )
    assert free_slots(store=store, service=service, day=sunday) == []
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert free_slots(store=store, service=service, day=yesterday) == []
    store.services.remove(service)
    assert free_slots(store=store, service=service, day=next_open_day()) == []


def test_cancelled_appointments_free_their_slot(
    store: Store, service: Service, esthetician: Associate, customer: Customer
) -> None:
    day = next_open_day(2)
    AppointmentFactory(
        customer=customer,
        associate=esthetician,
        service=service,
        status="cancelled",
        starts_at=at(store, day, 11),
        ends_at=at(store, day, 11, 30),
    )
    starts = [slot.starts_at for slot in free_slots(store=store, service=service, day=day)]
    assert at(store, day, 11) in starts


def test_sheets_and_partials_run_a_bounded_number_of_queries(
    associate_client: Client,
    long_history_customer: Customer,
    past_appointment: Appointment,
    service: Service,
    django_assert_max_num_queries: object,
) -> None:
    customer = long_history_customer
    day = next_open_day().isoformat()
    pages = [
        (reverse("clienteling:appointment_brief", args=[past_appointment.pk]), {}),
        (reverse("clienteling:booking_sheet", args=[customer.pk]), {}),
        (
            reverse("clienteling:booking_slots", args=[customer.pk]),
            {"service": service.pk, "day": day},
        ),
        (
            reverse("clienteling:wishlist_sheet", args=[customer.pk]),
            {"q": "trench", "results": "1"},
        ),
        (reverse("clienteling:ticket_create", args=[customer.pk]), {}),
        (reverse("clienteling:task_create", args=[customer.pk]), {}),
        (reverse("clienteling:consent_create", args=[customer.pk]), {}),
        (reverse("clienteling:customer_new"), {}),
        (reverse("clienteling:customer_duplicates"), {"phone": "06 10 00 00 01"}),
        (reverse("clienteling:pickup_find"), {"code": "ABCD2345"}),
    ]
    for url, params in pages:
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            response = associate_client.get(url, params, **HTMX)
        assert response.status_code == 200, url
