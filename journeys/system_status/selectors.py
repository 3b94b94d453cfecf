"""The figures of the System status, read once for the page and the API.

Each figure is cheap whatever the size of the tables (millions of webhook deliveries, orders):
lists are the oldest or newest few rows of an index, counts stop at `COUNT_CAP` (an index range
cut with LIMIT, never a full count), and the whole status costs the same few queries however
many shops, deliveries or jobs there are (`tests/journeys/test_system_status.py` guards it).

Nothing secret or personal comes out: a shop is its name and platform (its credentials are
never read), a delivery its shop, topic, times, attempts and the class of its last error (the
error's text may quote the payload, so it is not shown), an outbound delivery its webhook's
name, event, attempts and last HTTP status.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Left
from django.utils import timezone

from journeys.integrations.models import (
    OutboundDelivery,
    OutboundEvent,
    Platform,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from omni.job_runs import overdue_jobs
from omni.queue_lengths import Queues, QueueState, queue_lengths

# A delivery still waiting this long after it was received is stuck: a healthy inbox processes
# one within seconds, and a lost task is queued again within 90 s (OMNI_WEBHOOK_LEASE_SECONDS +
# OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS).
STUCK_AFTER = datetime.timedelta(minutes=2)
# Rows listed per kind (the oldest failed, the oldest stuck, the newest failing outbound).
LIST_LIMIT = 20
# Counts stop here ("10,000 or more"): counting millions of rows would cost a scan per page.
COUNT_CAP = 10_000
# "KeyError: 'sku'" → "KeyError"; a refusal by Omni's rules has a sentence instead.
ERROR_CLASS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*): ")
ERROR_PREFIX_LENGTH = 120
DOMAIN_ERROR = "DomainError"


@dataclass(frozen=True)
class CappedCount:
    """A count that stops at COUNT_CAP: `value` rows, or at least that many when `capped`."""

    value: int
    capped: bool

    def __bool__(self) -> bool:
        return self.value > 0


@dataclass(frozen=True)
class Pull:
    """One reconciliation pull (a SyncRun) of one kind of records."""

    kind: str
    kind_label: str
    status: str
    status_label: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    pages: int
    created: int
    updated: int
    unchanged: int
    failed: int


@dataclass(frozen=True)
class PullState:
    kind: str
    kind_label: str
    last: Pull | None
    # When the last pull that completed finished (the last one may have failed or be running).
    last_completed_at: datetime.datetime | None


@dataclass(frozen=True)
class ShopStatus:
    id: int
    name: str
    platform: str
    platform_label: str
    is_active: bool
    pulls: list[PullState]

    @property
    def last_pull_failed(self) -> bool:
        failed = SyncRun.Status.FAILED
        return any(state.last is not None and state.last.status == failed for state in self.pulls)


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    shop: str
    topic: str
    status: str
    received_at: datetime.datetime
    attempts: int
    requeued: int
    error_class: str


@dataclass(frozen=True)
class Inbox:
    failed: CappedCount
    stuck: CappedCount
    oldest_failed: list[DeliveryRow]
    oldest_stuck: list[DeliveryRow]
    # The oldest delivery still waiting, stuck or not: the inbox's lag.
    oldest_waiting_at: datetime.datetime | None
    stuck_after: datetime.timedelta = STUCK_AFTER

    def lag_seconds(self, now: datetime.datetime) -> float:
        if self.oldest_waiting_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_waiting_at).total_seconds())


@dataclass(frozen=True)
class OutboundRow:
    id: int
    webhook: str
    event: str
    event_label: str
    status: str
    status_label: str
    attempts: int
    last_status_code: int | None
    created_at: datetime.datetime


@dataclass(frozen=True)
class Outbound:
    failed: CappedCount
    # Pending deliveries that were tried and refused: their task retries them with backoff.
    retrying: CappedCount
    newest_failing: list[OutboundRow]


@dataclass(frozen=True)
class SystemStatus:
    checked_at: datetime.datetime
    shops: list[ShopStatus]
    inbox: Inbox
    outbound: Outbound
    jobs: list[Any]
    queues: Queues

    @property
    def overdue_jobs(self) -> list[Any]:
        return [job for job in self.jobs if job.overdue]

    @property
    def healthy(self) -> bool:
        """Nothing waits for a person: what monitoring alerts on."""
        return not (
            self.inbox.failed
            or self.inbox.stuck
            or self.outbound.failed
            or self.overdue_jobs
            or self.queues.state == QueueState.UNREACHABLE
            or any(shop.is_active and shop.last_pull_failed for shop in self.shops)
        )


def capped_count(queryset: QuerySet) -> CappedCount:
    """COUNT over at most COUNT_CAP + 1 rows of an index range (a LIMIT inside the count)."""
    value = queryset.order_by()[: COUNT_CAP + 1].count()
    return CappedCount(min(value, COUNT_CAP), capped=value > COUNT_CAP)


# Shops and their pulls ------------------------------------------------------------------------


def _last_run(kind: str, **conditions: Any) -> Subquery:
    # The newest run of the shop and kind: a backward walk of the started_at index, which the
    # runs of every shop share (a run per shop and kind every 15 minutes), stopped at the first.
    runs = SyncRun.objects.filter(integration=OuterRef("pk"), kind=kind, **conditions)
    return Subquery(runs.order_by("-started_at", "-id").values("pk")[:1])


def _pull(run: SyncRun) -> Pull:
    return Pull(
        kind=run.kind,
        kind_label=run.get_kind_display(),
        status=run.status,
        status_label=run.get_status_display(),
        started_at=run.started_at,
        finished_at=run.finished_at,
        pages=run.pages,
        created=run.created_count,
        updated=run.updated_count,
        unchanged=run.unchanged_count,
        failed=run.failed_count,
    )


def shop_statuses() -> list[ShopStatus]:
    """Every shop with its last pull of each kind and when a pull last completed: two queries
    whatever the number of shops (the shops with their runs' ids, then those runs)."""
    annotations = {}
    for kind in SyncRun.Kind.values:
        annotations[f"last_{kind}"] = _last_run(kind)
        annotations[f"completed_{kind}"] = _last_run(kind, status=SyncRun.Status.COMPLETED)
    # Only what the page shows: the credentials are never read.
    shops = list(
        ShopIntegration.objects.order_by("name", "pk")
        .values("pk", "name", "platform", "is_active")
        .annotate(**annotations)
    )
    run_ids = {shop[name] for shop in shops for name in annotations if shop[name] is not None}
    runs = {
        run.pk: run
        for run in SyncRun.objects.filter(pk__in=run_ids).only(
            "kind",
            "status",
            "started_at",
            "finished_at",
            "pages",
            "created_count",
            "updated_count",
            "unchanged_count",
            "failed_count",
        )
    }
    kinds = SyncRun.Kind
    statuses = []
    for shop in shops:
        pulls = []
        for kind in kinds.values:
            last = runs.get(shop[f"last_{kind}"])
            completed = runs.get(shop[f"completed_{kind}"])
            pulls.append(
                PullState(
                    kind=kind,
                    kind_label=str(kinds(kind).label),
                    last=_pull(last) if last else None,
                    last_completed_at=completed.finished_at if completed else None,
                )
            )
        statuses.append(
            ShopStatus(
                id=shop["pk"],
                name=shop["name"],
                platform=shop["platform"],
                platform_label=_platform_label(shop["platform"]),
                is_active=shop["is_active"],
                pulls=pulls,
            )
        )
    return statuses


def _platform_label(platform: str) -> str:
    try:
        return str(Platform(platform).label)
    except ValueError:
        return platform


# The webhook inbox ----------------------------------------------------------------------------


def error_class(error: str) -> str:
    """The class of a delivery's last error, never its text (it may quote the payload): the
    name before "Name: …", or DomainError for a refusal by Omni's rules (a sentence)."""
    if not error:
        return ""
    match = ERROR_CLASS.match(error)
    return match.group(1) if match else DOMAIN_ERROR


def _delivery_rows(queryset: QuerySet) -> list[DeliveryRow]:
    # The (status, received_at) index gives the oldest first; only the start of the error is
    # read, to find its class.
    rows = (
        queryset.order_by("received_at", "id")
        .annotate(error_start=Left("error", ERROR_PREFIX_LENGTH))
        .values(
            "pk",
            "integration__name",
            "topic",
            "status",
            "received_at",
            "attempts",
            "requeued_count",
            "error_start",
        )[:LIST_LIMIT]
    )
    return [
        DeliveryRow(
            id=row["pk"],
            shop=row["integration__name"],
            topic=row["topic"],
            status=row["status"],
            received_at=row["received_at"],
            attempts=row["attempts"],
            requeued=row["requeued_count"],
            error_class=error_class(row["error_start"] or ""),
        )
        for row in rows
    ]


def failed_deliveries() -> QuerySet:
    return WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED)


