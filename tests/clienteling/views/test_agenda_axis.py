"""The agenda as a day on a time axis: hours down the side, appointments placed by their start
and length, one column per associate, the signed-in associate's own by default."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clienteling.factories import AppointmentFactory, AssociateFactory
from clienteling.models import Appointment, Associate
from clienteling.selectors.store_day import store_agenda
from customers.factories import CustomerFactory
from omni.models import Service, Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def day() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() == 6:  # the test store is closed on Sundays
        day += datetime.timedelta(days=1)
    return day


def at(store: Store, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=store.zone)


def book(
    associate: Associate,
    service: Service,
    day: datetime.date,
    start: tuple[int, int],
    end: tuple[int, int],
    name: str,
    **fields: object,
) -> Appointment:
    store = associate.store
    return AppointmentFactory(
        customer=CustomerFactory(first_name=name, last_name="Client"),
        associate=associate,
        service=service,
        starts_at=at(store, day, *start),
        ends_at=at(store, day, *end),
        **fields,
    )


def agenda_html(client: Client, **params: object) -> str:
    response = client.get(reverse("clienteling:agenda"), params)
    assert response.status_code == 200
    return response.content.decode()


def columns_of(html: str) -> list[str]:
    return re.findall(r'<section class="agenda-track".*?</section>', html, flags=re.DOTALL)


def test_her_own_agenda_by_default_with_everyone_a_tap_away(
    associate_client: Client,
    associate: Associate,
    esthetician: Associate,
    service: Service,
    day: datetime.date,
) -> None:
    book(associate, service, day, (11, 0), (12, 0), "Mine")
    book(esthetician, service, day, (14, 0), (14, 30), "Theirs")

    mine = agenda_html(associate_client, day=day.isoformat())
    (column,) = columns_of(mine)
    assert "Mine Client" in column
    assert "Theirs Client" not in mine
    assert re.search(r'is-selected" href="\?day=[\d-]+" aria-current="page"', mine)
    assert "My agenda" in mine

    everyone = agenda_html(associate_client, day=day.isoformat(), associate="all")
    columns = columns_of(everyone)
    assert len(columns) == 2
    assert "--columns: 2;" in everyone
    assert any("Theirs Client" in column for column in columns)
    # Moving to another day keeps the choice.
    assert f"?day={(day + datetime.timedelta(days=1)).isoformat()}&amp;associate=all" in everyone

    theirs = agenda_html(associate_client, day=day.isoformat(), associate=esthetician.pk)
    (column,) = columns_of(theirs)
    assert "Theirs Client" in column
    assert "Mine Client" not in theirs


def test_appointments_are_placed_on_the_hours_of_the_day(
    associate_client: Client, associate: Associate, service: Service, day: datetime.date
) -> None:
    book(associate, service, day, (11, 0), (12, 30), "Long")
    book(associate, service, day, (15, 15), (15, 30), "Short")
    html = agenda_html(associate_client, day=day.isoformat())
    # The store opens 10:00-19:00: one row per hour from 10 to 18.
    hours = re.findall(r'class="agenda-hour" style="--hour: (\d+)">(\d\d:\d\d)<', html)
    assert [label for _row, label in hours] == [f"{hour:02d}:00" for hour in range(10, 19)]
    assert "--hours: 9" in html
    # Minutes from 10:00, and length in minutes; a short one is drawn at the shortest length.
    long = re.search(r'style="--offset: 60; --length: 90; --lane: 0; --lanes: 1"[^>]*>', html)
    short = re.search(r'is-short" style="--offset: 315; --length: 30;', html)
    assert long
    assert short


def test_the_axis_widens_to_an_appointment_outside_opening_hours(
    associate_client: Client, associate: Associate, service: Service, day: datetime.date
) -> None:
    book(associate, service, day, (8, 30), (9, 15), "Early")
    html = agenda_html(associate_client, day=day.isoformat())
    assert ">08:00<" in html
    assert ">18:00<" in html
    assert "--hours: 11" in html
    assert 'style="--offset: 30; --length: 45;' in html


def test_appointments_over_the_same_time_share_the_column(
    associate_client: Client, associate: Associate, service: Service, day: datetime.date
) -> None:
    book(associate, service, day, (14, 0), (15, 0), "Cancelled", status="cancelled")
    book(associate, service, day, (14, 30), (15, 0), "Booked")
    book(associate, service, day, (16, 0), (17, 0), "Alone")
    agenda = store_agenda(associate.store, day, associates=[associate])
    (column,) = agenda.columns
    placed = {item.appointment.customer.first_name: item for item in column.placed}
    assert (placed["Cancelled"].lane, placed["Cancelled"].lanes) == (0, 2)
    assert (placed["Booked"].lane, placed["Booked"].lanes) == (1, 2)
    assert (placed["Alone"].lane, placed["Alone"].lanes) == (0, 1)


def test_now_is_marked_on_today_only(associate: Associate, day: datetime.date) -> None:
    store = associate.store
    agenda = store_agenda(store, day, associates=[associate], now=at(store, day, 15, 30))
    assert agenda.now_offset == 5 * 60 + 30
    yesterday = at(store, day - datetime.timedelta(days=1), 15)
    assert store_agenda(store, day, associates=[associate], now=yesterday).now_offset is None


def test_a_closed_day_without_appointments_has_no_grid(
    associate_client: Client, associate: Associate
) -> None:
    sunday = timezone.localdate() + datetime.timedelta(
        days=(6 - timezone.localdate().weekday()) % 7 or 7
    )
    html = agenda_html(associate_client, day=sunday.isoformat(), associate="all")
    assert "The store is closed on this day." in html
    assert "agenda-grid" not in html


def test_the_agenda_runs_the_same_queries_however_busy(
    associate_client: Client,
    associate: Associate,
    esthetician: Associate,
    service: Service,
    day: datetime.date,
) -> None:
    def count_queries(**params: object) -> int:
        with CaptureQueriesContext(connection) as queries:
            agenda_html(associate_client, day=day.isoformat(), **params)
        return len(queries)

    quiet = {"mine": count_queries(), "all": count_queries(associate="all")}
    for number in range(6):
        colleague = AssociateFactory(store=associate.store)
        book(colleague, service, day, (10 + number, 0), (10 + number, 45), f"C{number}")
        book(associate, service, day, (10 + number, 0), (10 + number, 30), f"M{number}")
    busy = {"mine": count_queries(), "all": count_queries(associate="all")}
    assert busy == quiet
    assert max(busy.values()) <= 8
