"""Back and Forward through URLs htmx pushed (issue 13): the search results URL, left for a
customer's 360, shows the whole search page again on Back, not the fragment htmx fetched for
it; Forward shows the 360."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Scenario, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH_URL = re.compile(r"/search/\?q=helene(\+|%20)dup$")


def test_back_to_pushed_search_results_shows_the_whole_page(
    page: Page, live_server: object, scenario: Scenario
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    sign_in(page, base, "camille")
    page.get_by_role("link", name="Customers").click()
    page.get_by_label("Search").fill("helene dup")
    page.wait_for_url(SEARCH_URL)
    result = page.locator("#results a.result").first
    expect(result).to_contain_text("Hélène Dupont-Éluard")
    result.click()
    heading = page.get_by_role("heading", name="Hélène Dupont-Éluard")
    expect(heading).to_be_visible()

    page.go_back()

    page.wait_for_url(SEARCH_URL)
    # The page with its layout and styles, its search box holding the query, and the results.
    expect(page.get_by_role("link", name="Customers")).to_be_visible()
    expect(page.get_by_label("Search")).to_have_value("helene dup")
    expect(page.locator("#results a.result").first).to_contain_text("Hélène Dupont-Éluard")
    assert page.locator("link[rel=stylesheet]").count() >= 1
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"

    page.go_forward()

    expect(heading).to_be_visible()
