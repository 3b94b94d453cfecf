"""The booking sheet's free times: per associate, the signed-in associate's first when she can
do the service, each associate's split into morning, afternoon and evening."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.availability import day_part, free_slots, slots_by_associate
from clienteling.factories import AppointmentFactory
from clienteling.models import Appointment, Associate
from customers.models import Customer
from omni.models import Service, Store

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() == 6:  # the test store is closed on Sundays
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def camille(associate: Associate, service: Service) -> Associate:
    """The signed-in associate, who can do the service (named after the rest: Z...)."""
    associate.user.first_name, associate.user.last_name = "Zoé", "Laurent"
    associate.user.save(update_fields=["first_name", "last_name"])
    associate.specialties.add(service.required_specialty)
    return associate


def at(store: Store, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=store.zone)


def slots_html(client: Client, customer: Customer, service: Service, day: datetime.date) -> str:
    query = {"service": service.pk, "day": day.isoformat()}
    response = client.get(reverse("clienteling:booking_slots", args=[customer.pk]), query, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def groups_of(html: str) -> list[str]:
    """Each associate's block of free times, in the order shown."""
    return re.findall(r'<fieldset class="slot-person.*?</fieldset>', html, flags=re.DOTALL)


def test_her_own_free_times_come_first_then_her_colleagues(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    camille: Associate,
    day: datetime.date,
) -> None:
    html = slots_html(associate_client, customer, service, day)
    first, second = groups_of(html)
    assert "Zoé Laurent" in first
    assert "You" in first
    assert "Inès Morel" in second
    assert "You" not in second
    # Each block: morning, afternoon, evening in that order, each time under its part.
    for block in (first, second):
        parts = re.findall(r'class="slot-part-name"[^>]*>([^<]+)<', block)
        assert parts == ["Morning", "Afternoon", "Evening"]
        morning, afternoon, evening = re.split(r'<div class="slot-part"', block)[1:]
        assert ">10:00<" in morning
        assert ">11:45<" in morning
        assert ">12:00<" not in morning
        assert ">12:00<" in afternoon
        assert ">17:45<" in afternoon
        assert ">18:00<" not in afternoon
        assert ">18:00<" in evening
        assert ">18:30<" in evening
    # Every free time of the day is offered once per associate (10:00 to 18:30, every 15 min).
    assert first.count('name="slot"') == second.count('name="slot"') == 35
    assert f'value="{camille.pk}|{at(camille.store, day, 10).isoformat()}"' in first


def test_without_the_specialty_she_sees_only_her_colleagues(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    associate: Associate,
    day: datetime.date,
) -> None:
    html = slots_html(associate_client, customer, service, day)
    (only,) = groups_of(html)
    assert "Inès Morel" in only
    assert "You" not in html


def test_a_part_of_the_day_without_free_time_is_left_out(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    day: datetime.date,
) -> None:
    store = esthetician.store
    AppointmentFactory(
        customer=customer,
        associate=esthetician,
        service=service,
        starts_at=at(store, day, 17, 30),
        ends_at=at(store, day, 19),
    )
    (block,) = groups_of(slots_html(associate_client, customer, service, day))
    assert "Evening" not in block
    assert ">17:00<" in block
    assert ">17:15<" not in block


def test_booking_a_time_from_her_own_block(
    associate_client: Client,
    customer: Customer,
    service: Service,
    esthetician: Associate,
    camille: Associate,
    day: datetime.date,
) -> None:
    starts = at(camille.store, day, 18)
    data = {
        "service": service.pk,
        "day": day.isoformat(),
        "slot": f"{camille.pk}|{starts.isoformat()}",
    }
    response = associate_client.post(
        reverse("clienteling:booking_create", args=[customer.pk]), data, **HTMX
    )
    assert response.status_code == 200, response.content.decode()
    booked = Appointment.objects.get()
    assert (booked.associate, booked.starts_at) == (camille, starts)
    # Taken: her block no longer offers it, and the refusal shows the blocks again.
    again = associate_client.post(
        reverse("clienteling:booking_create", args=[customer.pk]), data, **HTMX
    )
    assert again.status_code == 422
    html = again.content.decode()
    assert "no longer free" in html
    first, _second = groups_of(html)
    assert "You" in first
    assert f'value="{data["slot"]}"' not in first
    assert Appointment.objects.count() == 1


def test_slots_by_associate_orders_and_splits(
    store: Store, service: Service, esthetician: Associate, camille: Associate, day: datetime.date
) -> None:
    slots = free_slots(store=store, service=service, day=day)
    groups = slots_by_associate(slots, zone=store.zone, me=camille)
    assert [group.associate for group in groups] == [camille, esthetician]
    assert [group.is_me for group in groups] == [True, False]
    assert sum(group.count for group in groups) == len(slots)
    # Without "me", by name.
    assert [group.associate for group in slots_by_associate(slots, zone=store.zone)] == [
        esthetician,
        camille,
    ]
    assert day_part(at(store, day, 11, 59), store.zone) == "morning"
    assert day_part(at(store, day, 12), store.zone) == "afternoon"
    assert day_part(at(store, day, 18), store.zone) == "evening"
