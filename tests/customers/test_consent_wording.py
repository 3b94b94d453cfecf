"""Consent wordings: the text each ledger entry was given under, which wording applies, and
head office's admin, where a wording in use can no longer be changed or deleted."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from customers.consent_wordings import (
    UnknownWordingError,
    consent_wording_in_force,
    consent_wording_of_version,
)
from customers.factories import ConsentFactory, ConsentWordingFactory, CustomerFactory
from customers.identity import InboundCustomer
from customers.ingest import ConsentInput, CustomerInput, customer_upsert, customers_write
from customers.models import Consent, ConsentWording, Customer
from customers.services import consent_record
from omni.api.clients import api_client_create
from omni.errors import DomainError
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db
LAST_YEAR = timezone.now() - datetime.timedelta(days=365)
LAST_MONTH = timezone.now() - datetime.timedelta(days=30)
NEXT_MONTH = timezone.now() + datetime.timedelta(days=30)


def _wording(version: str, **fields: object) -> ConsentWording:
    return ConsentWordingFactory(
        **{"purpose": "marketing", "version": version, "valid_from": LAST_YEAR, **fields}
    )


# Which wording applies -------------------------------------------------------------------


def test_the_wording_in_force_is_the_latest_one_started_in_the_customers_language() -> None:
    _wording("2025", language="fr", text="Ancien texte")
    newest = _wording("2026", language="fr", valid_from=LAST_MONTH, text="Nouveau texte")
    _wording("2027", language="fr", valid_from=NEXT_MONTH, text="Pas encore")
    english = _wording("2026", language="en", valid_from=LAST_MONTH)
    _wording("old", language="fr", is_placeholder=True, valid_from=timezone.now())

    assert consent_wording_in_force(purpose="marketing", channel="email", language="fr") == newest
    assert consent_wording_in_force(purpose="marketing", channel="sms", language="en") == english
    assert consent_wording_in_force(purpose="newsletter", channel="email", language="fr") is None


def test_a_channels_own_wording_and_the_site_language_as_fallback() -> None:
    for_every_channel = _wording("2026", language="en")
    for_sms = _wording("2026-sms", language="en", channel="sms")

    in_force = consent_wording_in_force(purpose="marketing", channel="sms", language="fr")
    assert in_force == for_sms  # no French text: the site's language (English)
    assert (
        consent_wording_in_force(purpose="marketing", channel="email", language="fr")
        == for_every_channel
    )


def test_a_version_is_found_in_the_language_asked_else_the_customers() -> None:
    english = _wording("2026", language="en")
    french = _wording("2026", language="fr")

    found = consent_wording_of_version(
        purpose="marketing", channel="email", version=" 2026 ", customer_language="fr"
    )
    assert found == french
    assert (
        consent_wording_of_version(
            purpose="marketing",
            channel="email",
            version="2026",
            language="en",
            customer_language="fr",
        )
        == english
    )


@pytest.mark.parametrize(
    ("version", "channel", "message"),
    [
        ("2099", "email", "Unknown consent wording “2099”"),
        ("old", "email", "was not recorded"),
        ("sms-only", "email", "is for SMS, not Email"),
        ("future", "email", "is not in force before"),
    ],
)
def test_a_version_that_cannot_be_used_is_refused_with_a_reason(
    version: str, channel: str, message: str
) -> None:
    _wording("old", is_placeholder=True)
    _wording("sms-only", channel="sms")
    _wording("future", valid_from=NEXT_MONTH)

    with pytest.raises(UnknownWordingError, match=message) as refused:
        consent_wording_of_version(purpose="marketing", channel=channel, version=version)
    assert refused.value.code == "unknown_wording"


def test_a_placeholder_leaves_its_version_free_for_the_real_text() -> None:
    placeholder = _wording("2024-09", is_placeholder=True)
    real = _wording("2024-09", text="The text head office found again.")

    assert placeholder.pk != real.pk
    found = consent_wording_of_version(purpose="marketing", channel="email", version="2024-09")
    assert found == real


# Every path records the wording ----------------------------------------------------------


def test_the_service_records_the_wording_and_refuses_another_purposes() -> None:
    customer, wording = CustomerFactory(), _wording("2026")

    consent = consent_record(
        customer=customer,
        purpose="marketing",
        channel="email",
        granted=True,
        collected_via="web",
        wording=wording,
    )
    with pytest.raises(DomainError, match="not about"):
        consent_record(
            customer=customer,
            purpose="newsletter",
            channel="email",
            granted=True,
            collected_via="web",
            wording=wording,
        )

    assert (consent.wording, consent.wording_version) == (wording, "2026")
    assert Consent.objects.count() == 1


def _inbound(number: int, *consents: ConsentInput, language: str = "") -> CustomerInput:
    profile = {"preferred_language": language} if language else {}
    return CustomerInput(
        inbound=InboundCustomer(
            source="shopify",
            external_id=f"C-{number}",
            email=f"client{number}@example.fr",
            profile=profile,
        ),
        consents=consents,
    )


def test_ingest_records_the_wording_of_the_version_sent_in_the_customers_language() -> None:
    _wording("2026", language="en")
    french = _wording("2026", language="fr")
    client, _token = api_client_create(name="e-shop", scopes=["customers:write"])
    marketing = ConsentInput(
        purpose="marketing", channel="email", granted=True, wording_version="2026"
    )

    resolution = customer_upsert(_inbound(1, marketing, language="fr"), api_client=client)
    customer_upsert(_inbound(1, marketing, language="fr"), api_client=client)  # a replay

    entry = resolution.customer.consents.get()
    assert (entry.wording, entry.api_client, entry.recorded_by) == (french, client, None)


def test_ingest_refuses_a_record_with_an_unknown_version_and_writes_the_others() -> None:
    _wording("2026")
    known = ConsentInput(purpose="marketing", channel="email", granted=True, wording_version="2026")
    unknown = ConsentInput(
        purpose="marketing", channel="email", granted=True, wording_version="2099"
    )

    results = customers_write([_inbound(1, known), _inbound(2, known, unknown)])

    assert [result.status for result in results] == ["created", "error"]
    assert results[1].code == "unknown_wording"
    assert list(results[1].errors) == ["consents.1.wording_version"]
    assert list(Customer.objects.values_list("email", flat=True)) == ["client1@example.fr"]
    assert Consent.objects.count() == 1


def test_a_new_wording_version_is_a_new_ledger_entry_even_for_the_same_decision() -> None:
    _wording("2025")
    _wording("2026")

    def decision(version: str) -> ConsentInput:
        return ConsentInput(
            purpose="marketing", channel="email", granted=True, wording_version=version
        )

    customer = customer_upsert(_inbound(1, decision("2025"))).customer
    customer_upsert(_inbound(1, decision("2025")))
    customer_upsert(_inbound(1, decision("2026")))

    versions = customer.consents.order_by("id").values_list("wording__version", flat=True)
    assert list(versions) == ["2025", "2026"]


# Head office's admin ---------------------------------------------------------------------


def test_head_office_adds_a_version_in_the_admin(client: Client, marketer: User) -> None:
    client.force_login(marketer)

    response = client.post(
        admin_url(ConsentWording, "add"),
        {
            "purpose": "newsletter",
            "channel": "",
            "version": "2027-01",
            "language": "fr",
            "text": "Je souhaite recevoir la lettre d'information.",
            "valid_from_0": "2027-01-01",
            "valid_from_1": "00:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()
    wording = ConsentWording.objects.get()
    assert (wording.version, wording.created_by, wording.is_placeholder) == (
        "2027-01",
        marketer,
        False,
    )


def test_a_wording_in_use_cannot_be_changed_or_deleted_in_the_admin(
    client: Client, marketer: User
) -> None:
    entry = ConsentFactory(wording_version="2026-01")
    wording = entry.wording
    client.force_login(marketer)
    change_url = admin_url(ConsentWording, "change", wording.pk)

    page = client.get(change_url)
    changed = client.post(
        change_url,
        {
            "purpose": "marketing",
            "version": "2026-01",
            "language": "en",
            "text": "A text nobody agreed to.",
            "valid_from_0": "2020-01-01",
            "valid_from_1": "00:00:00",
        },
    )
    delete_page = client.get(admin_url(ConsentWording, "delete", wording.pk))
    deleted = client.post(admin_url(ConsentWording, "delete", wording.pk), {"post": "yes"})
    bulk_deleted = client.post(
        admin_url(ConsentWording, "changelist"),
        {"action": "delete_selected", "_selected_action": [wording.pk], "post": "yes"},
    )

    assert page.status_code == 200
    assert 'name="text"' not in page.content.decode()  # every field is read-only
    assert changed.status_code in (200, 302)
    assert delete_page.status_code == 403
    assert deleted.status_code == 403
    assert bulk_deleted.status_code == 200  # the confirmation page names the protected rows
    stored = ConsentWording.objects.get(pk=wording.pk)
    assert (stored.text, stored.valid_from) == (wording.text, wording.valid_from)
    entry.refresh_from_db()
    assert entry.wording_id == wording.pk


def test_a_wording_not_used_yet_can_still_be_corrected_or_deleted(
    client: Client, marketer: User
) -> None:
    wording = _wording("draft", text="Typo")
    client.force_login(marketer)

    changed = client.post(
        admin_url(ConsentWording, "change", wording.pk),
        {
            "purpose": "marketing",
            "channel": "",
            "version": "draft",
            "language": "en",
            "text": "Fixed",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
        },
    )
    assert changed.status_code == 302
    assert ConsentWording.objects.get(pk=wording.pk).text == "Fixed"

    deleted = client.post(admin_url(ConsentWording, "delete", wording.pk), {"post": "yes"})
    assert deleted.status_code == 302
    assert not ConsentWording.objects.exists()


def test_the_ledger_in_the_admin_shows_the_wording_text_and_the_api_client(
    admin_client: Client,
) -> None:
    client, _token = api_client_create(name="e-shop", scopes=["customers:write"])
    entry = ConsentFactory(api_client=client)

    page = admin_client.get(admin_url(Consent, "change", entry.pk)).content.decode()
    customer_page = admin_client.get(admin_url(Customer, "change", entry.customer_id))

    assert entry.wording.text in page
    assert "e-shop" in page
    assert "e-shop" in customer_page.content.decode()
