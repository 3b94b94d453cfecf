"""The agenda, the booking sheet and the wishlist sheet at the tablet's two orientations and on
a phone (issue 13, items 7 and 8): the agenda opens on the associate's own day on a time
axis, and everyone's columns scroll inside the grid instead of being cut; the booking sheet
offers her own free times first, by part of the day; the wishlist preselects her size.
Screenshots land in artifacts/screenshots/ for a person to look at."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clienteling.factories import AppointmentFactory, AssociateFactory
from clienteling.models import Appointment
from journeys.models import WishlistItem
from omni.factories import ProductFactory
from omni.models import StockLevel
from tests.browser.conftest import LANDSCAPE, PORTRAIT, Scenario, new_page, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
SIZES = [("landscape", LANDSCAPE), ("portrait", PORTRAIT), ("phone", PHONE)]


def add_colleagues(scenario: Scenario) -> None:
    """Enough colleagues that everyone's columns are wider than a portrait tablet; one of
    them also a personal shopper, and with a name before Inès'."""
    alice = AssociateFactory(
        user__username="alice", user__first_name="Alice", user__last_name="Dubois",
        store=scenario.store,
    )  # fmt: skip
    alice.specialties.add(scenario.service.required_specialty)
    for username, first_name in (("paul", "Paul"), ("sarah", "Sarah"), ("yann", "Yann")):
        AssociateFactory(
            user__username=username, user__first_name=first_name, user__last_name="Martin",
            store=scenario.store,
        )  # fmt: skip
    starts = timezone.localtime(timezone.now(), scenario.store.zone).replace(
        hour=11, minute=0, second=0, microsecond=0
    )
    AppointmentFactory(
        customer=scenario.customer,
        associate=alice,
        service=scenario.service,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
    )


def page_does_not_scroll_sideways(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_agenda_is_hers_by_default_on_a_time_axis_and_no_column_is_cut(
    browser: Browser, live_server: object, scenario: Scenario, size: str, viewport: dict
) -> None:
    add_colleagues(scenario)
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, viewport)
    sign_in(page, base, "ines")
    page.goto(f"{base}/agenda/")

    # Hers: one column, on the hours of the day, her 15:00 appointment placed on it.
    expect(page.locator(".eyebrow", has_text="My agenda")).to_be_visible()
    expect(page.locator(".agenda-track")).to_have_count(1)
    expect(page.locator(".agenda-hour", has_text="10:00")).to_be_attached()
    appointment = page.locator(".agenda-track .appointment", has_text="Hélène Dupont-Éluard")
    # It opens on now (today) or else on the first appointment, without scrolling by hand.
    grid_box = page.locator(".agenda-scroll").bounding_box()
    mark = page.locator(".agenda-now").first
    first = (mark if mark.count() else appointment).bounding_box()
    assert grid_box
    assert first
    assert grid_box["y"] < first["y"] < grid_box["y"] + grid_box["height"]
    appointment.scroll_into_view_if_needed()
    expect(appointment).to_be_visible()
    ten = page.locator(".agenda-hour", has_text="10:00").bounding_box()
    fifteen = page.locator(".agenda-hour", has_text="15:00").bounding_box()
    box = appointment.bounding_box()
    assert ten
    assert fifteen
    assert box
    hour = (fifteen["y"] - ten["y"]) / 5
    assert abs(box["y"] - (fifteen["y"] - 4)) < 4, "starts on the 15:00 line"
    assert abs(box["height"] - hour) < 6, "one hour long"
    page_does_not_scroll_sideways(page)
    screenshot(page, f"agenda-mine-{size}")
    # A tap on it opens the customer brief.
    appointment.click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    expect(page.locator("#sheet")).to_contain_text("Customer brief")
    page.locator("#sheet [data-close-sheet]").first.click()
    expect(page.locator("#sheet")).not_to_be_visible()

    # Everyone: six columns; the grid scrolls sideways, the page does not, and the last
    # column can be brought fully into view.
    page.get_by_role("link", name="Everyone").click()
    expect(page.locator(".agenda-track")).to_have_count(6)
    expect(page.locator(".agenda-track .appointment")).to_have_count(2)
    page_does_not_scroll_sideways(page)
    grid = page.locator(".agenda-scroll").bounding_box()
    assert grid
    assert grid["x"] + grid["width"] <= viewport["width"]
    screenshot(page, f"agenda-everyone-{size}")
    last = page.locator(".agenda-grid > .agenda-person").last
    last.scroll_into_view_if_needed()
    column = last.bounding_box()
    axis = page.locator(".agenda-axis").bounding_box()
    assert column
    assert axis
    assert column["x"] >= axis["x"] + axis["width"] - 1, "not hidden under the hours"
    assert column["x"] + column["width"] <= grid["x"] + grid["width"] + 1, "not cut"
    screenshot(page, f"agenda-everyone-scrolled-{size}")
    page.context.close()


