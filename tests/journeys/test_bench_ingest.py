"""`manage.py bench_ingest`: on PostgreSQL, a tiny run prints every goal of issue 9 with numbers,
and the replay of a batch rewrites no row (a real assertion on the write path: row versions
are compared). Other figures depend on the machine: they are the benchmark's, not the test's.
SQLite, and a database holding other data, are refused."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.benchmark.baseline import baseline_write, customers_preload
from journeys.benchmark.database import reference_data, reset_database
from journeys.benchmark.people import Person
from journeys.benchmark.records import BatchChain, CustomerReference, new_customer_record
from journeys.models import Order, OrderLine

pytestmark = pytest.mark.django_db

TINY = (
    "--batches", "2", "--batch-size", "20", "--warm-up", "1", "--small-batch", "10",
    "--preload-customers", "60", "--preload-orders", "40", "--webhooks", "4",
    "--webhook-warm-up", "1", "--broker", "", "--import-customers", "0",
)  # fmt: skip
GOAL = re.compile(
    r"^GOAL (PASS|MISS|SKIP) \| (?P<label>[^|]+) \| figure (?P<figure>\S+)[^|]* \| "
    r"baseline (?P<baseline>\S+)[^|]* \| ratio (?P<ratio>\S+) \| goal (?P<goal>.+)$"
)
LABELS = (
    "batch API, 20 three-line orders per batch",
    "statements per batch of 20",
    "replay of an identical batch: rows rewritten",
    "replay of an identical batch: time per batch",
    "webhook acknowledgement p95",
    "import_history, 1,000,000 customers + 5,000,000 orders",
)


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("bench_ingest runs on PostgreSQL (its refusal elsewhere is tested)")


def test_it_refuses_sqlite() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("the refusal of SQLite")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench_ingest", *TINY, stdout=StringIO())


def test_it_refuses_a_database_holding_other_data() -> None:
    _postgresql_only()
    customer = CustomerFactory()
    with pytest.raises(CommandError, match="--reset-benchmark"):
        call_command("bench_ingest", *TINY, stdout=StringIO())
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_it_prints_every_goal_with_numbers_and_a_replay_rewrites_nothing() -> None:
    _postgresql_only()
    out = StringIO()
    call_command("bench_ingest", *TINY, stdout=out)
    goals = [GOAL.match(line) for line in out.getvalue().splitlines() if line.startswith("GOAL")]
    assert all(goals), out.getvalue()
    by_label = {
        next(label for label in LABELS if goal["label"].startswith(label)): goal for goal in goals
    }
    assert set(by_label) == set(LABELS)
    for label in LABELS[:5]:
        goal = by_label[label]
        assert float(goal["figure"]) >= 0
        if goal["baseline"] != "-":
            float(goal["baseline"])
        if goal["ratio"] != "-":
            float(goal["ratio"].removesuffix("x"))
    assert float(by_label["statements per batch of 20"]["baseline"]) > 0
    replay = by_label["replay of an identical batch: rows rewritten"]
    assert int(replay["figure"]) == 0
    assert replay.group(1) == "PASS"
    assert by_label[LABELS[5]].group(1) == "SKIP"


def test_the_baseline_writes_orders_lines_and_customers_and_leaves_unchanged_rows_alone() -> None:
    _postgresql_only()
    reset_database()
    catalogue = reference_data()
    known = new_customer_record("known-1", Person("Ada", "Known", "ada@example.com", None))
    customers_preload([known])
    existing = [CustomerReference("known-1", "ada@example.com")]
    chain = BatchChain("sql", "seed", existing, catalogue, timezone.now(), phone_offset=0)
    batch = chain.next_batch(10)
    baseline_write(batch)
    assert Order.objects.count() == 10
    assert OrderLine.objects.count() == 30
    assert not Order.objects.filter(customer__isnull=True).exists()
    assert Customer.objects.count() == 1 + 10 // 5  # one new order in five: a new customer
    versions = _versions()
    baseline_write(batch)
    assert _versions() == versions


def _versions() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'o', id, ctid::text FROM journeys_order UNION ALL "
            "SELECT 'l', id, ctid::text FROM journeys_orderline UNION ALL "
            "SELECT 'c', id, ctid::text FROM customers_customer ORDER BY 1, 2"
        )
        return cursor.fetchall()
