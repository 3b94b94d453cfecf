"""The dashboard benchmark: the PostgreSQL dataset generator and `manage.py bench_dashboards`.

The generator only runs on PostgreSQL: there the tests generate a tiny dataset (500 customers,
2,500 orders) and check its counts, constraints, consistency with the lifecycle rules and its
determinism; on SQLite they check that it refuses clearly. The timing harness runs on both.
"""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from customers.factories import CustomerFactory
from customers.models import Customer, LifecycleStage
from insights.benchmark import harness
from insights.benchmark.dataset import (
    BENCH_EMAIL_DOMAIN,
    BenchmarkRefusedError,
    dataset_counts,
    generate_dataset,
)
from journeys.factories import OrderFactory
from journeys.models import (
    AfterSalesTicket,
    CustomerMetrics,
    LifecycleStageChange,
    Order,
    Pickup,
    Return,
)
from omni.factories import StoreFactory
from omni.models import Channel

pytestmark = pytest.mark.django_db

ANCHOR = datetime.date(2026, 6, 30)
CUSTOMERS, ORDERS = 500, 2500
SALES_CHANNELS = {"store", "web", "app", "phone", "marketplace", "social"}


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def generate() -> None:
    generate_dataset(customers=CUSTOMERS, orders=ORDERS, anchor=ANCHOR, log=lambda line: None)


def fingerprint() -> dict[str, object]:
    """Digests of every generated table's content, ids included (user ids excepted)."""
    queries = {
        "customers": "SELECT md5(string_agg(concat_ws('|', id, email, phone, birth_date, "
        "loyalty_number, loyalty_tier, acquisition_channel, lifecycle_stage, "
        "preferred_store_id, created_at), ',' ORDER BY id)) FROM customers_customer",
        "orders": "SELECT md5(string_agg(concat_ws('|', o.id, o.customer_id, o.channel, o.status, "
        "o.placed_at, o.total, o.store_id, o.fulfilment, u.username), ',' ORDER BY o.id)) "
        "FROM journeys_order o LEFT JOIN auth_user u ON u.id = o.sold_by_id",
        "pickups": "SELECT md5(string_agg(concat_ws('|', id, status, code, ready_at, "
        "collected_at), ',' ORDER BY id)) FROM journeys_pickup",
        "returns": "SELECT md5(string_agg(concat_ws('|', order_id, channel, store_id, status, "
        "refund_amount, returned_at), ',' ORDER BY order_id)) FROM journeys_return",
        "tickets": "SELECT md5(string_agg(concat_ws('|', id, status, sla_due_at, closed_at), "
        "',' ORDER BY id)) FROM journeys_aftersalesticket",
        "touchpoints": "SELECT md5(string_agg(concat_ws('|', customer_id, channel, kind, "
        "occurred_at), ',' ORDER BY customer_id, occurred_at, channel)) FROM journeys_touchpoint",
        "metrics": "SELECT md5(string_agg(concat_ws('|', customer_id, order_count, total_spent, "
        "total_refunded, channels, first_purchase_path, touchpoint_count), ',' "
        "ORDER BY customer_id)) FROM journeys_customermetrics",
        "stage_changes": "SELECT md5(string_agg(concat_ws('|', customer_id, from_stage, "
        "to_stage, changed_at), ',' ORDER BY customer_id, changed_at, to_stage)) "
        "FROM journeys_lifecyclestagechange",
    }
    digests: dict[str, object] = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            digests[name] = cursor.fetchone()[0]
    digests["counts"] = dataset_counts()
    return digests


def metrics_snapshot() -> list[tuple]:
    return list(
        CustomerMetrics.objects.order_by("pk").values_list(
            "customer_id",
            "customer__lifecycle_stage",
            "order_count",
            "total_spent",
            "total_refunded",
            "return_count",
            "first_order_at",
            "last_order_at",
            "first_order_channel",
            "channels",
            "channel_count",
            "first_purchase_path",
            "touchpoint_count",
            "last_touchpoint_at",
        )
    )


def test_generator_refuses_sqlite_and_foreign_customers() -> None:
    if not on_postgresql():
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("bench_dashboards", "--generate", "--customers", "5", "--orders", "5")
        assert not Customer.objects.exists()
        return
    CustomerFactory(email="real.customer@example.com")
    with pytest.raises(CommandError, match="not benchmark customers"):
        call_command("bench_dashboards", "--generate", "--customers", "5", "--orders", "5")
    assert Customer.objects.get().email == "real.customer@example.com"


