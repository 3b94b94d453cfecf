"""Outbound notifications: a signed POST to the configured URLs when a pickup becomes ready or
is collected, an after-sales ticket changes status, or a head-office trigger fires.

Called by the pickup and ticket services inside their transaction; the delivery row is written
with the change and sent after commit by a Celery task, retried with backoff. The body is stored
byte for byte, so every retry carries the same `X-Omni-Hmac-Sha256` signature (standard Base64
of the HMAC-SHA256 of the body, keyed with the endpoint's secret) and `X-Omni-Delivery-Id`,
which lets the receiver ignore a delivery it already has.
"""

import json
import logging
from typing import Any

import httpx
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.integrations.models import (
    OutboundDelivery,
    OutboundEvent,
    OutboundWebhook,
)
from journeys.integrations.signatures import sign
from journeys.models import AfterSalesTicket, Pickup
from omni.background import queue_task_after_commit
from omni.errors import DomainError

logger = logging.getLogger(__name__)

PICKUP_EVENTS = {
    Pickup.Status.READY: OutboundEvent.PICKUP_READY,
    Pickup.Status.COLLECTED: OutboundEvent.PICKUP_COLLECTED,
}
SIGNATURE_HEADER = "X-Omni-Hmac-Sha256"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ReceiverUnavailable(Exception):  # noqa: N818 - a state of the receiver, retried later
    """The receiver did not answer, or answered 408, 429 or 5xx: try again later."""


def _order_reference(order: Any) -> dict[str, str] | None:
    if order is None:
        return None
    return {"source": order.source, "external_reference": order.external_reference}


def pickup_status_notify(pickup: Pickup) -> None:
    """Queue pickup.ready / pickup.collected; other moves are not notified."""
    event = PICKUP_EVENTS.get(pickup.status)
    if event is None:
        return
    order = pickup.order
    data = {
        "pickup": {
            "status": pickup.status,
            # The shop tells the customer which code to show at the counter.
            "code": pickup.code,
            "store": pickup.store.code,
            "ready_at": pickup.ready_at,
            "collect_by": pickup.pickup_by,
            "collected_at": pickup.collected_at,
        },
        "order": _order_reference(order),
    }
    _queue(event, data, order_source=order.source)


def ticket_status_notify(ticket: AfterSalesTicket) -> None:
    previous = (
        ticket.status_changes.order_by("-changed_at", "-id")
        .values_list("from_status", flat=True)
        .first()
    )
    data = {
        "ticket": {
            "reference": ticket.reference,
            "kind": ticket.kind,
            "status": ticket.status,
            "previous_status": previous,
            "subject": ticket.subject,
            "customer_id": ticket.customer_id,
        },
        "order": _order_reference(ticket.order),
    }
    _queue(
        OutboundEvent.TICKET_STATUS_CHANGED,
        data,
        order_source=ticket.order.source if ticket.order_id else None,
    )


def customer_trigger_fired_notify(
    *, customer_id: int, trigger: dict[str, Any], context: dict[str, Any]
) -> int:
    """Queue customer.trigger_fired (a head-office trigger held for the customer).

    Called by the trigger services of the tablet app, which check consent and the contact
    cap first. Returns how many endpoints will receive it.
    """
    data = {"customer": {"id": customer_id}, "trigger": trigger, "context": context}
    return _queue(OutboundEvent.CUSTOMER_TRIGGER_FIRED, data, order_source=None)


def _queue(event: str, data: dict[str, Any], *, order_source: str | None) -> int:
    endpoints = [
        endpoint
        for endpoint in OutboundWebhook.objects.filter(is_active=True).select_related("integration")
        if endpoint.wants(event, order_source)
    ]
    for endpoint in endpoints:
        delivery = OutboundDelivery(endpoint=endpoint, event=event)
        message = {
            "id": str(delivery.delivery_id),
            "event": event,
            "occurred_at": timezone.now(),
            "data": data,
        }
        delivery.body = json.dumps(message, cls=DjangoJSONEncoder, sort_keys=True)
        delivery.save()
        _send_after_commit(delivery.pk)
    return len(endpoints)


def _send_after_commit(delivery_id: int) -> None:
    queue_task_after_commit("journeys.tasks.outbound_delivery_send_task", delivery_id, robust=True)


def signed_headers(delivery: OutboundDelivery) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Omni-Webhooks/1",
        "X-Omni-Event": delivery.event,
        "X-Omni-Delivery-Id": str(delivery.delivery_id),
        SIGNATURE_HEADER: sign(delivery.body.encode("utf-8"), delivery.endpoint.secret),
    }


def outbound_delivery_send(*, delivery_id: int, final_attempt: bool = True) -> str:
    """POST the delivery once. Raises ReceiverUnavailable when a retry may help."""
    delivery = OutboundDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == OutboundDelivery.Status.DELIVERED:
        return delivery.status if delivery else "missing"
    delivery.attempts += 1
    status_code = None
    try:
        response = httpx.post(
            delivery.endpoint.url,
            content=delivery.body.encode("utf-8"),
            headers=signed_headers(delivery),
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as error:
        problem = f"{type(error).__name__}: {error}"
    else:
        status_code = response.status_code
        if response.is_success:
            return _finish(delivery, OutboundDelivery.Status.DELIVERED, status_code, "")
        problem = f"HTTP {status_code}: {response.text[:200]}"
    retryable = status_code is None or status_code in (408, 429) or status_code >= 500
    if retryable and not final_attempt:
        _finish(delivery, OutboundDelivery.Status.PENDING, status_code, problem)
        raise ReceiverUnavailable(problem)
    return _finish(delivery, OutboundDelivery.Status.FAILED, status_code, problem)


def _finish(delivery: OutboundDelivery, status: str, status_code: int | None, error: str) -> str:
    delivery.status, delivery.last_status_code, delivery.last_error = status, status_code, error
    if status == OutboundDelivery.Status.DELIVERED:
        delivery.delivered_at = timezone.now()
    delivery.save(
        update_fields=["status", "attempts", "last_status_code", "last_error", "delivered_at"]
    )
    return status


def outbound_delivery_resend(*, delivery: OutboundDelivery, actor: Any = None) -> OutboundDelivery:
    """Send a failed delivery again (same id and body: the receiver can tell it is a resend)."""
    if delivery.status != OutboundDelivery.Status.FAILED:
        raise DomainError(_("Only failed deliveries can be sent again."))
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status=OutboundDelivery.Status.PENDING)
    _send_after_commit(delivery.pk)
    logger.info("Outbound delivery %s resent by %s", delivery.pk, actor)
    delivery.status = OutboundDelivery.Status.PENDING
    return delivery
