"""Background jobs of the store side."""

from celery import shared_task
from django.utils import timezone

from clienteling.models import DAILY_TRIGGER_KINDS
from clienteling.notifications import pickup_ready_notify
from clienteling.services import pickup_expire_and_plan_put_back
from clienteling.triggers.services import FREQUENT_TRIGGER_KINDS, triggers_evaluate
from journeys.models import Pickup


@shared_task(name="clienteling.tasks.pickups_expire_overdue_task")
def pickups_expire_overdue_task() -> int:
    """Expire ready pickups past their collection date; each gets a put-back task.

    Safe to run twice: a pickup already expired is no longer selected.
    """
    overdue = Pickup.objects.filter(
        status=Pickup.Status.READY, pickup_by__lt=timezone.localdate()
    ).values_list("pk", flat=True)
    expired = 0
    for pickup_id in overdue.iterator():
        pickup_expire_and_plan_put_back(pickup_id=pickup_id)
        expired += 1
    return expired


@shared_task(name="clienteling.tasks.pickup_ready_notify_task")
def pickup_ready_notify_task(pickup_id: int) -> dict[str, int]:
    """Email and text the customer that the pickup is ready."""
    result = pickup_ready_notify(pickup_id=pickup_id)
    return {"emails": result.emails, "text_messages": result.text_messages}


@shared_task(name="clienteling.tasks.triggers_evaluate_task")
def triggers_evaluate_task() -> dict[str, int]:
    """Every 15 minutes: triggers on recent events (tickets, appointments, carts, wishlists).

    Safe to run twice or concurrently: each event fires once per trigger and customer.
    """
    return dict(triggers_evaluate(kinds=FREQUENT_TRIGGER_KINDS))


@shared_task(name="clienteling.tasks.triggers_evaluate_daily_task")
def triggers_evaluate_daily_task() -> dict[str, int]:
    """Each morning: birthdays coming up and lapsed VIPs."""
    return dict(triggers_evaluate(kinds=DAILY_TRIGGER_KINDS))