def test_dataset_counts_constraints_and_realistic_mix() -> None:
    if not on_postgresql():
        with pytest.raises(BenchmarkRefusedError, match="needs PostgreSQL"):
            generate()
        return
    generate()
    with connection.cursor() as cursor:  # foreign keys are deferred: check them now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    counts = dataset_counts()
    assert counts["customers"] == CUSTOMERS
    assert counts["orders"] == ORDERS
    assert counts["customer_metrics"] == CUSTOMERS
    assert counts["stores"] == 20
    assert counts["associates"] == 100
    assert Customer.objects.exclude(email__endswith="@" + BENCH_EMAIL_DOMAIN).count() == 0
    # Every stage, every sales channel, the click & collect and return journeys are present.
    assert set(Customer.objects.values_list("lifecycle_stage", flat=True)) == set(
        LifecycleStage.values
    )
    assert set(Order.objects.values_list("channel", flat=True)) == SALES_CHANNELS
    assert Order.objects.filter(status=Order.Status.CANCELLED).exists()
    assert Order.objects.filter(channel=Channel.STORE, sold_by__isnull=False).exists()
    assert Order.objects.filter(channel=Channel.STORE, sold_by__isnull=True).exists()
    assert {"collected", "expired"} <= set(Pickup.objects.values_list("status", flat=True))
    assert not Pickup.objects.exclude(order__fulfilment="click_and_collect").exists()
    assert Return.objects.filter(order__channel=Channel.WEB, channel=Channel.STORE).exists()
    late = AfterSalesTicket.objects.filter(closed_at__gt=F("sla_due_at"))
    assert late.exists()
    assert AfterSalesTicket.objects.filter(closed_at__lte=F("sla_due_at")).exists()
    assert CustomerMetrics.objects.filter(first_purchase_path__contains=">").exists()
    assert CustomerMetrics.objects.filter(channel_count__gte=2).exists()
    # Orders are spread over three years before the anchor day, never after it.
    last = Order.objects.order_by("-placed_at").first().placed_at
    first = Order.objects.order_by("placed_at").first().placed_at
    assert last.date() < ANCHOR
    assert (ANCHOR - first.date()).days > 2 * 365
    assert LifecycleStageChange.objects.filter(to_stage=LifecycleStage.LAPSED).exists()


def test_dataset_agrees_with_the_lifecycle_recompute() -> None:
    """The metrics and stages written in SQL are what journeys.lifecycle computes itself."""
    if not on_postgresql():
        with pytest.raises(BenchmarkRefusedError):
            generate()
        return
    from journeys.lifecycle.services import lifecycle_recompute_all

    generate()
    before = metrics_snapshot()
    result = lifecycle_recompute_all(
        now=datetime.datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, tzinfo=datetime.UTC)
    )
    assert result.customers == CUSTOMERS
    assert result.changes == 0
    assert metrics_snapshot() == before


def test_dataset_is_deterministic() -> None:
    if not on_postgresql():
        with pytest.raises(BenchmarkRefusedError):
            generate()
        return
    generate()
    first = fingerprint()
    generate()
    assert fingerprint() == first
    assert first["counts"]["orders"] == ORDERS


def _small_sqlite_data() -> None:
    store = StoreFactory(region="Occitanie")
    for channel in (Channel.STORE, Channel.WEB):
        OrderFactory(store=store, channel=channel)


def test_harness_prints_a_row_per_view_and_filter_and_exits_zero() -> None:
    if on_postgresql():
        generate()
    else:
        _small_sqlite_data()
    out = StringIO()
    call_command("bench_dashboards", "--repeat", "2", stdout=out)
    output = out.getvalue()
    rows = [line for line in output.splitlines() if line.startswith("insights:")]
    combinations = len(harness.filter_combinations())
    assert len(rows) == len(harness.VIEW_NAMES) * combinations == 12
    for view in harness.VIEW_NAMES:
        assert sum(1 for line in rows if line.startswith(view + " ")) == combinations
    for line in rows:
        p50, p95, maximum, queries, status = line.split()[-5:]
        assert status == "200", line
        assert float(p50) <= float(p95) <= float(maximum)
        assert int(queries) > 0
    assert re.search(r"aggregates_rebuild total \d+\.\d s", output)
    assert re.search(r"orders\s+" + re.escape(f"{Order.objects.count():,}"), output)


def test_harness_fails_when_a_view_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # The login page redirects a signed-in user: not a 200, so the run must fail.
    monkeypatch.setattr(harness, "VIEW_NAMES", ("insights:dashboard", "admin:login"))
    out = StringIO()
    with pytest.raises(CommandError, match="admin:login"):
        call_command("bench_dashboards", "--repeat", "1", "--skip-rebuild", stdout=out)
    assert "admin:login" in out.getvalue()


def test_harness_times_the_lifecycle_recompute() -> None:
    _small_sqlite_data()
    out = StringIO()
    call_command(
        "bench_dashboards", "--repeat", "1", "--skip-rebuild", "--with-lifecycle", stdout=out
    )
    assert re.search(r"lifecycle_recompute_all \d+\.\d s", out.getvalue())
