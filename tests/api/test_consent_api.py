"""Consents through the API: each decision is recorded under the wording of the version the
client names (an unknown one is refused, nothing written), by that API client, and the
ledger is read back with the text of each wording."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.factories import ConsentFactory, ConsentWordingFactory, CustomerFactory
from customers.models import Consent, Customer
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def _decision(**overrides: Any) -> dict[str, Any]:
    return {
        "purpose": "marketing",
        "channel": "email",
        "granted": True,
        "wording_version": "2026-01",
        "collected_via": "web",
        **overrides,
    }


def _post(client: TokenClient, customer: Customer, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/customers/{customer.pk}/consents", body, format="json")


def test_a_decision_is_recorded_under_the_wording_sent_by_the_api_client(
    api_client: TokenClient,
) -> None:
    customer = CustomerFactory(preferred_language="fr")
    ConsentWordingFactory(version="2026-01", language="en", text="I agree.")
    french = ConsentWordingFactory(version="2026-01", language="fr", text="J'accepte.")

    response = _post(api_client, customer, _decision())

    assert response.status_code == 201, response.content
    assert response.json()["wording"] == {
        "version": "2026-01",
        "language": "fr",
        "channel": "",
        "text": "J'accepte.",
        "valid_from": "2020-01-01T00:00:00Z",
        "text_recorded": True,
    }
    entry = customer.consents.get()
    assert (entry.wording, entry.api_client, entry.recorded_by) == (
        french,
        api_client.api_client,
        None,
    )


def test_the_language_sent_chooses_the_text(api_client: TokenClient) -> None:
    customer = CustomerFactory(preferred_language="fr")
    english = ConsentWordingFactory(version="2026-01", language="en")
    ConsentWordingFactory(version="2026-01", language="fr")

    response = _post(api_client, customer, _decision(language="en"))

    assert response.status_code == 201
    assert customer.consents.get().wording == english


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_decision(wording_version="2099-01"), "Unknown consent wording “2099-01”"),
        (_decision(language="fr"), "has no text in “fr”"),
        (_decision(channel="sms"), "is for Email, not SMS"),
    ],
)
def test_an_unusable_version_is_refused_and_nothing_is_written(
    api_client: TokenClient, body: dict[str, Any], message: str
) -> None:
    customer = CustomerFactory()
    ConsentWordingFactory(version="2026-01", language="en", channel="email")

    response = _post(api_client, customer, body)

    assert response.status_code == 422
    assert response.json()["code"] == "unknown_wording"
    assert message in response.json()["errors"]["wording_version"][0]
    assert not Consent.objects.exists()


def test_an_upsert_naming_an_unknown_version_writes_nothing(api_client: TokenClient) -> None:
    response = api_client.put(
        "/api/v1/customers/shopify/77",
        {"email": "new@example.fr", "consents": [_decision(wording_version="nope")]},
        format="json",
    )

    assert response.status_code == 422
    assert "consents.0.wording_version" in response.json()["errors"]
    assert not Customer.objects.exists()
    assert not Consent.objects.exists()


def test_upserts_and_batches_record_the_api_client_as_the_author(
    make_api_client: Any,
) -> None:
    e_shop, pos = make_api_client(), make_api_client()
    ConsentWordingFactory(version="2026-01")
    decision = _decision()
    del decision["collected_via"]

    e_shop.put(
        "/api/v1/customers/shopify/1",
        {"email": "a@example.fr", "consents": [decision]},
        format="json",
    )
    pos.post(
        "/api/v1/customers/batch",
        {
            "records": [
                {
                    "source": "pos",
                    "external_id": "2",
                    "email": "b@example.fr",
                    "consents": [decision],
                }
            ]
        },
        format="json",
    )

    authors = dict(Consent.objects.values_list("customer__email", "api_client__name"))
    assert authors == {"a@example.fr": e_shop.api_client.name, "b@example.fr": pos.api_client.name}


def test_the_ledger_is_read_newest_first_with_each_wording_in_a_fixed_number_of_queries(
    api_client: TokenClient,
) -> None:
    customer = CustomerFactory()
    ConsentFactory(customer=customer, wording_version="2025-01", granted=True)
    url = f"/api/v1/customers/{customer.pk}/consents"
    api_client.get(url)
    with CaptureQueriesContext(connection) as few:
        api_client.get(url)
    for number in range(10):
        ConsentFactory(customer=customer, wording_version=f"2026-{number:02}")
    ConsentFactory(wording_version="2026-01")  # another customer's

    with CaptureQueriesContext(connection) as many:
        response = api_client.get(url)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 11
    assert results[0]["wording"]["version"] == "2026-09"
    assert results[-1]["wording"]["text"] == "I agree to marketing messages (version 2025-01)."
    assert len(many) == len(few)