def stuck_deliveries(now: datetime.datetime) -> QuerySet:
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.RECEIVED, received_at__lte=now - STUCK_AFTER
    )


def inbox_status(now: datetime.datetime) -> Inbox:
    waiting = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RECEIVED)
    return Inbox(
        failed=capped_count(failed_deliveries()),
        stuck=capped_count(stuck_deliveries(now)),
        oldest_failed=_delivery_rows(failed_deliveries()),
        oldest_stuck=_delivery_rows(stuck_deliveries(now)),
        oldest_waiting_at=waiting.order_by("received_at")
        .values_list("received_at", flat=True)
        .first(),
    )


# Outbound deliveries --------------------------------------------------------------------------


def _newest(queryset: QuerySet) -> list[dict[str, Any]]:
    # The newest of one status: a backward walk of the (status, created_at) index.
    return list(
        queryset.order_by("-created_at", "-id").values(
            "pk", "endpoint__name", "event", "status", "attempts", "last_status_code", "created_at"
        )[:LIST_LIMIT]
    )


def outbound_status() -> Outbound:
    deliveries = OutboundDelivery.objects
    failed = deliveries.filter(status=OutboundDelivery.Status.FAILED)
    retrying = deliveries.filter(status=OutboundDelivery.Status.PENDING, attempts__gt=0)
    # The newest failing first (what went wrong lately), read status by status: one query on
    # both would walk the created_at index past every delivered row when failures are rare.
    failing = sorted(
        _newest(failed) + _newest(retrying),
        key=lambda row: (row["created_at"], row["pk"]),
        reverse=True,
    )[:LIST_LIMIT]
    statuses = dict(OutboundDelivery.Status.choices)
    events = dict(OutboundEvent.choices)
    return Outbound(
        failed=capped_count(failed),
        retrying=capped_count(retrying),
        newest_failing=[
            OutboundRow(
                id=row["pk"],
                webhook=row["endpoint__name"],
                event=row["event"],
                event_label=str(events.get(row["event"], row["event"])),
                status=row["status"],
                status_label=str(statuses.get(row["status"], row["status"])),
                attempts=row["attempts"],
                last_status_code=row["last_status_code"],
                created_at=row["created_at"],
            )
            for row in failing
        ],
    )


# Everything -----------------------------------------------------------------------------------


def system_status(now: datetime.datetime | None = None) -> SystemStatus:
    now = now or timezone.now()
    return SystemStatus(
        checked_at=now,
        shops=shop_statuses(),
        inbox=inbox_status(now),
        outbound=outbound_status(),
        jobs=list(overdue_jobs(now)),
        queues=queue_lengths(),
    )
