"""factory-boy factories for customers (used by tests and by seed_demo)."""

import datetime

import factory
from django.utils import timezone

from customers.models import (
    Address,
    Consent,
    ConsentWording,
    Customer,
    ExternalIdentity,
    Preference,
)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    first_name = factory.Faker("first_name_female", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda number: f"client{number}@example.fr")
    phone = factory.Sequence(lambda number: f"+336{10000000 + number:08d}")
    loyalty_number = factory.Sequence(lambda number: f"LOY{number:08d}")


class ExternalIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalIdentity

    customer = factory.SubFactory(CustomerFactory)
    source = "shopify"
    external_id = factory.Sequence(lambda number: str(7000000000 + number))


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    line1 = factory.Faker("street_address", locale="fr_FR")
    postal_code = factory.Faker("postcode", locale="fr_FR")
    city = factory.Faker("city", locale="fr_FR")


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    customer = factory.SubFactory(CustomerFactory)
    sizes = factory.LazyFunction(lambda: {"tops": "M", "shoes": "38"})
    favourite_brands = factory.LazyFunction(lambda: ["Maison Omni"])
    favourite_categories = factory.LazyFunction(lambda: ["Coats"])


class ConsentWordingFactory(factory.django.DjangoModelFactory):
    """A wording for every channel, in force since 2020; the same purpose, version and language
    give the same row."""

    class Meta:
        model = ConsentWording
        django_get_or_create = ("purpose", "version", "language", "is_placeholder")

    purpose = "marketing"
    channel = ""
    version = "2026-01"
    language = "en"
    text = factory.LazyAttribute(
        lambda wording: f"I agree to {wording.purpose} messages (version {wording.version})."
    )
    valid_from = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    is_placeholder = False


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    customer = factory.SubFactory(CustomerFactory)
    purpose = "marketing"
    channel = "email"
    granted = True
    recorded_at = factory.LazyFunction(timezone.now)
    collected_via = "web"
    wording_version = "2026-01"
    wording = factory.SubFactory(
        ConsentWordingFactory,
        purpose=factory.SelfAttribute("..purpose"),
        version=factory.SelfAttribute("..wording_version"),
    )
