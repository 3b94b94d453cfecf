"""Benchmark: live count, first member page and full CSV export of each segment.

Rerunnable on any database and read-only by default: the export is timed through the same
selectors and CSV writer as the admin's, without writing to the export journal; with
`--snapshot` a snapshot is frozen and timed inside a transaction that is rolled back.
`--populate N` first adds N synthetic customers (emails @bench.invalid) with metrics and
consents, so that segments have something to chew on; `--sample-segments` adds the demo's
segments (named "Bench: …", their store and region rules pointed at this database's stores).

With `--repeat N` the live count the builder shows (members and how many may be contacted,
as the admin's preview computes them from the rules) is timed N times per segment, beside
the same two SQL queries replayed on a bare cursor, and the goal of issue 13 is checked:
p95 <= 300 ms at 1,000,000 customers (`make bench-scale` builds that dataset).

A segments benchmark kept in clienteling, the top app: it reads the demo's segments
(`clienteling.demo.segments`), which segments itself must not import.
"""

import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Consent, Customer, LifecycleStage, LoyaltyTier, Tag
from journeys.models import CustomerMetrics
from omni.models import Store
from segments.builder import PREFIX, segment_preview
from segments.exports import csv_lines
from segments.models import Segment, SegmentRule
from segments.selectors import (
    export_rows,
    member_list,
    segment_counts,
    segment_members,
    segment_reachable_members,
    segments_with_rules,
)
from segments.services import segment_snapshot_create

BATCH_SIZE = 5000
LIVE_COUNT_GOAL_MS = 300
SAMPLE_PREFIX = "Bench: "
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
CHANNEL_SETS = ([], ["store"], ["web"], ["store", "web"], ["app", "store", "web"])


