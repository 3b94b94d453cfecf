"""A worker killed mid-task loses no webhook delivery and applies none twice.

Each waiting delivery holds a lease, renewed when it is queued and when a worker takes it; beat's
sweep queues again those whose lease ran out (journeys.integrations.inbox). The end-to-end test
runs real processes: a Celery worker (prefork, two children) and beat, on a real Redis broker and
the test database. A batch is queued, the worker is killed with SIGKILL (a container or a machine
dying) while it holds deliveries, a new worker starts, and every delivery must be applied exactly
once within the window. The lease and the sweep are seconds here (worker_crash_settings.py); in
production 60 s and 30 s, so a lost delivery is queued again within 90 s.

The broker is CELERY_TEST_BROKER_URL (CI sets it), else a Redis on 127.0.0.1:6379/7 when one
answers. Each run uses its own queue and removes what it left in Redis.
"""

import base64
import contextlib
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from journeys.integrations.inbox import (
    REQUEUE_MAX_DOUBLINGS,
    webhook_deliveries_requeue_lost,
    webhook_delivery_process,
)
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from journeys.integrations.upstream import UpstreamRecordMissing
from journeys.models import Order, OrderLine
from journeys.tasks import RETRY_POLICY
from tests.integrations.conftest import as_body, payload, shopify_headers, shopify_order
from tests.integrations.test_celery_worker import _test_database_url, _use_broker

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/7"
PROCESS_TASK = "journeys.tasks.webhook_delivery_process_task"
# Seconds here; OMNI_CRASH_TEST_LEASE_SECONDS=60 OMNI_CRASH_TEST_REQUEUE_EVERY_SECONDS=30 runs
# the same test with the production defaults (two minutes).
LEASE_SECONDS = int(os.environ.get("OMNI_CRASH_TEST_LEASE_SECONDS", "4"))
REQUEUE_EVERY_SECONDS = int(os.environ.get("OMNI_CRASH_TEST_REQUEUE_EVERY_SECONDS", "1"))
DELIVERIES = 40
# After the kill: a new worker starts (a few seconds), drains the queue, the lease of what the
# dead worker held runs out and the sweep queues it again.
RECOVERY_DEADLINE_SECONDS = LEASE_SECONDS + REQUEUE_EVERY_SECONDS + 40
STARTUP_TIMEOUT_SECONDS = 60
ON_POSTGRESQL = connection.vendor == "postgresql"


# The lease and the sweep, on the database ------------------------------------------------------


def test_the_production_defaults_retry_a_lost_delivery_within_two_minutes() -> None:
    sweep = settings.CELERY_BEAT_SCHEDULE["requeue-lost-webhook-deliveries"]
    assert sweep["task"] == "journeys.tasks.webhook_deliveries_requeue_lost_task"
    assert sweep["schedule"] == settings.OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS
    assert settings.OMNI_WEBHOOK_LEASE_SECONDS + sweep["schedule"] <= 120
    # Redis must not hand a running or waiting task to a second worker: the visibility timeout
    # exceeds every retry countdown (outbound notifications: up to an hour).
    longest_countdown = max(3600, RETRY_POLICY["retry_backoff_max"])
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest_countdown


def _waiting_delivery(shop: ShopIntegration, **fields: Any) -> WebhookDelivery:
    body = as_body(shopify_order(id=int(uuid.uuid4().int % 10**9), refunds=[]))
    return WebhookDelivery.objects.create(
        integration=shop,
        topic="orders/create",
        delivery_id=str(uuid.uuid4()),
        body=body,
        **fields,
    )


def _close_to(moment: datetime.datetime | None, expected: datetime.datetime) -> bool:
    return moment is not None and abs(moment - expected) < datetime.timedelta(seconds=5)


@pytest.mark.django_db
def test_a_stored_delivery_holds_a_lease(shopify_shop: ShopIntegration) -> None:
    delivery = _waiting_delivery(shopify_shop)

    lease = datetime.timedelta(seconds=settings.OMNI_WEBHOOK_LEASE_SECONDS)
    assert _close_to(delivery.requeue_at, timezone.now() + lease)
    assert delivery.requeued_count == 0


