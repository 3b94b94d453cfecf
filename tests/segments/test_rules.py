"""Each rule field and operator on the known dataset (tests/segments/conftest.py), by hand."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from segments.models import SegmentRule
from segments.selectors import segment_members
from tests.segments.conftest import make_segment

pytestmark = pytest.mark.django_db


def names(*rules: tuple[int, str, str, str]) -> set[str]:
    return {customer.first_name for customer in segment_members(make_segment(*rules))}


@pytest.mark.parametrize(
    ("field", "operator", "value", "expected"),
    [
        ("lifecycle_stage", "in", "loyalty", {"Alice"}),
        ("lifecycle_stage", "in", "retention, lapsed", {"Bruno", "Chloé"}),
        ("lifecycle_stage", "not_in", "loyalty,retention", {"Chloé", "Dora"}),
        ("channel", "includes", "web", {"Alice", "Bruno"}),
        ("channel", "includes", "store", {"Alice", "Chloé"}),
        ("channel", "excludes", "web", {"Chloé", "Dora"}),
        ("channel_count", "gte", "2", {"Alice"}),
        ("channel_count", "eq", "1", {"Bruno", "Chloé"}),
        ("channel_count", "lte", "1", {"Bruno", "Chloé", "Dora"}),
        ("total_spent", "gte", "300", {"Alice", "Bruno"}),
        ("total_spent", "gte", "300.01", {"Alice"}),
        ("total_spent", "lte", "300", {"Bruno", "Chloé", "Dora"}),
        ("total_spent", "gte", "0", {"Alice", "Bruno", "Chloé", "Dora"}),
        ("order_count", "gte", "2", {"Alice", "Bruno"}),
        ("order_count", "lte", "1", {"Chloé", "Dora"}),
        ("order_count", "eq", "5", {"Alice"}),
        ("order_count", "eq", "0", {"Dora"}),
        ("last_purchase", "within_days", "30", {"Alice"}),
        ("last_purchase", "within_days", "365", {"Alice", "Bruno"}),
        ("last_purchase", "before_days", "90", {"Bruno", "Chloé"}),
        ("last_purchase", "never", "", {"Dora"}),
        ("preferred_store", "in", "paris-flagship", {"Alice"}),
        ("preferred_store", "in", "paris-flagship,lyon", {"Alice", "Bruno"}),
        ("preferred_store", "not_in", "paris-flagship", {"Bruno", "Chloé", "Dora"}),
        ("store_region", "in", "Auvergne-Rhône-Alpes", {"Bruno"}),
        ("store_region", "in", "Île-de-France", {"Alice"}),
        ("favourite_category", "contains", "skin", {"Alice"}),
        ("favourite_category", "contains", "SHOES", {"Bruno"}),
        ("favourite_brand", "contains", "Omni", {"Bruno"}),
        ("favourite_brand", "contains", "Crème", {"Alice"}),
        ("size", "eq", "shoes=38", {"Alice"}),
        ("size", "eq", "shoes=42", {"Bruno"}),
        ("size", "eq", "tops=m", {"Alice"}),
        ("consent", "granted", "marketing:email", {"Alice", "Chloé"}),
        ("consent", "not_granted", "marketing:email", {"Bruno", "Dora"}),
        ("consent", "granted", "newsletter:email", {"Chloé"}),
        ("consent", "granted", "marketing:sms", set()),
        ("tag", "has", "VIP", {"Alice"}),
        ("tag", "has", "press", {"Chloé"}),
        ("tag", "has_not", "VIP", {"Bruno", "Chloé", "Dora"}),
        ("loyalty_tier", "in", "gold,silver", {"Alice", "Bruno"}),
        ("loyalty_tier", "not_in", "gold", {"Bruno", "Chloé", "Dora"}),
    ],
)
def test_each_field_and_operator_selects_the_expected_customers(
    people: SimpleNamespace, field: str, operator: str, value: str, expected: set[str]
) -> None:
    assert names((1, field, operator, value)) == expected


def test_rules_of_one_group_are_anded(people: SimpleNamespace) -> None:
    assert names((1, "channel", "includes", "web"), (1, "order_count", "lte", "2")) == {"Bruno"}


def test_groups_are_ored(people: SimpleNamespace) -> None:
    rules = (
        (1, "channel", "includes", "web"),
        (1, "order_count", "gte", "3"),
        (2, "tag", "has", "Press"),
    )
    assert names(*rules) == {"Alice", "Chloé"}


def test_a_segment_without_rules_has_no_member(people: SimpleNamespace) -> None:
    assert names() == set()


def test_merged_and_erased_profiles_are_never_members(people: SimpleNamespace) -> None:
    everyone = names((1, "lifecycle_stage", "in", "loyalty"), (2, "total_spent", "gte", "0"))
    assert everyone == {"Alice", "Bruno", "Chloé", "Dora"}
    assert names((1, "total_spent", "gte", "5000")) == set()


def test_a_segment_is_one_query(people: SimpleNamespace, django_assert_num_queries: object) -> None:
    segment = make_segment(
        (1, "consent", "granted", "marketing:email"),
        (1, "tag", "has_not", "Press"),
        (2, "store_region", "in", "Auvergne-Rhône-Alpes"),
    )
    rules = list(segment.rules.all())
    segment._prefetched_objects_cache = {"rules": rules}
    # One query for the members, whatever their number, and one per tag rule for its ids.
    with django_assert_num_queries(2):
        assert {customer.first_name for customer in segment_members(segment)} == {
            "Alice",
            "Bruno",
        }


@pytest.mark.parametrize(
    ("field", "operator", "value", "message"),
    [
        ("lifecycle_stage", "in", "loyal", "Unknown stage: loyal"),
        ("lifecycle_stage", "gte", "loyalty", "does not apply"),
        ("total_spent", "gte", "a lot", "is not an amount"),
        ("order_count", "gte", "2.5", "is not a whole number"),
        ("order_count", "gte", "-1", "zero or more"),
        ("preferred_store", "in", "paris-flagship,nowhere", "Unknown store code: nowhere"),
        ("store_region", "in", "Bretagne", "No store is in the region"),
        ("preferred_store", "in", " , ", "Enter at least one store code"),
        ("store_region", "in", "", "Enter at least one region"),
        ("channel", "includes", "pigeon", "Unknown channel"),
        ("consent", "granted", "marketing", "purpose:channel"),
        ("consent", "granted", "marketing:fax", "Unknown contact channel"),
        ("tag", "has", "Celebrity", "Unknown tag"),
        ("size", "eq", "38", "kind=size"),
        ("last_purchase", "never", "30", "takes no value"),
        ("last_purchase", "within_days", "", "Enter a value"),
        ("favourite_brand", "contains", '"', "Quotes"),
        ("loyalty_tier", "in", "platinum", "Unknown loyalty tier"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    people: SimpleNamespace, field: str, operator: str, value: str, message: str
) -> None:
    rule = SegmentRule(field=field, operator=operator, value=value)
    with pytest.raises(ValidationError) as raised:
        rule.clean()
    assert message in " ".join(raised.value.message_dict["value"])


def test_a_rule_reads_with_the_names_of_its_codes() -> None:
    rule = SegmentRule(field="lifecycle_stage", operator="in", value="loyalty, lapsed")
    assert str(rule) == "Lifecycle stage is one of Loyalty, Lapsed"
    with translation.override("fr"):
        assert str(rule).endswith(" Fidélité, Inactif"), str(rule)
    tier = SegmentRule(field="loyalty_tier", operator="not_in", value="gold,unknown")
    assert tier.value_display() == "Gold, unknown", "an unknown code is shown as stored"
    spent = SegmentRule(field="total_spent", operator="gte", value="500")
    assert str(spent) == "Total spent ≥ 500"
