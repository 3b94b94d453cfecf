"""The stage rule on hand-written facts: each stage, its reason, thresholds and boundaries."""

import datetime
from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from customers.models import LifecycleStage
from journeys.lifecycle.reasons import reason_display
from journeys.lifecycle.rules import CustomerFacts, months_before, stage_decide
from journeys.models import LifecycleSettings

NOW = datetime.datetime(2026, 3, 31, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The rule writes in the active language (the refresh makes it the site's)."""
    with translation.override("en"):
        yield


def thresholds(**overrides: object) -> LifecycleSettings:
    return LifecycleSettings(**overrides)


def buyer(count: int, *, recent: int | None = None, last: datetime.datetime = NOW) -> CustomerFacts:
    return CustomerFacts(
        purchase_count=count,
        recent_purchase_count=count if recent is None else recent,
        first_purchase_at=datetime.datetime(2024, 5, 2, 10, 0, tzinfo=datetime.UTC),
        last_purchase_at=last,
    )


def test_a_known_contact_with_nothing_else_is_in_reach() -> None:
    decision = stage_decide(CustomerFacts(), thresholds(), NOW)
    assert decision.stage == LifecycleStage.REACH
    assert decision.reason == "Known contact, no account or interaction yet"


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (CustomerFacts(has_account=True), "Identified: has an account"),
        (CustomerFacts(has_loyalty_number=True), "Identified: has a loyalty card"),
        (
            CustomerFacts(has_interaction=True),
            "Identified: interacted (visit, wishlist, after-sales or order)",
        ),
        (CustomerFacts(has_profile_data=True), "Identified: preferences recorded"),
    ],
)
def test_an_identified_customer_without_purchase_is_in_acquisition(
    facts: CustomerFacts, reason: str
) -> None:
    decision = stage_decide(facts, thresholds(), NOW)
    assert (decision.stage, decision.reason) == (LifecycleStage.ACQUISITION, reason)


def test_one_purchase_is_conversion_with_its_date() -> None:
    decision = stage_decide(buyer(1), thresholds(), NOW)
    assert decision.stage == LifecycleStage.CONVERSION
    assert decision.reason == "First purchase on 02/05/2024"  # Europe/Paris, day first


def test_repeat_purchases_are_retention_from_the_threshold() -> None:
    assert stage_decide(buyer(2), thresholds(), NOW).stage == LifecycleStage.RETENTION
    assert stage_decide(buyer(2), thresholds(), NOW).reason == "Repeat customer: 2 purchases"
    raised = thresholds(retention_min_orders=3)
    assert stage_decide(buyer(2), raised, NOW).stage == LifecycleStage.CONVERSION
    assert stage_decide(buyer(3), raised, NOW).stage == LifecycleStage.RETENTION


def test_loyalty_counts_only_purchases_in_the_window() -> None:
    decision = stage_decide(buyer(4, recent=4), thresholds(), NOW)
    assert decision.stage == LifecycleStage.LOYALTY
    assert decision.reason == "4 purchases in the last 12 months"
    # Ten purchases, but only three recent: a repeat customer, not a loyal one.
    assert stage_decide(buyer(10, recent=3), thresholds(), NOW).stage == LifecycleStage.RETENTION
    lowered = thresholds(loyalty_min_orders=3, loyalty_window_months=6)
    decision = stage_decide(buyer(10, recent=3), lowered, NOW)
    assert (decision.stage, decision.reason) == (
        LifecycleStage.LOYALTY,
        "3 purchases in the last 6 months",
    )


def test_a_qualifying_loyalty_tier_is_loyalty_even_without_purchase() -> None:
    gold = CustomerFacts(loyalty_tier="gold", has_loyalty_number=True)
    assert stage_decide(gold, thresholds(), NOW).stage == LifecycleStage.ACQUISITION
    decision = stage_decide(gold, thresholds(loyalty_tiers=["gold", "vip"]), NOW)
    assert (decision.stage, decision.reason) == (LifecycleStage.LOYALTY, "Loyalty tier gold")


def test_lapsed_after_the_configured_months_and_not_a_second_before() -> None:
    limit = months_before(NOW, 12)
    on_the_limit = buyer(5, recent=1, last=limit)
    just_before = buyer(5, recent=0, last=limit - datetime.timedelta(seconds=1))
    assert stage_decide(on_the_limit, thresholds(), NOW).stage == LifecycleStage.RETENTION
    decision = stage_decide(just_before, thresholds(), NOW)
    assert decision.stage == LifecycleStage.LAPSED
    assert decision.reason == "No purchase since 03/2025"
    assert stage_decide(just_before, thresholds(lapsed_after_months=18), NOW).stage == (
        LifecycleStage.RETENTION
    )


def test_lapsed_wins_over_a_loyalty_tier_and_never_applies_without_purchase() -> None:
    old = datetime.datetime(2023, 1, 10, tzinfo=datetime.UTC)
    lapsed_vip = CustomerFacts(
        purchase_count=6, first_purchase_at=old, last_purchase_at=old, loyalty_tier="vip"
    )
    settings = thresholds(loyalty_tiers=["vip"])
    assert stage_decide(lapsed_vip, settings, NOW).stage == LifecycleStage.LAPSED
    never_bought = CustomerFacts(loyalty_tier="vip")
    assert stage_decide(never_bought, settings, NOW).stage == LifecycleStage.LOYALTY


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month() -> None:
    assert months_before(NOW, 1) == datetime.datetime(2026, 2, 28, 12, 0, tzinfo=datetime.UTC)
    assert months_before(NOW, 12) == datetime.datetime(2025, 3, 31, 12, 0, tzinfo=datetime.UTC)
    assert months_before(NOW, 15).date() == datetime.date(2024, 12, 31)
    leap = datetime.datetime(2024, 3, 30, tzinfo=timezone.get_current_timezone())
    assert months_before(leap, 1).date() == datetime.date(2024, 2, 29)


def test_a_stored_reason_is_shown_again_in_the_readers_language() -> None:
    old = datetime.datetime(2025, 3, 10, tzinfo=datetime.UTC)
    lapsed = CustomerFacts(purchase_count=2, first_purchase_at=old, last_purchase_at=old)
    with translation.override("en"):
        stored = stage_decide(lapsed, thresholds(), NOW).reason
        loyal = stage_decide(buyer(4, recent=4), thresholds(), NOW).reason
        assert reason_display(stored) == stored == "No purchase since 03/2025"
    with translation.override("fr"):
        assert reason_display(stored) == "Aucun achat depuis 03/2025"
        assert reason_display(loyal) == "4 achats au cours des 12 derniers mois"
        assert (
            reason_display("4 purchases in the last month") == "4 achats au cours du dernier mois"
        )
        assert reason_display("Repeat customer: 7 purchases") == "Client régulier : 7 achats"
        assert reason_display("Typed by hand") == "Typed by hand"
