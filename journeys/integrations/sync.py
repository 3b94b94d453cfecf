"""The reconciliation pull: bring back, page by page, whatever changed in the shop since the
cursor, so that a lost webhook is caught up. Each run is recorded with its counts and the
records that failed; one failing record never stops the others.
"""

import datetime
import logging
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.integrations.actions import PLATFORMS, payload_apply
from journeys.integrations.http import ShopUnavailable
from journeys.integrations.models import Platform, ShopIntegration, SyncRun
from journeys.integrations.shopify import ShopifyClient
from journeys.integrations.upstream import Applied, upstream_orders_save
from journeys.integrations.values import aware_time
from journeys.integrations.woocommerce import WooCommerceClient

logger = logging.getLogger(__name__)

# Changes committed in the shop just before the previous run ended are fetched again.
OVERLAP = datetime.timedelta(minutes=5)
# A run still "running" after this long was interrupted (worker killed): another may start.
RUN_TIMEOUT = datetime.timedelta(minutes=30)
MAX_ERRORS_KEPT = 200
CLIENTS = {Platform.SHOPIFY: ShopifyClient, Platform.WOOCOMMERCE: WooCommerceClient}
CURSOR_FIELDS = {
    SyncRun.Kind.ORDERS: "orders_synced_until",
    SyncRun.Kind.CUSTOMERS: "customers_synced_until",
}
ACTIONS = {SyncRun.Kind.ORDERS: "order", SyncRun.Kind.CUSTOMERS: "customer"}
COUNTERS = {
    "created": "created_count",
    "updated": "updated_count",
    "unchanged": "unchanged_count",
    "stale": "unchanged_count",
    "ignored": "unchanged_count",
}
COUNT_FIELDS = ["pages", "created_count", "updated_count", "unchanged_count", "failed_count"]


def _another_run_is_going(integration: ShopIntegration, kind: str) -> bool:
    running = SyncRun.objects.filter(
        integration=integration, kind=kind, status=SyncRun.Status.RUNNING
    )
    running.filter(started_at__lt=timezone.now() - RUN_TIMEOUT).update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now()
    )
    return running.exists()


def integration_pull(
    *, integration: ShopIntegration, kind: str, transport: httpx.BaseTransport | None = None
) -> SyncRun | None:
    """Pull `kind` (orders or customers) changed since the cursor; None if a run is going."""
    if _another_run_is_going(integration, kind):
        return None
    cursor = getattr(integration, CURSOR_FIELDS[kind])
    run = SyncRun.objects.create(integration=integration, kind=kind, cursor_from=cursor)
    newest = cursor
    try:
        with CLIENTS[integration.platform](integration, transport=transport) as client:
            since = cursor - OVERLAP if cursor else None
            for records in client.pages(kind, changed_since=since):
                run.pages += 1
                if kind == SyncRun.Kind.ORDERS:
                    newest = _later(newest, _pull_orders(run, integration, records))
                    continue
                for record in records:
                    newest = _later(newest, _pull_record(run, integration, kind, record))
                run.save(update_fields=[*COUNT_FIELDS, "errors"])
    except (ShopUnavailable, httpx.HTTPError, ValueError) as error:
        run.status = SyncRun.Status.FAILED
        _note_error(run, None, f"{type(error).__name__}: {error}")
    else:
        run.status, run.cursor_to = SyncRun.Status.COMPLETED, newest
        ShopIntegration.objects.filter(pk=integration.pk).update(**{CURSOR_FIELDS[kind]: newest})
    run.finished_at = timezone.now()
    run.save()
    return run


def _later(
    first: datetime.datetime | None, second: datetime.datetime | None
) -> datetime.datetime | None:
    return max((moment for moment in (first, second) if moment), default=None)


def _note_error(run: SyncRun, record: str | None, message: str) -> None:
    if len(run.errors) < MAX_ERRORS_KEPT:
        run.errors.append({"record": record, "error": message})


def _pull_record(
    run: SyncRun, integration: ShopIntegration, kind: str, record: dict[str, Any]
) -> datetime.datetime | None:
    """Apply one record in its own savepoint; returns its updated-at time (for the cursor)."""
    platform = PLATFORMS[integration.platform]
    record_id = str(record.get("id")) if isinstance(record, dict) else None
    try:
        with transaction.atomic():
            applied = payload_apply(integration=integration, action=ACTIONS[kind], payload=record)
        changed_at = aware_time(platform.updated_at(record), naive_means_utc=True)
    except Exception as error:  # One failing record must never block the others.
        _count_failure(run, record_id, error)
        return None
    _count(run, applied)
    return changed_at


def _pull_orders(
    run: SyncRun, integration: ShopIntegration, records: list[Any]
) -> datetime.datetime | None:
    """A page of orders written together (`upstream_orders_save`, one `orders_write`); a
    record that cannot be read or is refused is counted and noted, the others are written.
    Returns the latest updated-at time of the records written (for the cursor)."""
    platform = PLATFORMS[integration.platform]
    items, read = [], []
    for record in records:
        record_id = str(record.get("id")) if isinstance(record, dict) else None
        try:
            items.append(
                (
                    platform.order_input(record, integration),
                    platform.order_refunds(record, integration),
                )
            )
            read.append((record_id, aware_time(platform.updated_at(record), naive_means_utc=True)))
        except Exception as error:  # Unreadable: noted, the page goes on.
            _count_failure(run, record_id, error)
    try:
        with transaction.atomic():
            outcomes: list[Any] = upstream_orders_save(integration=integration, items=items)
    except Exception as error:  # The page as a whole failed: each record alone.
        logger.warning("Sync %s: page failed, one by one: %s", run.pk, error, exc_info=True)
        outcomes = [_save_alone(integration, item) for item in items]
    newest = None
    for (record_id, changed_at), outcome in zip(read, outcomes, strict=True):
        if isinstance(outcome, Exception):
            _count_failure(run, record_id, outcome)
            continue
        _count(run, outcome)
        newest = _later(newest, changed_at)
    return newest


def _save_alone(integration: ShopIntegration, item: Any) -> Any:
    try:
        with transaction.atomic():
            return upstream_orders_save(integration=integration, items=[item])[0]
    except Exception as error:  # Reported as this record's failure.
        return error


def _count(run: SyncRun, applied: Applied) -> None:
    counter = COUNTERS[applied.outcome]
    setattr(run, counter, getattr(run, counter) + 1)


def _count_failure(run: SyncRun, record_id: str | None, error: Exception) -> None:
    logger.warning("Sync %s: record %s failed: %s", run.pk, record_id, error, exc_info=True)
    run.failed_count += 1
    message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
    _note_error(run, record_id, message)


def integration_sync_summary(run: SyncRun) -> str:
    return _(
        "%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
        "%(failed)s failed"
    ) % {
        "kind": run.kind,
        "created": run.created_count,
        "updated": run.updated_count,
        "unchanged": run.unchanged_count,
        "failed": run.failed_count,
    }
