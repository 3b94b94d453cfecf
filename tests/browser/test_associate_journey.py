"""The associate's path through the tablet app in a real browser (issue 4's scenario):
sign in → search → 360 → note → wishlist → pickup ready → hand-over (wrong code first) →
appointment."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clienteling.models import Appointment, Note
from journeys.models import Pickup, WishlistItem
from tests.browser.conftest import Scenario, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_associate_serves_a_customer_end_to_end(
    page: Page, live_server: object, scenario: Scenario
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    sign_in(page, base, "camille")
    expect(page.get_by_role("heading", name="Hello Camille")).to_be_visible()

    # Search as you type: accents and case do not matter.
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("helene dup")
    result = page.locator("#results a.result").first
    expect(result).to_contain_text("Hélène Dupont-Éluard")
    result.click()
    expect(page.get_by_role("heading", name="Hélène Dupont-Éluard")).to_be_visible()

    # The timeline loads as it comes into view, and more as the associate scrolls.
    items = page.locator(".timeline-item")
    expect(items).to_have_count(0)
    page.locator("#timeline-title").scroll_into_view_if_needed()
    expect(items).to_have_count(20)
    page.locator(".load-more").scroll_into_view_if_needed()
    expect(items.nth(20)).to_be_attached()

    # Add a note.
    page.locator("#notes textarea").fill("Asked about the camel scarf for her sister.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("Asked about the camel scarf")
    assert Note.objects.filter(customer=scenario.customer, body__contains="camel scarf").exists()

    # Add a wishlist item from the product search.
    page.locator(".profile-header").get_by_role("button", name="Wishlist").click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    page.get_by_placeholder("Product name, SKU, brand or category").fill("cashmere")
    option = page.locator(".product-option", has_text="Cashmere scarf, camel")
    option.get_by_role("button", name="Add").click()
    expect(page.locator("#sheet")).not_to_be_visible()
    expect(page.locator("#wishlist")).to_contain_text("Cashmere scarf, camel")
    assert WishlistItem.objects.filter(
        wishlist__customer=scenario.customer, product__sku="SC-CASH-CAM"
    ).exists()

    # Click & collect: the parcel is ready, the customer is notified.
    page.get_by_role("link", name="Pickups").click()
    row = page.locator(f"#pickup-{scenario.pickup_preparing.pk}")
    row.get_by_role("button", name="Ready: notify the customer").click()
    expect(row).to_contain_text("Ready for pickup")
    expect(page.locator("#toasts")).to_contain_text("notified")

    # Hand-over: a wrong code is refused, the right one (typed loosely) is accepted.
    code_field = row.get_by_label("Customer's code")
    code_field.fill("ABCD2345")
    row.get_by_role("button", name="Hand over").click()
    expect(row.locator(".error")).to_contain_text("does not match")
    pickup = Pickup.objects.get(pk=scenario.pickup_preparing.pk)
    assert pickup.status == "ready"
    row.get_by_label("Customer's code").fill(f"{pickup.code[:4].lower()} {pickup.code[4:].lower()}")
    row.get_by_role("button", name="Hand over").click()
    expect(row).to_contain_text("Collected")
    pickup.refresh_from_db()
    assert pickup.status == "collected"
    assert pickup.collected_by_id == scenario.associate.user_id

    # Book an appointment with a qualified associate in a free slot.
    page.goto(f"{base}/customers/{scenario.customer.pk}/")
    page.locator(".profile-header").get_by_role("button", name="Appointment").click()
    sheet = page.locator("#sheet")
    expect(page.locator("#sheet[data-ready]")).to_be_visible()
    sheet.get_by_label("Service").select_option(label="Personal shopping")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    # Filling the day fires `change` once; wait for that slot list, or a late swap would
    # replace the list after the click and drop the chosen slot.
    with page.expect_response(lambda response: f"day={tomorrow.isoformat()}" in response.url):
        sheet.get_by_label("Day").fill(tomorrow.isoformat())
    slot = sheet.locator(".slot", has_text="11:00").first
    expect(slot).to_be_visible()
    slot.click()
    sheet.get_by_role("button", name="Book", exact=True).click()
    expect(sheet).not_to_be_visible()
    expect(page.locator("#appointments")).to_contain_text("Personal shopping")
    booked = Appointment.objects.filter(customer=scenario.customer, starts_at__date=tomorrow)
    assert booked.get().associate == scenario.shopper
