import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.factories import CustomerFactory, ExternalIdentityFactory
from customers.models import Customer, ExternalIdentity
from customers.normalization import format_phone_for_display, normalize_email, normalize_phone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["06 12 34 56 78", "+33 6 12 34 56 78", "0033 6 12 34 56 78", "06.12.34.56.78", "+33612345678"],
)
def test_phone_numbers_in_common_french_forms_normalise_to_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+33612345678"


def test_foreign_numbers_keep_their_country() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("typed", ["12", "06 12 34", "not a phone", "+33 1"])
def test_invalid_phone_is_rejected_with_a_clear_message(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalize_phone(typed)
    assert "is not a valid phone number" in error.value.messages[0]


def test_email_is_trimmed_and_lower_cased_and_empty_becomes_none() -> None:
    assert normalize_email("  Claire.Martin@Example.FR ") == "claire.martin@example.fr"
    assert normalize_email("   ") is None


def test_french_mobile_is_displayed_the_french_way() -> None:
    assert format_phone_for_display("+33612345678") == "06 12 34 56 78"


def test_clean_normalises_contact_fields_and_reports_each_bad_field() -> None:
    customer = Customer(first_name="Claire", email=" CLAIRE@Example.fr", phone="06 12 34 56 78")
    customer.full_clean()
    assert (customer.email, customer.phone) == ("claire@example.fr", "+33612345678")

    broken = Customer(email="not-an-email", phone="123")
    with pytest.raises(ValidationError) as error:
        broken.full_clean()
    assert set(error.value.message_dict) == {"email", "phone"}


def test_email_is_unique_when_present_but_many_customers_may_have_none() -> None:
    CustomerFactory(email="claire@example.fr")
    CustomerFactory(email=None)
    CustomerFactory(email=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(email="claire@example.fr")
    assert Customer.objects.filter(email="claire@example.fr").count() == 1


def test_loyalty_number_is_unique_when_present() -> None:
    CustomerFactory(loyalty_number="LOY1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(loyalty_number="LOY1")


def test_duplicate_external_identity_is_refused_by_the_database() -> None:
    identity = ExternalIdentityFactory(source="shopify", external_id="207119551")
    with pytest.raises(IntegrityError), transaction.atomic():
        ExternalIdentity.objects.create(
            customer=CustomerFactory(), source="shopify", external_id="207119551"
        )
    assert ExternalIdentity.objects.get().customer_id == identity.customer_id


def test_the_same_external_id_may_exist_in_two_sources() -> None:
    ExternalIdentityFactory(source="shopify", external_id="42")
    ExternalIdentityFactory(source="woocommerce", external_id="42")
    assert ExternalIdentity.objects.filter(external_id="42").count() == 2


def test_a_customer_cannot_be_merged_into_itself_in_the_database() -> None:
    customer = CustomerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(merged_into=customer)