@pytest.mark.django_db
def test_a_delivery_whose_lease_ran_out_is_queued_again_then_less_often(
    shopify_shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    delivery = _waiting_delivery(shopify_shop, requeue_at=timezone.now())
    lease = datetime.timedelta(seconds=settings.OMNI_WEBHOOK_LEASE_SECONDS)

    with django_capture_on_commit_callbacks() as queued:
        assert webhook_deliveries_requeue_lost() == 1
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert delivery.requeued_count == 1
    assert _close_to(delivery.requeue_at, timezone.now() + lease)

    with django_capture_on_commit_callbacks() as queued:
        assert webhook_deliveries_requeue_lost() == 0  # Its new lease is running.
    assert not queued

    # Still not taken by a worker (a long queue, or none up): twice as long the next time.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(requeue_at=timezone.now())
    with django_capture_on_commit_callbacks():
        assert webhook_deliveries_requeue_lost() == 1
    delivery.refresh_from_db()
    assert delivery.requeued_count == 2
    assert _close_to(delivery.requeue_at, timezone.now() + 2 * lease)

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        requeue_at=timezone.now(), requeued_count=50
    )
    with django_capture_on_commit_callbacks():
        webhook_deliveries_requeue_lost()
    delivery.refresh_from_db()
    assert _close_to(delivery.requeue_at, timezone.now() + 2**REQUEUE_MAX_DOUBLINGS * lease)


