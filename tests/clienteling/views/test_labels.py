"""Stored keys reach people as labels in the page's language (issue 13, item 6): sizes,
preferences, categories, duplicate reasons, service names; one SAV reference format; the
tablet's forms leave validation to the server, which answers in the page's language."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from clienteling.factories import AppointmentFactory
from clienteling.models import Appointment, Associate
from customers.factories import CustomerFactory
from customers.labels import label_of, preference_value_label, tidy_key
from customers.models import Customer, Preference
from journeys.factories import AfterSalesTicketFactory
from journeys.models import AfterSalesTicket, Pickup
from journeys.ticket_references import (
    TICKET_REFERENCE_PATTERN,
    ticket_reference_for_number,
    ticket_reference_new,
)
from omni.api.clients import api_client_create
from omni.models import Service, Store
from tests.clienteling.views.conftest import signed_in

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
SIZES = {"tops": "S", "trousers": "36", "shoes": "38"}
ATTRIBUTES = {"contact_by": "sms", "fit": "oversize", "allergies": ""}
CATEGORIES = ["Trench coats", "Skincare"]
FRENCH_NAME, ENGLISH_NAME = "Restructuration des sourcils", "Brow styling"
# A stored identifier (contact_by, loyalty_number, waiting_customer...) in the visible text.
RAW_IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")


class _Page(HTMLParser):
    """The visible text of a page and the attributes of each of its forms."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append(dict(attrs))
        if tag in ("script", "style", "svg"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def visible_text(html: str) -> str:
    return " ".join(" ".join(parsed(html).text).split())


def client_in(associate: Associate, language: str) -> Client:
    associate.preferred_language = language
    associate.save(update_fields=["preferred_language"])
    return signed_in(associate)


@pytest.fixture
def profile(customer: Customer) -> Customer:
    """A customer whose preferences hold the keys associates saw raw."""
    Preference.objects.filter(customer=customer).update(
        sizes=SIZES, favourite_categories=CATEGORIES, attributes=ATTRIBUTES
    )
    return customer


@pytest.fixture
def named_service(service: Service) -> Service:
    """A service the retailer named in French, with its English name."""
    service.name, service.translated_names = FRENCH_NAME, {"en": ENGLISH_NAME}
    service.save()
    return service


@pytest.fixture
def past_appointment(profile: Customer, esthetician: Associate, named_service: Service) -> object:
    starts = timezone.now() - datetime.timedelta(hours=2)
    return AppointmentFactory(
        customer=profile,
        associate=esthetician,
        service=named_service,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
    )


def expected_labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            **{key: label_of("size", key) for key in SIZES},
            "contact_by": label_of("preference", "contact_by"),
            "fit": label_of("preference", "fit"),
            "sms": preference_value_label("contact_by", "sms"),
            "oversize": preference_value_label("fit", "oversize"),
            **{name: label_of("category", name) for name in CATEGORIES},
        }


def chips(html: str) -> list[str]:
    return re.findall(r'<span class="chip"><small>(.*?)</small> <strong>(.*?)</strong>', html)


def facts(html: str) -> dict[str, str]:
    return dict(re.findall(r"<div><dt>([^<]*)</dt><dd>([^<]*)</dd></div>", html))


# The labels ---------------------------------------------------------------------------------


def test_labels_in_english_and_unknown_keys_tidied() -> None:
    with translation.override("en"):
        assert [label_of("size", key) for key in ("tops", "Trousers", " shoes ")] == [
            "Tops",
            "Trousers",
            "Shoes",
        ]
        assert label_of("preference", "contact_by") == "Contact by"
        assert preference_value_label("contact_by", "sms") == "SMS"
        assert preference_value_label("fit", "OVERSIZE") == "Oversize"
        assert label_of("match_key", "loyalty_number") == "Loyalty number"
        assert label_of("category", "make-up") == "Make-up"
    # A retailer's own key is tidied, its own category and free values kept as they are.
    assert label_of("preference", "favourite_fabric") == tidy_key("favourite_fabric")
    assert tidy_key("favourite_fabric") == "Favourite fabric"
    assert label_of("category", "Dog coats") == "Dog coats"
    assert preference_value_label("allergies", "latex") == "latex"
    assert preference_value_label("colours", ["navy", "camel"]) == "navy, camel"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_360_shows_sizes_preferences_and_categories_by_their_labels(
    associate: Associate, profile: Customer, language: str
) -> None:
    html = client_in(associate, language).get(reverse("clienteling:customer", args=[profile.pk]))
    page = html.content.decode()
    labels = expected_labels(language)
    assert chips(page) == [(labels[key], size) for key, size in SIZES.items()]
    shown = facts(page)
    assert shown[labels["contact_by"]] == labels["sms"]
    assert shown[labels["fit"]] == labels["oversize"]
    categories = ", ".join(labels[name] for name in CATEGORIES)
    assert f"<dd>{categories}</dd>" in page
    with translation.override(language):
        assert label_of("preference", "allergies") not in shown  # empty: left out
    assert RAW_IDENTIFIER.findall(visible_text(page)) == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_brief_shows_sizes_by_their_labels(
    associate: Associate, past_appointment: Appointment, language: str
) -> None:
    url = reverse("clienteling:appointment_brief", args=[past_appointment.pk])
    page = client_in(associate, language).get(url, **HTMX).content.decode()
    labels = expected_labels(language)
    assert chips(page) == [(labels[key], size) for key, size in SIZES.items()]
    assert RAW_IDENTIFIER.findall(visible_text(page)) == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_duplicate_panel_names_the_shared_keys(
    associate: Associate, store: Store, language: str
) -> None:
    CustomerFactory(email="marie@example.fr", loyalty_number="FID-1000042")
    page = (
        client_in(associate, language)
        .get(
            reverse("clienteling:customer_duplicates"),
            {"email": "marie@example.fr", "loyalty_number": "FID-1000042"},
            **HTMX,
        )
        .content.decode()
    )
    with translation.override(language):
        keys = f"{gettext('Email')}, {gettext('Loyalty number')}".lower()
        assert gettext("Same %(keys)s") % {"keys": keys} in page
    assert "loyalty_number" not in page
    assert "Same:" not in page
    assert "Même:" not in page


