"""Benchmark: acknowledgement time of signed Shopify webhooks (orders/create); prints p50/p95.

The acknowledgement is what the shop waits for: signature check, inbox insert, task queued.
With CELERY_BROKER_URL set, processing is left to workers: the tasks go to their own queue,
purged at the end with their inbox rows unless --keep-queue. Without a broker, tasks run
in-process, so the figure then includes processing. In-process through Django's test client by
default, or against a running server with --url. Rerunnable: fresh order and delivery ids.
"""

import json
import secrets
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client

from journeys.integrations.models import ShopIntegration, WebhookDelivery
from journeys.integrations.signatures import sign
from omni.benchmark.pages import host_for_requests
from omni.celery import app as celery_app

BENCH_SLUG = "bench-shopify"
Send = Callable[[bytes, dict[str, str]], int]


class Command(BaseCommand):
    help = "Send signed webhooks through the webhook view and print acknowledgement percentiles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deliveries", type=int, default=500, help="Webhooks to send.")
        parser.add_argument("--warm-up", type=int, default=20, help="Sent first, not counted.")
        parser.add_argument("--url", help="Base URL of a running server (default: in-process).")
        parser.add_argument("--queue", default="bench-webhooks", help="Queue for the tasks.")
        parser.add_argument("--keep-queue", action="store_true", help="Leave tasks for workers.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["deliveries"] < 1:
            raise CommandError("--deliveries must be at least 1.")
        integration = _bench_integration()
        brokered = not celery_app.conf.task_always_eager
        if brokered:
            celery_app.conf.task_default_queue = options["queue"]
        send = _sender(options["url"])
        run = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        for number in range(options["warm_up"]):
            _deliver(send, integration, f"{run}-warm-{number}", number)
        timings = [
            _deliver(send, integration, f"{run}-{number}", number)
            for number in range(options["deliveries"])
        ]
        if brokered and not options["keep_queue"] and not options["url"]:
            _purge(options["queue"], integration)
        self.stdout.write(_summary(timings, options, brokered))


def _bench_integration() -> ShopIntegration:
    integration, _created = ShopIntegration.objects.get_or_create(
        slug=BENCH_SLUG,
        defaults={
            "platform": "shopify",
            "name": "Benchmark shop",
            "base_url": "https://bench.myshopify.com",
            "webhook_secret": secrets.token_urlsafe(32),
        },
    )
    return integration


def _sender(url: str | None) -> Send:
    path = f"/webhooks/shopify/{BENCH_SLUG}/"
    if url:
        http = httpx.Client(base_url=url, timeout=30)
        return lambda body, headers: http.post(path, content=body, headers=headers).status_code
    client = Client(HTTP_HOST=host_for_requests())
    return lambda body, headers: (
        client.post(
            path, body, content_type="application/json", secure=True, headers=headers
        ).status_code
    )


def _deliver(send: Send, integration: ShopIntegration, reference: str, number: int) -> float:
    body = json.dumps(_order_payload(reference, customer_number=number % 500)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": sign(body, integration.webhook_secret),
        "X-Shopify-Shop-Domain": "bench.myshopify.com",
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
    }
    started = time.perf_counter()
    status = send(body, headers)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise CommandError(f"The webhook view answered {status} for {reference}.")
    return elapsed


def _order_payload(reference: str, *, customer_number: int) -> dict[str, Any]:
    """An orders/create body shaped like Shopify's (3 lines, a customer), about 2 KB."""
    now = datetime.now(UTC).isoformat()
    lines = [
        ("BENCH-COAT", "Trench coat", "890.00", 1),
        ("BENCH-SCARF", "Cashmere scarf", "120.00", 2),
        ("BENCH-GEL", "Brow gel", "24.50", 3),
    ]
    return {
        "id": reference,
        "name": f"#{reference}",
        "created_at": now,
        "updated_at": now,
        "currency": "EUR",
        "financial_status": "paid",
        "fulfillment_status": None,
        "email": f"bench.customer{customer_number}@example.com",
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "EUR"}},
        "customer": {
            "id": 7_000_000_000_000 + customer_number,
            "email": f"bench.customer{customer_number}@example.com",
            "first_name": "Bench",
            "last_name": f"Customer {customer_number}",
        },
        "line_items": [
            {
                "id": 9_000_000_000_000 + index,
                "sku": sku,
                "name": name,
                "title": name,
                "price": price,
                "quantity": quantity,
                "total_discount": "0.00",
                "discount_allocations": [],
            }
            for index, (sku, name, price, quantity) in enumerate(lines)
        ],
        "shipping_lines": [{"code": "standard", "price": "5.00", "title": "Standard"}],
    }


def _purge(queue: str, integration: ShopIntegration) -> None:
    """Drop the queued tasks, and the inbox rows they would have processed."""
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(queue)
    WebhookDelivery.objects.filter(
        integration=integration, status=WebhookDelivery.Status.RECEIVED
    ).delete()


def _summary(timings: list[float], options: dict[str, Any], brokered: bool) -> str:
    milliseconds = sorted(seconds * 1000 for seconds in timings)
    percentiles = statistics.quantiles(milliseconds, n=100, method="inclusive")
    where = f"server at {options['url']}" if options["url"] else f"in-process, {connection.vendor}"
    if options["url"]:
        mode = "processing as configured on the server"
    elif brokered:
        mode = "tasks queued to the broker"
    else:
        mode = "no broker: processed before the answer"
    return (
        f"{len(timings)} signed webhooks ({where}; {mode}): acknowledged in "
        f"p50 {percentiles[49]:.1f} ms, p95 {percentiles[94]:.1f} ms, "
        f"p99 {percentiles[98]:.1f} ms, max {milliseconds[-1]:.1f} ms"
    )
