"""Search as you type: names with accents and typos, email, phone formats, identifiers."""

import pytest
from django.test import Client
from django.urls import reverse

from clienteling.selectors.search import customer_search
from customers.factories import CustomerFactory
from customers.models import Customer
from customers.name_words import name_words_refresh
from journeys.factories import OrderFactory, PickupFactory

pytestmark = pytest.mark.django_db


def found(query: str) -> list[int]:
    return [hit.customer.pk for hit in customer_search(query)]


@pytest.fixture
def helene(db: None) -> Customer:
    return CustomerFactory(
        first_name="Hélène",
        last_name="Dupont-Éluard",
        email="helene.dupont@example.fr",
        phone="+33612345678",
        loyalty_number="LOY00004242",
    )


@pytest.fixture
def others(db: None) -> list[Customer]:
    return [CustomerFactory(first_name="Marc", last_name=f"Martin{number}") for number in range(5)]


@pytest.mark.parametrize(
    "query", ["helene", "Hélène", "HELENE dupont", "dupont eluard", "Dupont-Éluard", "élu"]
)
def test_names_ignore_accents_and_case(helene: Customer, others: list, query: str) -> None:
    assert found(query) == [helene.pk]


@pytest.mark.parametrize("query", ["Dupnot", "helen dupond", "Éluart"])
def test_names_tolerate_typos(helene: Customer, others: list, query: str) -> None:
    name_words_refresh()  # as the periodic job does
    assert helene.pk in found(query)


@pytest.mark.parametrize(
    "query",
    [
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12 34 56 78",
        "0033612345678",
        "06.12.34.56.78",
        "12 34 56",
    ],
)
def test_phone_in_any_common_format(helene: Customer, others: list, query: str) -> None:
    assert found(query) == [helene.pk]


def test_email_whole_or_partial(helene: Customer, others: list) -> None:
    assert found("Helene.Dupont@example.fr") == [helene.pk]
    assert found("helene.dupont@") == [helene.pk]


def test_loyalty_number_order_reference_and_pickup_code(helene: Customer, others: list) -> None:
    order = OrderFactory(customer=helene, external_reference="WEB-100245")
    pickup = PickupFactory(order__customer=helene)
    assert found("loy00004242") == [helene.pk]
    assert found("WEB-100245") == [helene.pk]
    assert order.customer_id == helene.pk
    spaced = f"{pickup.code[:4].lower()} {pickup.code[4:].lower()}"
    assert found(spaced) == [helene.pk]
    reasons = customer_search(pickup.code)[0].reasons
    assert "Pickup code" in reasons


def test_merged_and_erased_profiles_are_not_found(helene: Customer) -> None:
    merged = CustomerFactory(first_name="Hélène", last_name="Dupont-Éluard", merged_into=helene)
    assert merged.pk not in found("helene dupont")


def test_too_short_query_finds_nothing(helene: Customer) -> None:
    assert found("h") == []


def test_search_page_and_htmx_partial(
    associate_client: Client, helene: Customer, htmx: dict
) -> None:
    url = reverse("clienteling:search")
    page = associate_client.get(url, {"q": "helene"})
    assert page.status_code == 200
    assert b"<html" in page.content
    assert "Hélène".encode() in page.content
    partial = associate_client.get(url, {"q": "helene"}, **htmx)
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert partial.content.lstrip().startswith(b'<section id="results"')
    assert reverse("clienteling:customer", args=[helene.pk]).encode() in partial.content
    # One URL, two answers: a browser cache keeps them apart (Back to a URL htmx pushed
    # shows the page, not the fragment).
    for response in (page, partial):
        assert "HX-Request" in response["Vary"]


def test_search_runs_a_bounded_number_of_queries(
    associate_client: Client, helene: Customer, htmx: dict, django_assert_max_num_queries: object
) -> None:
    CustomerFactory.create_batch(60, first_name="Hélène")
    for query in ("helene", "06 12 34 56 78", "helene.dupont@example.fr", "Dupnot", "LOY00004242"):
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            response = associate_client.get(reverse("clienteling:search"), {"q": query}, **htmx)
        assert response.status_code == 200
