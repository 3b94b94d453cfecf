"""Erasure's rules, model by model: what is deleted, blanked, kept and recorded."""

import pytest

from clienteling.factories import NoteFactory
from customers.factories import (
    AddressFactory,
    ConsentFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.models import Address, Customer, ExternalIdentity, NameWord
from journeys.factories import OrderFactory, TouchpointFactory
from omni.errors import DomainError
from privacy.erasure import customer_erase
from privacy.models import Door, Erasure

pytestmark = pytest.mark.django_db


def test_erasure_blanks_the_profile_deletes_her_data_and_keeps_orders_and_consents() -> None:
    customer = CustomerFactory(birth_date="1990-05-01", loyalty_number="L-99881")
    AddressFactory(customer=customer)
    ExternalIdentityFactory(customer=customer)
    preference = PreferenceFactory(customer=customer, skin_type="dry")
    order = OrderFactory(customer=customer)
    ConsentFactory(customer=customer)
    NoteFactory(customer=customer, body="Rappeler après 18 h")

    outcome = customer_erase(customer=customer, door=Door.ADMIN)

    customer.refresh_from_db()
    assert customer.erased_at is not None
    profile = ("first_name", "last_name", "email", "phone", "birth_date", "loyalty_number")
    assert {name: getattr(customer, name) for name in profile} == {
        "first_name": "",
        "last_name": "",
        "email": None,
        "phone": None,
        "birth_date": None,
        "loyalty_number": None,
    }
    assert not Address.objects.exists()
    assert not ExternalIdentity.objects.exists()
    assert not customer.notes.exists()
    preference.refresh_from_db()
    assert (preference.sizes, preference.skin_type, preference.attributes) == ({}, "", {})
    order.refresh_from_db()
    assert order.customer == customer
    assert customer.consents.count() == 1
    assert not outcome.already_erased
    assert outcome.erasure.door == Door.ADMIN
    assert outcome.erasure.counts["clienteling.Note"] == 1
    assert outcome.erasure.counts["customers.Address"] == 1


def test_erasing_twice_changes_nothing_more_and_returns_the_first_record() -> None:
    first = customer_erase(customer=CustomerFactory(), door=Door.API)

    again = customer_erase(customer=first.erasure.customer, door=Door.ADMIN)

    assert again.already_erased
    assert again.erasure == first.erasure
    assert Erasure.objects.count() == 1


def test_a_merged_profile_is_erased_through_its_survivor() -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor, first_name="Apolline")

    with pytest.raises(DomainError, match="merged"):
        customer_erase(customer=absorbed, door=Door.ADMIN)
    absorbed.refresh_from_db()
    assert absorbed.erased_at is None

    outcome = customer_erase(customer=survivor, door=Door.ADMIN)

    absorbed.refresh_from_db()
    assert (absorbed.first_name, absorbed.erased_at is not None) == ("", True)
    assert outcome.erasure.profiles == 2


def test_her_name_words_leave_the_search_vocabulary_unless_others_bear_them() -> None:
    customer = CustomerFactory(first_name="Zéphyrine", last_name="Martin")
    # The vocabulary may already hold these words (other tests' customers): set their counts.
    NameWord.objects.update_or_create(word="zephyrine", defaults={"customers": 1})
    NameWord.objects.update_or_create(word="martin", defaults={"customers": 40})

    customer_erase(customer=customer, door=Door.ADMIN)

    counted = dict(
        NameWord.objects.filter(word__in=["zephyrine", "martin"]).values_list("word", "customers")
    )
    assert counted == {"martin": 39}
    assert not (Customer.objects.get(pk=customer.pk).search_name or "").strip()


def test_rows_already_blank_are_not_rewritten_nor_counted() -> None:
    customer = CustomerFactory()
    TouchpointFactory(customer=customer, payload={"page": "/trench"})
    TouchpointFactory.create_batch(3, customer=customer, payload={})

    outcome = customer_erase(customer=customer, door=Door.ADMIN)

    assert outcome.erasure.counts["journeys.Touchpoint"] == 1
    assert list(customer.touchpoints.values_list("payload", flat=True)) == [{}] * 4
