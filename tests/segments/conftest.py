"""A small known dataset: six profiles whose segment membership is worked out by hand.

| who    | stage     | tier   | store  | orders | spent | channels  | last order | tags  |
|--------|-----------|--------|--------|--------|-------|-----------|------------|-------|
| alice  | loyalty   | gold   | paris  | 5      | 2500  | store,web | 10 days    | VIP   |
| bruno  | retention | silver | lyon   | 2      | 300   | web       | 100 days   |       |
| chloe  | lapsed    | none   | -      | 1      | 80    | store     | 500 days   | Press |
| dora   | reach     | none   | -      | (no metrics row)                         |       |
| merged | loyalty   | gold   | paris  | 9      | 9000  | store,web | 1 day      | VIP   | → alice
| erased | loyalty   | gold   | paris  | 9      | 9000  | store,web | 1 day      | VIP   | erased

Consents: alice marketing/email granted; bruno marketing/email granted then withdrawn;
chloe newsletter/email granted, marketing/email withdrawn then granted again; merged and
erased marketing/email granted.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from customers.factories import ConsentFactory, CustomerFactory, PreferenceFactory
from customers.models import Customer
from journeys.models import CustomerMetrics
from omni.factories import UserFactory
from omni.models import Store
from segments.factories import SegmentFactory, SegmentRuleFactory, TagFactory
from segments.models import Segment
from tests.api.conftest import api_client, make_api_client  # noqa: F401 - API fixtures

NOW = timezone.now()


def days_ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def metrics_for(customer: Customer, **values: Any) -> CustomerMetrics:
    channels = values.pop("channels", [])
    return CustomerMetrics.objects.create(
        customer=customer,
        channels="".join(f",{channel}" for channel in channels) + ("," if channels else ""),
        channel_count=len(channels),
        **values,
    )


def consent(customer: Customer, purpose: str, granted: bool, when: datetime.datetime) -> None:
    ConsentFactory(
        customer=customer, purpose=purpose, channel="email", granted=granted, recorded_at=when
    )


def _big_spender(name: str, store: Store) -> Customer:
    customer = CustomerFactory(
        first_name=name, lifecycle_stage="loyalty", loyalty_tier="gold", preferred_store=store
    )
    metrics_for(
        customer,
        order_count=9,
        total_spent=Decimal("9000"),
        channels=["store", "web"],
        last_order_at=days_ago(1),
    )
    consent(customer, "marketing", True, days_ago(30))
    return customer


@pytest.fixture
def people(store: Store, other_store: Store) -> SimpleNamespace:
    vip, press = TagFactory(name="VIP"), TagFactory(name="Press")
    alice = CustomerFactory(
        first_name="Alice",
        last_name="Arnaud",
        lifecycle_stage="loyalty",
        loyalty_tier="gold",
        preferred_store=store,
    )
    metrics_for(
        alice,
        order_count=5,
        total_spent=Decimal("2500.00"),
        channels=["store", "web"],
        last_order_at=days_ago(10),
    )
    PreferenceFactory(
        customer=alice,
        favourite_categories=["Skin care", "Coats"],
        favourite_brands=["Benefit", "Crème Légère"],
        sizes={"shoes": "38", "tops": "M"},
    )
    alice.tags.add(vip)
    consent(alice, "marketing", True, days_ago(30))

    bruno = CustomerFactory(
        first_name="Bruno",
        last_name="Bernard",
        lifecycle_stage="retention",
        loyalty_tier="silver",
        preferred_store=other_store,
    )
    metrics_for(
        bruno,
        order_count=2,
        total_spent=Decimal("300.00"),
        channels=["web"],
        last_order_at=days_ago(100),
    )
    PreferenceFactory(
        customer=bruno,
        favourite_categories=["Shoes"],
        favourite_brands=["Maison Omni"],
        sizes={"shoes": "42"},
    )
    consent(bruno, "marketing", True, days_ago(60))
    consent(bruno, "marketing", False, days_ago(5))

    chloe = CustomerFactory(first_name="Chloé", last_name="Chevalier", lifecycle_stage="lapsed")
    metrics_for(
        chloe,
        order_count=1,
        total_spent=Decimal("80.00"),
        channels=["store"],
        last_order_at=days_ago(500),
    )
    chloe.tags.add(press)
    consent(chloe, "newsletter", True, days_ago(20))
    consent(chloe, "marketing", False, days_ago(40))
    consent(chloe, "marketing", True, days_ago(3))

    dora = CustomerFactory(first_name="Dora", last_name="Dupont", lifecycle_stage="reach")

    merged = _big_spender("Merged", store)
    merged.tags.add(vip)
    Customer.objects.filter(pk=merged.pk).update(merged_into=alice, merged_at=NOW)
    erased = _big_spender("Erased", store)
    erased.tags.add(vip)
    Customer.objects.filter(pk=erased.pk).update(erased_at=NOW)
    return SimpleNamespace(alice=alice, bruno=bruno, chloe=chloe, dora=dora, vip=vip, press=press)


def make_segment(*rules: tuple[int, str, str, str], **fields: Any) -> Segment:
    segment = SegmentFactory(**fields)
    for group, field, operator, value in rules:
        SegmentRuleFactory(
            segment=segment, group=group, field=field, operator=operator, value=value
        )
    return segment


def staff_with(*codenames: str, username: str = "segment-staff") -> User:
    """A head-office staff user holding exactly these segments permissions."""
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="segments", codename__in=codenames)
    )
    return user
