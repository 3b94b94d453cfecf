"""Accessibility (issue 13): axe-core (vendored for these tests only) finds no serious or
critical violation on the tablet's main screens and the head office's pages, in English and
in French."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, Page

from tests.browser.conftest import LANDSCAPE, PASSWORD, Scenario, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def _violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))
            }));
        }"""
    )
    return [
        f"{item['id']} ({item['impact']}): {', '.join(item['nodes'])}"
        for item in found
        if item["impact"] in BLOCKING
    ]


def _page(browser: Browser, locale: str) -> Page:
    # The CSP would refuse the injected script: these pages are checked without it.
    context = browser.new_context(viewport=LANDSCAPE, locale=locale, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_tablet_screens_have_no_serious_violation(
    browser: Browser, live_server: object, scenario: Scenario, language: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    scenario.associate.preferred_language = language
    scenario.associate.save(update_fields=["preferred_language"])
    page = _page(browser, "en-GB")
    sign_in(page, base, "camille")  # the screens then speak her language
    screens = {
        "my day": "/",
        "search": "/search/?q=dupont",
        "360": f"/customers/{scenario.customer.pk}/",
        "pickups": "/pickups/",
        "agenda": "/agenda/",
        "new customer": "/customers/new/",
    }
    problems = {}
    for name, path in screens.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if found := _violations(page):
            problems[name] = found
    page.context.close()
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())


def test_the_head_office_pages_have_no_serious_violation(
    browser: Browser, live_server: object, scenario: Scenario
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    user = User.objects.create_user("marketing", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Head office"))
    page = _page(browser, "en-GB")
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill("marketing")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    problems = {}
    for name, path in {
        "admin index": "/admin/",
        "customers": "/admin/customers/customer/",
        "dashboards": "/admin/insights/",
    }.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if found := _violations(page):
            problems[name] = found
    page.context.close()
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
