"""Separate queues for webhooks, imports and analytics: opt-in, and naming real tasks."""

from celery import Celery

from omni.background import task_named
from omni.task_queues import DEFAULT_QUEUE, QUEUED_APART, queue_names, task_routes


def test_every_task_sent_apart_exists() -> None:
    for tasks in QUEUED_APART.values():
        for name in tasks:
            assert task_named(name).name == name


def test_one_queue_unless_the_operator_separates_them(settings) -> None:
    assert task_routes(separate=False) == {}
    assert queue_names(separate=False) == [DEFAULT_QUEUE]
    assert settings.CELERY_TASK_ROUTES == {}  # the default: a plain worker consumes everything


def test_separated_queues_route_each_task_to_its_queue() -> None:
    app = Celery("routes", set_as_current=False)
    app.conf.task_routes = task_routes(separate=True)
    router = app.amqp.router

    def queue_of(name: str) -> str:
        return router.route({}, name)["queue"].name

    assert queue_of("journeys.tasks.webhook_delivery_process_task") == "webhooks"
    assert queue_of("journeys.history_import.tasks.history_import_chunk_task") == "imports"
    assert queue_of("insights.tasks.insights_rebuild_task") == "analytics"
    assert queue_of("clienteling.tasks.pickup_ready_notify_task") == DEFAULT_QUEUE
    assert queue_names(separate=True) == [DEFAULT_QUEUE, "webhooks", "imports", "analytics"]
