"""Benchmark: orders of 3 lines pushed through POST /api/v1/orders/batch; prints orders/second.

Rerunnable on any database: each run uses fresh order references (its customers are reused
across runs, as an e-shop's are). In-process through Django's test client by default, or
against a running server with --url.
"""

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client

from omni.api.clients import api_client_create, api_client_issue_token
from omni.benchmark.pages import host_for_requests
from omni.models import ApiClient, Product

BENCH_CLIENT = "bench-api"
SKUS = ("BENCH-COAT", "BENCH-SCARF", "BENCH-GEL")


class Command(BaseCommand):
    help = "Push orders of 3 lines through the batch endpoint and print orders per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=2000, help="How many orders in all.")
        parser.add_argument("--batch-size", type=int, default=500, help="Orders per request.")
        parser.add_argument("--customers", type=int, default=500, help="Distinct customers.")
        parser.add_argument("--url", help="Base URL of a running server (default: in-process).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["batch_size"] <= settings.OMNI_API_BATCH_MAX_RECORDS:
            raise CommandError("--batch-size must be between 1 and the batch limit.")
        token = self._prepare()
        send = self._sender(token, options["url"])
        run = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        total, started = 0, time.perf_counter()
        while total < options["orders"]:
            size = min(options["batch_size"], options["orders"] - total)
            records = [_order(run, total + index, options["customers"]) for index in range(size)]
            summary = send({"records": records})
            if summary.get("created", 0) != size:
                raise CommandError(f"Unexpected batch outcome: {summary}")
            total += size
        elapsed = time.perf_counter() - started
        vendor = "remote server" if options["url"] else _database_label()
        self.stdout.write(
            f"{total} orders of 3 lines in {elapsed:.2f} s through the batch endpoint "
            f"({options['batch_size']} per request, {vendor}): {total / elapsed:.1f} orders/s"
        )

    def _prepare(self) -> str:
        prices = (Decimal("890.00"), Decimal("120.00"), Decimal("24.50"))
        for sku, price in zip(SKUS, prices, strict=True):
            Product.objects.get_or_create(
                sku=sku,
                defaults={
                    "name": sku.title(),
                    "brand": "Bench",
                    "department": "fashion",
                    "category": "Bench",
                    "price": price,
                },
            )
        client = ApiClient.objects.filter(name=BENCH_CLIENT).first()
        if client is None:
            return api_client_create(name=BENCH_CLIENT, scopes=["orders:write"])[1]
        return api_client_issue_token(client=client)

    def _sender(self, token: str, url: str | None) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if url:
            http = httpx.Client(base_url=url, headers=headers, timeout=300)
            return lambda body: _checked(http.post("/api/v1/orders/batch", json=body))
        django_client = Client(
            HTTP_HOST=host_for_requests(), HTTP_AUTHORIZATION=headers["Authorization"]
        )
        return lambda body: _checked(
            django_client.post(
                "/api/v1/orders/batch", body, content_type="application/json", secure=True
            )
        )


def _checked(response: Any) -> dict[str, int]:
    if response.status_code != 200:
        raise CommandError(
            f"The batch endpoint answered {response.status_code}: {response.content[:500]!r}"
        )
    return response.json()["summary"]


def _order(run: str, number: int, customers: int) -> dict[str, Any]:
    customer = number % customers
    return {
        "source": "bench",
        "external_reference": f"{run}-{number}",
        "channel": "web",
        "placed_at": datetime.now(UTC).isoformat(),
        "currency": "EUR",
        "customer": {
            "source": "bench",
            "external_id": f"customer-{customer}",
            "email": f"bench.customer{customer}@example.com",
        },
        "shipping_total": "5.00",
        "lines": [
            {"sku": SKUS[0], "quantity": 1, "unit_price": "890.00"},
            {"sku": SKUS[1], "quantity": 2, "unit_price": "120.00", "discount": "20.00"},
            {"sku": SKUS[2], "quantity": 3, "unit_price": "24.50"},
        ],
    }


def _database_label() -> str:
    return f"{connection.vendor} database, in-process"
