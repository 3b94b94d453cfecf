"""The dashboard benchmark: the PostgreSQL dataset generator and `manage.py bench_dashboards`.

The generator only runs on PostgreSQL: there the tests generate a tiny dataset (500 customers,
2,500 orders, two heavy customers) and check its counts, constraints, the shapes of its names,
emails, phones, order lines and wishlists, the heavy and empty profiles, its consistency with
the lifecycle rules and its determinism; on SQLite they check that it refuses clearly. The
timing harness runs on both.
"""

import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Min

from customers.factories import CustomerFactory
from customers.models import Customer, LifecycleStage
from customers.normalization import normalize_email, normalize_phone
from insights.benchmark import harness
from insights.benchmark.dataset import (
    BenchmarkRefusedError,
    GenerationReport,
    dataset_counts,
    foreign_key_violations,
    generate_dataset,
    is_benchmark_database,
    read_marker,
)
from insights.benchmark.heavy import HEAVY
from journeys.factories import OrderFactory
from journeys.models import (
    AfterSalesTicket,
    CustomerMetrics,
    LifecycleStageChange,
    Order,
    OrderLine,
    Pickup,
    Return,
    Wishlist,
    WishlistItem,
)
from journeys.pickup_codes import PICKUP_CODE_ALPHABET, PICKUP_CODE_LENGTH
from omni.factories import StoreFactory
from omni.models import Channel
from segments.facts import COLUMNS, FACTS, FILL

pytestmark = pytest.mark.django_db

ANCHOR = datetime.date(2026, 6, 30)
CUSTOMERS, ORDERS, HEAVY_CUSTOMERS = 500, 2500, 2
SALES_CHANNELS = {"store", "web", "app", "phone", "marketplace", "social"}


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def generate() -> GenerationReport:
    return generate_dataset(
        customers=CUSTOMERS,
        orders=ORDERS,
        heavy_customers=HEAVY_CUSTOMERS,
        anchor=ANCHOR,
        log=lambda line: None,
    )


