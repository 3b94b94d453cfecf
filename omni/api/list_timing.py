"""The time an API list page takes, in-process, SQL included: what the list benchmarks report.

`time_api_list(client, url, repeat)` is the reusable part (`bench_api_lists` prints it, and the
scale benchmark calls it): per-request milliseconds through the whole Django stack, the share
spent waiting on the database, and the number of queries one request runs.
"""

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import Cursor

from omni.api.pagination import ApiCursorPagination


@dataclass(frozen=True)
class ListTiming:
    url: str
    milliseconds: tuple[float, ...]
    # This thread's CPU time: what the page costs Python, whatever other processes do.
    cpu_milliseconds: tuple[float, ...]
    sql_milliseconds: tuple[float, ...]
    query_count: int
    item_count: int

    @property
    def median(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def p95(self) -> float:
        return percentile(self.milliseconds, 95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_milliseconds)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_milliseconds)

    @property
    def microseconds_per_item(self) -> float:
        return self.median * 1000 / max(self.item_count, 1)


def percentile(values: tuple[float, ...], rank: int) -> float:
    """Nearest-rank percentile: with few samples it is one of them, never an interpolation."""
    ordered = sorted(values)
    index = max(0, -(-rank * len(ordered) // 100) - 1)
    return ordered[index]


def untie(response: Any) -> Any:
    """Cut the loop Django's test client adds to each response (`response.json` is a partial
    of the response itself): a server's responses have no such loop, and left in place it
    would make every response wait for the cycle collector, whose passes the timings would
    then show."""
    response.__dict__.pop("json", None)
    return response


def time_api_list(client: Client, url: str, repeat: int) -> ListTiming:
    """GET `url` `repeat` times with `client` (which carries the credentials), over HTTPS so
    that production settings do not redirect.

    A first request warms up caches and writes the API client's last-use time (once a
    minute), so the timed requests are the steady state. Raises if the answer is not a page.
    """
    item_count = len(_page_items(client.get(url, secure=True), url))
    with CaptureQueriesContext(connection) as queries:
        _page_items(client.get(url, secure=True), url)
    # Read now: the next request's start empties the connection's query log.
    query_count = len(queries.captured_queries)
    milliseconds, cpu_milliseconds, sql_milliseconds = [], [], []
    for _ in range(repeat):
        with database_time() as sql_seconds:
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get(url, secure=True)
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        _page_items(response, url)
        untie(response)
        milliseconds.append(elapsed * 1000)
        cpu_milliseconds.append(cpu * 1000)
        sql_milliseconds.append(sql_seconds() * 1000)
    return ListTiming(
        url=url,
        milliseconds=tuple(milliseconds),
        cpu_milliseconds=tuple(cpu_milliseconds),
        sql_milliseconds=tuple(sql_milliseconds),
        query_count=query_count,
        item_count=item_count,
    )


def cursor_url(url: str, position: str) -> str:
    """The page of `url` that starts after `position` (the ordering value of the row before):
    a deep page reached without walking every page before it."""
    paginator = ApiCursorPagination()
    paginator.base_url = url
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))


@contextmanager
def database_time() -> Iterator[Callable[[], float]]:
    """Seconds spent in the database driver's execute calls inside the block."""
    spent = [0.0]

    def timed(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    with connection.execute_wrapper(timed):
        yield lambda: spent[0]


def _page_items(response: Any, url: str) -> list[Any]:
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    body = response.json()
    if "results" not in body:
        raise RuntimeError(f"GET {url} is not a list page.")
    return body["results"]
