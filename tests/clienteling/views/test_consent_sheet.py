"""The tablet's consent sheet: the customer reads the wording in force for the purpose and
channel chosen, and the decision is recorded under that wording; nothing is recorded without
one."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.factories import ConsentWordingFactory
from customers.models import Consent, Customer

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LAST_MONTH = timezone.now() - datetime.timedelta(days=30)


def _sheet_url(customer: Customer) -> str:
    return reverse("clienteling:consent_create", args=[customer.pk])


def test_the_sheet_shows_the_wording_in_force_in_the_customers_language(
    associate_client: Client, customer: Customer
) -> None:
    customer.preferred_language = "fr"
    customer.save()
    ConsentWordingFactory(purpose="marketing", version="2025", language="fr", text="Ancien")
    current = ConsentWordingFactory(
        purpose="marketing",
        version="2026",
        language="fr",
        valid_from=LAST_MONTH,
        text="J'accepte de recevoir les offres.",
    )
    ConsentWordingFactory(purpose="marketing", version="2026", language="en", valid_from=LAST_MONTH)

    page = associate_client.get(_sheet_url(customer), **HTMX).content.decode()

    assert "J&#x27;accepte de recevoir les offres." in page
    assert 'lang="fr"' in page
    assert f'name="wording" value="{current.pk}"' in page
    assert "Ancien" not in page


def test_choosing_another_purpose_redraws_the_wording(
    associate_client: Client, customer: Customer
) -> None:
    newsletter = ConsentWordingFactory(purpose="newsletter", text="I want the newsletter.")

    response = associate_client.get(
        _sheet_url(customer), {"purpose": "newsletter", "channel": "email"}, **HTMX
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="consent-wording"')
    assert "I want the newsletter." in content
    assert f'value="{newsletter.pk}"' in content


def test_the_decision_is_recorded_under_the_wording_shown(
    associate_client: Client, customer: Customer
) -> None:
    wording = ConsentWordingFactory(purpose="marketing", channel="sms")

    response = associate_client.post(
        _sheet_url(customer),
        {"purpose": "marketing", "channel": "sms", "granted": "yes", "wording": wording.pk},
        **HTMX,
    )

    assert response.status_code == 200
    entry = Consent.objects.get()
    assert (entry.wording, entry.wording_version, entry.api_client) == (
        wording,
        wording.version,
        None,
    )


@pytest.mark.parametrize(
    ("purpose", "channel", "message"),
    [
        ("newsletter", "sms", "for another purpose or channel"),
        ("marketing", "email", "for another purpose or channel"),
    ],
)
def test_a_wording_for_another_purpose_or_channel_is_refused(
    associate_client: Client, customer: Customer, purpose: str, channel: str, message: str
) -> None:
    sms_marketing = ConsentWordingFactory(purpose="marketing", channel="sms")
    shown_now = ConsentWordingFactory(
        purpose=purpose, channel=channel, version="other", text="The right text."
    )

    response = associate_client.post(
        _sheet_url(customer),
        {"purpose": purpose, "channel": channel, "granted": "yes", "wording": sms_marketing.pk},
        **HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert message in content
    assert "The right text." in content  # the sheet now shows the wording to read
    assert f'value="{shown_now.pk}"' in content
    assert not Consent.objects.exists()


def test_nothing_is_recorded_while_no_wording_is_in_force(
    associate_client: Client, customer: Customer
) -> None:
    ConsentWordingFactory(purpose="marketing", is_placeholder=True)
    future = ConsentWordingFactory(
        purpose="marketing", version="next", valid_from=timezone.now() + datetime.timedelta(days=9)
    )

    page = associate_client.get(_sheet_url(customer), **HTMX).content.decode()
    forged = associate_client.post(
        _sheet_url(customer),
        {"purpose": "marketing", "channel": "email", "granted": "yes", "wording": future.pk},
        **HTMX,
    )
    empty = associate_client.post(
        _sheet_url(customer),
        {"purpose": "marketing", "channel": "email", "granted": "yes"},
        **HTMX,
    )

    assert "No wording is in force for this purpose and channel" in page
    assert forged.status_code == 422
    assert "is not in force before" in forged.content.decode()
    assert empty.status_code == 422
    assert not Consent.objects.exists()
