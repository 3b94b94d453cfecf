"""Replays from the System status: the inbox's own service, one delivery or the failed ones.

`journeys.integrations.inbox.webhook_delivery_replay` does the work (row lock, a delivery
already processed is refused and left as it is, the task queued after commit); this module only
picks the deliveries, a bounded batch per call so that one click never holds a request for
long: a burst of thousands of failures is replayed over a few clicks.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from journeys.integrations.inbox import webhook_delivery_replay
from journeys.integrations.models import WebhookDelivery
from journeys.system_status.selectors import CappedCount, capped_count, failed_deliveries
from omni.errors import DomainError

# Failed deliveries replayed per "Replay all failed": each is a locked read and an update, and
# in development (no broker) it is processed in the request.
REPLAY_BATCH_SIZE = 100


@dataclass(frozen=True)
class BatchReplay:
    replayed: int
    # Failed deliveries left after this batch (more than REPLAY_BATCH_SIZE failed).
    remaining: CappedCount


def delivery_replay(*, delivery_id: int, actor: Any) -> WebhookDelivery:
    """Replay one delivery named by its id; DomainError when there is none or it is done."""
    delivery = WebhookDelivery.objects.only("pk").filter(pk=delivery_id).first()
    if delivery is None:
        raise DomainError(
            _("There is no webhook delivery #%(id)s.") % {"id": delivery_id},
            code="unknown_delivery",
        )
    return webhook_delivery_replay(delivery=delivery, actor=actor)


def failed_deliveries_replay(*, actor: Any, limit: int = REPLAY_BATCH_SIZE) -> BatchReplay:
    """Replay the oldest failed deliveries, up to `limit`. One taken meanwhile (replayed by
    someone else, processed) is skipped unchanged."""
    ids = list(
        failed_deliveries().order_by("received_at", "id").values_list("pk", flat=True)[:limit]
    )
    replayed = 0
    for delivery_id in ids:
        try:
            webhook_delivery_replay(delivery=WebhookDelivery(pk=delivery_id), actor=actor)
        except DomainError:
            continue
        replayed += 1
    return BatchReplay(replayed=replayed, remaining=capped_count(failed_deliveries()))
