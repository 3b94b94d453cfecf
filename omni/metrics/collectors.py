"""The project's own scrape-time figures: beat jobs (omni.job_runs) and Celery queue lengths.

Registered by `omni.metrics.metrics_modules_discover` once the apps are ready (the beat jobs'
record is a model).
"""

from __future__ import annotations

from collections.abc import Iterator

from celery import current_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from omni.job_runs import JobState, overdue_jobs
from omni.queue_lengths import QueueState, queue_lengths


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


class CeleryQueueCollector(Collector):
    """Messages waiting in each queue (omni.queue_lengths); nothing when tasks run in-process
    or the broker is not Redis."""

    def collect(self) -> Iterator[Metric]:
        queues = queue_lengths(current_app.conf)
        if queues.state in (QueueState.IN_PROCESS, QueueState.NOT_MEASURED):
            return
        reachable = GaugeMetricFamily(
            "omni_celery_broker_up", "1 if the Redis broker answered this scrape, else 0."
        )
        reachable.add_metric([], 1 if queues.state is QueueState.MEASURED else 0)
        yield reachable
        if queues.state is not QueueState.MEASURED:
            return
        lengths = GaugeMetricFamily(
            "omni_celery_queue_length",
            "Messages waiting in the Celery queue (all priorities), read from the broker.",
            labels=["queue"],
        )
        for queue, depth in queues.depths.items():
            lengths.add_metric([queue], depth)
        yield lengths
