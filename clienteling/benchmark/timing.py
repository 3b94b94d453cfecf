"""Timing a page in-process, against the raw SQL of the same answer.

A page is requested through Django's test client (middleware, view, SQL, template; no network).
A first request warms the caches and records the SQL statements it ran; the timed requests
follow. The baseline is the same statements replayed through a bare database cursor: what the
answer costs the database alone, measured in the same run, so that the ratio of the two holds on
a busy machine where absolute times wander.
"""

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from omni.api.list_timing import percentile, untie


@dataclass
class Timing:
    label: str
    milliseconds: list[float] = field(default_factory=list)
    baseline_milliseconds: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 0
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.milliseconds) if self.milliseconds else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.milliseconds, 95)

    @property
    def baseline_p95(self) -> float:
        return percentile(self.baseline_milliseconds, 95)

    @property
    def ratio(self) -> float:
        return self.p95 / self.baseline_p95 if self.baseline_p95 else 0.0


def timed(function: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def replay(statements: Sequence[str]) -> None:
    """Run SQL statements as they were sent, reading every row."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()


def secure_requests() -> bool:
    """Production settings redirect plain HTTP: ask for HTTPS then."""
    return bool(getattr(settings, "SECURE_SSL_REDIRECT", False))


def time_page(
    client: Client,
    label: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    repeat: int,
) -> Timing:
    """GET `url` `repeat` times, and replay its SQL as many times."""
    timing = Timing(label)
    extra = {"secure": secure_requests(), **(headers or {})}
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, **extra)
    timing.status = response.status_code
    timing.queries = len(captured.captured_queries)
    statements = [query["sql"] for query in captured.captured_queries]
    timing.milliseconds = timed(lambda: untie(client.get(url, params or {}, **extra)), repeat)
    timing.baseline_milliseconds = timed(lambda: replay(statements), repeat)
    return timing
