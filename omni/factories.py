"""factory-boy factories for the retail reference (used by tests and by seed_demo)."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from omni.models import Product, Service, Specialty, Store


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"user{number}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda user: f"{user.username}@staff.example.com")
    password = factory.django.Password("omni-demo")


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda number: f"specialty-{number}")
    name = factory.LazyAttribute(lambda specialty: specialty.code.replace("-", " ").title())


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda number: f"service-{number}")
    name = factory.LazyAttribute(lambda service: service.code.replace("-", " ").title())
    duration_minutes = 45
    price = Decimal("0.00")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda number: f"store-{number}")
    name = factory.Sequence(lambda number: f"Omni Store {number}")
    city = "Paris"
    region = "Île-de-France"
    address_line = factory.Faker("street_address", locale="fr_FR")
    postal_code = "75001"
    opening_hours = factory.LazyFunction(
        lambda: {
            day: [["10:00", "19:00"]]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
        }
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda number: f"SKU-{number:06d}")
    name = factory.Sequence(lambda number: f"Trench coat {number}")
    brand = "Maison Omni"
    department = Product.Department.FASHION
    category = "Coats"
    price = Decimal("890.00")
    attributes = factory.LazyFunction(lambda: {"colour": "honey", "sizes": ["S", "M", "L"]})
