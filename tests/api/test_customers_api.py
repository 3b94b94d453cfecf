"""Customers through the API: upsert by identity resolution, details, filters."""

from typing import Any

import pytest

from customers.factories import ConsentWordingFactory, CustomerFactory, PreferenceFactory
from customers.models import Address, Consent, Customer, DuplicateSuggestion, ExternalIdentity
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def _upsert(client: TokenClient, external_id: str, **body: Any) -> Any:
    return client.put(f"/api/v1/customers/shopify/{external_id}", body, format="json")


def test_a_new_customer_is_created_with_everything_the_shop_sent(api_client: TokenClient) -> None:
    ConsentWordingFactory(purpose="newsletter", version="v3")
    response = _upsert(
        api_client,
        "207119551",
        email=" Bob.Norman@Mail.example.COM",
        phone="+1 613-555-0101",
        first_name="Bob",
        last_name="Norman",
        preferences={"sizes": {"shoes": "44"}, "favourite_brands": ["Maison Omni"]},
        addresses=[{"line1": "1 rue de Rivoli", "postal_code": "75001", "city": "Paris"}],
        consents=[
            {"purpose": "newsletter", "channel": "email", "granted": True, "wording_version": "v3"}
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "bob.norman@mail.example.com"
    assert body["phone"] == "+16135550101"
    assert body["resolution"] == {
        "created": True,
        "matched_on": "new_profile",
        "duplicate_suggestions": [],
    }
    assert body["identities"][0]["external_id"] == "207119551"
    assert body["preferences"]["sizes"] == {"shoes": "44"}
    assert body["addresses"][0]["city"] == "Paris"
    assert body["consents"][0]["purpose"] == "newsletter"


def test_replaying_the_upsert_changes_nothing(api_client: TokenClient) -> None:
    ConsentWordingFactory(purpose="newsletter", version="v3")
    payload = {
        "email": "bob@example.com",
        "addresses": [{"line1": "1 rue de Rivoli", "postal_code": "75001", "city": "Paris"}],
        "consents": [
            {"purpose": "newsletter", "channel": "email", "granted": True, "wording_version": "v3"}
        ],
    }
    _upsert(api_client, "1", **payload)
    again = _upsert(api_client, "1", **payload)
    assert again.status_code == 200
    assert again.json()["resolution"]["matched_on"] == "external_id"
    assert (Customer.objects.count(), Address.objects.count(), Consent.objects.count()) == (1, 1, 1)


def test_a_customer_known_in_store_is_found_by_email_and_not_duplicated(
    api_client: TokenClient,
) -> None:
    known = CustomerFactory(email="claire@example.fr", first_name="Claire", phone=None)
    response = _upsert(api_client, "88", email="Claire@Example.fr", phone="06 12 34 56 78")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == known.pk
    assert body["resolution"]["matched_on"] == "email"
    assert body["phone"] == "+33612345678"  # A blank is filled...
    assert body["first_name"] == "Claire"  # ...what the store entered is kept.
    assert ExternalIdentity.objects.get(external_id="88").customer == known
    assert Customer.objects.count() == 1


def test_conflicting_keys_attach_by_the_strongest_and_suggest_a_duplicate(
    api_client: TokenClient,
) -> None:
    by_email = CustomerFactory(email="claire@example.fr", phone="+33600000001")
    by_phone = CustomerFactory(email="other@example.fr", phone="+33612345678")
    body = _upsert(api_client, "89", email="claire@example.fr", phone="0612345678").json()
    assert body["id"] == by_email.pk
    assert body["resolution"]["duplicate_suggestions"] == [by_phone.pk]
    assert DuplicateSuggestion.objects.count() == 1
    assert Customer.objects.get(pk=by_phone.pk).merged_into is None


def test_consent_changes_are_appended_to_the_ledger(api_client: TokenClient) -> None:
    ConsentWordingFactory(purpose="marketing", version="v1")
    consent = {"purpose": "marketing", "channel": "sms", "wording_version": "v1"}
    _upsert(api_client, "5", email="a@example.fr", consents=[{**consent, "granted": True}])
    _upsert(api_client, "5", consents=[{**consent, "granted": False}])
    customer = Customer.objects.get()
    assert list(customer.consents.order_by("id").values_list("granted", flat=True)) == [True, False]
    detail = api_client.get(f"/api/v1/customers/{customer.pk}").json()
    assert detail["consents"] == [
        {**detail["consents"][0], "purpose": "marketing", "channel": "sms", "granted": False}
    ]


def test_consents_can_be_recorded_on_their_own(api_client: TokenClient, store: Any) -> None:
    customer = CustomerFactory()
    ConsentWordingFactory(purpose="personalised_advice", version="2026-01")
    response = api_client.post(
        f"/api/v1/customers/{customer.pk}/consents",
        {
            "purpose": "personalised_advice",
            "channel": "phone",
            "granted": True,
            "wording_version": "2026-01",
            "collected_via": "store",
            "store": store.code,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["collected_at_store"] == store.code
    assert customer.consents.get().collected_at_store == store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("email=CLAIRE@example.fr", ["claire"]),
        ("phone=06 12 34 56 78", ["claire"]),
        ("phone=garbage", []),
        ("source=shopify&external_id=55", ["claire"]),
        ("source=shopify&external_id=56", []),
        ("loyalty_number=LOY-B", ["bea"]),
        ("lifecycle_stage=loyalty", ["bea"]),
    ],
)
def test_customers_can_be_found_by_their_keys(
    api_client: TokenClient, query: str, expected: list[str]
) -> None:
    claire = CustomerFactory(first_name="claire", email="claire@example.fr", phone="+33612345678")
    claire.identities.create(source="shopify", external_id="55")
    CustomerFactory(first_name="bea", loyalty_number="LOY-B", lifecycle_stage="loyalty")
    response = api_client.get(f"/api/v1/customers?{query}")
    assert response.status_code == 200
    assert [row["first_name"] for row in response.json()["results"]] == expected


def test_the_detail_shows_preferences(api_client: TokenClient) -> None:
    preference = PreferenceFactory()
    body = api_client.get(f"/api/v1/customers/{preference.customer_id}").json()
    assert body["preferences"]["sizes"] == {"tops": "M", "shoes": "38"}
