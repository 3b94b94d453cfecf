"""Head-office admin of appointments and tasks: actions and bookings go through the services."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from clienteling.factories import AppointmentFactory, AssociateFactory, TaskFactory
from clienteling.models import Appointment, Task
from customers.factories import CustomerFactory
from omni.factories import ServiceFactory
from tests.admin_helpers import admin_url, inline_management_data, run_action


def past_appointment() -> Appointment:
    starts_at = timezone.now() - datetime.timedelta(hours=3)
    return AppointmentFactory(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status", "label"),
    [
        ("appointment_to_confirmed", "confirmed", "Confirmed"),
        ("appointment_to_completed", "completed", "Completed"),
        ("appointment_to_no_show", "no_show", "No-show"),
        ("appointment_to_cancelled", "cancelled", "Cancelled"),
    ],
)
def test_appointment_action_moves_it_through_the_service(
    admin_client: Client, superuser: User, action: str, status: str, label: str
) -> None:
    appointment = past_appointment()

    messages = run_action(admin_client, Appointment, action, [appointment])

    assert messages == [f"{appointment} is now “{label}”."]
    appointment.refresh_from_db()
    assert appointment.status == status
    change = appointment.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == ("booked", status, superuser)


@pytest.mark.django_db
def test_appointment_not_yet_started_cannot_be_completed(admin_client: Client) -> None:
    appointment = AppointmentFactory()

    messages = run_action(admin_client, Appointment, "appointment_to_completed", [appointment])

    assert messages == [f"{appointment}: An appointment that has not started cannot be closed yet."]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert not appointment.status_changes.exists()


@pytest.mark.django_db
def test_appointment_booked_in_the_admin_goes_through_booking(
    admin_client: Client, superuser: User
) -> None:
    associate = AssociateFactory()
    service = ServiceFactory(duration_minutes=60)
    associate.store.services.add(service)
    customer = CustomerFactory()
    page = admin_client.get(admin_url(Appointment, "add"))

    response = admin_client.post(
        admin_url(Appointment, "add"),
        {
            "customer": customer.pk,
            "associate": associate.pk,
            "service": service.pk,
            "starts_at_0": "2031-05-06",
            "starts_at_1": "10:00:00",
            "booked_via": "phone",
            "customer_request": "Brow styling before a wedding",
            **inline_management_data(page),
        },
    )

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.store == associate.store
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(hours=1)
    assert appointment.booked_by == superuser


@pytest.mark.django_db
def test_booking_refused_by_the_service_shows_why(admin_client: Client) -> None:
    associate = AssociateFactory()
    service = ServiceFactory()  # Not offered by the associate's store.
    page = admin_client.get(admin_url(Appointment, "add"))

    response = admin_client.post(
        admin_url(Appointment, "add"),
        {
            "customer": CustomerFactory().pk,
            "associate": associate.pk,
            "service": service.pk,
            "starts_at_0": "2031-05-06",
            "starts_at_1": "10:00:00",
            "booked_via": "phone",
            "customer_request": "",
            **inline_management_data(page),
        },
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        f"{associate.store} does not offer “{service}”."
    ]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_task_action_marks_it_done_once(admin_client: Client) -> None:
    task = TaskFactory()

    first = run_action(admin_client, Task, "task_complete", [task])
    second = run_action(admin_client, Task, "task_complete", [task])

    assert first == [f"{task} is done."]
    assert second == [f"{task}: This task is not open any more."]
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert task.completed_at is not None
