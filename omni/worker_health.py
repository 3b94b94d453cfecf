"""The Celery workers' side of the health checks, connected to Celery's signals on import
(omni/celery.py imports this module, in the workers and in the web processes alike):

- a heartbeat per worker (`omni.models.WorkerHeartbeat`): written when the worker is ready,
  then every OMNI_WORKER_HEARTBEAT_SECONDS by the worker's timer (in the main process, which
  stays free while the prefork pool's children run tasks), deleted when it stops cleanly;
- the record of beat jobs' runs (`omni.job_runs`): a task run on a worker whose task and
  arguments are a CELERY_BEAT_SCHEDULE entry's records its start, then its success or failure.
  Tasks run in-process (no broker: development, tests) are not recorded: beat needs a broker.

Nothing here imports a model at import time (this module is loaded before Django's apps are
ready); a record that cannot be written is logged and never fails the task or the worker.
"""

import logging
import time
from datetime import timedelta
from typing import Any

from celery import Task
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    task_success,
    worker_ready,
    worker_shutdown,
)
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# Beat jobs running in this process: task id → (job, started, per the monotonic clock).
_running: dict[str, tuple[str, float]] = {}


# Heartbeats ----------------------------------------------------------------------------------


@worker_ready.connect
def _worker_ready(sender: Any = None, **_kwargs: object) -> None:
    """`sender` is the worker's consumer: its node name, and the timer of its event loop."""
    worker = sender.hostname
    _beat(worker, starting=True)
    sender.timer.call_repeatedly(
        settings.OMNI_WORKER_HEARTBEAT_SECONDS, _beat, (worker,), priority=10
    )


@worker_shutdown.connect
def _worker_shutdown(sender: Any = None, **_kwargs: object) -> None:
    from omni.health import heartbeat_forget

    try:
        heartbeat_forget(sender.hostname)
    except DatabaseError as error:
        logger.warning("Heartbeat of %s not removed: %s", sender.hostname, type(error).__name__)
    finally:
        connection.close()


def _beat(worker: str, starting: bool = False) -> None:
    from omni.health import heartbeat_record, heartbeats_forget_stale

    try:
        heartbeat_record(worker, starting=starting)
        if starting:
            heartbeats_forget_stale()
    except DatabaseError as error:
        logger.warning("Heartbeat of %s not recorded: %s", worker, type(error).__name__)
    finally:
        # The main process holds no connection between beats: none to hand down to a child
        # the prefork pool starts later, none left broken by a database restart.
        connection.close()


# Beat jobs' runs -----------------------------------------------------------------------------


@task_prerun.connect
def _task_started(
    task_id: str = "", task: Task | None = None, args: Any = None, kwargs: Any = None, **_: object
) -> None:
    if task is None or task.request.is_eager:
        return
    from omni.job_runs import beat_job_for, record_job_started

    job = beat_job_for(task.name, args, kwargs)
    if job is None:
        return
    _running[task_id] = (job.name, time.monotonic())
    record_job_started(job=job.name, task=task.name, at=timezone.now())


@task_success.connect
def _task_succeeded(sender: Task | None = None, **_: object) -> None:
    running = _running.pop(sender.request.id, None) if sender is not None else None
    if running is None:
        return
    from omni.job_runs import record_job_succeeded

    job, started = running
    record_job_succeeded(job=job, task=sender.name, at=timezone.now(), duration=_since(started))


@task_failure.connect
def _task_failed(
    sender: Task | None = None,
    task_id: str = "",
    exception: BaseException | None = None,
    **_: object,
) -> None:
    running = _running.pop(task_id, None)
    if running is None or sender is None or exception is None:
        return
    from omni.job_runs import record_job_failed

    job, started = running
    record_job_failed(
        job=job, task=sender.name, at=timezone.now(), duration=_since(started), error=exception
    )


@task_postrun.connect
def _task_ended(task_id: str = "", **_: object) -> None:
    """A run that neither succeeded nor failed (retried, rejected, ignored) is forgotten; a
    retry is recorded when it runs again."""
    _running.pop(task_id, None)


def _since(started: float) -> timedelta:
    return timedelta(seconds=time.monotonic() - started)
