"""Time the aggregate rebuild and the head-office views on the current database.

Each view is requested through Django's test client (middleware, view, SQL and template, no
network) by a superuser, once to warm up and then `repeat` times per filter combination; the
SQL queries of one request are counted.
"""

import datetime
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from insights.aggregates import aggregates_rebuild_timed
from insights.benchmark.dataset import BENCH_USER_PREFIX
from journeys.lifecycle.services import lifecycle_recompute_all
from omni.benchmark.pages import host_for_requests, pages_requested

VIEW_NAMES = ("insights:dashboard", "insights:journeys")
BENCH_ADMIN = f"{BENCH_USER_PREFIX}admin"
BUDGET_MS = 1000.0


@dataclass
class ViewTiming:
    view: str
    filters: str
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.timings_ms) if self.timings_ms else 0.0

    @property
    def p95(self) -> float:
        return self.percentile(0.95) if self.timings_ms else 0.0

    @property
    def max(self) -> float:
        return max(self.timings_ms, default=0.0)


def filter_combinations(today: datetime.date | None = None) -> list[tuple[str, dict[str, str]]]:
    """The filter sets every view is timed with; the store is the one with most orders."""
    from journeys.models import Order

    today = today or timezone.localdate()
    busiest = (
        Order.objects.filter(store__isnull=False)
        .values("store", "store__region")
        .annotate(orders=Count("pk"))
        .order_by("-orders", "store")
        .first()
    )
    store_id = str(busiest["store"]) if busiest else ""
    region = busiest["store__region"] if busiest else ""
    three_years = {
        "start": (today - datetime.timedelta(days=3 * 365)).isoformat(),
        "end": today.isoformat(),
    }
    return [
        ("default period", {}),
        ("last 3 years", three_years),
        (f"store {store_id}", {"store": store_id}),
        (f"region {region}", {"region": region}),
        ("channel web", {"channel": "web"}),
        (f"store {store_id} + channel store", {"store": store_id, "channel": "store"}),
    ]


def bench_client() -> Client:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=BENCH_ADMIN, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    client = Client(HTTP_HOST=host_for_requests())
    client.force_login(user)
    return client


def time_view(
    client: Client, view: str, label: str, params: dict[str, str], repeat: int
) -> ViewTiming:
    timing = ViewTiming(view=view, filters=label)
    url = reverse(view)
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params, secure=secure)  # warm-up, counted queries
        timing.queries = len(queries.captured_queries)
        timing.status = response.status_code
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, params, secure=secure)
            timing.timings_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                timing.status = response.status_code
    except Exception as error:  # reported in the table; the command then fails
        timing.error = f"{type(error).__name__}: {error}"[:200]
    return timing


def time_views(
    repeat: int, log: Callable[[str], None] = print, today: datetime.date | None = None
) -> list[ViewTiming]:
    client = bench_client()
    results = []
    log(header())
    with pages_requested():
        for label, params in filter_combinations(today):
            for view in VIEW_NAMES:
                timing = time_view(client, view, label, params, repeat)
                results.append(timing)
                log(row(timing))
    return results


def header() -> str:
    return (
        f"{'view':<20} {'filters':<34} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} "
        f"{'queries':>7} {'status':>6}"
    )


def row(timing: ViewTiming) -> str:
    line = (
        f"{timing.view:<20} {timing.filters[:34]:<34} {timing.p50:9.1f} {timing.p95:9.1f} "
        f"{timing.max:9.1f} {timing.queries:7d} {timing.status:6d}"
    )
    if timing.error:
        line += f"  ERROR {timing.error}"
    elif timing.max > BUDGET_MS:
        line += "  over 1 s"
    return line


def time_rebuild(log: Callable[[str], None] = print) -> float:
    """Rebuild every aggregate table (whole history), printing each table's rows and time."""
    started = time.perf_counter()
    for table, rows, seconds in aggregates_rebuild_timed():
        log(f"  {table:<44} {rows:>10,} rows {seconds:8.1f} s")
    return time.perf_counter() - started


def time_lifecycle(log: Callable[[str], None] = print) -> float:
    """Time `journeys.lifecycle.lifecycle_recompute_all` over every customer."""
    started = time.perf_counter()
    result: Any = lifecycle_recompute_all()  # the nightly trigger
    elapsed = time.perf_counter() - started
    log(f"  lifecycle_recompute_all: {result}")
    return elapsed
