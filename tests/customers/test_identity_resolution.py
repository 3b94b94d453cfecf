import pytest

from customers.factories import CustomerFactory, ExternalIdentityFactory
from customers.identity import InboundCustomer, customer_find_duplicates, customer_resolve
from customers.models import Customer, DuplicateSuggestion, ExternalIdentity
from omni.errors import DomainError

pytestmark = pytest.mark.django_db


def test_unknown_customer_becomes_a_new_profile_with_its_identity() -> None:
    result = customer_resolve(
        InboundCustomer(
            source="shopify",
            external_id="207119551",
            email=" Bob.Norman@Mail.example.COM",
            phone="+1 613-555-0101",
            profile={"first_name": "Bob", "last_name": "Norman"},
        )
    )
    assert result.created
    assert result.matched_on == "new_profile"
    assert result.customer.email == "bob.norman@mail.example.com"
    assert result.customer.phone == "+16135550101"
    identity = ExternalIdentity.objects.get()
    assert (identity.source, identity.external_id, identity.matched_on) == (
        "shopify",
        "207119551",
        "new_profile",
    )


def test_second_delivery_of_the_same_customer_finds_it_by_external_id() -> None:
    inbound = InboundCustomer(source="shopify", external_id="1", email="a@example.fr")
    first = customer_resolve(inbound)
    second = customer_resolve(inbound)
    assert second.customer == first.customer
    assert (second.created, second.matched_on) == (False, "external_id")
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("inbound_keys", "expected_key"),
    [
        ({"email": "CLAIRE@example.fr"}, "email"),
        ({"phone": "06 12 34 56 78"}, "phone"),
        ({"loyalty_number": " LOY42 "}, "loyalty_number"),
    ],
)
def test_known_customer_is_found_by_each_key_and_the_key_is_recorded(
    inbound_keys: dict, expected_key: str
) -> None:
    known = CustomerFactory(email="claire@example.fr", phone="+33612345678", loyalty_number="LOY42")
    result = customer_resolve(InboundCustomer(source="booking", external_id="b-9", **inbound_keys))
    assert result.customer == known
    assert result.matched_on == expected_key
    assert ExternalIdentity.objects.get(source="booking").matched_on == expected_key


def test_conflicting_keys_attach_by_the_strongest_and_suggest_a_duplicate() -> None:
    by_email = CustomerFactory(email="claire@example.fr", phone="+33600000001")
    by_phone = CustomerFactory(email="other@example.fr", phone="+33612345678")

    result = customer_resolve(
        InboundCustomer(
            source="web", external_id="9", email="claire@example.fr", phone="0612345678"
        )
    )

    assert result.customer == by_email
    assert result.conflicts == [by_phone]
    suggestion = DuplicateSuggestion.objects.get()
    assert {suggestion.customer_id, suggestion.other_id} == {by_email.pk, by_phone.pk}
    assert suggestion.matched_on == ["phone"]
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_a_phone_shared_by_two_profiles_is_not_enough_to_attach() -> None:
    CustomerFactory(phone="+33612345678")
    CustomerFactory(phone="+33612345678")
    result = customer_resolve(InboundCustomer(phone="06 12 34 56 78"))
    assert result.created
    assert DuplicateSuggestion.objects.count() == 2


def test_a_merged_profile_resolves_to_its_survivor() -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor)
    ExternalIdentityFactory(customer=absorbed, source="pos", external_id="P1")
    result = customer_resolve(InboundCustomer(source="pos", external_id="P1"))
    assert result.customer == survivor


def test_blanks_are_filled_but_entered_values_are_kept() -> None:
    known = CustomerFactory(email="claire@example.fr", phone=None, first_name="Claire")
    customer_resolve(
        InboundCustomer(
            email="claire@example.fr", phone="0612345678", profile={"first_name": "Clara"}
        )
    )
    known.refresh_from_db()
    assert known.phone == "+33612345678"
    assert known.first_name == "Claire"


def test_invalid_phone_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(DomainError, match="is not a valid phone number") as error:
        customer_resolve(InboundCustomer(source="web", external_id="1", phone="0612"))
    assert error.value.code == "invalid_phone"
    assert not Customer.objects.exists()
    assert not ExternalIdentity.objects.exists()


def test_find_duplicates_lists_profiles_sharing_a_key() -> None:
    claire = CustomerFactory(email="claire@example.fr", phone="+33612345678")
    results = customer_find_duplicates(email="Claire@Example.fr", phone="06 12 34 56 78")
    assert results == [(claire, ["email", "phone"])]
    assert customer_find_duplicates(email="nobody@example.fr") == []


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_a_new_customer_create_one_profile() -> None:
    import threading

    from django.db import connection

    barrier = threading.Barrier(6)
    results: list[int] = []
    inbound = InboundCustomer(source="shopify", external_id="77", email="new@example.fr")

    def deliver() -> None:
        barrier.wait()
        try:
            results.append(customer_resolve(inbound).customer.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 6
    assert len(set(results)) == 1
    assert Customer.objects.count() == 1
    assert ExternalIdentity.objects.count() == 1