@pytest.mark.django_db
def test_the_sweep_leaves_finished_deliveries_and_running_leases_alone(
    shopify_shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    past = timezone.now() - datetime.timedelta(minutes=5)
    for status in ("processed", "failed", "ignored"):
        _waiting_delivery(shopify_shop, status=status, requeue_at=past)
    _waiting_delivery(shopify_shop)

    with django_capture_on_commit_callbacks() as queued:
        assert webhook_deliveries_requeue_lost() == 0
    assert not queued
    assert set(WebhookDelivery.objects.values_list("requeued_count", flat=True)) == {0}


@pytest.mark.django_db
def test_the_sweep_queues_a_lost_delivery_which_is_then_applied(
    shopify_shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    delivery = _waiting_delivery(shopify_shop, requeue_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        webhook_deliveries_requeue_lost()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.requeued_count) == ("processed", 1, 1)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_waiting_for_its_retry_is_not_queued_again_before_the_retry_is_due(
    shopify_shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    refund = payload("shopify_refunds_list.json")["refunds"][0]
    delivery = WebhookDelivery.objects.create(
        integration=shopify_shop, topic="refunds/create", delivery_id="r1", body=as_body(refund)
    )
    retry_within = datetime.timedelta(minutes=5)

    with pytest.raises(UpstreamRecordMissing):
        webhook_delivery_process(
            delivery_id=delivery.pk, final_attempt=False, retry_within=retry_within
        )

    delivery.refresh_from_db()
    lease = datetime.timedelta(seconds=settings.OMNI_WEBHOOK_LEASE_SECONDS)
    assert delivery.status == "received"
    assert _close_to(delivery.requeue_at, timezone.now() + retry_within + lease)
    with django_capture_on_commit_callbacks() as queued:
        assert webhook_deliveries_requeue_lost() == 0
    assert not queued


@pytest.mark.skipif(not ON_POSTGRESQL, reason="Row locks are PostgreSQL's; SQLite has none")
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_a_delivery_being_applied(shopify_shop: ShopIntegration) -> None:
    delivery = _waiting_delivery(shopify_shop, requeue_at=timezone.now())
    locked, release = threading.Event(), threading.Event()

    def apply_slowly() -> None:
        # What _process_locked holds while it applies the delivery.
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    worker = threading.Thread(target=apply_slowly)
    worker.start()
    try:
        assert locked.wait(timeout=10)
        assert webhook_deliveries_requeue_lost() == 0
    finally:
        release.set()
        worker.join(timeout=30)
    delivery.refresh_from_db()
    assert delivery.requeued_count == 0


# Real processes: kill a worker mid-batch -------------------------------------------------------


@pytest.fixture
def crash_broker_url() -> str:
    url = os.environ.get("CELERY_TEST_BROKER_URL")
    try:
        redis.Redis.from_url(url or DEFAULT_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if url:
            pytest.fail(f"CELERY_TEST_BROKER_URL={url} does not answer: {error}")
        pytest.skip(f"No Redis at {DEFAULT_BROKER_URL}; set CELERY_TEST_BROKER_URL to run this")
    return url or DEFAULT_BROKER_URL


@dataclass
class CeleryProcesses:
    """Worker and beat processes on one queue, each in its own process group (to kill it all)."""

    broker_url: str
    queue: str
    directory: Path
    started: list[subprocess.Popen] = field(default_factory=list)

    def _start(self, name: str, *arguments: str) -> subprocess.Popen:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integrations.worker_crash_settings",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "OMNI_TEST_QUEUE": self.queue,
            "OMNI_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
            "OMNI_WEBHOOK_REQUEUE_EVERY_SECONDS": str(REQUEUE_EVERY_SECONDS),
        }
        command = [sys.executable, "-m", "celery", "-A", "omni", *arguments, "--loglevel=INFO"]
        with self.log_path(name).open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def log_path(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def log(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def worker(self, name: str) -> subprocess.Popen:
        process = self._start(
            name,
            *("worker", "--pool=prefork", "--concurrency=2", "-Q", self.queue),
            *("-n", f"{name}-{self.queue}@%h", "--without-gossip", "--without-mingle"),
            "--without-heartbeat",
        )
        _wait_until(
            lambda: " ready." in self.log(name),
            STARTUP_TIMEOUT_SECONDS,
            lambda: f"worker {name} did not start:\n{self.log(name)}",
        )
        return process

    def beat(self) -> subprocess.Popen:
        schedule = str(self.directory / "beat-schedule")
        return self._start("beat", "beat", "-s", schedule, "--max-interval", "1")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
            _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and its children (the pool's), as when their machine dies."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_until(done: Callable[[], bool], timeout: float, explain: Callable[[], str]) -> float:
    """Seconds it took; fails with explain() after timeout."""
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout:
            raise AssertionError(explain())
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def celery_processes(
    crash_broker_url: str, transactional_db: None, settings: Any
) -> Iterator[CeleryProcesses]:
    queue = f"omni-crash-test-{uuid.uuid4().hex[:10]}"
    settings.OMNI_WEBHOOK_LEASE_SECONDS = LEASE_SECONDS
    processes = CeleryProcesses(crash_broker_url, queue, Path(tempfile.mkdtemp(prefix="omni-")))
    _use_broker(task_always_eager=False, broker_url=crash_broker_url, task_default_queue=queue)
    try:
        yield processes
    finally:
        _use_broker(task_always_eager=True, broker_url="", task_default_queue="celery")
        processes.stop_all()
        client = redis.Redis.from_url(crash_broker_url)
        for tag in _held_by_workers(client, queue):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
        client.delete(queue)
        for path in processes.directory.iterdir():
            path.unlink()
        processes.directory.rmdir()


@dataclass(frozen=True)
class HeldMessage:
    task_id: str
    delivery_id: int
    message: dict


def _held_by_workers(client: redis.Redis, queue: str) -> dict[str, HeldMessage]:
    """The queue's delivery tasks a worker took and did not acknowledge, by delivery tag (Redis
    keeps them in its "unacked" hash until the visibility timeout)."""
    held = {}
    for tag, raw in client.hgetall("unacked").items():
        message, _exchange, routing_key = json.loads(raw)
        if routing_key != queue or message["headers"]["task"] != PROCESS_TASK:
            continue
        arguments, _keywords, _embed = json.loads(base64.b64decode(message["body"]))
        held[tag.decode()] = HeldMessage(message["headers"]["id"], arguments[0], message)
    return held


def _hand_back_as_redis_would(client: redis.Redis, queue: str, held: dict[str, HeldMessage]):
    """What Redis does once the visibility timeout has passed: the dead worker's messages go
    back to the queue, for a live worker to run."""
    for tag, item in held.items():
        item.message["headers"]["redelivered"] = True
        client.lpush(queue, json.dumps(item.message))
        client.hdel("unacked", tag)
        client.zrem("unacked_index", tag)


def _receive_batch(count: int) -> list[int]:
    """Signed orders/create webhooks through the view; each is stored and sent to the broker."""
    client = Client()
    for number in range(count):
        order = shopify_order(
            id=7_000_000 + number,
            name=f"#C{number}",
            order_number=9000 + number,
            email=f"crash-{number}@example.com",
            contact_email=f"crash-{number}@example.com",
            phone=None,
            refunds=[],
        )
        order["customer"] = {
            **order["customer"],
            "id": 8_000_000 + number,
            "email": f"crash-{number}@example.com",
            "phone": None,
        }
        body = as_body(order)
        response = client.post(
            "/webhooks/shopify/shopify/",
            body,
            content_type="application/json",
            headers=shopify_headers("orders/create", body),
        )
        assert response.status_code == 200
    return list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


def _waiting() -> set[int]:
    return set(WebhookDelivery.objects.filter(status="received").values_list("pk", flat=True))


def _applied() -> list[tuple]:
    return list(
        WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "attempts", "outcome")
    )


def _kill_mid_batch(processes: CeleryProcesses, worker: subprocess.Popen) -> None:
    """Kill the worker once a quarter of the batch is applied, while it holds a delivery."""
    client = redis.Redis.from_url(processes.broker_url)

    def holding_one_mid_batch() -> bool:
        # A message still unacknowledged may belong to a delivery already applied (the task
        # committed and has not acknowledged yet): only a held delivery still waiting counts.
        waiting = _waiting()
        applied = DELIVERIES - len(waiting)
        held = {item.delivery_id for item in _held_by_workers(client, processes.queue).values()}
        return applied >= DELIVERIES // 4 and bool(held & waiting)

    _wait_until(
        holding_one_mid_batch,
        STARTUP_TIMEOUT_SECONDS,
        lambda: f"the batch did not progress:\n{processes.log('first')}",
    )
    _kill_group(worker)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_delivery_and_applies_none_twice(
    shopify_shop: ShopIntegration, celery_processes: CeleryProcesses
) -> None:
    redis_client = redis.Redis.from_url(celery_processes.broker_url)
    celery_processes.beat()
    first = celery_processes.worker("first")
    deliveries = _receive_batch(DELIVERIES)

    _kill_mid_batch(celery_processes, first)
    killed_at = time.monotonic()
    held = _held_by_workers(redis_client, celery_processes.queue)
    waiting_at_kill = _waiting()
    # The dead worker held deliveries it had not finished: only the sweep can bring them back
    # before Redis' visibility timeout (two hours).
    lost = {item.delivery_id for item in held.values()} & waiting_at_kill
    assert 0 < len(waiting_at_kill) < DELIVERIES
    assert lost, f"killed while holding no unfinished delivery: {held}"

    celery_processes.worker("second")
    _wait_until(
        lambda: not _waiting(),
        RECOVERY_DEADLINE_SECONDS - (time.monotonic() - killed_at),
        lambda: f"still waiting: {sorted(_waiting())}\n{celery_processes.log('second')}",
    )
    recovered_in = time.monotonic() - killed_at
    print(
        f"\n{DELIVERIES} deliveries, worker killed with {len(waiting_at_kill)} waiting of which "
        f"{len(lost)} in its hands; all applied {recovered_in:.1f} s after the kill "
        f"(lease {LEASE_SECONDS} s, sweep every {REQUEUE_EVERY_SECONDS} s)"
    )

    # 0 lost, 0 applied twice: each delivery applied by one committed attempt, one order each.
    applied = _applied()
    assert [pk for pk, *_ in applied] == deliveries
    assert {(status, attempts) for _, status, attempts, _ in applied} == {("processed", 1)}
    assert Order.objects.count() == DELIVERIES
    assert Order.objects.values("external_reference").distinct().count() == DELIVERIES
    assert OrderLine.objects.count() == 3 * DELIVERIES
    requeued = WebhookDelivery.objects.filter(pk__in=lost, requeued_count__gte=1).count()
    assert requeued == len(lost)

    # Two hours later Redis hands the dead worker's messages to the new worker: nothing changes.
    _hand_back_as_redis_would(redis_client, celery_processes.queue, held)
    for item in held.values():
        succeeded = re.compile(re.escape(f"{PROCESS_TASK}[{item.task_id}] succeeded"))
        _wait_until(
            lambda pattern=succeeded: bool(pattern.search(celery_processes.log("second"))),
            RECOVERY_DEADLINE_SECONDS,
            lambda: f"the handed-back task did not run:\n{celery_processes.log('second')}",
        )
    assert _applied() == applied
    assert (Order.objects.count(), OrderLine.objects.count()) == (DELIVERIES, 3 * DELIVERIES)
