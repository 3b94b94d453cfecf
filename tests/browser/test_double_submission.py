"""A double tap on a slow network (issue 13): the button is disabled and says it is busy while
the request runs, the form is written once even when the same request is sent again, and a
message shows above the open panel instead of under it."""

import pytest
from playwright.sync_api import Page, Route, expect

from journeys.models import AfterSalesTicket
from tests.browser.conftest import (
    LANDSCAPE,
    PORTRAIT,
    SCREENSHOTS,
    Scenario,
    new_page,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _open_ticket_sheet(page: Page, base: str, scenario: Scenario) -> None:
    sign_in(page, base, "camille")
    page.goto(f"{base}/customers/{scenario.customer.pk}/")
    page.get_by_role("toolbar", name="Actions").get_by_role("button", name="After-sales").click()
    expect(page.locator("#sheet[data-ready]")).to_be_visible()


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT, PHONE], ids=["1180", "820", "390"])
def test_a_double_tap_on_a_slow_network_opens_one_ticket(
    browser: object, live_server: object, scenario: Scenario, viewport: dict[str, int]
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page = new_page(browser, viewport)  # type: ignore[arg-type]
    held: list[Route] = []

    def hold_posts(route: Route) -> None:
        if route.request.method == "POST":
            held.append(route)  # answered later: the network is slow
        else:
            route.continue_()

    _open_ticket_sheet(page, base, scenario)
    before = AfterSalesTicket.objects.count()
    sheet = page.locator("#sheet")
    sheet.get_by_label("Subject").fill("Button came off")
    page.route("**/tickets/new/", hold_posts)
    submit = sheet.get_by_role("button", name="Open the ticket")
    submit.dblclick()
    expect(submit).to_be_disabled()
    expect(sheet.locator("form[aria-busy=true]")).to_have_count(1)
    assert len(held) == 1, "the second tap found the button disabled"
    body = held[0].request.post_data
    headers = held[0].request.headers
    held[0].continue_()
    expect(sheet).not_to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("After-sales ticket opened.")
    assert AfterSalesTicket.objects.count() == before + 1

    # The same request sent again (a retry by the network, a second tab): still one ticket.
    again = page.request.post(
        f"{base}/customers/{scenario.customer.pk}/tickets/new/",
        data=body,
        headers={
            "Content-Type": headers["content-type"],
            "HX-Request": "true",
            "X-CSRFToken": headers["x-csrftoken"],
        },
    )
    assert again.status == 200
    assert AfterSalesTicket.objects.count() == before + 1
    page.close()


def test_a_message_shows_above_the_open_panel(
    page: Page, live_server: object, scenario: Scenario
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _open_ticket_sheet(page, base, scenario)
    page.route(
        "**/tickets/new/",
        lambda route: (
            route.fulfill(status=500, body="down")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    sheet = page.locator("#sheet")
    sheet.get_by_label("Subject").fill("Button came off")
    sheet.get_by_role("button", name="Open the ticket").click()
    toast = page.locator("#toasts .toast-error")
    expect(toast).to_contain_text("Something went wrong")
    expect(sheet).to_be_visible()
    # What is drawn at the middle of the message is the message, not the panel or its backdrop
    # (the region lets taps through: made hit-testable for the probe).
    on_top = toast.evaluate(
        """element => {
            element.closest("#toasts").style.pointerEvents = "auto";
            const box = element.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return element.contains(hit) || (hit && hit.outerHTML.slice(0, 80));
        }"""
    )
    assert on_top is True, on_top
    page.screenshot(path=str(SCREENSHOTS / "toast-above-sheet.png"))
    expect(sheet.get_by_role("button", name="Open the ticket")).to_be_enabled()