def test_in_french_the_labels_are_french(
    associate: Associate, profile: Customer, past_appointment: Appointment
) -> None:
    client = client_in(associate, "fr")
    page = client.get(reverse("clienteling:customer", args=[profile.pk])).content.decode()
    text = visible_text(page)
    for french in ("Hauts", "Pantalons", "Chaussures", "Contact par", "Coupe", "Trenchs"):
        assert french in text
    for raw in ("Tops", "Trousers", "Shoes", "Contact by", "Fit ", "Trench coats"):
        assert raw not in text
    CustomerFactory(phone="+33611223344")
    found = client.get(reverse("clienteling:customer_duplicates"), {"phone": "0611223344"}, **HTMX)
    assert "Même téléphone" in visible_text(found.content.decode())


# Services in the reader's language ---------------------------------------------------------


@pytest.mark.parametrize(("language", "name"), [("en", ENGLISH_NAME), ("fr", FRENCH_NAME)])
def test_services_are_named_in_the_page_language(
    associate: Associate,
    past_appointment: Appointment,
    named_service: Service,
    language: str,
    name: str,
) -> None:
    client = client_in(associate, language)
    customer = past_appointment.customer
    pages = {
        "booking": client.get(reverse("clienteling:booking_sheet", args=[customer.pk]), **HTMX),
        "brief": client.get(
            reverse("clienteling:appointment_brief", args=[past_appointment.pk]), **HTMX
        ),
        "timeline": client.get(
            reverse("clienteling:customer_timeline", args=[customer.pk]), **HTMX
        ),
    }
    other = FRENCH_NAME if name == ENGLISH_NAME else ENGLISH_NAME
    for page, response in pages.items():
        text = visible_text(response.content.decode())
        assert name in text, page
        assert other not in text, page
    assert named_service.name_in("en-gb") == ENGLISH_NAME
    assert named_service.name_in("de") == FRENCH_NAME


# One SAV reference format ------------------------------------------------------------------


