"""Screenshots of the main screens at both tablet sizes, saved in artifacts/screenshots/
for a person to look at (they are not compared to references)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LANDSCAPE, PORTRAIT, Scenario, new_page, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def open_sheet(page: Page, button: str) -> None:
    page.locator(".profile-header").get_by_role("button", name=button).click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()


def close_sheet(page: Page) -> None:
    page.locator("#sheet [data-close-sheet]").first.click()
    expect(page.locator("#sheet")).not_to_be_visible()


@pytest.mark.parametrize(("size", "viewport"), [("landscape", LANDSCAPE), ("portrait", PORTRAIT)])
def test_main_screens(
    browser: Browser, live_server: object, scenario: Scenario, size: str, viewport: dict
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, viewport)
    page.goto(f"{base}/login/")
    screenshot(page, f"{size}-01-sign-in")
    sign_in(page, base, "camille")
    screenshot(page, f"{size}-02-my-day")

    page.goto(f"{base}/search/")
    page.get_by_label("Search").fill("dupont")
    expect(page.locator("#results a.result").first).to_be_visible()
    screenshot(page, f"{size}-03-search")

    page.goto(f"{base}/customers/{scenario.customer.pk}/")
    screenshot(page, f"{size}-04-customer-360")
    page.locator("#timeline-title").scroll_into_view_if_needed()
    expect(page.locator(".timeline-item").first).to_be_visible()
    screenshot(page, f"{size}-05-customer-timeline")
    page.locator(".timeline-item button.linkish").first.click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    screenshot(page, f"{size}-06-order-detail")
    close_sheet(page)

    open_sheet(page, "Wishlist")
    page.get_by_placeholder("Product name, SKU, brand or category").fill("coat")
    expect(page.locator(".product-option").first).to_be_visible()
    screenshot(page, f"{size}-07-wishlist-product-search")
    close_sheet(page)

    open_sheet(page, "Appointment")
    sheet = page.locator("#sheet")
    sheet.get_by_label("Service").select_option(label="Personal shopping")
    day = timezone.localdate() + datetime.timedelta(days=1)
    with page.expect_response(lambda response: f"day={day.isoformat()}" in response.url):
        sheet.get_by_label("Day").fill(day.isoformat())
    expect(sheet.locator(".slot").first).to_be_visible()
    sheet.locator(".slot").nth(2).click()
    screenshot(page, f"{size}-08-booking-free-slots")
    close_sheet(page)

    open_sheet(page, "After-sales")
    page.locator("#sheet").get_by_role("button", name="Open the ticket").click()
    expect(page.locator("#sheet .error").first).to_be_visible()
    screenshot(page, f"{size}-09-ticket-validation-errors")
    close_sheet(page)

    page.goto(f"{base}/pickups/")
    screenshot(page, f"{size}-10-pickup-desk")
    row = page.locator(f"#pickup-{scenario.pickup_preparing.pk}")
    row.get_by_role("button", name="Ready: notify the customer").click()
    row.get_by_label("Customer's code").fill("WRONG123")
    row.get_by_role("button", name="Hand over").click()
    expect(row.locator(".error")).to_be_visible()
    screenshot(page, f"{size}-11-pickup-wrong-code")

    page.goto(f"{base}/agenda/?associate=all")  # hers is empty: the store's day
    screenshot(page, f"{size}-12-agenda")
    page.locator(".appointment").first.click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    screenshot(page, f"{size}-13-customer-brief")
    close_sheet(page)

    page.goto(f"{base}/customers/new/")
    page.get_by_label("First name").fill("Hélène")
    page.get_by_label("Last name").fill("Dupont")
    page.get_by_label("Phone").fill("06 12 34 56 78")
    expect(page.locator("#duplicates.has-duplicates")).to_be_visible()
    screenshot(page, f"{size}-14-new-customer-duplicate-warning")
    page.context.close()
