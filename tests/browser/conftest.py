"""Browser tests: Playwright (sync API) driving Debian's Chromium against the live server.

Playwright's sync API runs an event loop in the test thread; Django refuses database access
from a thread with a running loop unless told it is safe, which it is here (one thread).
"""

import datetime
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, sync_playwright

from clienteling.factories import AppointmentFactory, AssociateFactory, NoteFactory
from clienteling.models import Associate
from customers.factories import ConsentFactory, CustomerFactory, PreferenceFactory
from customers.models import Customer
from customers.name_words import name_words_refresh
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import Pickup
from omni.factories import ProductFactory, ServiceFactory, SpecialtyFactory, StoreFactory
from omni.models import WEEKDAYS, Store

CHROMIUM = os.environ.get("OMNI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LANDSCAPE = {"width": 1180, "height": 820}
PORTRAIT = {"width": 820, "height": 1180}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "omni-demo"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def new_page(browser: Browser, viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        viewport=viewport, device_scale_factor=1, has_touch=True, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser, LANDSCAPE)
    yield page
    page.context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(250)  # let transitions and toasts settle
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=False)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


class Scenario:
    """A flagship store's morning: a loyal customer with history across channels."""

    def __init__(self) -> None:
        hours = {day: [["10:00", "19:00"]] for day in WEEKDAYS}
        self.store: Store = StoreFactory(
            code="paris-flagship", name="Paris Flagship", opening_hours=hours
        )
        specialty = SpecialtyFactory(code="personal-shopper", name="Personal shopper")
        self.service = ServiceFactory(
            code="personal-shopping",
            name="Personal shopping",
            duration_minutes=60,
            required_specialty=specialty,
        )
        self.store.services.add(self.service)
        self.associate: Associate = AssociateFactory(
            user__username="camille",
            user__first_name="Camille",
            user__last_name="Laurent",
            store=self.store,
            preferred_language="en",
        )
        self.shopper: Associate = AssociateFactory(
            user__username="ines",
            user__first_name="Inès",
            user__last_name="Morel",
            store=self.store,
            preferred_language="en",
        )
        self.shopper.specialties.add(specialty)
        self.customer = self._customer()
        self.products = [
            ProductFactory(sku="TR-KEN-HON", name="Kensington trench coat", price=Decimal("1890")),
            ProductFactory(
                sku="SC-CASH-CAM",
                name="Cashmere scarf, camel",
                price=Decimal("390"),
                category="Scarves",
                department="accessories",
            ),
        ]
        self.pickup_preparing: Pickup = PickupFactory(
            order__customer=self.customer,
            order__store=self.store,
            order__external_reference="WEB-200311",
            store=self.store,
            status="preparing",
        )
        other = CustomerFactory(first_name="Julien", last_name="Marchand")
        PickupFactory(
            order__customer=other,
            order__store=self.store,
            store=self.store,
            order__external_reference="WEB-200298",
        )
        # The factories write rows directly: refresh what the services would have queued (her
        # figures on the customer page, the vocabulary of names).
        customers_lifecycle_refresh(customer_ids=[self.customer.pk, other.pk], trigger="event")
        name_words_refresh()

    def _customer(self) -> Customer:
        customer = CustomerFactory(
            first_name="Hélène",
            last_name="Dupont-Éluard",
            email="helene.dupont@example.fr",
            phone="+33612345678",
            loyalty_number="LOY00004242",
            loyalty_tier="gold",
            lifecycle_stage="loyalty",
            preferred_store=self.store,
            birth_date=datetime.date(1984, 5, 12),
        )
        PreferenceFactory(
            customer=customer,
            sizes={"tops": "S", "trousers": "36", "shoes": "38"},
            favourite_brands=["Maison Omni"],
            favourite_categories=["Coats", "Scarves"],
        )
        ConsentFactory(customer=customer, purpose="newsletter", channel="email")
        ConsentFactory(customer=customer, purpose="personalised_advice", channel="sms")
        now = timezone.now()
        for number in range(24):
            order = OrderFactory(
                customer=customer,
                store=self.store,
                channel="store" if number % 3 else "web",
                external_reference=f"ORD-{7000 + number}",
                placed_at=now - datetime.timedelta(days=9 * number + 2),
            )
            OrderLineFactory(order=order, line_number=1, size="S")
        for number in range(6):
            TouchpointFactory(
                customer=customer, occurred_at=now - datetime.timedelta(days=4 * number + 1)
            )
        WishlistItemFactory(
            wishlist__customer=customer,
            size="S",
            product=ProductFactory(name="Quilted jacket, navy", sku="QJ-NAVY"),
        )
        AfterSalesTicketFactory(
            customer=customer, store=self.store, subject="Zip of the Kensington trench"
        )
        NoteFactory(
            customer=customer,
            author=self.associate.user,
            store=self.store,
            body="Prefers a slim fit; looking for a gift for her sister in December.",
        )
        starts = timezone.localtime(now, self.store.zone).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        AppointmentFactory(
            customer=customer,
            associate=self.shopper,
            service=self.service,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=60),
        )
        return customer


@pytest.fixture
def scenario(transactional_db: None) -> Scenario:
    return Scenario()