@pytest.mark.parametrize(("size", "viewport"), SIZES)
def test_wishlist_preselects_her_size_and_booking_offers_her_times_first(
    browser: Browser, live_server: object, scenario: Scenario, size: str, viewport: dict
) -> None:
    add_colleagues(scenario)
    scenario.customer.preference.sizes = {"tops": "S", "trousers": "36", "coats": "36"}
    scenario.customer.preference.save(update_fields=["sizes"])
    trench = ProductFactory(
        sku="TR-KEN-MIEL",
        name="Trench Kensington long, miel",
        category="Trench coats",
        price=Decimal("1890"),
        attributes={"size_group": "coats", "sizes": ["34", "36", "38", "40", "42"]},
    )
    StockLevel.objects.create(store=scenario.store, product=trench, quantity=2)
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, viewport)
    sign_in(page, base, "ines")
    page.goto(f"{base}/customers/{scenario.customer.pk}/")

    # Wishlist: her coat size preselected, the store's stock shown, the size saved.
    page.locator(".profile-header").get_by_role("button", name="Wishlist").click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    page.get_by_placeholder("Product name, SKU, brand or category").fill("kensington long")
    option = page.locator(".product-option", has_text="Trench Kensington long, miel")
    expect(option).to_be_visible()
    expect(option.get_by_label("Size")).to_have_value("36")
    expect(option).to_contain_text("Her size: 36")
    expect(option).to_contain_text("2 in store")
    page_does_not_scroll_sideways(page)
    screenshot(page, f"wishlist-size-{size}")
    option.get_by_role("button", name="Add").click()
    expect(page.locator("#sheet")).not_to_be_visible()
    item = WishlistItem.objects.get(wishlist__customer=scenario.customer, product=trench)
    assert item.size == "36"

    # Booking: her own free times first, by part of the day, then her colleague's.
    page.locator(".profile-header").get_by_role("button", name="Appointment").click()
    sheet = page.locator("#sheet")
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    sheet.get_by_label("Service").select_option(label="Personal shopping")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with page.expect_response(lambda response: f"day={tomorrow.isoformat()}" in response.url):
        sheet.get_by_label("Day").fill(tomorrow.isoformat())
    people = sheet.locator(".slot-person")
    expect(people).to_have_count(2)
    expect(people.first.locator("legend")).to_contain_text("Inès Morel")
    expect(people.first.locator("legend")).to_contain_text("You")
    expect(people.nth(1).locator("legend")).to_contain_text("Alice Dubois")
    parts = people.first.locator(".slot-part-name")
    expect(parts).to_have_text(["Morning", "Afternoon", "Evening"])
    page_does_not_scroll_sideways(page)
    people.first.scroll_into_view_if_needed()
    screenshot(page, f"booking-slots-{size}")
    people.first.locator(".slot", has_text="14:00").click()
    sheet.get_by_role("button", name="Book", exact=True).click()
    expect(sheet).not_to_be_visible()
    expect(page.locator("#appointments")).to_contain_text("Personal shopping")
    booked = Appointment.objects.get(customer=scenario.customer, starts_at__date=tomorrow)
    assert booked.associate == scenario.shopper
    assert timezone.localtime(booked.starts_at, scenario.store.zone).hour == 14
    page.context.close()
