"""The search box's order and every input shape, as a store associate types them.

Order: exact keys, then names exactly as typed (her own store's customers first), then names,
phone numbers and emails starting with what she typed, then names containing it, then names
one or two typos away. Every search runs a bounded number of queries."""

import pytest
from django.test import Client
from django.urls import reverse

from clienteling.selectors.search import MAXIMUM_RESULTS, customer_search
from customers.factories import CustomerFactory
from customers.models import Customer, NameWord
from customers.name_words import name_words_refresh
from journeys.factories import OrderFactory, PickupFactory
from omni.models import Store

pytestmark = pytest.mark.django_db


def names(query: str, store: Store | None = None) -> list[str]:
    hits = customer_search(query, store_id=store.pk if store else None)
    return [f"{hit.customer.first_name} {hit.customer.last_name}" for hit in hits]


@pytest.fixture
def people(store: Store, other_store: Store) -> dict[str, Customer]:
    made = {}
    for first, last, where in (
        ("Zoé", "Martin", store),
        ("Anne", "Martin", other_store),
        ("Bruno", "Martin", None),
        ("Lucie", "Martinez", store),
        ("Paul", "Saint-Martin", other_store),
        ("Martin", "Leroy", other_store),
        ("Camille", "Marchand", other_store),
        ("Camille", "Martin", other_store),
        ("Jean-Pierre", "Dupont-Éluard", other_store),
        ("Élodie", "de la Fontaine", store),
    ):
        made[f"{first} {last}"] = CustomerFactory(
            first_name=first, last_name=last, preferred_store=where
        )
    return made


def test_exact_surname_comes_before_first_names_fragments_and_inner_matches(
    people: dict, other_store: Store
) -> None:
    assert names("martin") == [
        "Anne Martin",
        "Bruno Martin",
        "Camille Martin",
        "Zoé Martin",
        "Martin Leroy",
        "Lucie Martinez",
        "Paul Saint-Martin",
    ]


def test_her_own_store_customers_come_first(people: dict, store: Store) -> None:
    assert names("martin", store)[:4] == [
        "Zoé Martin",
        "Anne Martin",
        "Bruno Martin",
        "Camille Martin",
    ]


def test_reasons_say_why_each_customer_was_found(people: dict) -> None:
    hit = customer_search("martin")[0]
    assert hit.reasons == ["Name"]


@pytest.mark.parametrize("query", ["camille martin", "Martin Camille", "CAMILLE  MARTIN"])
def test_first_name_and_surname_in_either_order(people: dict, query: str) -> None:
    assert names(query)[0] == "Camille Martin"


def test_a_first_name_and_the_start_of_the_surname(people: dict) -> None:
    assert names("camille mar") == ["Camille Marchand", "Camille Martin"]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("mar", "Camille Marchand"),
        ("Dupont-Éluard", "Jean-Pierre Dupont-Éluard"),
        ("dupont eluard", "Jean-Pierre Dupont-Éluard"),
        ("jean-pierre", "Jean-Pierre Dupont-Éluard"),
        ("de la fontaine", "Élodie de la Fontaine"),
        ("fontaine", "Élodie de la Fontaine"),
        ("ELODIE", "Élodie de la Fontaine"),
    ],
)
def test_name_shapes(people: dict, query: str, first: str) -> None:
    assert names(query)[0] == first


def test_two_letters_list_surnames_starting_with_them(people: dict) -> None:
    found = names("ma")
    assert found[:2] == ["Camille Marchand", "Anne Martin"]
    assert "Paul Saint-Martin" not in found  # no inner matches for two letters


@pytest.mark.parametrize(("query", "expected"), [("martni", "Martin"), ("Leory", "Leroy")])
def test_typos_are_corrected_against_the_names_vocabulary(
    people: dict, query: str, expected: str
) -> None:
    name_words_refresh()
    hits = customer_search(query)
    assert any(expected in str(hit.customer) for hit in hits)
    assert all(hit.reasons == ["Similar name"] for hit in hits)


def test_no_typo_is_looked_for_when_the_name_exists(people: dict) -> None:
    name_words_refresh()
    assert names("Lucie Martinez") == ["Lucie Martinez"]


