"""Changing page without network (issue 13, item 10): the app's offline page, not the
browser's error; back online, the app again."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Scenario, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_changed_offline_shows_the_offline_page(
    page: Page, live_server: object, scenario: Scenario
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    sign_in(page, base, "camille")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the page is now under the worker's control
    assert page.evaluate("!!navigator.serviceWorker.controller")

    page.context.set_offline(True)
    page.get_by_role("link", name="Pickups", exact=True).click()
    expect(page.get_by_role("heading", name="No network")).to_be_visible()
    expect(page.get_by_role("heading", name="Pas de réseau")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px", "styled"

    page.context.set_offline(False)
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("link", name="Pickups", exact=True)).to_be_visible()
