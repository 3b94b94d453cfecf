"""The consent sheet in a real browser: the customer reads the wording of the purpose chosen
(redrawn as the associate changes it), and the decision is recorded under that wording."""

import pytest
from playwright.sync_api import Page, expect

from customers.factories import ConsentWordingFactory
from customers.models import Consent
from tests.browser.conftest import Scenario, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
MARKETING = "I agree to receive Maison Omni's offers: new arrivals, private sales, invitations."
NEWSLETTER = "I would like to receive the Maison Omni newsletter, once a month."


def test_the_customer_reads_the_wording_she_agrees_to(
    page: Page, live_server: object, scenario: Scenario
) -> None:
    customer = scenario.customer
    customer.preferred_language = "en"
    customer.save(update_fields=["preferred_language"])
    ConsentWordingFactory(purpose="marketing", version="2026-01", text=MARKETING)
    newsletter = ConsentWordingFactory(purpose="newsletter", version="2026-02", text=NEWSLETTER)
    base = live_server.url  # type: ignore[attr-defined]
    sign_in(page, base, "camille")
    page.goto(f"{base}/customers/{customer.pk}/")

    page.locator(".profile-header").get_by_role("button", name="Consent").click()
    wording = page.locator("#consent-wording")
    expect(wording).to_contain_text(MARKETING)
    # The sheet was just swapped in: change the purpose once htmx has settled and bound it
    # (a change fired before then is not sent, and the wording stays the first one).
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.get_by_label("Purpose").select_option("newsletter")
    expect(wording).to_contain_text(NEWSLETTER)
    expect(wording).to_contain_text("Wording 2026-02 (English)")
    screenshot(page, "consent-sheet")
    page.locator("#sheet").get_by_text("Agrees", exact=True).click()
    page.locator("#sheet").get_by_role("button", name="Record").click()

    expect(page.locator("#sheet")).not_to_be_visible()
    entry = Consent.objects.get(customer=customer, purpose="newsletter", wording=newsletter)
    assert (entry.granted, entry.recorded_by_id) == (True, scenario.associate.user_id)
