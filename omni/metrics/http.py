"""HTTP metrics: requests, latency and database queries per request, by view name.

Labelled by the resolved URL's name ("clienteling:customer", "admin:journeys_order_change"),
never by the path: paths carry customer and order ids, which are personal data and would make
a new series per customer. Methods outside the usual few are counted as "other", so a client
cannot invent series either.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from prometheus_client import Counter, Histogram

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# No view: the path matched no URL (404), or a middleware answered before the URL was resolved
# and the path matches none.
UNRESOLVED = "unresolved"

REQUESTS = Counter(
    "omni_http_requests",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "omni_http_request_duration_seconds",
    "Time from the first middleware to the response, by view name.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUERIES = Histogram(
    "omni_http_request_database_queries",
    "SQL statements a request ran on the default database, by view name.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)


class _QueryCounter:
    """A database execute wrapper that only counts: one addition per statement."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before URL resolution (an HTTPS redirect, a rate limit): name the view the
        # path would have reached, if any.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return UNRESOLVED
    return match.view_name


class HttpMetricsMiddleware:
    """First in MIDDLEWARE: counts every answer, including the other middlewares' refusals."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        queries = _QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view).observe(elapsed)
        QUERIES.labels(view).observe(queries.count)
        return response
