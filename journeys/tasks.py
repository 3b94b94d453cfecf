"""Background jobs: the e-shop integration (webhook processing, reconciliation pulls, outbound
notifications) and the lifecycle stages (refresh after activity, nightly recompute).
Each task takes ids, calls one service, and is safe to run twice."""

import datetime
import logging

from celery import Task, shared_task
from django.utils import timezone

from journeys import outbound
from journeys.integrations.inbox import (
    DATABASE_ERRORS,
    TRANSIENT_ERRORS,
    webhook_deliveries_requeue_lost,
    webhook_delivery_process,
)
from journeys.integrations.models import ShopIntegration, SyncRun, WebhookDelivery
from journeys.integrations.sync import integration_pull
from journeys.lifecycle.services import customers_lifecycle_refresh, lifecycle_recompute_all
from journeys.models import LifecycleTrigger

logger = logging.getLogger(__name__)

# Exponential backoff with jitter, capped: 5 s, 10 s, 20 s ... at most 10 minutes apart.
RETRY_POLICY = {
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}
# Backstop of the reconciliation: a delivery still "received" after this long is queued again
# whatever its lease (webhook_deliveries_requeue_lost_task requeues lost ones within 90 s).
STUCK_AFTER = datetime.timedelta(minutes=10)


@shared_task(
    bind=True,
    name="journeys.tasks.webhook_delivery_process_task",
    autoretry_for=(*TRANSIENT_ERRORS, *DATABASE_ERRORS),
    **RETRY_POLICY,
)
def webhook_delivery_process_task(self: Task, delivery_id: int) -> str:
    return webhook_delivery_process(
        delivery_id=delivery_id,
        final_attempt=self.request.retries >= self.max_retries,
        retry_within=_retry_countdown_at_most(self.request.retries),
    )


def _retry_countdown_at_most(retries: int) -> datetime.timedelta:
    """The longest countdown autoretry may draw before the next retry (jitter draws below)."""
    seconds = RETRY_POLICY["retry_backoff"] * 2**retries
    return datetime.timedelta(seconds=min(seconds, RETRY_POLICY["retry_backoff_max"]))


@shared_task(name="journeys.tasks.webhook_deliveries_requeue_lost_task")
def webhook_deliveries_requeue_lost_task() -> int:
    """Periodic (every 30 s): queue again the deliveries whose task was lost."""
    return webhook_deliveries_requeue_lost()


@shared_task(
    name="journeys.tasks.integration_sync_task", autoretry_for=DATABASE_ERRORS, **RETRY_POLICY
)
def integration_sync_task(integration_id: int, kind: str) -> str:
    integration = (
        ShopIntegration.objects.select_related("pickup_store")
        .filter(pk=integration_id, is_active=True)
        .first()
    )
    if integration is None:
        return "inactive"
    run = integration_pull(integration=integration, kind=kind)
    return run.status if run else "skipped"


@shared_task(name="journeys.tasks.integrations_reconcile_task")
def integrations_reconcile_task() -> int:
    """Periodic: a pull per active shop and resource, and requeue deliveries left waiting."""
    queued = 0
    for integration_id in ShopIntegration.objects.filter(is_active=True).values_list(
        "pk", flat=True
    ):
        for kind in (SyncRun.Kind.CUSTOMERS, SyncRun.Kind.ORDERS):
            integration_sync_task.delay(integration_id, kind)
            queued += 1
    stuck = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.RECEIVED, received_at__lt=timezone.now() - STUCK_AFTER
    ).values_list("pk", flat=True)
    for delivery_id in stuck:
        webhook_delivery_process_task.delay(delivery_id)
        queued += 1
    return queued


@shared_task(bind=True, name="journeys.tasks.outbound_delivery_send_task", max_retries=10)
def outbound_delivery_send_task(self: Task, delivery_id: int) -> str:
    final = self.request.retries >= self.max_retries
    try:
        return outbound.outbound_delivery_send(delivery_id=delivery_id, final_attempt=final)
    except outbound.ReceiverUnavailable as error:
        # 30 s, 1 min, 2 min ... capped at one hour: about 6 hours in all before giving up.
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600)) from error


@shared_task(
    name="journeys.tasks.customer_lifecycle_refresh_task",
    autoretry_for=DATABASE_ERRORS,
    **RETRY_POLICY,
)
def customer_lifecycle_refresh_task(customer_ids: list[int]) -> int:
    """After new activity: these customers' metrics and stages. Returns the stage changes."""
    result = customers_lifecycle_refresh(customer_ids=customer_ids, trigger=LifecycleTrigger.EVENT)
    return result.changes


@shared_task(name="journeys.tasks.lifecycle_recompute_all_task")
def lifecycle_recompute_all_task(trigger: str = LifecycleTrigger.NIGHTLY) -> int:
    """Nightly (and after a thresholds change): every customer; catches who lapsed with time."""
    result = lifecycle_recompute_all(trigger=trigger)
    logger.info(
        "Lifecycle recompute (%s): %s customers, %s changes, %.0f customers/s",
        trigger,
        result.customers,
        result.changes,
        result.customers_per_second,
    )
    return result.changes


# The history import fans its chunks out to workers: registered with them here.
import journeys.history_import.tasks  # noqa: E402, F401
