"""The project's own scrape-time figures: beat jobs (omni.job_runs) and Celery queue lengths.

Registered by `omni.metrics.metrics_modules_discover` once the apps are ready (the beat jobs'
record is a model).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import redis
from celery import Celery
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from omni.celery import app as celery_app
from omni.job_runs import JobState, overdue_jobs

# A scrape must answer within Prometheus' timeout (10 s by default) even with Redis down.
BROKER_TIMEOUT_SECONDS = 1.0
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# kombu's Redis transport keeps a queue's messages of priority p (above the lowest step) in
# the list "<queue><separator><step>"; these are its defaults.
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)


class BeatJobsCollector(Collector):
    """Each CELERY_BEAT_SCHEDULE entry: its last success, whether it is overdue or failing."""

    def collect(self) -> Iterator[Metric]:
        last_success = GaugeMetricFamily(
            "omni_beat_job_last_success_timestamp_seconds",
            "When the beat job last ended well (Unix time); 0 if no success is recorded.",
            labels=["job"],
        )
        overdue = GaugeMetricFamily(
            "omni_beat_job_overdue",
            "1 if the beat job's last success is older than its schedule allows (see "
            "omni.job_runs.overdue_jobs), else 0; a job never run since the record began is 0 "
            "here and 0 in omni_beat_job_last_success_timestamp_seconds.",
            labels=["job"],
        )
        failing = GaugeMetricFamily(
            "omni_beat_job_failing",
            "1 if the beat job's last run failed (after its last success), else 0.",
            labels=["job"],
        )
        for status in overdue_jobs():
            succeeded = status.last_succeeded_at
            last_success.add_metric([status.job], succeeded.timestamp() if succeeded else 0)
            overdue.add_metric([status.job], 1 if status.state is JobState.OVERDUE else 0)
            failing.add_metric([status.job], 1 if status.failing else 0)
        yield from (last_success, overdue, failing)


def queue_names(app: Celery) -> list[str]:
    """The queues tasks are sent to: the default one, those declared, those routes name."""
    names = {app.conf.task_default_queue}
    names.update(queue.name for queue in app.conf.task_queues or ())
    routes = app.conf.task_routes
    for route in (routes or {}).values() if isinstance(routes, dict) else ():
        if isinstance(route, dict) and isinstance(route.get("queue"), str):
            names.add(route["queue"])
    return sorted(names)


def _queue_keys(queue: str, options: dict[str, Any]) -> list[str]:
    prefix = options.get("global_keyprefix", "")
    separator = options.get("sep", KOMBU_PRIORITY_SEPARATOR)
    steps = options.get("priority_steps", KOMBU_PRIORITY_STEPS)
    return [prefix + (queue if step == steps[0] else f"{queue}{separator}{step}") for step in steps]


class CeleryQueueCollector(Collector):
    """Messages waiting in each queue (Redis LLEN); nothing when tasks run in-process."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        conf = self.app.conf
        url = conf.broker_url or ""
        if conf.task_always_eager or not url.startswith(REDIS_SCHEMES):
            return
        reachable = GaugeMetricFamily(
            "omni_celery_broker_up", "1 if the Redis broker answered this scrape, else 0."
        )
        lengths = GaugeMetricFamily(
            "omni_celery_queue_length",
            "Messages waiting in the Celery queue (all priorities), read from the broker.",
            labels=["queue"],
        )
        options = dict(conf.broker_transport_options or {})
        queues = queue_names(self.app)
        client = redis.Redis.from_url(
            url,
            socket_timeout=BROKER_TIMEOUT_SECONDS,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        )
        try:
            pipeline = client.pipeline(transaction=False)
            for queue in queues:
                for key in _queue_keys(queue, options):
                    pipeline.llen(key)
            counts = pipeline.execute()
        except redis.RedisError:
            reachable.add_metric([], 0)
            yield reachable
            return
        finally:
            client.close()
        steps = len(options.get("priority_steps", KOMBU_PRIORITY_STEPS))
        for index, queue in enumerate(queues):
            lengths.add_metric([queue], sum(counts[index * steps : (index + 1) * steps]))
        reachable.add_metric([], 1)
        yield from (reachable, lengths)


def register() -> None:
    from omni.metrics import scrape_collector_register

    scrape_collector_register("beat_jobs", BeatJobsCollector())
    scrape_collector_register("celery_queues", CeleryQueueCollector(celery_app))
