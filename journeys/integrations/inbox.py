"""The webhook inbox: verify the signature, store the delivery, process it once in a task.

Nothing is stored unless the signature over the raw body is valid. A delivery is stored before
anything else happens and answered at once; processing runs after commit in a Celery task and
is idempotent: a processed delivery is never applied again, a failed one keeps its error and can
be replayed from the admin.

A waiting delivery holds a lease (`requeue_at`), renewed when it is queued and when a worker
takes it. A worker killed mid-task leaves it waiting with its lease running out: beat's sweep
(`webhook_deliveries_requeue_lost`) queues it again, without waiting for the broker to hand
the lost message to another worker (Redis' visibility timeout, hours). The row lock held while
a delivery is applied keeps the sweep off it, and makes any second copy of the task find it
processed: a delivery is applied once however many copies of its task run.
"""

import datetime
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.integrations.actions import PLATFORMS, payload_apply
from journeys.integrations.http import ShopUnavailable
from journeys.integrations.models import (
    ShopIntegration,
    WebhookDelivery,
    webhook_lease,
    webhook_lease_end,
)
from journeys.integrations.signatures import signature_matches
from journeys.integrations.upstream import Applied, UpstreamRecordMissing
from omni.background import queue_task_after_commit
from omni.errors import DomainError

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# Retried by the task with backoff: the order may arrive later, the shop may come back.
TRANSIENT_ERRORS = (UpstreamRecordMissing, ShopUnavailable)
# The database went away: the task retries; nothing about the delivery can be recorded now.
DATABASE_ERRORS = (OperationalError, InterfaceError)
KEPT_HEADERS = ("content-type", "user-agent")
# Deliveries queued again per sweep: a burst left waiting drains over a few sweeps.
REQUEUE_BATCH_SIZE = 500
# A delivery queued again and still not taken waits twice as long before the next time (a long
# queue, no worker up), up to 32 leases: copies of its task do not pile up in the queue.
REQUEUE_MAX_DOUBLINGS = 5


@dataclass(frozen=True)
class Receipt:
    delivery_id: int
    duplicate: bool


def webhook_signature_is_valid(
    *, integration: ShopIntegration, headers: Mapping[str, str], body: bytes
) -> bool:
    platform = PLATFORMS[integration.platform]
    signature = headers.get(platform.SIGNATURE_HEADER) or ""
    return bool(signature) and signature_matches(
        body, signature, integration.accepted_webhook_secrets()
    )


def _kept_headers(headers: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name.lower().startswith(prefix) or name.lower() in KEPT_HEADERS
    }


def webhook_store(
    *, integration: ShopIntegration, headers: Mapping[str, str], body: bytes
) -> Receipt:
    """Store a delivery whose signature was checked, and queue its processing after commit.

    The same delivery id twice (a retry by the shop, or a concurrent duplicate) is stored once.
    """
    platform = PLATFORMS[integration.platform]
    delivery_id = headers.get(platform.DELIVERY_ID_HEADER) or (
        "sha256:" + hashlib.sha256(body).hexdigest()
    )
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                integration=integration,
                topic=(headers.get(platform.TOPIC_HEADER) or "")[:100],
                delivery_id=delivery_id[:200],
                event_id=(headers.get(platform.EVENT_ID_HEADER) or "")[:200],
                headers=_kept_headers(headers, platform.KEPT_HEADER_PREFIX),
                body=body,
            )
            _queue_processing(delivery.pk)
    except IntegrityError:
        duplicate = WebhookDelivery.objects.only("pk").get(
            integration=integration, delivery_id=delivery_id[:200]
        )
        return Receipt(duplicate.pk, duplicate=True)
    return Receipt(delivery.pk, duplicate=False)


def _queue_processing(delivery_id: int) -> None:
    # robust: the delivery is safely stored; if the broker is down, the periodic
    # reconciliation requeues it, and the shop must still get its 200.
    queue_task_after_commit(
        "journeys.tasks.webhook_delivery_process_task", delivery_id, robust=True
    )


