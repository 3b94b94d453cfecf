"""Which Celery queue each task goes to, when an operator separates them (README, "Scaling out").

By default every task goes to Celery's one queue ("celery"), which `celery -A omni worker`
consumes: nothing to configure. With `OMNI_CELERY_SEPARATE_QUEUES=1`, the tasks below go to
their own queue, so that a slow history import or a dashboards rebuild never delays the
processing of webhooks; each queue then needs workers started with `-Q <queue>` (the rest stays
on "celery"). Tasks are named as strings, as in the beat schedule: settings import no app.
"""

DEFAULT_QUEUE = "celery"

QUEUED_APART: dict[str, tuple[str, ...]] = {
    # The e-shop's pushes and Omni's own: seconds matter.
    "webhooks": (
        "journeys.tasks.webhook_delivery_process_task",
        "journeys.tasks.webhook_deliveries_requeue_lost_task",
        "journeys.tasks.outbound_delivery_send_task",
    ),
    # Long batches: the history import's chunks, every customer's stage.
    "imports": (
        "journeys.history_import.tasks.history_import_chunk_task",
        "journeys.tasks.lifecycle_recompute_all_task",
    ),
    # Head office's figures, rebuilt from the orders.
    "analytics": (
        "insights.tasks.insights_refresh_task",
        "insights.tasks.insights_rebuild_task",
    ),
}


def task_routes(*, separate: bool) -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES: empty (one queue) unless the queues are separated."""
    if not separate:
        return {}
    return {task: {"queue": queue} for queue, tasks in QUEUED_APART.items() for task in tasks}


def queue_names(*, separate: bool) -> list[str]:
    """The queues workers must consume (and monitoring watch)."""
    return [DEFAULT_QUEUE, *QUEUED_APART] if separate else [DEFAULT_QUEUE]
