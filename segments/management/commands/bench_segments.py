"""Benchmark: live count, first member page and full CSV export of each segment.

Rerunnable on any database and read-only by default: the export is timed through the same
selectors and CSV writer as the admin's, without writing to the export journal; with
`--snapshot` a snapshot is frozen and timed inside a transaction that is rolled back.
`--populate N` first adds N synthetic customers (emails @bench.invalid) with metrics and
consents, so that segments have something to chew on.
"""

import random
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from customers.models import Consent, Customer, LifecycleStage, LoyaltyTier
from journeys.models import CustomerMetrics
from segments.exports import csv_lines
from segments.models import Segment
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["populate"]:
            _, seconds = timed(lambda: populate(options["populate"]))
            self.stdout.write(f"Added {options['populate']} customers in {seconds:.1f} s")
        segments = segments_with_rules().order_by("pk")
        if options["segment"]:
            segments = segments.filter(pk__in=options["segment"])
        total = Customer.objects.count()
        self.stdout.write(f"{connection.vendor}, {total} customers")
        for segment in segments:
            self.stdout.write(self._measure(segment, snapshot=options["snapshot"]))

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