def test_one_reference_format_for_tickets_on_the_360_and_in_the_api(
    associate_client: Client, customer: Customer, store: Store
) -> None:
    AfterSalesTicketFactory(customer=customer, store=store)
    opened = associate_client.post(
        reverse("clienteling:ticket_create", args=[customer.pk]),
        {"kind": "repair", "subject": "Zip broken"},
        **HTMX,
    )
    assert opened.status_code == 200
    _model, token = api_client_create(name="e-shop", scopes=("tickets:read", "tickets:write"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    created = api.post(
        "/api/v1/tickets",
        {"customer": {"id": customer.pk}, "kind": "question", "subject": "Hours", "channel": "web"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert AfterSalesTicket.objects.count() == 3
    listed = api.get("/api/v1/tickets", {"customer": customer.pk}).json()["results"]
    references = sorted(ticket["reference"] for ticket in listed)
    assert references == sorted(AfterSalesTicket.objects.values_list("reference", flat=True))
    assert all(TICKET_REFERENCE_PATTERN.fullmatch(reference) for reference in references)
    page = associate_client.get(reverse("clienteling:customer", args=[customer.pk]))
    shown = re.findall(r"SAV-[A-Z0-9]+", page.content.decode())
    assert sorted(set(shown)) == references


def test_seeded_references_are_distinct_and_of_the_same_format() -> None:
    numbered = [ticket_reference_for_number(number) for number in range(5000)]
    assert len(set(numbered)) == len(numbered)
    assert all(TICKET_REFERENCE_PATTERN.fullmatch(reference) for reference in numbered)
    assert TICKET_REFERENCE_PATTERN.fullmatch(ticket_reference_new())


# Validation by the server, in the page's language ------------------------------------------


def tablet_pages(
    client: Client, customer: Customer, appointment: Appointment, pickup: Pickup
) -> dict[str, str]:
    def get(name: str, *args: object, htmx: bool = False, **query: str) -> str:
        headers = HTMX if htmx else {}
        response = client.get(reverse(f"clienteling:{name}", args=args), query, **headers)
        assert response.status_code == 200, name
        return response.content.decode()

    return {
        "my day": get("my_day"),
        "search": get("search", q="Dupont"),
        "new customer": get("customer_new"),
        "360": get("customer", customer.pk),
        "pickups": get("pickups", tab="ready"),
        "agenda": get("agenda"),
        "brief": get("appointment_brief", appointment.pk, htmx=True),
        "wishlist": get("wishlist_sheet", customer.pk, htmx=True, q="a"),
        "ticket": get("ticket_create", customer.pk, htmx=True),
        "task": get("task_create", customer.pk, htmx=True),
        "consent": get("consent_create", customer.pk, htmx=True),
        "booking": get("booking_sheet", customer.pk, htmx=True),
    }


def test_every_tablet_form_leaves_validation_to_the_server(
    associate_client: Client, past_appointment: Appointment, pickup: Pickup
) -> None:
    Pickup.objects.filter(pk=pickup.pk).update(status=Pickup.Status.READY)
    # Done: the brief proposes a follow-up (a form).
    Appointment.objects.filter(pk=past_appointment.pk).update(status=Appointment.Status.COMPLETED)
    pages = tablet_pages(associate_client, past_appointment.customer, past_appointment, pickup)
    pages["login"] = Client().get(reverse("clienteling:login")).content.decode()
    forms = {name: parsed(html).forms for name, html in pages.items()}
    for name in ("login", "new customer", "360", "pickups", "brief", "ticket", "booking"):
        assert forms[name], f"no form found on {name}"
    assert any("hand-over" in (form.get("class") or "") for form in forms["pickups"])
    missing = [
        (name, form.get("class") or form.get("id") or form.get("action"))
        for name, page_forms in forms.items()
        for form in page_forms
        if "novalidate" not in form
    ]
    assert missing == []


def test_every_form_of_the_tablet_templates_carries_novalidate() -> None:
    """Also the forms the pages above show only in some states."""
    templates = Path(settings.BASE_DIR) / "templates"
    sources = [templates / "base.html", *sorted((templates / "clienteling").glob("*.html"))]
    tags = {
        (source.name, tag)
        for source in sources
        for tag in re.findall(r"<form\b[^>]*>", source.read_text(encoding="utf-8"))
    }
    assert len(tags) > 15
    assert [(name, tag) for name, tag in tags if "novalidate" not in tag] == []


def test_empty_fields_are_refused_in_the_page_language(
    associate: Associate, customer: Customer, pickup: Pickup
) -> None:
    Pickup.objects.filter(pk=pickup.pk).update(status=Pickup.Status.READY)
    client = client_in(associate, "fr")
    handed = client.post(
        reverse("clienteling:pickup_hand_over", args=[pickup.pk]), {"code": " "}, **HTMX
    )
    note = client.post(reverse("clienteling:note_create", args=[customer.pk]), {"body": ""}, **HTMX)
    with translation.override("fr"):
        assert gettext("Type or scan the customer's pickup code.") in visible_text(
            handed.content.decode()
        )
        assert "Ce champ est obligatoire." in visible_text(note.content.decode())
    assert Pickup.objects.get(pk=pickup.pk).status == Pickup.Status.READY


def test_no_tablet_page_shows_a_stored_identifier_in_french(
    associate: Associate, past_appointment: Appointment, pickup: Pickup
) -> None:
    Pickup.objects.filter(pk=pickup.pk).update(status=Pickup.Status.READY)
    AfterSalesTicketFactory(customer=past_appointment.customer, store=pickup.store)
    client = client_in(associate, "fr")
    pages = tablet_pages(client, past_appointment.customer, past_appointment, pickup)
    order = client.get(
        reverse("clienteling:order_detail", args=[pickup.order.customer_id, pickup.order_id]),
        **HTMX,
    )
    assert order.status_code == 200
    pages["order"] = order.content.decode()
    shown = {name: RAW_IDENTIFIER.findall(visible_text(html)) for name, html in pages.items()}
    assert {name: found for name, found in shown.items() if found} == {}
