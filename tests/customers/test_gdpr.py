import pytest

from customers.factories import (
    AddressFactory,
    ConsentFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.gdpr import customer_erase
from customers.models import Address, Customer, ExternalIdentity
from journeys.factories import OrderFactory
from omni.errors import DomainError

pytestmark = pytest.mark.django_db


def test_erasure_blanks_every_personal_field_and_keeps_orders_and_consents() -> None:
    customer = CustomerFactory(birth_date="1990-05-01")
    AddressFactory(customer=customer)
    ExternalIdentityFactory(customer=customer)
    preference = PreferenceFactory(customer=customer, skin_type="dry")
    order = OrderFactory(customer=customer)
    ConsentFactory(customer=customer)

    customer_erase(customer=customer, reason="Deleted in the e-shop")

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert {field: getattr(customer, field) for field in Customer.PERSONAL_FIELDS} == {
        "first_name": "",
        "last_name": "",
        "email": None,
        "phone": None,
        "birth_date": None,
        "loyalty_number": None,
    }
    assert not Address.objects.exists()
    assert not ExternalIdentity.objects.exists()
    preference.refresh_from_db()
    assert (preference.sizes, preference.skin_type, preference.attributes) == ({}, "", {})
    order.refresh_from_db()
    assert order.customer == customer
    assert customer.consents.count() == 1


def test_erasing_twice_changes_nothing_more() -> None:
    customer = customer_erase(customer=CustomerFactory())
    erased_at = customer.erased_at

    again = customer_erase(customer=customer)

    assert again.erased_at == erased_at


def test_a_merged_profile_is_erased_through_its_survivor() -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor)

    with pytest.raises(DomainError, match="merged"):
        customer_erase(customer=absorbed)
    absorbed.refresh_from_db()
    assert absorbed.erased_at is None