def test_phone_shapes() -> None:
    claire = CustomerFactory(first_name="Claire", phone="+33612345678")
    CustomerFactory(phone="+33698765432")
    briton = CustomerFactory(first_name="Emma", phone="+447700900123")
    for query in ("06 12 34", "+33 6 12 3", "0033612", "34 56 78", "5678", "06.12.34.56.78"):
        assert [hit.customer.pk for hit in customer_search(query)] == [claire.pk], query
    assert [hit.customer.pk for hit in customer_search("+44 7700 900123")] == [briton.pk]
    assert [hit.customer.pk for hit in customer_search("+44 7700")] == [briton.pk]


def test_email_shapes() -> None:
    claire = CustomerFactory(email="claire.moreau@example.fr")
    CustomerFactory(email="claire.morel@example.fr")
    assert [hit.customer.pk for hit in customer_search("Claire.Moreau@example.fr")] == [claire.pk]
    assert len(customer_search("claire.mor")) == 2
    assert customer_search("claire.moreau")[0].reasons == ["Email"]


def test_identifiers_come_before_names(people: dict) -> None:
    zoe = people["Zoé Martin"]
    zoe.loyalty_number = "MARTIN42"
    zoe.save()
    hits = customer_search("martin42")
    assert hits[0].customer == zoe
    assert hits[0].reasons == ["Loyalty number"]
    order = OrderFactory(customer=people["Anne Martin"], external_reference="WEB-100245")
    pickup = PickupFactory(order__customer=people["Bruno Martin"])
    assert customer_search("web-100245")[0].customer == order.customer
    assert customer_search("web-100245")[0].reasons == ["Order WEB-100245"]
    assert customer_search(pickup.code.lower())[0].customer == people["Bruno Martin"]


def test_wildcards_typed_are_plain_characters(people: dict) -> None:
    CustomerFactory(email="a_b@example.fr", last_name="100%")
    assert customer_search("%%") == []
    assert customer_search("__") == []
    assert len(customer_search("a_b@")) == 1


def test_at_most_twenty_customers_in_name_order(store: Store) -> None:
    for number in range(30):
        CustomerFactory(first_name=f"Prénom{number:02d}", last_name="Durand")
    found = names("durand")
    assert len(found) == MAXIMUM_RESULTS
    assert found == sorted(found)


def test_merged_and_erased_profiles_are_never_listed(people: dict) -> None:
    anne = people["Anne Martin"]
    CustomerFactory(first_name="Anne", last_name="Martin", merged_into=anne)
    assert names("anne martin") == ["Anne Martin"]


@pytest.mark.parametrize(
    "query",
    [
        "martin",
        "ma",
        "mar",
        "camille martin",
        "martni",
        "eluard",
        "06 12 34",
        "34 56 78",
        "0612345678",
        "claire.moreau@example.fr",
        "claire.mor",
        "MARTIN42",
        "WEB-100245",
        "ABCD-EFGH",
    ],
)
def test_every_search_runs_at_most_eight_queries(
    associate_client: Client,
    people: dict,
    htmx: dict,
    query: str,
    django_assert_max_num_queries: object,
) -> None:
    name_words_refresh()
    for number in range(40):
        CustomerFactory(first_name=f"Anne{number}", last_name="Martin")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = associate_client.get(reverse("clienteling:search"), {"q": query}, **htmx)
    assert response.status_code == 200


def test_the_vocabulary_gains_new_names_and_recounts_at_night(people: dict) -> None:
    assert name_words_refresh() == len(people)
    assert NameWord.objects.get(word="martin").customers == 6  # Martin Leroy too
    assert NameWord.objects.get(word="eluard").customers == 1
    CustomerFactory(first_name="Zoé", last_name="Zylberstein")
    name_words_refresh(since=Customer.objects.latest("updated_at").updated_at)
    assert NameWord.objects.get(word="zylberstein").customers == 1
    assert NameWord.objects.get(word="zoe").customers == 1  # estimated from the new ones
    name_words_refresh()
    assert NameWord.objects.get(word="zoe").customers == 2