class _Rollback(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


class Command(BaseCommand):
    help = "Time each segment's live count, first member page and full CSV export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--segment", type=int, action="append", help="Only these ids.")
        parser.add_argument("--snapshot", action="store_true", help="Also time a snapshot.")
        parser.add_argument("--populate", type=int, default=0, help="Add N synthetic customers.")
        parser.add_argument(
            "--sample-segments",
            action="store_true",
            help='First add the demo\'s segments ("Bench: …") if they are not there.',
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=0,
            help="Time the builder's live count N times per segment against its raw SQL and "
            "check the goal (p95 <= 300 ms).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["populate"]:
            _, seconds = timed(lambda: populate(options["populate"]))
            self.stdout.write(f"Added {options['populate']} customers in {seconds:.1f} s")
        if options["sample_segments"]:
            self.stdout.write(f"Sample segments added: {sample_segments()}")
        segments = segments_with_rules().order_by("pk")
        if options["segment"]:
            segments = segments.filter(pk__in=options["segment"])
        total = Customer.objects.count()
        self.stdout.write(f"{connection.vendor}, {total} customers")
        worst = 0.0
        for segment in segments:
            self.stdout.write(self._measure(segment, snapshot=options["snapshot"]))
            if options["repeat"] > 0:
                line, p95 = self._live_count(segment, options["repeat"])
                self.stdout.write(line)
                worst = max(worst, p95)
        if options["repeat"] > 0 and segments:
            verdict = "PASS" if worst <= LIVE_COUNT_GOAL_MS else "MISS"
            self.stdout.write(
                f"GOAL {verdict} builder live count (members + may be contacted), worst p95 "
                f"{worst:.0f} ms <= {LIVE_COUNT_GOAL_MS} ms at {total:,} customers"
            )

    def _live_count(self, segment: Segment, repeat: int) -> tuple[str, float]:
        """The admin preview's counts from the segment's rules, and the SQL it runs replayed on
        a bare cursor, taken in turn."""
        data = _preview_data(segment)
        with CaptureQueriesContext(connection) as captured:
            preview = segment_preview(data)
        if preview.counts is None:
            return f"  live count: not counted ({'; '.join(preview.errors)})", 0.0
        statements = [query["sql"] for query in captured.captured_queries]
        ours, raw = [], []
        for _ in range(repeat):
            ours.append(timed(lambda: segment_preview(data))[1] * 1000)
            raw.append(timed(lambda: _replay(statements))[1] * 1000)
        p95, raw_p95 = _p95(ours), _p95(raw)
        line = (
            f"  live count x{repeat}: p50 {statistics.median(ours):.0f} ms, p95 {p95:.0f} ms | "
            f"raw SQL p95 {raw_p95:.0f} ms ({len(statements)} statements) | ratio "
            f"{raw_p95 / p95 if p95 else 0:.2f}"
        )
        return line, p95

    def _measure(self, segment: Segment, *, snapshot: bool) -> str:
        counts, count_seconds = timed(lambda: segment_counts(segment))
        _, page_seconds = timed(lambda: list(member_list(segment_members(segment))[:50]))
        rows = export_rows(segment_reachable_members(segment), channel=segment.contact_channel)
        lines, export_seconds = timed(
            lambda: sum(1 for _ in csv_lines(rows, channel=segment.contact_channel)) - 1
        )
        report = (
            f"#{segment.pk} {segment.name}: {counts.members} members, {counts.reachable} "
            f"contactable | live count {count_seconds * 1000:.0f} ms | first page "
            f"{page_seconds * 1000:.0f} ms | CSV export of {lines} rows {export_seconds:.2f} s"
        )
        if snapshot:
            report += f" | snapshot {self._snapshot_seconds(segment):.2f} s (rolled back)"
        return report

    def _snapshot_seconds(self, segment: Segment) -> float:
        seconds = 0.0
        try:
            with transaction.atomic():
                _, seconds = timed(lambda: segment_snapshot_create(segment=segment, actor=None))
                raise _Rollback
        except _Rollback:
            pass
        return seconds


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _replay(statements: list[str]) -> None:
    """The statements as they ran, in one transaction (its BEGIN and COMMIT are the
    connection's own)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            if sql.split(None, 1)[0].upper() in TRANSACTION_CONTROL:
                continue
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def _preview_data(segment: Segment) -> QueryDict:
    """The change form's fields the builder posts, for this segment's rules."""
    data = QueryDict(mutable=True)
    data.update({"purpose": segment.purpose, "contact_channel": segment.contact_channel})
    rules = list(segment.rules.all())
    data[f"{PREFIX}-TOTAL_FORMS"] = str(len(rules))
    for index, rule in enumerate(rules):
        for name in ("group", "field", "operator", "value"):
            data[f"{PREFIX}-{index}-{name}"] = str(getattr(rule, name))
    return data


def sample_segments() -> int:
    """The demo's segments, their store and region pointed at this database's first store."""
    from clienteling.demo.segments import SEGMENTS  # the demo's definitions, read only here

    store = Store.objects.order_by("pk").first()
    added = 0
    for spec in SEGMENTS:
        name = f"{SAMPLE_PREFIX}{spec.name}"[:120]
        if Segment.objects.filter(name=name).exists():
            continue
        segment = Segment.objects.create(
            name=name,
            description=spec.description,
            purpose=spec.purpose,
            contact_channel=spec.contact_channel,
        )
        for group, field, operator, value in spec.rules:
            if field == "tag":
                Tag.objects.get_or_create(name=value)
            if field == "preferred_store" and store is not None:
                value = store.code
            elif field == "store_region" and store is not None:
                value = store.region or value
            SegmentRule.objects.create(
                segment=segment, group=group, field=field, operator=operator, value=value
            )
        added += 1
    return added


def populate(count: int) -> None:
    """`count` synthetic customers with metrics and a marketing email consent for 60 %."""
    rng = random.Random(count)
    now = timezone.now()
    start = Customer.objects.count()
    for offset in range(0, count, BATCH_SIZE):
        size = min(BATCH_SIZE, count - offset)
        customers = Customer.objects.bulk_create(
            [_customer(rng, start + offset + index) for index in range(size)]
        )
        CustomerMetrics.objects.bulk_create([_metrics(rng, now, row) for row in customers])
        Consent.objects.bulk_create(
            [_consent(rng, now, row) for row in customers if rng.random() < 0.6]
        )


def _customer(rng: random.Random, number: int) -> Customer:
    return Customer(
        first_name=f"Bench{number}",
        last_name=f"Customer{number}",
        email=f"bench{number}@bench.invalid",
        lifecycle_stage=rng.choice(LifecycleStage.values),
        loyalty_tier=rng.choice(LoyaltyTier.values),
    )


def _metrics(rng: random.Random, now: Any, customer: Customer) -> CustomerMetrics:
    channels = rng.choice(CHANNEL_SETS)
    orders = rng.randint(1, 12) if channels else 0
    return CustomerMetrics(
        customer=customer,
        order_count=orders,
        total_spent=Decimal(orders * rng.randint(40, 400)),
        channels="".join(f",{channel}" for channel in channels) + ("," if channels else ""),
        channel_count=len(channels),
        last_order_at=now - timedelta(days=rng.randint(1, 900)) if orders else None,
    )


def _consent(rng: random.Random, now: Any, customer: Customer) -> Consent:
    return Consent(
        customer=customer,
        purpose="marketing",
        channel="email",
        granted=rng.random() < 0.8,
        recorded_at=now - timedelta(days=rng.randint(1, 700)),
        collected_via="web",
        wording_version="bench",
    )
