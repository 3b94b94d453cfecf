"""aggregates_rebuild against the known dataset of conftest.py, every figure computed by hand."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from insights.aggregates import aggregates_rebuild, is_summed
from insights.models import (
    DAILY_TO_MONTHLY,
    AggregateRun,
    AssociateSalesDaily,
    CohortMonthly,
    FirstPurchaseDaily,
    PickupDaily,
    RetentionMonthly,
    ReturnsDaily,
    SalesDaily,
    SalesMonthly,
    StageDaily,
    StageTransitionDaily,
    TicketDaily,
)
from journeys.factories import OrderFactory
from tests.insights.conftest import KnownDataset, at

pytestmark = pytest.mark.django_db

JANUARY = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
FEBRUARY = (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))


def _sum(queryset, *fields: str) -> dict:
    return queryset.aggregate(**{field: Sum(field) for field in fields})


def _in(days: tuple[datetime.date, datetime.date]) -> dict:
    return {"day__gte": days[0], "day__lte": days[1]}


def test_sales_per_month_counts_purchases_only(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    january = _sum(SalesDaily.objects.filter(**_in(JANUARY)), "orders", "revenue")
    february = _sum(SalesDaily.objects.filter(**_in(FEBRUARY)), "orders", "revenue")

    # January: E1 70 + O1 100 + O9 40 + O4 80 + F1 30 + O5 120 = 6 orders, 440.
    assert january == {"orders": 6, "revenue": Decimal("440.00")}
    # February: O7 60 + O2 200 + E2 90 + O6 300 + O3 50 = 5 orders, 700 (X1 is cancelled).
    assert february == {"orders": 5, "revenue": Decimal("700.00")}


def test_sales_local_day_follows_the_time_zone(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    # O7 was placed on 31 January at 23:30 UTC, 00:30 on 1 February in Paris.
    row = SalesDaily.objects.get(day=datetime.date(2026, 2, 1))
    assert (row.orders, row.revenue, row.channel, row.store_id) == (1, Decimal(60), "web", None)
    assert not SalesDaily.objects.filter(day=datetime.date(2026, 1, 31)).exists()


def test_sales_first_repeat_switch_click_and_collect_returns(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    totals = _sum(
        SalesDaily.objects.all(),
        "customer_orders",
        "first_orders",
        "repeat_orders",
        "channel_switch_orders",
        "click_and_collect_orders",
        "returned_orders",
        "returned_in_store_orders",
        "influenced_orders",
        "influenced_revenue",
    )
    assert totals == {
        "customer_orders": 10,  # 11 purchases, O9 anonymous
        "first_orders": 5,  # E1 erin, O1 alice, O4 bob, F1 frank, O7 carol
        "repeat_orders": 5,  # O5, O2, E2, O6, O3
        # O5 bob web→store, O2 alice store→web, O6 bob store→web (E2 and O3 same channel)
        "channel_switch_orders": 3,
        "click_and_collect_orders": 2,  # O4, O3
        "returned_orders": 1,  # O6
        "returned_in_store_orders": 1,  # O6, returned in the Lyon store
        "influenced_orders": 2,  # O1 by Camille, O5 by the Lyon associate
        "influenced_revenue": Decimal("220.00"),  # 100 + 120
    }
    bob_switch = SalesDaily.objects.get(day=datetime.date(2026, 1, 25))
    assert (bob_switch.repeat_orders, bob_switch.channel_switch_orders) == (1, 1)
    assert bob_switch.store == known_dataset.lyon
    assert bob_switch.region == "Auvergne-Rhône-Alpes"


def test_returns_pickups_tickets(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    returned = ReturnsDaily.objects.get()
    assert (returned.day, returned.order_channel, returned.return_channel) == (
        datetime.date(2026, 2, 15),
        "web",
        "store",
    )
    assert (returned.returns, returned.refunded, returned.store) == (
        1,
        Decimal(300),
        known_dataset.lyon,
    )
    paris = PickupDaily.objects.get(store=known_dataset.paris)
    # O3 placed 20 Feb 10:00 UTC, ready 2 h later (7,200 s), collected 26 h later (93,600 s).
    assert (paris.day, paris.pickups, paris.ready, paris.ready_seconds) == (
        datetime.date(2026, 2, 20),
        1,
        1,
        7200,
    )
    assert (paris.collected, paris.collected_seconds, paris.expired) == (1, 93600, 0)
    lyon = PickupDaily.objects.get(store=known_dataset.lyon)
    # O4: ready 4 h (14,400 s) after the order, never collected: expired (a no-show).
    assert (lyon.ready_seconds, lyon.collected, lyon.expired) == (14400, 0, 1)
    tickets = _sum(TicketDaily.objects.all(), "opened", "closed", "closed_within_sla")
    # Three opened; two closed, one of them before its due date.
    assert tickets == {"opened": 3, "closed": 2, "closed_within_sla": 1}
    assert TicketDaily.objects.get(day=datetime.date(2026, 2, 3)).closed_within_sla == 0


def test_stage_snapshot_and_transitions(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    today = timezone.localdate()
    snapshot = {
        (row.store_id, row.stage): row.customers for row in StageDaily.objects.filter(day=today)
    }
    paris, lyon = known_dataset.paris.pk, known_dataset.lyon.pk
    # Paris: dave (reach), alice and erin (retention); Lyon: bob; no store: carol and frank.
    assert snapshot == {
        (paris, "reach"): 1,
        (paris, "retention"): 2,
        (lyon, "retention"): 1,
        (None, "conversion"): 2,
    }
    january = StageTransitionDaily.objects.filter(**_in(JANUARY))
    # Entering conversion in January: erin, alice, bob, frank; retention: bob (25 Jan).
    assert _sum(january.filter(to_stage="conversion"), "changes") == {"changes": 4}
    assert _sum(january.filter(to_stage="retention"), "changes") == {"changes": 1}
    # Carol's change at 23:59 UTC on 31 January is on 1 February in Paris.
    carol = StageTransitionDaily.objects.get(day=datetime.date(2026, 2, 1))
    assert (carol.from_stage, carol.to_stage, carol.store_id) == ("reach", "conversion", None)


def test_associate_sales_and_first_purchase_paths(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    by_associate = {
        row.associate_id: (row.orders, row.revenue) for row in AssociateSalesDaily.objects.all()
    }
    assert by_associate == {
        known_dataset.camille.pk: (1, Decimal(100)),
        known_dataset.lyon_seller.pk: (1, Decimal(120)),
    }
    paths = {}
    for row in FirstPurchaseDaily.objects.all():
        paths[row.path] = paths.get(row.path, 0) + row.customers
    # alice and erin social>web>store, bob and frank web, carol social>web.
    assert paths == {"social>web>store": 2, "web": 2, "social>web": 1}


def test_monthly_retention_by_profile(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    def month(day: datetime.date, profile: str) -> dict:
        return _sum(
            RetentionMonthly.objects.filter(month=day, profile=profile),
            "buyers",
            "repeat_buyers",
            "previous_buyers",
            "retained",
        )

    january, february = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
    # Omnichannel: alice (store+web) and bob (web+store). January: both bought, bob twice.
    assert month(january, "omni") == {
        "buyers": 2,
        "repeat_buyers": 1,
        "previous_buyers": 0,
        "retained": 0,
    }
    # February: alice (O2, O3: twice) and bob (O6); both had bought in January.
    assert month(february, "omni") == {
        "buyers": 2,
        "repeat_buyers": 1,
        "previous_buyers": 2,
        "retained": 2,
    }
    # Single channel: erin and frank in January; carol and erin in February, erin retained.
    assert month(february, "single") == {
        "buyers": 2,
        "repeat_buyers": 0,
        "previous_buyers": 2,
        "retained": 1,
    }
    # The last month with purchases is February: no row for a month still to come.
    assert not RetentionMonthly.objects.filter(month__gt=february).exists()


def test_cohorts_by_first_purchase_month_and_channel(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    cohorts: dict[tuple, int] = {}
    for row in CohortMonthly.objects.all():
        key = (row.cohort_month.month, row.channel, row.months_since)
        cohorts[key] = cohorts.get(key, 0) + row.customers
    # January store: alice and erin, both bought in February. January web: bob and frank,
    # bob bought in February. February web: carol.
    assert cohorts == {
        (1, "store", 0): 2,
        (1, "store", 1): 2,
        (1, "web", 0): 2,
        (1, "web", 1): 1,
        (2, "web", 0): 1,
    }


def _snapshot_of_tables() -> dict[str, list]:
    tables = (SalesDaily, ReturnsDaily, PickupDaily, TicketDaily, StageDaily)
    tables += (StageTransitionDaily, AssociateSalesDaily, FirstPurchaseDaily)
    tables += (RetentionMonthly, CohortMonthly, *DAILY_TO_MONTHLY.values())
    return {
        model.__name__: sorted(
            tuple(sorted((key, str(value)) for key, value in row.items() if key != "id"))
            for row in model.objects.values()
        )
        for model in tables
    }


def test_rebuild_is_idempotent_and_a_range_rebuild_gives_the_same_rows(
    known_dataset: KnownDataset,
) -> None:
    first = aggregates_rebuild()
    rows = _snapshot_of_tables()

    second = aggregates_rebuild()
    assert second == first
    assert _snapshot_of_tables() == rows
    aggregates_rebuild(day_from=FEBRUARY[0], day_to=FEBRUARY[1])
    assert _snapshot_of_tables() == rows
    assert AggregateRun.objects.count() == 3


def test_range_rebuild_touches_only_its_days(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()
    OrderFactory(
        customer=known_dataset.customers["dave"],
        placed_at=at("2026-01-12"),
        store=known_dataset.paris,
        total=Decimal(10),
    )
    OrderFactory(
        customer=known_dataset.customers["dave"],
        placed_at=at("2026-02-12"),
        store=known_dataset.paris,
        total=Decimal(20),
    )

    counts = aggregates_rebuild(day_from=FEBRUARY[0], day_to=FEBRUARY[1])

    assert counts["insights_salesdaily"] == SalesDaily.objects.filter(**_in(FEBRUARY)).count()
    # February now has dave's order, a repeat (his first was in January): 4 + 1 repeats.
    # January is not rebuilt: still 6 orders without dave's.
    february = _sum(SalesDaily.objects.filter(**_in(FEBRUARY)), "orders", "repeat_orders")
    assert february == {"orders": 6, "repeat_orders": 5}
    assert _sum(SalesDaily.objects.filter(**_in(JANUARY)), "orders") == {"orders": 6}


def test_rebuild_on_an_empty_database() -> None:
    counts = aggregates_rebuild()

    assert set(counts.values()) == {0}
    assert counts["insights_cohortmonthly"] == 0


def test_monthly_rollups_sum_the_daily_rows(known_dataset: KnownDataset) -> None:
    aggregates_rebuild()

    for daily, monthly in DAILY_TO_MONTHLY.items():
        figures = [field.name for field in daily._meta.concrete_fields if is_summed(field)]
        for first, last in (JANUARY, FEBRUARY):
            by_day = _sum(daily.objects.filter(**_in((first, last))), *figures)
            assert _sum(monthly.objects.filter(day=first), *figures) == by_day, daily
    january = SalesMonthly.objects.filter(day=JANUARY[0])
    # January: E1 70 + O1 100 + O9 40 in Paris; O4 80 + O5 120 in Lyon; F1 30 without store.
    assert {row.store_id: row.revenue for row in january.filter(channel="store")} == {
        known_dataset.paris.pk: Decimal(210),
        known_dataset.lyon.pk: Decimal(120),
    }
