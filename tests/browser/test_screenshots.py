"""Screenshots of every screen (issue 13): the tablet app and head office's pages in the admin,
on a landscape tablet (1024×768), a portrait tablet (768×1024) and a phone (390×844), in
English and in French. They land in artifacts/screenshots/ as
`<language>-<size>-<app|head-office>-NN-<screen>.png` for a person to look at; they are not
compared to references.

Each screen is checked on the way: its heading is in sight, in the page's language; nothing
sticks out past the right edge of the window, no label spills out of its button, no
placeholder or choice is cut (screen_problems.js); on a French screen, no text is one of the
English messages that have a French translation, and no month is written as Django's “M”
writes it (“4 Déc”). One browser page per size and language, signed in once; the clock stops
on a Tuesday morning so that every run shows the same day.
"""

import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, trans_real
from playwright.sync_api import Browser, Locator, expect

from clienteling.factories import AppointmentFactory, TaskFactory
from clienteling.models import Associate
from customers.factories import ConsentWordingFactory, CustomerFactory
from insights.aggregates import aggregates_rebuild
from journeys.factories import PickupFactory
from omni.factories import UserFactory
from omni.roles import ensure_head_office_group
from segments.factories import SegmentFactory, SegmentRuleFactory
from segments.models import Segment
from tests.browser.conftest import PASSWORD, SCREENSHOTS, Scenario

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = {
    "landscape": {"width": 1024, "height": 768},
    "portrait": {"width": 768, "height": 1024},
    "phone": {"width": 390, "height": 844},
}
LOCALES = {"en": "en-GB", "fr": "fr-FR"}
TOURS = [(size, language) for language in LOCALES for size in SIZES]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# A Tuesday morning in the flagship (open 10:00-19:00): the day is under way.
MORNING = datetime.datetime(2026, 12, 15, 11, 20, tzinfo=PARIS)
TODAY = MORNING.date()

# What a person would see cut or spilling (screen_problems.js).
SPILLS = (Path(__file__).parent / "screen_problems.js").read_text(encoding="utf-8")

# “4 Déc”: Django's “M” capitalises the French abbreviation of the month (“4 déc.” in French).
CAPITALISED_MONTH = re.compile(r"\b\d{1,2} (?:Jan|Fév|Mar|Avr|Mai|Jui|Jul|Aoû|Sep|Oct|Nov|Déc)\b")

# Scrolls down by most of a window; false when the end of the page was already in sight.
SCROLL_DOWN = """() => {
  const before = window.scrollY;
  window.scrollBy(0, Math.round(window.innerHeight * 0.85));
  return window.scrollY > before;
}"""

# The words of the page a person reads or hears: its text (but what is marked as English on a
# page in both languages), placeholders, labels for screen readers and the window's title.
WORDS = """() => {
  const words = new Set([document.title]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest('script, style, template, [lang="en"]')) continue;
    words.add(node.textContent.trim().replace(/\\s+/g, ' '));
  }
  for (const element of document.body.querySelectorAll('[placeholder], [aria-label], [title]')) {
    if (element.closest('[lang="en"]')) continue;
    for (const name of ['placeholder', 'aria-label', 'title']) {
      if (element.getAttribute(name)) words.add(element.getAttribute(name).trim());
    }
  }
  return [...words].filter(Boolean);
}"""

# The 360's actions that the toolbar's width hides.
HIDDEN_ACTIONS = """() => {
  const toolbar = document.querySelector('.profile-header .actions').getBoundingClientRect();
  return [...document.querySelectorAll('.profile-header .actions .button')]
    .filter(button => button.getBoundingClientRect().right > toolbar.right + 1)
    .map(button => button.innerText.trim());
}"""


def french_catalog() -> dict:
    return trans_real.translation("fr")._catalog  # gettext's own catalog


@functools.cache
def english_only_messages() -> set[str]:
    """English messages whose French differs and that no French message spells: on a French
    screen, one of them is a string left untranslated."""
    catalog = french_catalog()
    english, french = set(), set()
    for key, value in catalog.items():
        if not isinstance(key, str):
            continue  # plural forms carry their number
        key = key.split("\x04")[-1]  # a message's context comes first
        french.add(value)
        if value != key and len(key) > 2 and not any(mark in key for mark in "%{\n"):
            english.add(key)
    return english - french


