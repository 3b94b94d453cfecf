"""The parts of `bench_ingest`: the batch API against its baseline, its statements, the replay
of a batch, and the profile of one batch when the lead needs it.

Batches go through the real endpoint (`POST /api/v1/orders/batch`) in-process, with Django's
test client and an API client's token, as the API tests send them; the body is encoded before
the clock starts. The baseline (`baseline.baseline_write`) writes the same orders of a twin
chain (same contents, its own references and new customers) into the same tables, batch after
batch in turn with the API, so that both see the same table sizes and the same machine noise.
"""

import cProfile
import gc
import io
import json
import pstats
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from journeys.benchmark.baseline import baseline_write
from journeys.benchmark.records import SOURCE, BatchChain
from omni.api.list_timing import untie
from omni.benchmark.pages import host_for_requests

BATCH_URL = "/api/v1/orders/batch"
# Files of the project's apps, not of its virtual environment (a pstats restriction).
OWN_CODE = r"^(?!.*site-packages).*/(omni|customers|journeys|segments|insights|clienteling)/"
# The tables a batch of orders writes to, directly or through what follows from it.
WRITTEN_TABLES = (
    "journeys_order",
    "journeys_orderline",
    "customers_customer",
    "customers_externalidentity",
    "customers_duplicatesuggestion",
    "journeys_orderstatuschange",
    "journeys_pickup",
)


class BatchRefusedError(Exception):
    """The endpoint did not take a benchmark batch as expected."""


