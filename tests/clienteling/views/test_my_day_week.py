"""My day beyond today: tomorrow and the week ahead, the evening (tomorrow first), follow-ups
to plan, a constant number of queries; and the pickup desk opening on the tab with work.

The clock is set by the `clock` fixture (Django's `timezone.now`, which the selectors, the
factories and the sessions all read), so evening and morning do not depend on when the suite
runs."""

import datetime
import zoneinfo
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clienteling.factories import AppointmentFactory, TaskFactory
from clienteling.models import Appointment, Associate, Task
from clienteling.selectors.store_day import my_day
from customers.factories import CustomerFactory
from journeys.factories import PickupFactory
from journeys.models import Pickup
from omni.models import Service, Store

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Wednesday: the test store opens Monday to Saturday, 10:00 to 19:00 (StoreFactory).
WEDNESDAY = datetime.date(2026, 12, 9)
SetClock = Callable[[datetime.datetime], datetime.datetime]


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def days(number: int) -> datetime.timedelta:
    return datetime.timedelta(days=number)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    def set_clock(moment: datetime.datetime) -> datetime.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(datetime.UTC))
        return moment

    return set_clock


def book(
    associate: Associate, service: Service, starts_at: datetime.datetime, **fields: object
) -> Appointment:
    return AppointmentFactory(
        associate=associate,
        service=service,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=service.duration_minutes),
        **fields,
    )


def customer_named(first_name: str, last_name: str) -> object:
    return CustomerFactory(first_name=first_name, last_name=last_name)


def card(html: str, element_id: str) -> str:
    """The HTML of one card of the page, found by its id."""
    assert f'id="{element_id}"' in html, element_id
    return html.split(f'id="{element_id}"')[1].split("</section>")[0]


def first_card_id(html: str) -> str:
    grid = html.split('class="grid-2 my-day')[1]
    return grid.split("aria-labelledby=")[1].split('"')[1]


@pytest.fixture
def week(
    clock: SetClock, associate: Associate, esthetician: Associate, service: Service
) -> dict[str, object]:
    """A Wednesday: one appointment this morning, and bookings and tasks over the coming days."""
    clock(at(WEDNESDAY, 8))
    return {
        "this_morning": book(
            esthetician, service, at(WEDNESDAY, 10), customer=customer_named("Alice", "Matin")
        ),
        "tomorrow": book(
            esthetician,
            service,
            at(WEDNESDAY + days(1), 10, 30),
            customer=customer_named("Bérénice", "Demain"),
        ),
        "friday": book(
            esthetician,
            service,
            at(WEDNESDAY + days(2), 15),
            customer=customer_named("Clara", "Vendredi"),
        ),
        "next_tuesday": book(
            esthetician,
            service,
            at(WEDNESDAY + days(6), 11),
            customer=customer_named("Diane", "Mardi"),
        ),
        "too_far": book(
            esthetician,
            service,
            at(WEDNESDAY + days(9), 11),
            customer=customer_named("Eva", "Troploin"),
        ),
        "cancelled": book(
            esthetician,
            service,
            at(WEDNESDAY + days(2), 11),
            customer=customer_named("Fanny", "Annulée"),
            status="cancelled",
        ),
        "task_tomorrow": TaskFactory(
            assignee=associate, title="Call Bérénice about the shade", due_on=WEDNESDAY + days(1)
        ),
        "task_saturday": TaskFactory(
            assignee=associate, title="Set aside the cashmere scarf", due_on=WEDNESDAY + days(3)
        ),
        "task_too_far": TaskFactory(
            assignee=associate, title="Quarterly wardrobe review", due_on=WEDNESDAY + days(12)
        ),
        "task_of_a_colleague": TaskFactory(
            assignee=esthetician, title="Inès's own errand", due_on=WEDNESDAY + days(1)
        ),
    }