def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Any = None) -> WebhookDelivery:
    """Process a failed (or stuck) delivery again."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status not in (Status.FAILED, Status.RECEIVED):
            raise DomainError(_("Only failed or waiting deliveries can be replayed."))
        delivery.status, delivery.requeue_at = Status.RECEIVED, webhook_lease_end()
        delivery.save(update_fields=["status", "requeue_at"])
        _queue_processing(delivery.pk)
    logger.info("Webhook delivery %s replayed by %s", delivery.pk, actor)
    return delivery


def _apply(delivery: WebhookDelivery) -> Applied:
    integration = delivery.integration
    action = PLATFORMS[integration.platform].TOPIC_ACTIONS.get(delivery.topic)
    if action is None:
        return Applied("ignored", _("Topic “%s” is not used by Omni") % delivery.topic)
    payload = json.loads(bytes(delivery.body))
    return payload_apply(integration=integration, action=action, payload=payload)


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError):
        return error.message
    return f"{type(error).__name__}: {error}"


def webhook_delivery_process(
    *,
    delivery_id: int,
    final_attempt: bool = True,
    retry_within: datetime.timedelta = datetime.timedelta(0),
) -> str:
    """Apply a stored delivery once; returns its status.

    A transient error is raised again for the task to retry (at the latest `retry_within` from
    now), unless this is the final attempt.
    """
    _lease_renew(delivery_id)
    try:
        with transaction.atomic():
            return _process_locked(delivery_id)
    except TRANSIENT_ERRORS as error:
        _record_transient_failure(
            delivery_id, error, final=final_attempt, retry_within=retry_within
        )
        if final_attempt:
            return Status.FAILED
        raise


def _lease_renew(delivery_id: int) -> None:
    # Committed before the delivery is applied: if this worker dies mid-task, the delivery is
    # queued again one lease from now, however long it waited in the queue before.
    WebhookDelivery.objects.filter(pk=delivery_id, status=Status.RECEIVED).update(
        requeue_at=webhook_lease_end()
    )


def _process_locked(delivery_id: int) -> str:
    # The row lock makes a concurrent duplicate task wait, then find the delivery processed.
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("integration__pickup_store")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status in (Status.PROCESSED, Status.IGNORED):
        return delivery.status if delivery else "missing"
    delivery.attempts += 1
    try:
        with transaction.atomic():
            applied = _apply(delivery)
    except (*TRANSIENT_ERRORS, *DATABASE_ERRORS):
        raise
    except Exception as error:
        # A payload Omni cannot apply (or a bug): retrying the same bytes cannot help. The
        # error is kept for a person to look at, and the delivery can be replayed after a fix.
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, error, exc_info=True)
        delivery.status, delivery.error = Status.FAILED, _describe(error)
    else:
        ignored = applied.outcome == "ignored"
        delivery.status = Status.IGNORED if ignored else Status.PROCESSED
        delivery.outcome, delivery.error = applied.message[:300], ""
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "error", "outcome", "processed_at"])
    return delivery.status


def _record_transient_failure(
    delivery_id: int, error: Exception, *, final: bool, retry_within: datetime.timedelta
) -> None:
    changes: dict[str, Any] = {"error": _describe(error)}
    if final:
        changes.update(status=Status.FAILED, processed_at=timezone.now())
    else:
        # The retry is on its way: the sweep leaves the delivery alone until it is overdue.
        changes.update(requeue_at=webhook_lease_end() + retry_within)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return
        WebhookDelivery.objects.filter(pk=delivery_id).update(
            attempts=delivery.attempts + 1, **changes
        )


def webhook_deliveries_requeue_lost(*, limit: int = REQUEUE_BATCH_SIZE) -> int:
    """Queue again the waiting deliveries whose lease ran out: their task was lost.

    Deliveries being applied are locked and skipped (PostgreSQL); the new lease written in the
    same transaction keeps a concurrent sweep from queueing them twice. Returns how many.
    """
    now = timezone.now()
    with transaction.atomic():
        lost = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.RECEIVED, requeue_at__lte=now)
            .order_by("requeue_at")
            .only("pk", "requeued_count")[:limit]
        )
        for delivery in lost:
            doublings = min(delivery.requeued_count, REQUEUE_MAX_DOUBLINGS)
            delivery.requeue_at = now + webhook_lease() * 2**doublings
            delivery.requeued_count += 1
            _queue_processing(delivery.pk)
        WebhookDelivery.objects.bulk_update(lost, ["requeue_at", "requeued_count"])
    if lost:
        logger.warning(
            "%s webhook deliveries lost their task and were queued again: %s",
            len(lost),
            ", ".join(str(delivery.pk) for delivery in lost[:20]),
        )
    return len(lost)
