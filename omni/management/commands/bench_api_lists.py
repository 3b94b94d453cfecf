"""Benchmark: GET /api/v1/customers and /api/v1/orders pages, first and deep, in-process.

    DATABASE_URL=postgres://.../omni_api_bench DJANGO_DEBUG=1 \\
        manage.py bench_api_lists --page-size 200 --repeat 30

Prints per endpoint the median and p95 milliseconds of a page (SQL included), the CPU time
of the serving thread (steady on a busy machine) and the time waiting on the database, the
microseconds per item, the query count, and the ratio of a page 90% deep in the cursor order
to the first page. Reads only; rerunnable on any database.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client

from omni.api.clients import api_client_create, api_client_issue_token
from omni.api.list_timing import ListTiming, cursor_url, time_api_list
from omni.benchmark.pages import host_for_requests
from omni.models import ApiClient

BENCH_CLIENT = "bench-api-lists"
# Each list and the model of its rows, by label (omni does not import the apps above it).
LISTS = {"/api/v1/customers": "customers.Customer", "/api/v1/orders": "journeys.Order"}


class Command(BaseCommand):
    help = "Time the customers and orders API list pages (first and deep) and print µs per item."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--page-size", type=int, default=200)
        parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page.")
        parser.add_argument(
            "--depth", type=float, default=0.9, help="Where the deep page starts (0 to 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 <= options["depth"] < 1:
            raise CommandError("--depth must be at least 0 and below 1.")
        client = bench_client()
        for path, model_label in LISTS.items():
            url = f"{path}?page_size={options['page_size']}"
            first = time_api_list(client, url, options["repeat"])
            self.stdout.write(describe("page 1", first))
            position = deep_position(model_label, options["depth"])
            if position is None:
                continue
            deep = time_api_list(client, cursor_url(url, position), options["repeat"])
            self.stdout.write(describe(f"{options['depth']:.0%} deep", deep))
            self.stdout.write(f"  deep / first page (median): {deep.median / first.median:.2f}")


def bench_client() -> Client:
    """A Django test client with the token of a read-only API client kept for the benchmark."""
    scopes = ["customers:read", "orders:read"]
    known = ApiClient.objects.filter(name=BENCH_CLIENT).first()
    if known is None:
        token = api_client_create(name=BENCH_CLIENT, scopes=scopes)[1]
    else:
        token = api_client_issue_token(client=known)
    return Client(HTTP_HOST=host_for_requests(), HTTP_AUTHORIZATION=f"Bearer {token}")


def deep_position(model_label: str, depth: float) -> str | None:
    """The cursor position (`updated_at`, as DRF writes it) of the row at `depth` in the list."""
    rows = apps.get_model(model_label).objects.order_by("updated_at", "id")
    offset = int(rows.count() * depth)
    found = rows.values_list("updated_at", flat=True)[offset : offset + 1]
    return str(found[0]) if found else None


def describe(label: str, timing: ListTiming) -> str:
    return (
        f"{timing.url[:40]:<40} {label:>8}: median {timing.median:6.1f} ms, "
        f"p95 {timing.p95:6.1f} ms (CPU {timing.cpu_median:5.1f}, SQL {timing.sql_median:5.1f}), "
        f"{timing.microseconds_per_item:6.0f} µs per item, {timing.item_count} items, "
        f"{timing.query_count} queries"
    )
