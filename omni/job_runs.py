"""The record of beat's scheduled jobs: when each entry of CELERY_BEAT_SCHEDULE last started,
succeeded and failed (`omni.models.ScheduledJobRun`), and which jobs are overdue.

The `record_job_*` functions are called by Celery's task signals on the workers
(`omni.worker_health`). A task run is a job's run when its task name, arguments and keyword
arguments are the entry's: two entries may run one task with different arguments
(`refresh-name-words` and `recount-name-words`), and the same task queued by other code with
other arguments (the lifecycle recompute a settings change asks for) is not the job.

`overdue_jobs(now)` reads every entry with its row (one query) for the health checks, the
metrics and the system status page.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from celery.schedules import BaseSchedule, crontab, maybe_schedule, schedule
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from omni.models import ScheduledJobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BeatJob:
    """One entry of CELERY_BEAT_SCHEDULE."""

    name: str
    task: str
    schedule: BaseSchedule
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]

    def runs(self, task: str, args: Sequence[Any] | None, kwargs: Mapping[str, Any] | None) -> bool:
        """Whether a run of `task` with these arguments is this job's (arguments compared as
        the JSON serializer delivers them: tuples arrive as lists)."""
        return (
            task == self.task
            and list(args or ()) == list(self.args)
            and dict(kwargs or {}) == dict(self.kwargs)
        )


def _beat_job(name: str, entry: Mapping[str, Any]) -> BeatJob:
    return BeatJob(
        name=name,
        task=entry["task"],
        schedule=maybe_schedule(entry["schedule"]),
        args=tuple(entry.get("args") or ()),
        kwargs=dict(entry.get("kwargs") or {}),
    )


def beat_jobs() -> list[BeatJob]:
    """The beat schedule's entries, read from the settings each time (a dozen entries)."""
    return [_beat_job(name, entry) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()]


def beat_job_for(
    task: str, args: Sequence[Any] | None = None, kwargs: Mapping[str, Any] | None = None
) -> BeatJob | None:
    """The beat entry this task run belongs to, if any. Asked by every task a worker runs (a
    webhook delivery, an import chunk): entries of other tasks are passed over by name, without
    building their schedules."""
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"] == task and (job := _beat_job(name, entry)).runs(task, args, kwargs):
            return job
    return None


# Recording runs ------------------------------------------------------------------------------


def record_job_started(*, job: str, task: str, at: datetime) -> None:
    """A run of `job` started (one upsert)."""
    _upsert(ScheduledJobRun(job=job, task=task, last_started_at=at), ["last_started_at"])


def record_job_succeeded(*, job: str, task: str, at: datetime, duration: timedelta) -> None:
    """A run of `job` ended well at `at`, after `duration` (one upsert)."""
    _upsert(
        ScheduledJobRun(
            job=job,
            task=task,
            last_started_at=at - duration,
            last_succeeded_at=at,
            last_duration=duration,
        ),
        ["last_succeeded_at", "last_duration"],
    )


def record_job_failed(
    *, job: str, task: str, at: datetime, duration: timedelta | None, error: BaseException
) -> None:
    """A run of `job` failed with `error`: only the error's class name is kept, as its message
    may quote personal data (one upsert)."""
    _upsert(
        ScheduledJobRun(
            job=job,
            task=task,
            last_started_at=at - (duration or timedelta()),
            last_failed_at=at,
            last_error=type(error).__name__[:200],
            last_duration=duration,
        ),
        ["last_failed_at", "last_error", "last_duration"],
    )


def _upsert(run: ScheduledJobRun, fields: list[str]) -> None:
    """INSERT ... ON CONFLICT (job) DO UPDATE, in a savepoint: the record of a run never fails
    the run itself (a database down is reported by the health checks)."""
    try:
        with transaction.atomic():
            ScheduledJobRun.objects.bulk_create(
                [run], update_conflicts=True, unique_fields=["job"], update_fields=["task", *fields]
            )
    except DatabaseError as error:
        logger.warning(
            "Run of the scheduled job %s not recorded: %s", run.job, type(error).__name__
        )


# Overdue jobs --------------------------------------------------------------------------------


class JobState(StrEnum):
    OK = "ok"
    OVERDUE = "overdue"
    # No successful run recorded (since the table was created, or since the job was added).
    NEVER = "never"


@dataclass(frozen=True)
class JobStatus:
    job: str
    task: str
    # As Celery writes it: "<freq: 15.00 minutes>", "<crontab: 30 2 * * * (m/h/dM/MY/d)>".
    schedule: str
    state: JobState
    # When a successful run is expected by at the latest (None: never succeeded).
    due_by: datetime | None
    run: ScheduledJobRun | None

    @property
    def overdue(self) -> bool:
        return self.state is JobState.OVERDUE

    @property
    def last_succeeded_at(self) -> datetime | None:
        return self.run.last_succeeded_at if self.run else None

    @property
    def last_failed_at(self) -> datetime | None:
        return self.run.last_failed_at if self.run else None

    @property
    def last_error(self) -> str:
        return self.run.last_error if self.run else ""

    @property
    def failing(self) -> bool:
        """The last run failed (after the last success, if any)."""
        failed, succeeded = self.last_failed_at, self.last_succeeded_at
        return failed is not None and (succeeded is None or failed > succeeded)


def overdue_jobs(now: datetime | None = None) -> list[JobStatus]:
    """Each beat entry, in the schedule's order, with whether it is overdue at `now`.

    An interval job is overdue when its last success is older than twice its interval plus
    OMNI_BEAT_OVERDUE_MARGIN_SECONDS; a crontab job when the first time it was due after its
    last success is past by more than the margin plus the last run's duration (a nightly job
    that takes 40 minutes is not late while it runs). One query.
    """
    now = now or timezone.now()
    jobs = beat_jobs()
    runs = {run.job: run for run in ScheduledJobRun.objects.filter(job__in=[j.name for j in jobs])}
    return [_status(job, runs.get(job.name), now) for job in jobs]


def _status(job: BeatJob, run: ScheduledJobRun | None, now: datetime) -> JobStatus:
    succeeded = run.last_succeeded_at if run else None
    due_by = None if succeeded is None else _due_by(job.schedule, succeeded, run)
    if due_by is None:
        state = JobState.NEVER
    elif now > due_by:
        state = JobState.OVERDUE
    else:
        state = JobState.OK
    return JobStatus(
        job=job.name,
        task=job.task,
        schedule=repr(job.schedule),
        state=state,
        due_by=due_by,
        run=run,
    )


def _due_by(
    job_schedule: BaseSchedule, succeeded: datetime, run: ScheduledJobRun | None
) -> datetime:
    margin = timedelta(seconds=settings.OMNI_BEAT_OVERDUE_MARGIN_SECONDS)
    if isinstance(job_schedule, schedule):
        return succeeded + 2 * job_schedule.run_every + margin
    if isinstance(job_schedule, crontab):
        # The first time due after the last success, in the schedule's time zone.
        start, delta, _now = job_schedule.remaining_delta(succeeded)
        next_due = start + delta
    else:  # solar: the estimate is relative to the schedule's own clock, added back.
        next_due = job_schedule.now() + job_schedule.remaining_estimate(succeeded)
    duration = (run.last_duration if run else None) or timedelta()
    return next_due + margin + duration
