"""Lifecycle stages and metrics against the database: the set-based refresh, its history rows,
purchases (cancelled, pending, refunded orders), the loyalty window, merged profiles, and the
incremental path giving the same result as the nightly recompute."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.factories import CustomerFactory, ExternalIdentityFactory, PreferenceFactory
from customers.models import Customer, LifecycleStage
from customers.services import customer_merge
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.lifecycle.metrics import customer_rows
from journeys.lifecycle.rules import StageDecision, months_before
from journeys.lifecycle.selectors import lifecycle_settings_get
from journeys.lifecycle.services import (
    METRIC_FIELDS,
    _write_stage_changes,
    customers_lifecycle_refresh,
    lifecycle_recompute_all,
)
from journeys.models import (
    CustomerMetrics,
    LifecycleSettings,
    LifecycleStageChange,
    LifecycleTrigger,
    Order,
    Return,
)

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2030, 6, 15, 9, 0, tzinfo=datetime.UTC)  # after any factory default


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def bought(customer: Customer, when: datetime.datetime, **fields: object) -> Order:
    fields.setdefault("channel", "store")
    return OrderFactory(customer=customer, placed_at=when, **fields)


def refresh(*customers: Customer, trigger: str = LifecycleTrigger.EVENT) -> int:
    result = customers_lifecycle_refresh(
        customer_ids=[customer.pk for customer in customers], trigger=trigger, now=NOW
    )
    return result.changes


def stage_of(customer: Customer) -> str:
    return Customer.objects.values_list("lifecycle_stage", flat=True).get(pk=customer.pk)


def test_the_settings_row_is_created_with_the_defaults_once() -> None:
    first = lifecycle_settings_get()
    assert (first.pk, first.retention_min_orders, first.loyalty_min_orders) == (1, 2, 4)
    assert (first.loyalty_window_months, first.lapsed_after_months) == (12, 12)
    assert lifecycle_settings_get().pk == 1
    assert LifecycleSettings.objects.count() == 1


def test_each_stage_on_hand_built_customers() -> None:
    reach = CustomerFactory(loyalty_number=None)
    card = CustomerFactory()
    account = CustomerFactory(loyalty_number=None)
    ExternalIdentityFactory(customer=account)
    wisher = CustomerFactory(loyalty_number=None)
    WishlistItemFactory(wishlist__customer=wisher)
    sav = CustomerFactory(loyalty_number=None)
    AfterSalesTicketFactory(customer=sav)
    sizes = CustomerFactory(loyalty_number=None)
    PreferenceFactory(customer=sizes)
    converted = CustomerFactory()
    bought(converted, days_ago(30))
    repeat = CustomerFactory()
    bought(repeat, days_ago(500))
    bought(repeat, days_ago(200))
    loyal = CustomerFactory()
    for days in (10, 50, 100, 300):
        bought(loyal, days_ago(days))
    lapsed = CustomerFactory()
    for days in (400, 420, 450, 500, 600):
        bought(lapsed, days_ago(days))
    everyone = [reach, card, account, wisher, sav, sizes, converted, repeat, loyal, lapsed]

    changes = refresh(*everyone)

    expected = ["reach"] + ["acquisition"] * 5 + ["conversion", "retention", "loyalty", "lapsed"]
    assert [stage_of(customer) for customer in everyone] == expected
    assert changes == 9  # everyone but the one still in reach
    change = LifecycleStageChange.objects.get(customer=loyal)
    assert (change.from_stage, change.to_stage) == (LifecycleStage.REACH, LifecycleStage.LOYALTY)
    assert change.reason == "4 purchases in the last 12 months"
    assert (change.trigger, change.changed_at) == (LifecycleTrigger.EVENT, NOW)
    # Her last purchase was 400 days ago.
    assert LifecycleStageChange.objects.get(customer=lapsed).reason == "No purchase since 05/2029"


def test_a_second_refresh_records_no_change_and_a_move_records_one() -> None:
    customer = CustomerFactory()
    bought(customer, days_ago(20))
    assert refresh(customer) == 1
    assert refresh(customer, trigger=LifecycleTrigger.NIGHTLY) == 0
    bought(customer, days_ago(5))
    assert refresh(customer) == 1
    history = list(
        LifecycleStageChange.objects.filter(customer=customer)
        .order_by("pk")
        .values_list("from_stage", "to_stage")
    )
    assert history == [("reach", "conversion"), ("conversion", "retention")]


def test_cancelled_pending_and_fully_refunded_orders_are_not_purchases() -> None:
    customer = CustomerFactory()
    bought(customer, days_ago(3), status=Order.Status.CANCELLED)
    bought(customer, days_ago(2), status=Order.Status.PENDING)
    refunded = bought(customer, days_ago(40), total=Decimal("200.00"))
    ReturnFactory(order=refunded, refund_amount=Decimal("200.00"))
    kept = bought(customer, days_ago(60), total=Decimal("300.00"), channel="web")
    ReturnFactory(order=kept, refund_amount=Decimal("100.00"))
    ReturnFactory(order=kept, refund_amount=Decimal("50.00"), status=Return.Status.REJECTED)

    refresh(customer)

    assert stage_of(customer) == LifecycleStage.CONVERSION
    # Orders that are not purchases still make a contact an identified customer.
    only_cancelled = CustomerFactory(loyalty_number=None)
    bought(only_cancelled, days_ago(3), status=Order.Status.CANCELLED)
    refresh(only_cancelled)
    assert stage_of(only_cancelled) == LifecycleStage.ACQUISITION
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.order_count == 1
    assert metrics.total_spent == Decimal("300.00")
    assert metrics.total_refunded == Decimal("300.00")  # 200 + 100; the rejected 50 is not
    assert metrics.return_count == 2
    assert (metrics.first_order_at, metrics.last_order_at) == (days_ago(60), days_ago(60))
    assert (metrics.channels, metrics.channel_count) == (",web,", 1)


def test_the_loyalty_window_includes_its_first_instant_only() -> None:
    window_start = months_before(NOW, 12)
    inside, outside = CustomerFactory(), CustomerFactory()
    for customer, oldest in (
        (inside, window_start),
        (outside, window_start - datetime.timedelta(seconds=1)),
    ):
        bought(customer, oldest)
        for days in (1, 2, 3):
            bought(customer, days_ago(days))
    refresh(inside, outside)
    assert stage_of(inside) == LifecycleStage.LOYALTY
    assert stage_of(outside) == LifecycleStage.RETENTION


def test_thresholds_changes_move_customers() -> None:
    customer = CustomerFactory()
    for days in (10, 20, 30):
        bought(customer, days_ago(days))
    refresh(customer)
    assert stage_of(customer) == LifecycleStage.RETENTION
    LifecycleSettings.objects.filter(pk=1).update(loyalty_min_orders=3)
    refresh(customer, trigger=LifecycleTrigger.SETTINGS)
    assert stage_of(customer) == LifecycleStage.LOYALTY
    LifecycleSettings.objects.filter(pk=1).update(lapsed_after_months=1, loyalty_min_orders=4)
    customer_old = CustomerFactory()
    bought(customer_old, days_ago(45))
    refresh(customer, customer_old, trigger=LifecycleTrigger.SETTINGS)
    assert stage_of(customer) == LifecycleStage.RETENTION  # last purchase 10 days ago
    assert stage_of(customer_old) == LifecycleStage.LAPSED
    assert LifecycleStageChange.objects.filter(trigger=LifecycleTrigger.SETTINGS).count() == 3


def test_metrics_channels_and_the_path_to_the_first_purchase() -> None:
    customer = CustomerFactory()
    TouchpointFactory(customer=customer, channel="social", occurred_at=days_ago(50))
    TouchpointFactory(customer=customer, channel="web", occurred_at=days_ago(40))
    TouchpointFactory(customer=customer, channel="web", occurred_at=days_ago(35))
    TouchpointFactory(customer=customer, channel="email", occurred_at=days_ago(1))
    bought(customer, days_ago(30), channel="store", total=Decimal("120.00"))
    bought(customer, days_ago(10), channel="web", total=Decimal("80.00"))

    refresh(customer)

    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.first_purchase_path == "social>web>store"
    assert (metrics.first_order_channel, metrics.channels) == ("store", ",store,web,")
    assert metrics.channel_list == ["store", "web"]
    assert (metrics.channel_count, metrics.order_count) == (2, 2)
    assert metrics.total_spent == Decimal("200.00")
    assert (metrics.touchpoint_count, metrics.last_touchpoint_at) == (4, days_ago(1))


def test_merged_profiles_are_skipped_and_erased_ones_computed() -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor, merged_at=NOW)
    bought(absorbed, days_ago(5))
    erased = CustomerFactory(loyalty_number=None, erased_at=NOW)
    bought(erased, days_ago(5))
    result = lifecycle_recompute_all(now=NOW)
    assert result.customers == 2
    assert not CustomerMetrics.objects.filter(customer=absorbed).exists()
    assert stage_of(absorbed) == LifecycleStage.REACH
    assert stage_of(erased) == LifecycleStage.CONVERSION


def test_the_full_recompute_walks_batches_and_records_its_trigger() -> None:
    customers = [CustomerFactory() for _number in range(7)]
    for customer in customers[:3]:
        bought(customer, days_ago(3))
    result = lifecycle_recompute_all(now=NOW, batch_size=2)
    assert (result.customers, result.changes) == (7, 7)
    assert CustomerMetrics.objects.count() == 7
    assert set(LifecycleStageChange.objects.values_list("trigger", flat=True)) == {"nightly"}
    assert lifecycle_recompute_all(now=NOW, batch_size=3).changes == 0


def test_a_customer_lapses_with_time_on_the_nightly_run() -> None:
    customer = CustomerFactory()
    bought(customer, days_ago(300))
    refresh(customer)
    assert stage_of(customer) == LifecycleStage.CONVERSION
    later = NOW + datetime.timedelta(days=100)
    lifecycle_recompute_all(now=later)
    assert stage_of(customer) == LifecycleStage.LAPSED
    change = LifecycleStageChange.objects.filter(customer=customer).latest("changed_at")
    assert (change.trigger, change.changed_at) == (LifecycleTrigger.NIGHTLY, later)


def test_the_refresh_runs_a_fixed_number_of_queries(
    django_assert_max_num_queries: object,
) -> None:
    small = [CustomerFactory() for _number in range(3)]
    large = [CustomerFactory() for _number in range(30)]
    for customer in small + large:
        bought(customer, days_ago(10))
        TouchpointFactory(customer=customer, occurred_at=days_ago(12))
    lifecycle_settings_get()
    # settings, the reads' savepoint and its release (with JIT off on PostgreSQL), customers,
    # orders, refunds, touchpoints, categories bought, stored metrics, store names, metrics
    # staged (create, empty, load) and upserted, stage lock, one update per new stage (here
    # one), history insert, savepoint and its release, and on PostgreSQL the segment facts'
    # refresh deferred to the end (on, then off with the refresh): the same for 3 customers or 30.
    with django_assert_max_num_queries(22):  # type: ignore[operator]
        refresh(*small)
    with django_assert_max_num_queries(22):  # type: ignore[operator]
        refresh(*large)


def test_the_management_command_prints_its_figures(capsys: pytest.CaptureFixture) -> None:
    for _number in range(3):
        bought(CustomerFactory(), timezone.now() - datetime.timedelta(days=2))
    call_command("lifecycle_recompute", "--batch-size", "2")
    output = capsys.readouterr().out
    assert "3 customers in" in output
    assert "customers/s" in output
    assert "3 stage changes" in output
    assert "conversion: 3" in output
    assert set(LifecycleStageChange.objects.values_list("trigger", flat=True)) == {"manual"}


def test_the_nightly_recompute_is_scheduled() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["recompute-lifecycle-stages"]
    assert entry["task"] == "journeys.tasks.lifecycle_recompute_all_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})


def test_activity_after_the_computation_time_is_not_counted() -> None:
    """What the demo relies on to replay past nights: the stage as of `now`."""
    customer = CustomerFactory(loyalty_number=None)
    bought(customer, NOW + datetime.timedelta(minutes=1))
    TouchpointFactory(customer=customer, occurred_at=NOW + datetime.timedelta(minutes=1))
    refresh(customer)
    assert stage_of(customer) == LifecycleStage.REACH
    assert CustomerMetrics.objects.get(customer=customer).order_count == 0
    customers_lifecycle_refresh(
        customer_ids=[customer.pk],
        trigger=LifecycleTrigger.NIGHTLY,
        now=NOW + datetime.timedelta(minutes=2),
    )
    assert stage_of(customer) == LifecycleStage.CONVERSION


def test_unchanged_figures_are_not_written_again() -> None:
    customer = CustomerFactory()
    bought(customer, days_ago(3))
    refresh(customer)
    first = CustomerMetrics.objects.get(customer=customer).computed_at
    refresh(customer)
    assert CustomerMetrics.objects.get(customer=customer).computed_at == first
    bought(customer, days_ago(1))
    refresh(customer)
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert metrics.order_count == 2
    assert metrics.computed_at > first


def test_a_change_already_made_by_a_concurrent_refresh_is_not_recorded_twice() -> None:
    customer = CustomerFactory()
    bought(customer, days_ago(3))
    rows = customer_rows([customer.pk], now=NOW)  # read before the other refresh
    assert refresh(customer) == 1  # the other refresh moves her first
    decision = StageDecision(LifecycleStage.CONVERSION, "First purchase")
    assert _write_stage_changes([(rows[0], decision)], trigger="event", now=NOW) == 0
    assert LifecycleStageChange.objects.filter(customer=customer).count() == 1


def test_every_metric_of_the_model_is_written() -> None:
    assert sorted(METRIC_FIELDS) == sorted(
        field.attname
        for field in CustomerMetrics._meta.concrete_fields
        if field.name not in ("customer", "computed_at")
    )


def test_a_merge_keeps_working_and_the_next_refresh_counts_both_histories() -> None:
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    bought(survivor, days_ago(10))
    bought(absorbed, days_ago(20))
    refresh(survivor, absorbed)

    customer_merge(survivor=survivor, absorbed=absorbed, actor=None)
    refresh(survivor, absorbed)

    assert CustomerMetrics.objects.get(customer=survivor).order_count == 2
    assert stage_of(survivor) == LifecycleStage.RETENTION
    assert LifecycleStageChange.objects.filter(customer=survivor).count() >= 2


@pytest.mark.django_db(transaction=True)
def test_batches_shared_by_forked_processes_give_what_one_process_gives() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="--jobs needs PostgreSQL"):
            call_command("lifecycle_recompute", "--jobs", "2")
        return
    customers = [CustomerFactory() for _number in range(9)]
    for number, customer in enumerate(customers[:6]):
        bought(customer, days_ago(3 + 200 * (number % 3)))
        if number % 2:
            bought(customer, days_ago(30), channel="web")

    result = lifecycle_recompute_all(now=NOW, batch_size=2, jobs=2)

    assert (result.customers, result.changes) == (9, 9)
    by_processes = (
        dict(CustomerMetrics.objects.values_list("customer_id", "order_count")),
        dict(Customer.objects.values_list("pk", "lifecycle_stage")),
    )
    CustomerMetrics.objects.all().delete()
    LifecycleStageChange.objects.all().delete()
    Customer.objects.update(lifecycle_stage=LifecycleStage.REACH)
    lifecycle_recompute_all(now=NOW, batch_size=2)
    by_one = (
        dict(CustomerMetrics.objects.values_list("customer_id", "order_count")),
        dict(Customer.objects.values_list("pk", "lifecycle_stage")),
    )
    assert by_processes == by_one
    assert len(set(by_one[1].values())) >= 3  # the customers are not all alike