class Tour:
    """One browser page at one size, in one language, going through the screens."""

    def __init__(self, browser: Browser, base: str, size: str, language: str) -> None:
        self.base, self.size, self.language = base, size, language
        self.part = "app"
        self.viewport = SIZES[size]
        context = browser.new_context(
            viewport=self.viewport,
            device_scale_factor=1,
            has_touch=True,
            locale=LOCALES[language],
            reduced_motion="reduce",  # sheets open without their slide: no need to wait
        )
        self.page = context.new_page()
        self.page.set_default_timeout(10_000)
        self.number = 0
        self.problems: list[str] = []
        self.english = english_only_messages() if language == "fr" else set()

    def words(self, english: str) -> str:
        """What the page says for `english`: on a French tour its French, which must exist."""
        assert self.language == "en" or english in french_catalog(), f"no French: “{english}”"
        with translation.override(self.language):
            return gettext(english)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def settle(self) -> None:
        self.page.wait_for_load_state()
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )

    def capture(self, screen: str, heading: Locator, *, screens: int = 1) -> None:
        """Check the screen, then save what it looks like: its first `screens` windowfuls
        (a long page of the admin, one picture each as the page scrolls down)."""
        self.settle()
        expect(heading).to_be_in_viewport()
        found = [f"{screen}: {problem}" for problem in self.page.evaluate(SPILLS)]
        if self.english:
            left = sorted(set(self.page.evaluate(WORDS)) & self.english)
            found += [f"{screen}: English on a French screen: “{text}”" for text in left]
            if months := sorted(set(CAPITALISED_MONTH.findall(self.page.inner_text("body")))):
                found.append(f"{screen}: months as French does not write them: {months}")
        self.problems += found
        self.number += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for part in range(screens):
            if part and not self.page.evaluate(SCROLL_DOWN):
                break  # the end of the page is in sight
            suffix = f"-{part + 1}" if screens > 1 else ""
            name = f"{self.language}-{self.size}-{self.part}-{self.number:02d}-{screen}{suffix}.png"
            self.page.screenshot(path=SCREENSHOTS / name)

    def heading(self, english: str, level: int = 1) -> Locator:
        return self.page.get_by_role("heading", name=self.words(english), level=level).first

    def sheet_title(self, english: str = "") -> Locator:
        title = self.page.locator("#sheet[data-ready] #sheet-title")
        return title.filter(has_text=self.words(english)) if english else title

    def open_sheet(self, trigger: Locator) -> None:
        trigger.click()
        expect(self.page.locator("#sheet[data-ready]")).to_be_visible()
        self.settle()

    def close_sheet(self) -> None:
        self.page.locator("#sheet [data-close-sheet]").first.click()
        expect(self.page.locator("#sheet")).not_to_be_visible()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        self.page.locator("form button[type=submit]").click()

    def close(self) -> None:
        self.page.context.close()


