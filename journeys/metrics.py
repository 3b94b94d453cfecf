"""Metrics of the e-shop integration: webhook deliveries, outbound deliveries, shops' pulls.

Counters move as deliveries are received (journeys/webhooks.py) and processed (Celery's
task_success signal of the webhook task, in whichever process runs it). The inbox, the outbound
queue and the pulls are read at scrape time (omni.metrics): five indexed queries whatever the
size of the tables. Counts of waiting or failed rows stop at COUNT_CAP, so that a backlog of
millions costs a scrape no more than one of ten thousand (an alert has fired long before).

Labels name platforms, topics, shop slugs and kinds: no customer, no order, no secret.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import Any

from celery import Task
from celery.signals import task_success
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from journeys.integrations.actions import PLATFORMS
from journeys.integrations.models import (
    OutboundDelivery,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from journeys.system_status.selectors import COUNT_CAP, capped_count, failed_deliveries
from omni.metrics import scrape_collector_register

WEBHOOK_TASK = "journeys.tasks.webhook_delivery_process_task"
# A shop's last successful pull is looked for among the runs started this recently (the
# started_at index): every 15 minutes a pull runs, so a week back is far past any alert.
PULL_LOOKBACK = datetime.timedelta(days=7)

RECEIVED = Counter(
    "omni_webhook_deliveries_received",
    "Signed webhook deliveries stored in the inbox, by platform, topic and whether the shop "
    "sent the same delivery again (duplicate).",
    ["platform", "topic", "duplicate"],
)
PROCESSED = Counter(
    "omni_webhook_deliveries_processed",
    "Webhook deliveries applied (status processed) or set aside (ignored: a topic Omni does "
    "not use).",
    ["status"],
)
FAILED = Counter(
    "omni_webhook_deliveries_failed",
    "Webhook deliveries marked failed: to be replayed from the admin once the cause is fixed.",
)


def webhook_received_count(*, platform: str, headers: Mapping[str, str], duplicate: bool) -> None:
    """A signed delivery was stored (or recognised as a copy): called by the webhook view."""
    topic = (headers.get(PLATFORMS[platform].TOPIC_HEADER) or "")[:100]
    RECEIVED.labels(platform, topic, "true" if duplicate else "false").inc()


@task_success.connect(dispatch_uid="journeys.metrics.webhook_processed")
def _webhook_task_succeeded(*, sender: Task, result: Any, **_kwargs: Any) -> None:
    # The task returns the delivery's status (journeys.integrations.inbox).
    if sender.name != WEBHOOK_TASK:
        return
    if result in (WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED):
        PROCESSED.labels(str(result)).inc()
    elif result == WebhookDelivery.Status.FAILED:
        FAILED.inc()


def _age_seconds(since: datetime.datetime | None, now: datetime.datetime) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


class WebhookInboxCollector(Collector):
    """Deliveries waiting and failed, and how long the oldest waiting one has waited."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        waiting = (
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RECEIVED)
            .order_by("received_at")[:COUNT_CAP]
            .aggregate(count=Count("received_at"), oldest=Min("received_at"))
        )
        failed = capped_count(failed_deliveries()).value
        yield GaugeMetricFamily(
            "omni_webhook_inbox_waiting",
            f"Deliveries received and not processed yet (counted up to {COUNT_CAP}).",
            value=waiting["count"],
        )
        yield GaugeMetricFamily(
            "omni_webhook_inbox_lag_seconds",
            "Age of the oldest delivery still waiting to be processed; 0 when none waits.",
            value=_age_seconds(waiting["oldest"], now),
        )
        yield GaugeMetricFamily(
            "omni_webhook_inbox_failed",
            f"Deliveries failed and not replayed (counted up to {COUNT_CAP}).",
            value=failed,
        )


class OutboundCollector(Collector):
    """Notifications to other systems still to send, being retried, or given up."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        pending = (
            OutboundDelivery.objects.filter(status=OutboundDelivery.Status.PENDING)
            .order_by("created_at")[:COUNT_CAP]
            .aggregate(
                count=Count("created_at"),
                retrying=Count("created_at", filter=Q(attempts__gt=0)),
                oldest=Min("created_at"),
            )
        )
        failed = capped_count(
            OutboundDelivery.objects.filter(status=OutboundDelivery.Status.FAILED)
        ).value
        yield GaugeMetricFamily(
            "omni_outbound_deliveries_pending",
            f"Outbound webhook deliveries not delivered yet (counted up to {COUNT_CAP}).",
            value=pending["count"],
        )
        yield GaugeMetricFamily(
            "omni_outbound_deliveries_retrying",
            "Pending outbound deliveries whose receiver already failed at least once (waiting "
            "for a retry).",
            value=pending["retrying"],
        )
        yield GaugeMetricFamily(
            "omni_outbound_oldest_pending_seconds",
            "Age of the oldest pending outbound delivery; 0 when none is pending.",
            value=_age_seconds(pending["oldest"], now),
        )
        yield GaugeMetricFamily(
            "omni_outbound_deliveries_failed",
            f"Outbound deliveries given up after their retries (counted up to {COUNT_CAP}).",
            value=failed,
        )


class ShopPullCollector(Collector):
    """When each active shop's orders and customers were last pulled successfully."""

    def collect(self) -> Iterator[Metric]:
        shops = dict(
            ShopIntegration.objects.filter(is_active=True).values_list("pk", "slug").order_by()
        )
        finished = {
            (row["integration_id"], row["kind"]): row["last"]
            for row in SyncRun.objects.filter(
                started_at__gte=timezone.now() - PULL_LOOKBACK, status=SyncRun.Status.COMPLETED
            )
            .values("integration_id", "kind")
            .annotate(last=Max("finished_at"))
            .order_by()
        }
        family = GaugeMetricFamily(
            "omni_shop_last_pull_timestamp_seconds",
            "When the last successful reconciliation pull of an active shop finished (Unix "
            "time), by shop slug and kind; 0 if none in the last "
            f"{PULL_LOOKBACK.days} days.",
            labels=["shop", "kind"],
        )
        for integration_id, slug in sorted(shops.items(), key=lambda item: item[1]):
            for kind in SyncRun.Kind.values:
                last = finished.get((integration_id, kind))
                family.add_metric([slug, kind], last.timestamp() if last else 0)
        yield family


scrape_collector_register("webhook_inbox", WebhookInboxCollector())
scrape_collector_register("outbound_deliveries", OutboundCollector())
scrape_collector_register("shop_pulls", ShopPullCollector())
