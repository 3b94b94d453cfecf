"""`manage.py bench_clienteling`: server time of the tablet's heaviest pages, measured in-process.

    bench_clienteling                   50 requests per page, the customer with most orders
    bench_clienteling --requests 200    more samples
    bench_clienteling --customer 42     another customer

Each page is requested through Django's test client (the whole middleware, view, database and
template stack, without the network) by a store associate, after a few warm-up requests; the
command prints p50, p95 and max server times and the SQL queries per request. Every profile
view is journaled, as in real use: the benchmark adds its views to the access journal.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from clienteling.models import Associate
from customers.models import Customer
from omni.benchmark.pages import host_for_requests, pages_requested

WARM_UP = 3


@dataclass(frozen=True)
class Measure:
    label: str
    timings_ms: list[float]
    queries: int

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def line(self) -> str:
        return (
            f"{self.label:<34} p50 {statistics.median(self.timings_ms):7.1f} ms   "
            f"p95 {self.percentile(0.95):7.1f} ms   max {max(self.timings_ms):7.1f} ms   "
            f"{self.queries:3d} queries"
        )


class Command(BaseCommand):
    help = "Measure the p95 server time of the customer 360 page and of a search."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=50, help="Samples per page.")
        parser.add_argument("--customer", type=int, help="Customer id (default: most orders).")
        parser.add_argument("--associate", help="Username of the associate (default: any).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        customer = self._customer(options["customer"])
        associate = self._associate(options["associate"])
        client = Client(HTTP_HOST=host_for_requests(), HTTP_HX_REQUEST="false")
        client.force_login(associate.user)
        orders = customer.orders.count()
        self.stdout.write(
            f"Customer #{customer.pk} ({orders} orders), associate {associate.user.username} "
            f"of {associate.store}, {options['requests']} requests per page, "
            f"database {connection.vendor}."
        )
        pages = self._pages(customer)
        with pages_requested():
            for label, request in pages.items():
                measure = self._measure(label, request, client, options["requests"])
                self.stdout.write(measure.line())

    def _customer(self, customer_id: int | None) -> Customer:
        customers = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        if customer_id is not None:
            customer = customers.filter(pk=customer_id).first()
        else:
            customer = (
                customers.annotate(order_count=Count("orders")).order_by("-order_count").first()
            )
        if customer is None:
            raise CommandError("No customer: run `manage.py seed_demo` first.")
        return customer

    def _associate(self, username: str | None) -> Associate:
        associates = Associate.objects.select_related("user", "store").filter(is_active=True)
        if username:
            associates = associates.filter(user__username=username)
        associate = associates.order_by("pk").first()
        if associate is None:
            raise CommandError("No active associate: run `manage.py seed_demo` first.")
        return associate

    def _pages(self, customer: Customer) -> dict[str, Callable[[Client], Any]]:
        profile = reverse("clienteling:customer", args=[customer.pk])
        search = reverse("clienteling:search")
        name = customer.last_name or customer.first_name
        secure = settings.SECURE_SSL_REDIRECT
        htmx = {"HTTP_HX_REQUEST": "true"}
        return {
            "customer 360 (full page)": lambda client: client.get(profile, secure=secure),
            f"search “{name}” (htmx results)": lambda client: client.get(
                search, {"q": name}, secure=secure, **htmx
            ),
            "search by phone (htmx results)": lambda client: client.get(
                search, {"q": customer.phone or "0612345678"}, secure=secure, **htmx
            ),
        }

    def _measure(
        self, label: str, request: Callable[[Client], Any], client: Client, samples: int
    ) -> Measure:
        for _attempt in range(WARM_UP):
            self._check(request(client), label)
        executed: list[str] = []

        def count(execute: Callable, sql: str, *rest: Any) -> Any:
            executed.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            self._check(request(client), label)
        timings = []
        for _sample in range(samples):
            started = time.perf_counter()
            response = request(client)
            timings.append((time.perf_counter() - started) * 1000)
            self._check(response, label)
        return Measure(label=label, timings_ms=timings, queries=len(executed))

    def _check(self, response: Any, label: str) -> None:
        if response.status_code != 200:
            raise CommandError(f"{label}: HTTP {response.status_code}")
