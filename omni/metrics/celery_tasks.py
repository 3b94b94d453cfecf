"""Celery task metrics: outcomes and durations per task name, from Celery's signals.

Imported by omni/celery.py, so the receivers are connected wherever tasks run: in workers, and
in web processes when tasks run in-process (no broker). Nothing here touches Django's models
or settings at import time: omni/celery.py is imported before Django is set up.

A worker on a host without the web's metrics directory serves its own metrics over HTTP when
OMNI_CELERY_METRICS_PORT is set (`metrics_server_start`, at worker start-up).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Task
from celery.signals import task_failure, task_postrun, task_prerun, task_retry, task_success
from celery.signals import worker_init as worker_init_signal
from prometheus_client import Counter, Histogram, start_http_server

logger = logging.getLogger(__name__)

TASKS = Counter(
    "omni_celery_tasks",
    "Celery task runs by task name and outcome: success, failure (raised, no retry left) or "
    "retry (raised, queued again).",
    ["task", "outcome"],
)
DURATION = Histogram(
    "omni_celery_task_duration_seconds",
    "Time a task ran in the worker, by task name (whatever its outcome).",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)

# Start times of the tasks running in this process, by task id (the pool's threads may run
# several at once).
_started: dict[str, float] = {}
_started_lock = threading.Lock()


@task_prerun.connect(dispatch_uid="omni.metrics.task_started")
def _task_started(*, task_id: str, **_kwargs: Any) -> None:
    with _started_lock:
        _started[task_id] = time.perf_counter()


@task_postrun.connect(dispatch_uid="omni.metrics.task_ended")
def _task_ended(*, task_id: str, task: Task, **_kwargs: Any) -> None:
    with _started_lock:
        started = _started.pop(task_id, None)
    if started is not None:
        DURATION.labels(task.name).observe(time.perf_counter() - started)


@task_success.connect(dispatch_uid="omni.metrics.task_succeeded")
def _task_succeeded(*, sender: Task, **_kwargs: Any) -> None:
    TASKS.labels(sender.name, "success").inc()


@task_failure.connect(dispatch_uid="omni.metrics.task_failed")
def _task_failed(*, sender: Task, **_kwargs: Any) -> None:
    TASKS.labels(sender.name, "failure").inc()


@task_retry.connect(dispatch_uid="omni.metrics.task_retried")
def _task_retried(*, sender: Task, **_kwargs: Any) -> None:
    TASKS.labels(sender.name, "retry").inc()


@worker_init_signal.connect(dispatch_uid="omni.metrics.worker_server")
def _worker_started(**_kwargs: Any) -> None:
    metrics_server_start()


def metrics_server_start() -> bool:
    """Serve this worker's metrics on OMNI_CELERY_METRICS_PORT (if set); True if started.

    With the prefork pool the tasks run in child processes: their counters reach this server
    only through PROMETHEUS_MULTIPROC_DIR (see README, "Metrics").
    """
    from django.conf import settings

    from omni.metrics import multiprocess_directory, process_registry

    port = settings.OMNI_CELERY_METRICS_PORT
    if not port:
        return False
    if multiprocess_directory() is None:
        logger.warning(
            "OMNI_CELERY_METRICS_PORT without PROMETHEUS_MULTIPROC_DIR: only tasks run in the "
            "worker's main process (pool solo or threads) are counted."
        )
    start_http_server(port, addr=settings.OMNI_CELERY_METRICS_ADDRESS, registry=process_registry())
    logger.info("Celery metrics served on %s:%s", settings.OMNI_CELERY_METRICS_ADDRESS, port)
    return True
