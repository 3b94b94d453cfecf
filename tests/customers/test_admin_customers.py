"""Head-office admin of customers: profile form, search, consent ledger, duplicates and merges."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.factories import (
    ConsentFactory,
    ConsentWordingFactory,
    CustomerFactory,
    ExternalIdentityFactory,
)
from customers.models import (
    Consent,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    ExternalIdentity,
    MatchKey,
)
from journeys.factories import OrderFactory
from omni.factories import StoreFactory
from segments.factories import TagFactory
from tests.admin_helpers import admin_url, inline_management_data, run_action


def profile_data(**overrides: object) -> dict[str, object]:
    return {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "",
        "phone": "",
        "birth_date": "",
        "preferred_language": "fr",
        "loyalty_number": "",
        "loyalty_tier": "none",
        "lifecycle_stage": "reach",
        "acquisition_channel": "",
        "preferred_store": "",
        **overrides,
    }


# The profile form ------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_form_stores_the_phone_in_e164(admin_client: Client) -> None:
    page = admin_client.get(admin_url(Customer, "add"))
    data = {
        **profile_data(phone="06 12 34 56 78", email=" Lea@Example.FR "),
        **inline_management_data(page),
    }

    response = admin_client.post(admin_url(Customer, "add"), data)

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.phone == "+33612345678"
    assert customer.email == "lea@example.fr"


@pytest.mark.django_db
def test_customer_form_explains_an_invalid_phone(admin_client: Client) -> None:
    page = admin_client.get(admin_url(Customer, "add"))
    data = {**profile_data(phone="12"), **inline_management_data(page)}

    response = admin_client.post(admin_url(Customer, "add"), data)

    assert response.status_code == 200
    assert "is not a valid phone number" in " ".join(
        response.context["adminform"].form.errors["phone"]
    )
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_identity_added_by_hand_is_marked_as_linked_by_hand(admin_client: Client) -> None:
    customer = CustomerFactory(email=None, phone=None, loyalty_number=None)
    url = admin_url(Customer, "change", customer.pk)
    data = {**profile_data(), **inline_management_data(admin_client.get(url))}
    data.update(
        {
            "identities-TOTAL_FORMS": 1,
            "identities-0-source": "pos",
            "identities-0-external_id": "C-77",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    identity = ExternalIdentity.objects.get(customer=customer)
    assert (identity.source, identity.external_id, identity.matched_on) == (
        "pos",
        "C-77",
        MatchKey.MANUAL,
    )


@pytest.mark.django_db
def test_merged_profile_is_read_only(admin_client: Client) -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(last_name="Avant", merged_into=survivor, merged_at=timezone.now())
    url = admin_url(Customer, "change", absorbed.pk)

    assert admin_client.get(url).context["has_change_permission"] is False
    response = admin_client.post(url, profile_data(last_name="Après"))

    assert response.status_code == 403
    absorbed.refresh_from_db()
    assert absorbed.last_name == "Avant"


# Search and filters ----------------------------------------------------------------------


def customers_found(client: Client, search: str, **filters: str) -> list[Customer]:
    response = client.get(admin_url(Customer, "changelist"), {"q": search, **filters})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "search",
    [
        "shop-991",
        "06 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "LOY-77",
        "loy-77",
        "juliette.rousseau@ex",
        "juliette.rousseau@example.fr",
        "Rousseau",
        "rous",
        "ROUSSÉAU-DUPRÉ",
        "dupre",
        "Juliette Rousseau",
        "rousseau jul",
        "  Jul  ",
    ],
)
def test_customer_search_finds_by_any_key(admin_client: Client, search: str) -> None:
    wanted = CustomerFactory(
        first_name="Juliette",
        last_name="Rousseau-Dupré",
        email="juliette.rousseau@example.fr",
        phone="+33612345678",
        loyalty_number="LOY-77",
    )
    ExternalIdentityFactory(customer=wanted, external_id="shop-991")
    CustomerFactory(first_name="Paul", last_name="Bernard", email="paul@example.fr")

    assert customers_found(admin_client, search) == [wanted]


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["shop-99", "0612", "LOY", "example.fr", "juliette martin"])
def test_customer_search_finds_nobody_for_a_part_of_a_key(
    admin_client: Client, search: str
) -> None:
    wanted = CustomerFactory(
        first_name="Juliette",
        last_name="Rousseau",
        email="juliette@example.fr",
        phone="+33612345678",
        loyalty_number="LOY-77",
    )
    ExternalIdentityFactory(customer=wanted, external_id="shop-991")

    assert customers_found(admin_client, search) == []


@pytest.mark.django_db
def test_customer_search_lists_a_profile_once_whatever_matches(admin_client: Client) -> None:
    wanted = CustomerFactory(last_name="Martin", email="martin@example.fr")
    ExternalIdentityFactory(customer=wanted, source="shopify", external_id="martin")
    ExternalIdentityFactory(customer=wanted, source="pos", external_id="martin")

    response = admin_client.get(admin_url(Customer, "changelist"), {"q": "martin"})

    assert list(response.context["cl"].result_list) == [wanted]
    assert not response.context["cl"].queryset.query.distinct


@pytest.mark.django_db
def test_merged_profile_is_found_by_a_name_inside(admin_client: Client) -> None:
    survivor = CustomerFactory(last_name="Leroy")
    absorbed = CustomerFactory(last_name="Zabeth", merged_into=survivor, merged_at=timezone.now())

    assert customers_found(admin_client, "zabeth") == [absorbed]


@pytest.mark.django_db
def test_customer_list_filters_by_tag_without_repeating_profiles(admin_client: Client) -> None:
    vip, press = TagFactory(name="VIP"), TagFactory(name="Press")
    both = CustomerFactory(last_name="Aubert")
    both.tags.add(vip, press)
    only_vip = CustomerFactory(last_name="Blanc")
    only_vip.tags.add(vip)
    CustomerFactory(last_name="Carré")

    assert customers_found(admin_client, "", tag=str(vip.pk)) == [both, only_vip]
    assert customers_found(admin_client, "", tag="not-a-tag") == []


@pytest.mark.django_db
def test_customer_list_filters_and_searches_together(admin_client: Client) -> None:
    store = StoreFactory()
    wanted = CustomerFactory(last_name="Martin", preferred_store=store, loyalty_tier="gold")
    CustomerFactory(last_name="Martin", loyalty_tier="gold")
    # Her first name is chosen: a random "Martine" would rightly be found by "martin".
    CustomerFactory(
        first_name="Claire", last_name="Dubois", preferred_store=store, loyalty_tier="gold"
    )

    found = customers_found(
        admin_client,
        "martin",
        preferred_store__id__exact=str(store.pk),
        loyalty_tier__exact="gold",
    )

    assert found == [wanted]


CUSTOMER_LIST_QUERIES = [
    {},
    {"q": "martin"},
    {"q": "06 12 34 56 78"},
    {"q": "lea@example.fr"},
    {"lifecycle_stage__exact": "loyalty"},
    {"loyalty_tier__exact": "gold", "merged": "no"},
    {"acquisition_channel__exact": "web"},
    {"o": "-9"},
]


def count_queries(client: Client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def add_customers(count: int) -> None:
    store = StoreFactory()
    for _number in range(count):
        customer = CustomerFactory(
            last_name="Martin",
            lifecycle_stage="loyalty",
            loyalty_tier="gold",
            acquisition_channel="web",
            preferred_store=store,
        )
        customer.tags.add(TagFactory())
        ExternalIdentityFactory(customer=customer)
        OrderFactory.create_batch(2, customer=customer)


@pytest.mark.django_db
@pytest.mark.parametrize("params", CUSTOMER_LIST_QUERIES, ids=str)
def test_customer_list_queries_do_not_grow_with_rows(
    admin_client: Client, params: dict[str, str]
) -> None:
    url = admin_url(Customer, "changelist")
    add_customers(2)
    admin_client.get(url, params)  # caches: session, permissions, content types
    with_two = count_queries(admin_client, url, params)
    add_customers(20)

    assert count_queries(admin_client, url, params) == with_two <= 12


@pytest.mark.django_db
def test_customer_list_filters_merged_profiles(admin_client: Client) -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor, merged_at=timezone.now())

    merged = admin_client.get(admin_url(Customer, "changelist"), {"merged": "yes"})
    active = admin_client.get(admin_url(Customer, "changelist"), {"merged": "no"})

    assert list(merged.context["cl"].result_list) == [absorbed]
    assert list(active.context["cl"].result_list) == [survivor]


# Consent ledger --------------------------------------------------------------------------


@pytest.mark.django_db
def test_consent_added_in_the_ledger_is_recorded_by_the_service(
    admin_client: Client, superuser: User
) -> None:
    customer = CustomerFactory()
    store = StoreFactory()
    wording = ConsentWordingFactory(purpose="newsletter", version="2026-03")

    response = admin_client.post(
        admin_url(Consent, "add"),
        {
            "customer": customer.pk,
            "purpose": "newsletter",
            "channel": "email",
            "granted": "on",
            "collected_via": "store",
            "collected_at_store": store.pk,
            "wording": wording.pk,
            "proof": '{"form": "paper"}',
        },
    )

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.customer == customer
    assert consent.granted is True
    assert consent.recorded_by == superuser
    assert consent.collected_at_store == store
    assert (consent.wording, consent.wording_version) == (wording, "2026-03")
    assert consent.proof == {"form": "paper"}
    assert timezone.now() - consent.recorded_at < datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_consent_ledger_rows_cannot_be_changed_or_deleted(admin_client: Client) -> None:
    consent = ConsentFactory(granted=True, wording_version="2026-01")
    change_url = admin_url(Consent, "change", consent.pk)

    page = admin_client.get(change_url)
    changed = admin_client.post(change_url, {"granted": "", "wording_version": "forged"})
    deleted = admin_client.post(admin_url(Consent, "delete", consent.pk), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert changed.status_code == 403
    assert deleted.status_code == 403
    consent.refresh_from_db()
    assert (consent.granted, consent.wording_version) == (True, "2026-01")


@pytest.mark.django_db
def test_customer_page_shows_consents_without_letting_them_change(admin_client: Client) -> None:
    consent = ConsentFactory(wording_version="2026-02")

    response = admin_client.get(admin_url(Customer, "change", consent.customer.pk))

    (consents,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Consent
    ]
    assert consents.has_add_permission is False
    assert consents.has_change_permission is False
    assert consents.has_delete_permission is False
    assert "2026-02" in response.content.decode()


# Duplicates and merges -------------------------------------------------------------------


def make_suggestion() -> tuple[DuplicateSuggestion, Customer, Customer]:
    older = CustomerFactory(last_name="Durand", email="older@example.fr")
    newer = CustomerFactory(last_name="Durand", email="newer@example.fr")
    Customer.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    suggestion = DuplicateSuggestion.objects.create(
        customer=older, other=newer, matched_on=["phone"], reason="Same phone"
    )
    return suggestion, older, newer


@pytest.mark.django_db
def test_merge_keeps_the_older_profile_and_can_be_undone(
    admin_client: Client, superuser: User
) -> None:
    suggestion, older, newer = make_suggestion()
    order = OrderFactory(customer=newer)

    merged = run_action(admin_client, DuplicateSuggestion, "merge_keeping_older", [suggestion])

    assert merged == [f"{newer} was merged into {older}."]
    newer.refresh_from_db()
    order.refresh_from_db()
    suggestion.refresh_from_db()
    assert newer.merged_into == older
    assert order.customer == older
    assert suggestion.status == DuplicateSuggestion.Status.MERGED
    merge = CustomerMerge.objects.get()
    assert (merge.survivor, merge.absorbed, merge.actor) == (older, newer, superuser)

    undone = run_action(admin_client, CustomerMerge, "undo_merge", [merge])

    assert undone == [f"{merge} was undone."]
    newer.refresh_from_db()
    order.refresh_from_db()
    merge.refresh_from_db()
    assert newer.merged_into is None
    assert newer.email == "newer@example.fr"
    assert order.customer == newer
    assert merge.undone_by == superuser
    assert merge.undone_at is not None


@pytest.mark.django_db
def test_undoing_a_merge_twice_is_refused(admin_client: Client) -> None:
    suggestion, _older, _newer = make_suggestion()
    run_action(admin_client, DuplicateSuggestion, "merge_keeping_older", [suggestion])
    merge = CustomerMerge.objects.get()
    run_action(admin_client, CustomerMerge, "undo_merge", [merge])
    merge.refresh_from_db()
    undone_at = merge.undone_at

    messages = run_action(admin_client, CustomerMerge, "undo_merge", [merge])

    assert messages == [f"{merge}: This merge was already undone."]
    merge.refresh_from_db()
    assert merge.undone_at == undone_at


@pytest.mark.django_db
def test_dismissed_suggestion_is_closed_and_cannot_be_merged(
    admin_client: Client, superuser: User
) -> None:
    suggestion, _older, newer = make_suggestion()

    dismissed = run_action(admin_client, DuplicateSuggestion, "dismiss", [suggestion])
    merged = run_action(admin_client, DuplicateSuggestion, "merge_keeping_older", [suggestion])

    assert dismissed == [f"{suggestion} was dismissed."]
    assert merged == [f"{suggestion}: This suggestion was already reviewed."]
    suggestion.refresh_from_db()
    newer.refresh_from_db()
    assert suggestion.status == DuplicateSuggestion.Status.DISMISSED
    assert suggestion.reviewed_by == superuser
    assert newer.merged_into is None
    assert not CustomerMerge.objects.exists()


@pytest.mark.django_db
def test_merge_records_cannot_be_edited_or_deleted(admin_client: Client) -> None:
    suggestion, _older, _newer = make_suggestion()
    run_action(admin_client, DuplicateSuggestion, "merge_keeping_older", [suggestion])
    merge = CustomerMerge.objects.get()

    changed = admin_client.post(admin_url(CustomerMerge, "change", merge.pk), {"reason": "x"})
    deleted = admin_client.post(admin_url(CustomerMerge, "delete", merge.pk), {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    merge.refresh_from_db()
    assert merge.reason.startswith("Duplicate suggestion")


@pytest.mark.django_db
def test_duplicate_added_by_hand_is_stored_in_id_order(admin_client: Client) -> None:
    first, second = CustomerFactory(), CustomerFactory()

    response = admin_client.post(
        admin_url(DuplicateSuggestion, "add"),
        {
            "customer": second.pk,
            "other": first.pk,
            "matched_on": '["name"]',
            "reason": "Same person, two cards",
        },
    )

    assert response.status_code == 302
    suggestion = DuplicateSuggestion.objects.get()
    assert (suggestion.customer, suggestion.other) == (first, second)
    assert suggestion.status == DuplicateSuggestion.Status.OPEN


@pytest.mark.django_db
def test_customer_autocomplete_finds_by_the_start_of_a_name(admin_client: Client) -> None:
    wanted = CustomerFactory(first_name="Hélène", last_name="Dupuis")
    CustomerFactory(first_name="Paul", last_name="Bernard")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "journeys",
            "model_name": "order",
            "field_name": "customer",
            "term": "hélène dup",
        },
    )

    assert [result["id"] for result in response.json()["results"]] == [str(wanted.pk)]


@pytest.mark.django_db
def test_a_lone_initial_finds_no_name(admin_client: Client) -> None:
    CustomerFactory(first_name="Hélène", last_name="Dupuis")

    assert customers_found(admin_client, "d") == []