class BatchSender:
    """Posts batches to the endpoint; returns the seconds the answer took and its summary."""

    def __init__(self, token: str) -> None:
        self.client = Client(HTTP_HOST=host_for_requests(), HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(self, records: Sequence[dict[str, Any]]) -> tuple[float, dict[str, int]]:
        body = json.dumps({"records": list(records)}).encode()
        started = time.perf_counter()
        response = untie(
            self.client.post(BATCH_URL, body, content_type="application/json", secure=True)
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise BatchRefusedError(f"{BATCH_URL} answered {response.status_code}: {body[:200]!r}")
        answer = json.loads(response.content)
        failed = [result for result in answer["results"] if result["status"] == "error"]
        if failed:
            raise BatchRefusedError(f"{len(failed)} records refused, the first: {failed[0]}")
        return elapsed, answer["summary"]


# Rows written ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowVersions:
    """Each row of a batch (its orders, their lines, customers and identities) with its
    physical version (xmin, ctid: both change when a row is rewritten), plus the row counts of
    the tables a batch writes, and PostgreSQL's own counters of rows written when they are
    readable (outside a transaction: they are flushed when it ends)."""

    versions: dict[tuple[str, int], tuple[str, str]]
    counts: dict[str, int]
    written: int | None

    def rewritten_since(self, before: "RowVersions") -> int:
        changed = sum(
            1 for key, version in self.versions.items() if before.versions.get(key) != version
        )
        gone = len(before.versions.keys() - self.versions.keys())
        grown = sum(abs(self.counts[table] - before.counts[table]) for table in self.counts)
        return changed + gone + grown

    def written_since(self, before: "RowVersions") -> int | None:
        if self.written is None or before.written is None:
            return None
        return self.written - before.written


def row_versions(records: Sequence[dict[str, Any]]) -> RowVersions:
    references = [record["external_reference"] for record in records]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH o AS (SELECT id, customer_id, xmin::text AS version, ctid::text AS place
                       FROM journeys_order
                       WHERE source = %s AND external_reference = ANY(%s))
            SELECT 'order', id, version, place FROM o
            UNION ALL SELECT 'line', l.id, l.xmin::text, l.ctid::text
                FROM journeys_orderline AS l JOIN o ON l.order_id = o.id
            UNION ALL SELECT 'customer', c.id, c.xmin::text, c.ctid::text
                FROM customers_customer AS c WHERE c.id IN (SELECT customer_id FROM o)
            UNION ALL SELECT 'identity', e.id, e.xmin::text, e.ctid::text
                FROM customers_externalidentity AS e
                WHERE e.customer_id IN (SELECT customer_id FROM o)
            """,
            [SOURCE, references],
        )
        versions = {(kind, pk): (xmin, ctid) for kind, pk, xmin, ctid in cursor.fetchall()}
        counts = {}
        for table in WRITTEN_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # fixed table names
            counts[table] = cursor.fetchone()[0]
    return RowVersions(versions, counts, _rows_written())


def _rows_written() -> int | None:
    """Rows inserted, updated or deleted in the written tables since the statistics began."""
    if connection.in_atomic_block:
        return None  # a test's transaction: its writes are counted only once it ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(WRITTEN_TABLES)],
        )
        return int(cursor.fetchone()[0])


# The batch API against its baseline --------------------------------------------------------


@dataclass
class ThroughputRun:
    size: int
    api_seconds: list[float] = field(default_factory=list)
    baseline_seconds: list[float] = field(default_factory=list)
    replay_seconds: list[float] = field(default_factory=list)
    replay_rewritten: list[int] = field(default_factory=list)
    replay_written: list[int | None] = field(default_factory=list)
    first_written: list[int | None] = field(default_factory=list)
    summaries: list[dict[str, int]] = field(default_factory=list)

    @property
    def api_rate(self) -> float:
        return self.size * len(self.api_seconds) / sum(self.api_seconds)

    @property
    def baseline_rate(self) -> float:
        return self.size * len(self.baseline_seconds) / sum(self.baseline_seconds)


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def time_batches(
    sender: BatchSender,
    chains: tuple[BatchChain, BatchChain],
    *,
    size: int,
    warm_up: int,
    batches: int,
    log: Callable[[str], None],
) -> ThroughputRun:
    """`warm_up` then `batches` batches of `size` orders through the API and the baseline in
    turn; each timed API batch is then sent again as it was (the replay)."""
    api, twin = chains
    for _number in range(warm_up):
        sender.post(api.next_batch(size))
        baseline_write(twin.next_batch(size))
    run = ThroughputRun(size)
    gc.collect()
    for number in range(batches):
        batch = api.next_batch(size)
        before = row_versions(batch)
        seconds, summary = sender.post(batch)
        run.api_seconds.append(seconds)
        run.summaries.append(summary)
        ingested = row_versions(batch)
        run.first_written.append(ingested.written_since(before))
        run.replay_seconds.append(sender.post(batch)[0])
        replayed = row_versions(batch)
        run.replay_rewritten.append(replayed.rewritten_since(ingested))
        run.replay_written.append(replayed.written_since(ingested))
        twin_batch = twin.next_batch(size)
        run.baseline_seconds.append(_timed(lambda: baseline_write(twin_batch)))  # noqa: B023
        log(
            f"  batch {number + 1}/{batches}: API {seconds * 1000:.0f} ms {_summary(summary)}, "
            f"replay {run.replay_seconds[-1] * 1000:.0f} ms, "
            f"baseline {run.baseline_seconds[-1] * 1000:.0f} ms"
        )
    return run


def _summary(summary: dict[str, int]) -> str:
    return "(" + ", ".join(f"{count} {status}" for status, count in sorted(summary.items())) + ")"


# Statements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statements:
    size: int
    count: int
    kinds: Counter


def statement_kind(sql: str) -> str:
    """`INSERT INTO journeys_order`, `SELECT customers_customer`, `SAVEPOINT`: what a statement
    does and to which table (the first one named)."""
    verb = sql.split(None, 1)[0].upper() if sql.strip() else ""
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
        return verb
    if verb == "COPY":
        return f"COPY {sql.split(None, 2)[1]}"
    table = re.search(r"\b(?:FROM|INTO|UPDATE|TABLE(?: IF NOT EXISTS)?)\s+\"?(\w+)", sql, re.I)
    return f"{verb} {table.group(1)}" if table else verb


def count_statements(sender: BatchSender, batch: Sequence[dict[str, Any]]) -> Statements:
    with CaptureQueriesContext(connection) as captured:
        sender.post(batch)
    statements = [query["sql"] for query in captured.captured_queries]
    return Statements(len(batch), len(statements), Counter(map(statement_kind, statements)))


# Profile ---------------------------------------------------------------------------------


def profile_batch(sender: BatchSender, batch: Sequence[dict[str, Any]], top: int = 25) -> str:
    """cProfile of one batch through the endpoint: its top functions by cumulative and by own
    time, then by cumulative time among Omni's own functions (below the request's wrappers)."""
    profiler = cProfile.Profile()
    profiler.enable()
    sender.post(batch)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    listings = (
        ("cumulative", "cumulative", ()),
        ("tottime", "tottime", ()),
        ("cumulative, Omni's code only", "cumulative", (OWN_CODE,)),
    )
    for title, key, restrictions in listings:
        text.write(f"\n-- top {top} by {title} --\n")
        stats.sort_stats(key).print_stats(*restrictions, top)
    return text.getvalue().replace(str(settings.BASE_DIR) + "/", "")