def scalar(sql: str, params: list | None = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def fingerprint() -> dict[str, object]:
    """Digests of every generated table's content, ids included (user ids excepted)."""
    queries = {
        "customers": "SELECT md5(string_agg(concat_ws('|', id, first_name, last_name, email, "
        "phone, birth_date, loyalty_number, loyalty_tier, acquisition_channel, lifecycle_stage, "
        "preferred_store_id, created_at), ',' ORDER BY id)) FROM customers_customer",
        "products": "SELECT md5(string_agg(concat_ws('|', id, sku, name, brand, category, "
        "price, attributes), ',' ORDER BY id)) FROM omni_product",
        "orders": "SELECT md5(string_agg(concat_ws('|', o.id, o.customer_id, o.channel, o.status, "
        "o.placed_at, o.total, o.store_id, o.fulfilment, u.username), ',' ORDER BY o.id)) "
        "FROM journeys_order o LEFT JOIN auth_user u ON u.id = o.sold_by_id",
        "order_lines": "SELECT md5(string_agg(concat_ws('|', id, order_id, line_number, "
        "product_id, size, quantity, unit_price, total), ',' ORDER BY id)) "
        "FROM journeys_orderline",
        "pickups": "SELECT md5(string_agg(concat_ws('|', id, customer_id, status, code, "
        "ready_at, collected_at), ',' ORDER BY id)) FROM journeys_pickup",
        "returns": "SELECT md5(string_agg(concat_ws('|', order_id, customer_id, channel, "
        "store_id, status, refund_amount, returned_at), ',' ORDER BY order_id)) "
        "FROM journeys_return",
        "tickets": "SELECT md5(string_agg(concat_ws('|', id, status, sla_due_at, closed_at), "
        "',' ORDER BY id)) FROM journeys_aftersalesticket",
        "touchpoints": "SELECT md5(string_agg(concat_ws('|', customer_id, channel, kind, "
        "occurred_at), ',' ORDER BY customer_id, occurred_at, channel)) FROM journeys_touchpoint",
        "wishlist_items": "SELECT md5(string_agg(concat_ws('|', w.id, w.customer_id, "
        "i.product_id, i.size, i.added_at, i.added_via, i.removed_at, u.username), ',' "
        "ORDER BY w.id, i.added_at, i.product_id)) FROM journeys_wishlistitem i "
        "JOIN journeys_wishlist w ON w.id = i.wishlist_id "
        "LEFT JOIN auth_user u ON u.id = i.added_by_id",
        "notes": "SELECT md5(string_agg(concat_ws('|', n.customer_id, n.created_at, n.body, "
        "u.username), ',' ORDER BY n.customer_id, n.created_at, u.username)) "
        "FROM clienteling_note n JOIN auth_user u ON u.id = n.author_id",
        "appointments": "SELECT md5(string_agg(concat_ws('|', a.customer_id, a.starts_at, "
        "a.ends_at, a.status, v.code, u.username), ',' ORDER BY a.starts_at)) "
        "FROM clienteling_appointment a JOIN omni_service v ON v.id = a.service_id "
        "JOIN clienteling_associate s ON s.id = a.associate_id "
        "JOIN auth_user u ON u.id = s.user_id",
        "metrics": "SELECT md5(string_agg(concat_ws('|', customer_id, order_count, total_spent, "
        "total_refunded, channels, first_purchase_path, touchpoint_count, orders_by_channel, "
        "last_store_visit_at, most_visited_store_id, top_categories), ',' "
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
            "orders_by_channel",
            "last_store_visit_at",
            "most_visited_store_id",
            "top_categories",
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


def test_the_marker_table_makes_a_benchmark_database() -> None:
    """Benchmark customers look real (their emails are gmail.com…): the generator's marker
    table, not an email domain, tells that it may generate again over them."""
    if not on_postgresql():
        assert read_marker() is None
        return
    assert is_benchmark_database()  # no customers at all
    report = generate()
    assert is_benchmark_database()
    marker = read_marker()
    assert (marker.customers, marker.orders, marker.heavy_customers) == (
        CUSTOMERS,
        ORDERS,
        HEAVY_CUSTOMERS,
    )
    assert marker.anchor == datetime.datetime(2026, 6, 30, tzinfo=datetime.UTC)
    assert marker.heavy_customer_ids == report.heavy_customer_ids == [501, 502]
    assert marker.empty_customer_id == report.empty_customer_id
    assert marker.completed_at is not None
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_dataset")
    with pytest.raises(BenchmarkRefusedError, match="not benchmark customers"):
        generate()


def test_dataset_counts_constraints_and_realistic_mix() -> None:
    if not on_postgresql():
        with pytest.raises(BenchmarkRefusedError, match="needs PostgreSQL"):
            generate()
        return
    generate()
    with connection.cursor() as cursor:  # foreign keys are deferred: check them now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # As a superuser the generator skips the foreign-key triggers, then checks every key.
    assert foreign_key_violations() == []
    counts = dataset_counts()
    assert counts["customers"] == CUSTOMERS + HEAVY_CUSTOMERS
    assert counts["orders"] == ORDERS + HEAVY_CUSTOMERS * HEAVY.orders
    assert counts["customer_metrics"] == CUSTOMERS + HEAVY_CUSTOMERS
    assert counts["stores"] == 20
    assert counts["associates"] == 100
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
    for code in Pickup.objects.values_list("code", flat=True)[:200]:  # the app's shape
        assert len(code) == PICKUP_CODE_LENGTH
        assert set(code) <= set(PICKUP_CODE_ALPHABET)
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


def test_orders_are_the_sum_of_their_lines() -> None:
    if not on_postgresql():
        return
    generate()
    # Numbered 1..n: (order, line number) is unique, so min 1 and max n leave no gap.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(n), max(n), avg(n), bool_and(numbered) FROM (SELECT count(*) AS n, "
            "min(line_number) = 1 AND max(line_number) = count(*) AS numbered "
            "FROM journeys_orderline GROUP BY order_id) AS o"
        )
        fewest, most, mean, numbered = cursor.fetchone()
    assert (fewest, most, numbered) == (1, 4, True)
    assert 2.1 <= mean <= 2.5
    assert (
        scalar("SELECT count(DISTINCT order_id) FROM journeys_orderline") == Order.objects.count()
    )
    assert not OrderLine.objects.exclude(total=F("quantity") * F("unit_price")).exists()
    assert not OrderLine.objects.filter(product__isnull=True).exists()
    # Ids follow time, as in a live database (a customer's orders are spread over the table).
    assert (
        scalar(
            "SELECT count(*) FROM (SELECT placed_at < lag(placed_at) OVER (ORDER BY id) AS back "
            "FROM journeys_order) AS o WHERE back"
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM journeys_order o JOIN (SELECT order_id, sum(total) AS total "
            "FROM journeys_orderline GROUP BY order_id) l ON l.order_id = o.id "
            "WHERE o.total <> l.total OR o.subtotal <> l.total"
        )
        == 0
    )
    ones = OrderLine.objects.filter(quantity=1).count() / OrderLine.objects.count()
    assert ones > 0.8
    # Fashion lines carry the customer's size; beauty lines none.
    assert not OrderLine.objects.filter(product__category="dresses", size="").exists()
    assert not OrderLine.objects.filter(product__category="skincare").exclude(size="").exists()
    assert (
        scalar(
            "SELECT count(*) FROM journeys_pickup p JOIN journeys_order o ON o.id = p.order_id "
            "WHERE p.customer_id IS DISTINCT FROM o.customer_id"
        )
        == 0
    )
    assert (
        scalar(
            "SELECT count(*) FROM journeys_return r JOIN journeys_order o ON o.id = r.order_id "
            "WHERE r.customer_id IS DISTINCT FROM o.customer_id"
        )
        == 0
    )
    # The check that stands in for the skipped triggers finds a line without its order.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE journeys_orderline SET order_id = 0 WHERE id = 1")
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert foreign_key_violations() == ["journeys_orderline.order_id → journeys_order"]


def test_wishlists_heavy_and_empty_profiles() -> None:
    if not on_postgresql():
        return
    report = generate()
    normal = Wishlist.objects.filter(customer_id__lte=CUSTOMERS)
    assert 0.08 * CUSTOMERS <= normal.count() <= 0.25 * CUSTOMERS
    assert set(Wishlist.objects.values_list("name", flat=True)) == {"Wishlist"}
    items = WishlistItem.objects.filter(wishlist__in=normal)
    sizes = items.values("wishlist").annotate(n=Count("pk")).aggregate(low=Min("n"), high=Max("n"))
    assert (sizes["low"], sizes["high"]) == (1, 8)
    assert items.filter(removed_at__isnull=False).exists()
    # Each item carries its wishlist's customer, as the app writes it.
    assert not WishlistItem.objects.exclude(customer_id=F("wishlist__customer_id")).exists()
    assert not normal.filter(customer__lifecycle_stage=LifecycleStage.REACH).exists()
    for customer_id in report.heavy_customer_ids:
        figures = timeline_counts(customer_id)
        assert sum(figures.values()) >= 20_000, figures
        assert figures["orders"] == HEAVY.orders
        assert 1_300 <= figures["pickups"] <= 1_700, figures
        assert 1_300 <= figures["returns"] <= 1_700, figures
        assert 150 <= figures["tickets"] <= 250, figures
        assert figures["wishlist"] == HEAVY.wishlist_items
        assert figures["notes"] == HEAVY.notes
        assert figures["appointments"] == HEAVY.appointments
        assert figures["stages"] >= 4
    assert sum(timeline_counts(report.empty_customer_id).values()) == 0


def test_names_emails_and_phones_have_real_shapes() -> None:
    if not on_postgresql():
        return
    generate()
    customers = list(Customer.objects.values_list("first_name", "last_name", "email", "phone"))
    emails = [email for _first, _last, email, _phone in customers if email]
    phones = [phone for *_names, phone in customers if phone]
    assert len(set(emails)) == len(emails)
    assert 0.85 <= len(emails) / len(customers) <= 0.97
    assert 0.5 <= len(phones) / len(customers) <= 0.7
    for email in emails:
        assert normalize_email(email) == email
        assert re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+", email), email
    for phone in phones:
        assert normalize_phone(phone) == phone
    assert any(not phone.startswith("+33") for phone in phones)
    domains = Counter(email.partition("@")[2] for email in emails)
    assert domains.most_common(1)[0][0] == "gmail.com"
    first_names = {first for first, *_rest in customers}
    last_names = {last for _first, last, *_rest in customers}
    assert any("-" in name for name in first_names)
    assert any("-" in name for name in last_names)
    assert any(re.search("[éèëïöüç]", name) for name in first_names | last_names)
    assert len(last_names) > 0.5 * len(customers)


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
    assert result.customers == CUSTOMERS + HEAVY_CUSTOMERS
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
    assert first["counts"]["orders"] == ORDERS + HEAVY_CUSTOMERS * HEAVY.orders


def timeline_counts(customer_id: int) -> dict[str, int]:
    """Items of each timeline source of one customer (appointments: those begun)."""
    sources = {
        "orders": "SELECT count(*) FROM journeys_order WHERE customer_id = %s",
        "pickups": "SELECT count(*) FROM journeys_pickup WHERE customer_id = %s",
        "returns": "SELECT count(*) FROM journeys_return WHERE customer_id = %s",
        "tickets": "SELECT count(*) FROM journeys_aftersalesticket WHERE customer_id = %s",
        "wishlist": "SELECT count(*) FROM journeys_wishlistitem i JOIN journeys_wishlist w "
        "ON w.id = i.wishlist_id WHERE w.customer_id = %s",
        "touchpoints": "SELECT count(*) FROM journeys_touchpoint WHERE customer_id = %s",
        "notes": "SELECT count(*) FROM clienteling_note WHERE customer_id = %s",
        "appointments": "SELECT count(*) FROM clienteling_appointment "
        "WHERE customer_id = %s AND starts_at <= now()",
        "stages": "SELECT count(*) FROM journeys_lifecyclestagechange WHERE customer_id = %s",
    }
    return {name: scalar(sql, [customer_id]) for name, sql in sources.items()}


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


def test_the_current_consents_are_the_ledgers_latest() -> None:
    """Generated with the triggers off, the current consents are filled from the ledger."""
    if not on_postgresql():
        return
    generate()
    latest = scalar(
        "SELECT count(*) FROM (SELECT DISTINCT customer_id, purpose, channel "
        "FROM customers_consent) AS keys"
    )
    assert latest > 0
    assert scalar("SELECT count(*) FROM customers_currentconsent") == latest
    assert (
        scalar(
            "SELECT count(*) FROM customers_currentconsent AS current JOIN customers_consent "
            "AS entry ON entry.id = current.consent_id WHERE entry.granted <> current.granted"
        )
        == 0
    )


def test_the_segment_facts_are_what_their_triggers_would_hold() -> None:
    """Generated with the triggers off, the segment facts are filled from their sources: one
    row per live customer, the same as a fill from scratch."""
    if not on_postgresql():
        return
    generate()
    live = scalar(
        "SELECT count(*) FROM customers_customer WHERE merged_into_id IS NULL AND erased_at IS NULL"
    )
    assert live > 0
    assert scalar(f"SELECT count(*) FROM {FACTS}") == live
    fresh = FILL["postgresql"].split(")", 1)[1]
    different = (
        f"SELECT count(*) FROM (({fresh}) EXCEPT SELECT {', '.join(COLUMNS)} FROM {FACTS}) d"
    )
    assert scalar(different) == 0
    assert scalar(f"SELECT count(*) FROM {FACTS} WHERE granted <> ''") > 0
