"""With a real Celery worker and Redis: the worker's heartbeat, `health_check --workers` with
the worker up and after it stopped, and the record of beat jobs' runs, success and failure.

The worker runs tests/omni/worker_settings.py (the test settings plus a beat entry whose task
fails) on its own queue, against this test run's database, as in
tests/integrations/test_celery_worker.py.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from omni.celery import app as celery_app
from omni.models import ScheduledJobRun, WorkerHeartbeat
from tests.integrations.test_celery_worker import _test_database_url, _use_broker

WAIT_SECONDS = 60


@dataclass
class Worker:
    node: str
    process: subprocess.Popen
    log: Path
    broker_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("CELERY_TEST_BROKER_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CELERY_TEST_BROKER_URL"):
            pytest.fail(f"CELERY_TEST_BROKER_URL={url} does not answer: {error}")
        pytest.skip(f"No Redis at {url}; set CELERY_TEST_BROKER_URL to run this")
    return url


@pytest.fixture
def worker(broker_url: str, transactional_db: None) -> Iterator[Worker]:
    queue = f"omni-health-test-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@health-test"
    log = Path(tempfile.mkstemp(prefix="celery-health-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.omni.worker_settings",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "OMNI_WORKER_HEARTBEAT_SECONDS": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=solo"]
    command += ["-Q", queue, "-n", node, "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "--loglevel=INFO", "-I", "tests.omni.worker_tasks"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=output, stderr=output
        )
    _use_broker(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    started = Worker(node=node, process=process, log=log, broker_url=broker_url)
    try:
        yield started
    finally:
        _use_broker(task_always_eager=True, broker_url="", task_default_queue="celery")
        started.stop()
        redis.Redis.from_url(broker_url).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )
        log.unlink(missing_ok=True)


def wait_for[T](find: Callable[[], T | None], worker: Worker) -> T:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        assert worker.process.poll() is None, worker.log.read_text()
        time.sleep(0.2)
    raise AssertionError(f"Still waiting after {WAIT_SECONDS} s:\n{worker.log.read_text()}")


def health_check(*arguments: str) -> str:
    output = StringIO()
    call_command("health_check", *arguments, stdout=output)
    return output.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_worker_beats_answers_the_ping_and_is_missed_once_stopped(worker: Worker) -> None:
    first = wait_for(lambda: WorkerHeartbeat.objects.filter(worker=worker.node).first(), worker)
    # Then every second (OMNI_WORKER_HEARTBEAT_SECONDS=1), from the worker's own timer.
    wait_for(
        lambda: WorkerHeartbeat.objects.filter(
            worker=worker.node, last_seen_at__gt=first.last_seen_at
        ).first(),
        worker,
    )

    with override_settings(CELERY_BROKER_URL=worker.broker_url):
        itself = health_check("--workers", "--destination", worker.node, "--timeout", "5")
        anyone = health_check("--workers", "--timeout", "2")
        worker.stop()
        with pytest.raises(CommandError, match=r"Not ready: worker, ping\."):
            health_check("--workers", "--timeout", "1")

    assert "worker: ok" in itself
    assert "ping: ok (1 worker)" in itself
    assert "broker: ok" in itself
    assert "ping: ok (1 worker)" in anyone
    # A clean shutdown takes the worker's heartbeat away at once.
    assert not WorkerHeartbeat.objects.filter(worker=worker.node).exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_records_the_runs_of_beat_jobs_success_and_failure(worker: Worker) -> None:
    # What beat sends for these two entries: the task by name, the entry's arguments.
    celery_app.send_task("omni.tasks.idempotency_records_purge_task")
    celery_app.send_task("tests.omni.worker_tasks.failing_job_task")

    succeeded = wait_for(
        lambda: ScheduledJobRun.objects.filter(
            job="purge-idempotency-records", last_succeeded_at__isnull=False
        ).first(),
        worker,
    )
    failed = wait_for(
        lambda: ScheduledJobRun.objects.filter(
            job="test-failing-job", last_failed_at__isnull=False
        ).first(),
        worker,
    )

    assert succeeded.task == "omni.tasks.idempotency_records_purge_task"
    assert succeeded.last_started_at <= succeeded.last_succeeded_at
    assert succeeded.last_duration is not None
    assert (succeeded.last_failed_at, succeeded.last_error) == (None, "")
    assert failed.last_succeeded_at is None
    # The kind of error only: the message quoted a customer.
    assert failed.last_error == "LookupError"
    assert "jane" not in str(ScheduledJobRun.objects.values().get(pk=failed.pk))
    assert ScheduledJobRun.objects.count() == 2