def test_my_day_shows_tomorrow_and_the_week_ahead_by_day(
    associate_client: Client, week: dict[str, object]
) -> None:
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert first_card_id(html) == "today-appointments", "in the morning, today comes first"
    assert "Alice Matin" in card(html, "today-appointments")
    tomorrow = card(html, "tomorrow")
    assert "Bérénice Demain" in tomorrow
    assert "Call Bérénice about the shade" in tomorrow
    assert "Thursday 10 December" in tomorrow
    later = card(html, "week-ahead")
    assert later.index("Friday 11 December") < later.index("Clara Vendredi")
    assert later.index("Clara Vendredi") < later.index("Saturday 12 December")
    assert later.index("Saturday 12 December") < later.index("Set aside the cashmere scarf")
    assert later.index("Set aside the cashmere scarf") < later.index("Tuesday 15 December")
    assert later.index("Tuesday 15 December") < later.index("Diane Mardi")
    assert "Bérénice Demain" not in later, "tomorrow has its own card"
    for absent in ("Eva Troploin", "Fanny Annulée", "Quarterly wardrobe review"):
        assert absent not in html
    assert "Inès's own errand" not in html, "a colleague's task is hers"
    assert "Call Bérénice about the shade" not in card(html, "my-tasks"), "not due yet"


def test_my_day_in_the_evening_shows_tomorrow_first(
    associate_client: Client, week: dict[str, object], clock: SetClock
) -> None:
    clock(at(WEDNESDAY, 20, 30))
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert first_card_id(html) == "tomorrow-title", "after closing time, tomorrow leads"
    tomorrow = card(html, "tomorrow")
    assert "Up next" in tomorrow
    assert "Bérénice Demain" in tomorrow
    assert "Call Bérénice about the shade" in tomorrow
    assert "appointments tomorrow" in html
    assert "Clara Vendredi" in card(html, "week-ahead")
    assert "Alice Matin" in card(html, "today-appointments"), "today is still there, further down"


def test_the_day_is_over_once_todays_appointments_are_past_or_the_store_is_closed(
    associate: Associate, esthetician: Associate, service: Service, clock: SetClock
) -> None:
    book(esthetician, service, at(WEDNESDAY, 10))
    assert not my_day(associate, now=at(WEDNESDAY, 10, 10)).day_is_over
    assert my_day(associate, now=at(WEDNESDAY, 15)).day_is_over
    sunday = WEDNESDAY + days(4)
    assert my_day(associate, now=at(sunday, 11)).day_is_over, "the store is closed on Sundays"
    saturday = my_day(associate, now=at(sunday - days(1), 11))
    assert not saturday.day_is_over
    assert not saturday.tomorrow.is_open


def test_follow_ups_to_plan_are_recent_completed_appointments_without_one(
    associate_client: Client,
    associate: Associate,
    esthetician: Associate,
    service: Service,
    clock: SetClock,
) -> None:
    clock(at(WEDNESDAY, 12))
    done = book(
        esthetician,
        service,
        at(WEDNESDAY - days(1), 11),
        customer=customer_named("Gaëlle", "Suivie"),
        status="completed",
    )
    book(
        esthetician,
        service,
        at(WEDNESDAY - days(20), 11),
        customer=customer_named("Hortense", "Ancienne"),
        status="completed",
    )
    book(
        esthetician,
        service,
        at(WEDNESDAY - days(2), 11),
        customer=customer_named("Iris", "Absente"),
        status="no_show",
    )
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    follow_ups = card(html, "follow-ups")
    assert "Gaëlle Suivie" in follow_ups
    assert reverse("clienteling:appointment_brief", args=[done.pk]) in follow_ups
    assert "Hortense Ancienne" not in follow_ups, "too long ago"
    assert "Iris Absente" not in follow_ups, "she did not come"
    TaskFactory(
        assignee=esthetician,
        customer=done.customer,
        reason=Task.Reason.APPOINTMENT_FOLLOW_UP,
        due_on=WEDNESDAY + days(7),
    )
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert "Gaëlle Suivie" not in card(html, "follow-ups")