@pytest.fixture
def morning(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    """Django's clock (read by the live server's thread too) stops on Tuesday morning."""
    monkeypatch.setattr(timezone, "now", lambda: MORNING.astimezone(datetime.UTC))
    return MORNING


def at(days: int, hour: int) -> datetime.datetime:
    day = TODAY + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def _book(
    scenario: Scenario, associate: Associate, days: int, hour: int, name: str, status: str
) -> None:
    first_name, last_name = name.split(" ", 1)
    AppointmentFactory(
        customer=CustomerFactory(first_name=first_name, last_name=last_name),
        associate=associate,
        service=scenario.service,
        starts_at=at(days, hour),
        ends_at=at(days, hour + 1),
        status=status,
    )


def _the_week_of_the_flagship(scenario: Scenario) -> None:
    """Appointments today and in the coming days, tasks, pickups at every stage, a wording
    of consent in each language: no screen is empty for want of data."""
    camille, ines = scenario.associate, scenario.shopper
    _book(scenario, camille, 0, 16, "Maëlys Garnier", "confirmed")
    _book(scenario, camille, -1, 11, "Clara Vasseur", "completed")
    _book(scenario, ines, 1, 10, "Bérénice Fontaine-Delacroix", "booked")
    _book(scenario, camille, 1, 14, "Jean-Baptiste Lefebvre-Rousseau", "booked")
    _book(scenario, ines, 3, 15, "Diane Marchetti", "confirmed")
    for days, title in (
        (-2, "Call Hélène about the Kensington trench in 36"),
        (0, "Put the cashmere scarf aside for Bérénice before her fitting"),
        (2, "Send the new season lookbook to the VIP list"),
    ):
        TaskFactory(
            assignee=scenario.associate,
            customer=scenario.customer,
            title=title,
            due_on=TODAY + datetime.timedelta(days=days),
        )
    _pickups_at_every_stage(scenario)
    for language, text in (
        ("en", "I agree to receive Maison Omni's offers: new arrivals, private sales."),
        ("fr", "J'accepte de recevoir les offres de Maison Omni : nouveautés, ventes privées."),
    ):
        ConsentWordingFactory(purpose="marketing", language=language, text=text)


def _pickups_at_every_stage(scenario: Scenario) -> None:
    for first_name, last_name, status, moments in (
        ("Julie", "Roussel", "ready", {"ready_at": MORNING - datetime.timedelta(hours=20)}),
        ("Margaux", "Lemaire-Bonnefoy", "ready", {"pickup_by": TODAY - datetime.timedelta(days=1)}),
        ("Thomas", "Girard", "expired", {"pickup_by": TODAY - datetime.timedelta(days=3)}),
        ("Louise", "Faure", "collected", {"collected_at": MORNING - datetime.timedelta(hours=2)}),
    ):
        PickupFactory(
            order__customer=CustomerFactory(first_name=first_name, last_name=last_name),
            order__store=scenario.store,
            store=scenario.store,
            status=status,
            **moments,
        )


@pytest.fixture
def flagship(morning: datetime.datetime, transactional_db: None) -> Scenario:
    scenario = Scenario()
    _the_week_of_the_flagship(scenario)
    return scenario


@pytest.fixture
def tour(request: pytest.FixtureRequest, browser: Browser, live_server: object) -> Iterator[Tour]:
    size, language = request.param
    tour = Tour(browser, live_server.url, size, language)  # type: ignore[attr-defined]
    yield tour
    tour.close()


@pytest.mark.parametrize("tour", TOURS, indirect=True, ids=[f"{s}-{lang}" for s, lang in TOURS])
def test_every_tablet_screen(tour: Tour, flagship: Scenario) -> None:
    _signing_in(tour)
    _my_day(tour)
    _search(tour)
    _customer_360(tour, flagship)
    _sheets(tour, flagship)
    _agenda(tour)
    _pickup_desk(tour)
    _new_customer_and_offline(tour)
    assert not tour.problems, "\n".join(tour.problems)


def _signing_in(tour: Tour) -> None:
    tour.goto("/login/")
    tour.capture("sign-in", tour.heading("Sign in"))
    tour.sign_in("camille", "not her password")
    expect(tour.page.locator(".alert-error, .errornote, [role=alert]").first).to_be_visible()
    tour.capture("sign-in-refused", tour.heading("Sign in"))
    tour.sign_in("camille")
    tour.page.wait_for_url(tour.base + "/")
    if tour.language == "fr":  # her profile says English: the rail's language switch
        tour.page.locator(".rail-language button[value=fr]").click()
        tour.page.wait_for_load_state()
    expect(tour.page.locator("html")).to_have_attribute("lang", tour.language)


def _my_day(tour: Tour) -> None:
    page = tour.page
    tour.capture("my-day", page.get_by_role("heading", level=1))
    page.locator("#tomorrow").scroll_into_view_if_needed()
    tour.capture("my-day-tomorrow", tour.heading("Tomorrow", level=2))
    page.locator("#week-ahead").scroll_into_view_if_needed()
    tour.capture("my-day-week-ahead", tour.heading("The week ahead", level=2))
    page.locator(".rail-me summary").click()
    expect(page.locator(".me-menu")).to_be_visible()
    tour.capture("account-menu", page.locator(".me-menu form").last)
    page.locator(".rail-me summary").click()


def _search(tour: Tour) -> None:
    page = tour.page
    tour.goto("/search/")
    tour.capture("search", tour.heading("Find a customer"))
    search = page.locator("#q")
    search.fill("dupont")
    expect(page.locator("#results a.result").first).to_be_visible()
    tour.capture("search-results", page.locator("#results a.result").first)
    search.fill("zzyzx")
    expect(page.locator("#results .empty-state .button")).to_be_visible()
    tour.capture("search-no-match", page.locator("#results .empty-state p"))


def _customer_360(tour: Tour, scenario: Scenario) -> None:
    page = tour.page
    tour.goto(f"/customers/{scenario.customer.pk}/")
    name = page.get_by_role("heading", name="Hélène Dupont-Éluard", level=1)
    tour.capture("customer-360", name)
    if tour.size != "phone":  # on a phone they scroll sideways, and the row fades where it goes on
        hidden = page.evaluate(HIDDEN_ACTIONS)
        assert not hidden, f"actions out of sight on the {tour.size} tablet: {hidden}"
    index = page.locator(".profile-index")
    index.locator("a[href='#tickets']").click()
    tour.capture("customer-360-after-sales", tour.heading("Open after-sales tickets", 2))
    index.locator("a[href='#notes']").click()
    tour.capture("customer-360-notes", tour.heading("Notes", 2))
    index.locator("a[href='#timeline']").click()
    expect(page.locator(".timeline-item").first).to_be_visible()
    tour.capture("customer-360-timeline", tour.heading("Timeline", 2))
    tour.open_sheet(page.locator(".timeline-item.kind-pickup button.linkish").first)
    tour.capture("order-detail-without-lines", tour.sheet_title())
    tour.close_sheet()
    tour.open_sheet(page.locator("#purchases button.purchase").first)
    expect(page.locator("#sheet table.lines tbody td").first).not_to_have_class("empty")
    tour.capture("order-detail", tour.sheet_title())
    tour.close_sheet()


def _sheets(tour: Tour, scenario: Scenario) -> None:
    page, customer = tour.page, scenario.customer.pk
    header = page.locator(".profile-header")

    def opener(name: str) -> Locator:
        return header.locator(f"[hx-get='{reverse(f'clienteling:{name}', args=[customer])}']")

    tour.open_sheet(opener("wishlist_sheet"))
    page.locator("#product-q").fill("coat")
    expect(page.locator(".product-option").first).to_be_visible()
    tour.capture("sheet-wishlist", tour.sheet_title("Add to the wishlist"))
    tour.close_sheet()

    tour.open_sheet(opener("booking_sheet"))
    sheet = page.locator("#sheet")
    sheet.locator("select[name=service]").select_option(str(scenario.service.pk))
    day = TODAY + datetime.timedelta(days=1)
    with page.expect_response(lambda response: f"day={day.isoformat()}" in response.url):
        sheet.locator("input[name=day]").fill(day.isoformat())
    expect(sheet.locator(".slot").first).to_be_visible()
    sheet.locator(".slot").nth(2).click()
    tour.capture("sheet-booking", tour.sheet_title("Book an appointment"))
    tour.close_sheet()

    tour.open_sheet(opener("ticket_create"))
    tour.capture("sheet-ticket", tour.sheet_title("Open an after-sales ticket"))
    page.locator("#sheet button[type=submit]").click()
    expect(page.locator("#sheet .error").first).to_be_visible()
    tour.capture("sheet-ticket-errors", tour.sheet_title("Open an after-sales ticket"))
    tour.close_sheet()

    tour.open_sheet(opener("task_create"))
    tour.capture("sheet-task", tour.sheet_title("New follow-up task"))
    tour.close_sheet()

    tour.open_sheet(opener("consent_create"))
    expect(page.locator("#consent-wording .wording-text")).to_be_visible()
    tour.capture("sheet-consent", tour.sheet_title("Record a consent given in store"))
    tour.close_sheet()


def _agenda(tour: Tour) -> None:
    page = tour.page
    tour.goto("/agenda/")
    tour.capture("agenda", page.get_by_role("heading", level=1))
    tour.goto("/agenda/?associate=all")
    tour.capture("agenda-everyone", page.get_by_role("heading", level=1))
    appointments = page.locator(".agenda-track .appointment")
    tour.open_sheet(appointments.filter(has_text="Maëlys Garnier"))  # her first visit
    tour.capture("appointment-brief-first-visit", tour.sheet_title("Customer brief"))
    tour.close_sheet()
    tour.open_sheet(appointments.filter(has_text="Hélène Dupont-Éluard"))
    tour.capture("appointment-brief", tour.sheet_title("Customer brief"))
    tour.close_sheet()


def _pickup_desk(tour: Tour) -> None:
    page = tour.page
    desk = tour.words("Click & collect desk")
    for tab in ("to_prepare", "ready", "expired", "collected"):
        tour.goto(f"/pickups/?tab={tab}")
        expect(page.locator("#desk-tabs [aria-current=page]")).to_have_attribute(
            "href", f"?tab={tab}"
        )
        tour.capture(f"pickups-{tab.replace('_', '-')}", page.get_by_role("heading", name=desk))
    tour.goto("/pickups/?tab=ready")
    ready = page.locator(".pickup-ready").first
    ready.locator("input[name=code]").fill("WRONG123")
    ready.locator("button[type=submit]").click()
    expect(page.locator(".pickup-ready .error").first).to_be_visible()
    tour.capture("pickups-hand-over-wrong-code", page.locator(".pickup-ready .error").first)
    page.locator("#scan-code").fill("NOPE4242")
    page.locator("#scan-code").press("Enter")
    expect(page.locator("#found .alert-error")).to_be_visible()
    tour.capture("pickups-code-not-found", page.locator("#found .alert-error"))


def _new_customer_and_offline(tour: Tour) -> None:
    page = tour.page
    tour.goto("/customers/new/")
    page.locator("#id_first_name").fill("Hélène")
    page.locator("#id_last_name").fill("Dupont")
    page.locator("#id_phone").fill("06 12 34 56 78")
    expect(page.locator("#duplicates.has-duplicates")).to_be_visible()
    tour.capture("new-customer-duplicates", tour.heading("New customer"))
    tour.goto("/offline/")  # what the service worker shows without network (in both languages)
    tour.capture("offline", page.get_by_role("heading", name="Pas de réseau"))


@pytest.fixture
def head_office(flagship: Scenario) -> Segment:
    """The marketing demo user, the dashboards' figures, a segment with a rule or two."""
    marketing = UserFactory(
        username="marketing", first_name="Manon", last_name="Leclerc", is_staff=True
    )
    marketing.set_password(PASSWORD)
    marketing.save()
    marketing.groups.add(ensure_head_office_group())
    aggregates_rebuild()
    segment = SegmentFactory(
        name="Loyal customers of the flagship",
        description="Gold and VIP customers who bought in the flagship this year.",
    )
    SegmentRuleFactory(segment=segment, field="lifecycle_stage", operator="in", value="loyalty")
    SegmentRuleFactory(segment=segment, field="total_spent", operator="gte", value="500")
    return segment


@pytest.mark.parametrize("tour", TOURS, indirect=True, ids=[f"{s}-{lang}" for s, lang in TOURS])
def test_every_head_office_page(tour: Tour, flagship: Scenario, head_office: Segment) -> None:
    page, tour.part = tour.page, "head-office"
    tour.goto("/login/")
    tour.sign_in("marketing")
    page.wait_for_url(f"**{reverse('insights:dashboard')}")
    tour.capture("dashboard", tour.heading("Head-office dashboard"), screens=8)
    tour.goto(reverse("insights:journeys"))
    tour.capture("journeys", tour.heading("Journey analysis"), screens=6)
    tour.goto(reverse("admin:index"))
    tour.capture("admin-index", page.locator("#content h1"), screens=2)
    tour.goto(reverse("admin:segments_segment_changelist"))
    tour.capture("segments", page.locator("#content h1"))
    tour.goto(reverse("admin:segments_segment_change", args=[head_office.pk]))
    expect(page.locator("#segment-preview strong").first).to_be_visible()
    tour.capture("segment-rule-builder", page.locator("#content h1"), screens=5)
    tour.goto(reverse("admin:customers_customer_changelist"))
    tour.capture("customers", page.locator("#content h1"))
    tour.goto(reverse("admin:customers_customer_change", args=[flagship.customer.pk]))
    tour.capture("customer-change", page.locator("#content h1"), screens=8)
    assert not tour.problems, "\n".join(tour.problems)
