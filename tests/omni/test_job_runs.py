"""The record of beat jobs' runs (omni.job_runs): which entry a task run belongs to, one row
per job kept by upserts, and when a job is overdue. The Celery signals that call the record
functions on a real worker are tested in tests/omni/test_worker_health.py."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.test import override_settings

from omni.job_runs import (
    JobState,
    beat_job_for,
    overdue_jobs,
    record_job_failed,
    record_job_started,
    record_job_succeeded,
)
from omni.models import ScheduledJobRun

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE = {
    "every-quarter-hour": {"task": "tests.quarter_hour_task", "schedule": 15 * 60},
    "nightly": {"task": "tests.nightly_task", "schedule": crontab(hour=2, minute=30)},
}


def test_a_run_belongs_to_the_entry_with_its_task_and_arguments() -> None:
    # Two entries run the same task: the arguments tell them apart.
    assert beat_job_for("customers.tasks.name_words_refresh_task", [], {}).name == (
        "refresh-name-words"
    )
    everyone = beat_job_for("customers.tasks.name_words_refresh_task", [], {"everyone": True})
    assert everyone.name == "recount-name-words"
    # The lifecycle recompute a settings change asks for is not the nightly job.
    assert beat_job_for("journeys.tasks.lifecycle_recompute_all_task", [], {}).name == (
        "recompute-lifecycle-stages"
    )
    assert beat_job_for("journeys.tasks.lifecycle_recompute_all_task", [], {"trigger": "x"}) is None
    assert beat_job_for("journeys.tasks.webhook_delivery_process_task", [12], {}) is None


@pytest.mark.django_db
def test_one_row_per_job_keeps_the_last_start_success_and_failure() -> None:
    started = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    job = {"job": "purge-idempotency-records", "task": "omni.tasks.idempotency_records_purge_task"}

    record_job_started(**job, at=started)
    record_job_succeeded(**job, at=started + timedelta(seconds=3), duration=timedelta(seconds=3))
    record_job_started(**job, at=started + timedelta(hours=1))
    record_job_failed(
        **job,
        at=started + timedelta(hours=1, seconds=2),
        duration=timedelta(seconds=2),
        error=ValueError("Customer jane@example.com has no email"),
    )

    run = ScheduledJobRun.objects.get()
    assert run.job == "purge-idempotency-records"
    assert run.last_started_at == started + timedelta(hours=1)
    assert run.last_succeeded_at == started + timedelta(seconds=3)
    assert run.last_failed_at == started + timedelta(hours=1, seconds=2)
    assert run.last_duration == timedelta(seconds=2)
    # The kind of error only: its message may quote a customer.
    assert run.last_error == "ValueError"
    assert "jane" not in str(ScheduledJobRun.objects.values().get())


@pytest.mark.django_db
def test_a_record_that_cannot_be_written_does_not_fail_the_run() -> None:
    # A job name longer than the column: PostgreSQL refuses it, the run goes on (SQLite
    # stores it whole). Nothing half-written is left behind either way.
    record_job_started(job="x" * 300, task="omni.tasks.x", at=datetime.now(UTC))

    assert ScheduledJobRun.objects.filter(task="omni.tasks.x").count() <= 1


@pytest.mark.django_db
@override_settings(CELERY_BEAT_SCHEDULE=SCHEDULE, OMNI_BEAT_OVERDUE_MARGIN_SECONDS=300)
def test_a_job_never_run_is_never_and_not_overdue(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        statuses = overdue_jobs(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))

    assert [(status.job, status.state, status.due_by) for status in statuses] == [
        ("every-quarter-hour", JobState.NEVER, None),
        ("nightly", JobState.NEVER, None),
    ]
    assert not any(status.overdue for status in statuses)


@pytest.mark.django_db
@override_settings(CELERY_BEAT_SCHEDULE=SCHEDULE, OMNI_BEAT_OVERDUE_MARGIN_SECONDS=300)
def test_an_interval_job_is_overdue_after_twice_its_interval_and_the_margin() -> None:
    succeeded = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    record_job_succeeded(
        job="every-quarter-hour",
        task="tests.quarter_hour_task",
        at=succeeded,
        duration=timedelta(seconds=1),
    )
    deadline = succeeded + timedelta(minutes=2 * 15 + 5)

    on_time = _status("every-quarter-hour", deadline)
    late = _status("every-quarter-hour", deadline + timedelta(seconds=1))

    assert (on_time.state, on_time.due_by) == (JobState.OK, deadline)
    assert (late.state, late.overdue) == (JobState.OVERDUE, True)


@pytest.mark.django_db
@override_settings(CELERY_BEAT_SCHEDULE=SCHEDULE, OMNI_BEAT_OVERDUE_MARGIN_SECONDS=300)
def test_a_crontab_job_is_overdue_once_next_due_time_passed_by_margin_and_duration() -> None:
    # Succeeded at 02:40 in Paris (the 02:30 run, ten minutes long): next due the next night at
    # 02:30 Paris time, expected done by 02:30 + 5 minutes of margin + 10 minutes it lasts.
    succeeded = datetime(2026, 3, 10, 2, 40, tzinfo=PARIS)
    record_job_succeeded(
        job="nightly", task="tests.nightly_task", at=succeeded, duration=timedelta(minutes=10)
    )
    deadline = datetime(2026, 3, 11, 2, 45, tzinfo=PARIS)

    during_the_day = _status("nightly", datetime(2026, 3, 10, 18, 0, tzinfo=PARIS))
    on_time = _status("nightly", deadline)
    late = _status("nightly", deadline + timedelta(minutes=1))

    assert during_the_day.state == JobState.OK
    assert on_time.state == JobState.OK
    assert on_time.due_by == deadline
    assert late.state == JobState.OVERDUE


@pytest.mark.django_db
@override_settings(CELERY_BEAT_SCHEDULE=SCHEDULE, OMNI_BEAT_OVERDUE_MARGIN_SECONDS=300)
def test_a_job_whose_last_run_failed_is_failing_and_overdue_once_late() -> None:
    job = {"job": "every-quarter-hour", "task": "tests.quarter_hour_task"}
    succeeded = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    record_job_succeeded(**job, at=succeeded, duration=timedelta(seconds=1))
    record_job_failed(
        **job,
        at=succeeded + timedelta(minutes=15),
        duration=timedelta(seconds=1),
        error=ConnectionError(),
    )

    status = _status("every-quarter-hour", succeeded + timedelta(hours=1))

    assert status.failing
    assert status.last_error == "ConnectionError"
    assert status.state == JobState.OVERDUE


def _status(job: str, now: datetime):
    return next(status for status in overdue_jobs(now) if status.job == job)