def test_an_upcoming_task_can_be_done_from_the_week_ahead(
    associate_client: Client, week: dict[str, object]
) -> None:
    task = week["task_saturday"]
    response = associate_client.post(
        reverse("clienteling:task_done", args=[task.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "done"
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert task.title not in html


def test_my_day_is_scoped_to_the_associates_store(
    other_store_client: Client, week: dict[str, object]
) -> None:
    html = other_store_client.get(reverse("clienteling:my_day")).content.decode()
    for name in ("Alice Matin", "Bérénice Demain", "Clara Vendredi", "Call Bérénice"):
        assert name not in html


def _fill_the_store(
    store: Store, associate: Associate, esthetician: Associate, service: Service, numbers: range
) -> None:
    """Each number its own slots (35 minutes apart): PostgreSQL refuses an associate's
    overlapping appointments."""
    for number in numbers:
        day = WEDNESDAY + days(number % 8)
        book(esthetician, service, at(day, 10) + datetime.timedelta(minutes=35 * (number // 8)))
        TaskFactory(assignee=associate, due_on=WEDNESDAY + days(number % 9 - 1))
        PickupFactory(order__store=store, store=store, status=("placed", "ready")[number % 2])
        book(
            esthetician,
            service,
            at(WEDNESDAY - days(1 + number % 5), 9)
            + datetime.timedelta(minutes=35 * (number // 5)),
            status="completed",
        )


def test_my_day_runs_a_constant_number_of_queries(
    associate_client: Client,
    store: Store,
    associate: Associate,
    esthetician: Associate,
    service: Service,
    clock: SetClock,
    django_assert_max_num_queries: object,
) -> None:
    clock(at(WEDNESDAY, 20))
    url = reverse("clienteling:my_day")
    _fill_the_store(store, associate, esthetician, service, range(2))
    with CaptureQueriesContext(connection) as few:
        associate_client.get(url)
    _fill_the_store(store, associate, esthetician, service, range(2, 42))
    with (
        django_assert_max_num_queries(14),  # type: ignore[operator]
        CaptureQueriesContext(connection) as many,
    ):
        html = associate_client.get(url).content.decode()
    assert len(many) == len(few), [query["sql"] for query in many]
    assert "Thursday 10 December" in card(html, "tomorrow")


# The pickup desk -----------------------------------------------------------------------------


def current_tab(html: str) -> str:
    tabs = html.split('id="desk-tabs"')[1].split("</nav>")[0]
    return tabs.split('aria-current="page"')[0].rsplit('href="?tab=', 1)[1].split('"')[0]


def test_the_desk_opens_on_the_first_tab_with_work(associate_client: Client, store: Store) -> None:
    url = reverse("clienteling:pickups")
    assert current_tab(associate_client.get(url).content.decode()) == "to_prepare"
    expired = PickupFactory(order__store=store, store=store, status="expired")
    assert current_tab(associate_client.get(url).content.decode()) == "expired"
    ready = PickupFactory(order__store=store, store=store, status="ready", ready_at=timezone.now())
    html = associate_client.get(url).content.decode()
    assert current_tab(html) == "ready", "a parcel is waiting: the desk opens on it"
    assert ready.order.external_reference in html
    assert expired.order.external_reference not in html
    preparing = PickupFactory(order__store=store, store=store, status="preparing")
    html = associate_client.get(url).content.decode()
    assert current_tab(html) == "to_prepare"
    assert preparing.order.external_reference in html


def test_the_desk_honours_the_tab_asked_for(associate_client: Client, store: Store) -> None:
    PickupFactory(order__store=store, store=store, status="ready", ready_at=timezone.now())
    url = reverse("clienteling:pickups")
    for tab in ("to_prepare", "expired", "collected"):
        assert current_tab(associate_client.get(url, {"tab": tab}).content.decode()) == tab


def test_the_desk_opens_on_work_of_its_own_store_only(
    associate_client: Client, other_store: Store
) -> None:
    PickupFactory(order__store=other_store, store=other_store, status="ready")
    html = associate_client.get(reverse("clienteling:pickups")).content.decode()
    assert current_tab(html) == "to_prepare"
    assert Pickup.objects.filter(store=other_store).exists()
