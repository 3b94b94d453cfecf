"""My day in the evening, in a real browser at the two tablet sizes and on a phone: tomorrow
leads the screen, the week ahead is there, nothing is wider than the screen. Screenshots go to
artifacts/screenshots/ for a person to look at."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clienteling.factories import AppointmentFactory, TaskFactory
from customers.factories import CustomerFactory
from journeys.factories import PickupFactory
from journeys.models import Pickup
from tests.browser.conftest import (
    LANDSCAPE,
    PORTRAIT,
    SCREENSHOTS,
    Scenario,
    new_page,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Wednesday evening, after the scenario's store closed at 19:00.
EVENING = datetime.datetime(2026, 12, 9, 20, 30, tzinfo=PARIS)
TODAY = EVENING.date()

# Elements sticking out past the right edge of the window (the page would scroll sideways).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('.main *')) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 1) wide.push(element.outerHTML.slice(0, 120));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def evening(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    """Django's clock (read by the live server's thread too) stops on Wednesday evening."""
    monkeypatch.setattr(timezone, "now", lambda: EVENING.astimezone(datetime.UTC))
    return EVENING


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = TODAY + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def _week_of_the_flagship(scenario: Scenario) -> None:
    bookings = (
        (1, 10, "Bérénice", "Fontaine-Delacroix"),
        (1, 14, "Maëlys", "Garnier"),
        (1, 16, "Jean-Baptiste", "Lefebvre-Rousseau"),
        (2, 11, "Clara", "Vasseur"),
        (4, 15, "Diane", "Marchetti"),
        (6, 10, "Élodie", "Perrin"),
    )
    for in_days, hour, first_name, last_name in bookings:
        AppointmentFactory(
            customer=CustomerFactory(first_name=first_name, last_name=last_name),
            associate=scenario.shopper,
            service=scenario.service,
            starts_at=at(in_days, hour),
            ends_at=at(in_days, hour + 1),
            status="confirmed",
        )
    tasks = (
        (0, "Call Hélène about the Kensington trench in 36"),
        (1, "Put the cashmere scarf aside for Bérénice Fontaine-Delacroix before her fitting"),
        (3, "Send the new season lookbook to the VIP list"),
    )
    for in_days, title in tasks:
        TaskFactory(
            assignee=scenario.associate,
            customer=scenario.customer,
            title=title,
            due_on=TODAY + datetime.timedelta(days=in_days),
        )
    PickupFactory(
        order__customer=CustomerFactory(first_name="Julie", last_name="Roussel"),
        order__store=scenario.store,
        store=scenario.store,
        status="ready",
        ready_at=EVENING - datetime.timedelta(hours=5),
        pickup_by=TODAY + datetime.timedelta(days=7),
    )


def assert_nothing_overflows(page: Page) -> None:
    measure = page.evaluate(OVERFLOWING)
    assert measure["scrollWidth"] <= measure["width"], measure
    assert not measure["wide"], measure


def full_screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(250)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT, PHONE], ids=["1180", "820", "390"])
def test_my_day_in_the_evening_leads_with_tomorrow_and_the_week_ahead(
    browser: Browser, live_server: object, evening: datetime.datetime, viewport: dict[str, int]
) -> None:
    scenario = Scenario()
    _week_of_the_flagship(scenario)
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, viewport)
    sign_in(page, base, "camille")

    cards = page.locator(".my-day > .card")
    expect(cards.first).to_have_id("tomorrow")
    tomorrow = page.locator("#tomorrow")
    expect(tomorrow).to_be_in_viewport()
    expect(tomorrow.get_by_role("heading", name="Tomorrow")).to_be_visible()
    expect(tomorrow).to_contain_text("Bérénice Fontaine-Delacroix")
    expect(tomorrow).to_contain_text("Put the cashmere scarf aside")
    expect(page.locator(".stats")).to_contain_text("appointments tomorrow")
    week = page.locator("#week-ahead")
    expect(week).to_contain_text("Friday 11 December")
    expect(week).to_contain_text("Clara Vasseur")
    expect(week).to_contain_text("Send the new season lookbook")
    expect(week).to_contain_text("Tuesday 15 December")
    size = f"{viewport['width']}x{viewport['height']}"
    screenshot(page, f"my-day-evening-{size}-first-screen")
    full_screenshot(page, f"my-day-evening-{size}")
    assert_nothing_overflows(page)
    week.scroll_into_view_if_needed()
    expect(week.get_by_text("Clara Vasseur")).to_be_visible()
    assert_nothing_overflows(page)

    week.get_by_role("button", name="Clara Vasseur").click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    expect(page.locator("#sheet")).to_contain_text("Clara Vasseur")

    page.goto(f"{base}/pickups/")
    expect(page.locator("#desk-tabs [aria-current=page]")).to_contain_text("To prepare")
    assert_nothing_overflows(page)
    page.context.close()


def test_the_desk_opens_on_the_parcel_ready_when_nothing_is_to_prepare(
    browser: Browser, live_server: object, evening: datetime.datetime
) -> None:
    scenario = Scenario()
    _week_of_the_flagship(scenario)
    Pickup.objects.filter(store=scenario.store, status__in=("placed", "preparing")).update(
        status="cancelled"
    )
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, PHONE)
    sign_in(page, base, "camille")
    page.goto(f"{base}/pickups/")
    expect(page.locator("#desk-tabs [aria-current=page]")).to_contain_text("Ready")
    expect(page.locator(".pickup-list")).to_contain_text("Julie Roussel")
    full_screenshot(page, "pickup-desk-opens-on-ready-390x844")
    assert_nothing_overflows(page)
    page.context.close()
