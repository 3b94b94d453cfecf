"""End to end with a real Celery worker and Redis: a signed webhook is stored by the view, sent
to the broker after commit, and processed by a separate worker process on the test database.

The broker is CELERY_TEST_BROKER_URL (CI sets it), else a Redis on 127.0.0.1:6379/15 when one
answers. Each run uses its own queue, so nothing else is consumed or left behind.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.test import Client

from journeys.integrations.models import ShopIntegration, WebhookDelivery
from journeys.models import Order
from omni.celery import app as celery_app
from tests.integrations.conftest import as_body, shopify_headers, shopify_order

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/15"
PROCESSING_TIMEOUT_SECONDS = 60


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("CELERY_TEST_BROKER_URL")
    try:
        redis.Redis.from_url(url or DEFAULT_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if url:
            pytest.fail(f"CELERY_TEST_BROKER_URL={url} does not answer: {error}")
        pytest.skip(f"No Redis at {DEFAULT_BROKER_URL}; set CELERY_TEST_BROKER_URL to run this")
    return url or DEFAULT_BROKER_URL


def _test_database_url() -> str:
    """The database pytest-django created for this run, for the worker to use too."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host = f"{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{database['NAME']}"


def _use_broker(**configuration: object) -> None:
    """Reconfigure this process's Celery app. Even eager calls take a producer from the app's
    connection pool (Celery 5.7), so the pools made for the previous broker are dropped."""
    celery_app.conf.update(configuration)
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(broker_url: str, transactional_db: None) -> Iterator[Path]:
    """A worker process on its own queue; this process sends to it instead of running eagerly."""
    queue = f"omni-test-{uuid.uuid4().hex[:10]}"
    log = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omni.settings_test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": broker_url,
    }
    command = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=solo"]
    command += ["-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "--loglevel=INFO"]
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=output, stderr=output
        )
    _use_broker(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    try:
        yield log
    finally:
        _use_broker(task_always_eager=True, broker_url="", task_default_queue="celery")
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        redis.Redis.from_url(broker_url).delete(queue)
        log.unlink(missing_ok=True)


def _wait_until_done(delivery_id: int, log: Path) -> WebhookDelivery:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status != WebhookDelivery.Status.RECEIVED:
            return delivery
        time.sleep(0.2)
    raise AssertionError(
        f"Delivery {delivery_id} still waiting after {PROCESSING_TIMEOUT_SECONDS} s"
    )


SUCCEEDED = re.compile(r"webhook_delivery_process_task\[[-0-9a-f]+\] succeeded")


def _wait_for_log(log: Path, pattern: re.Pattern[str]) -> str:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_SECONDS
    text = log.read_text()
    while not pattern.search(text) and time.monotonic() < deadline:
        time.sleep(0.2)
        text = log.read_text()
    return text


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_a_signed_webhook_end_to_end(
    shopify_shop: ShopIntegration, celery_worker: Path
) -> None:
    body = as_body(shopify_order())
    headers = shopify_headers("orders/create", body)

    started = time.monotonic()
    response = Client().post(
        "/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers
    )
    acknowledged_in = time.monotonic() - started

    assert response.status_code == 200
    # Acknowledged before processing: nothing is applied in this process.
    assert not Order.objects.exists()
    delivery = _wait_until_done(WebhookDelivery.objects.get().pk, celery_worker)
    # The row is committed before the worker logs the task's end (and the task still queues
    # the customer's lifecycle refresh after its commit): wait for the line, do not race it.
    log = _wait_for_log(celery_worker, SUCCEEDED)
    assert delivery.status == "processed", log
    assert delivery.attempts == 1
    order = Order.objects.get()
    assert (order.source, order.external_reference, order.lines.count()) == (
        "shopify",
        "450789469",
        3,
    )
    assert SUCCEEDED.search(log), log
    assert acknowledged_in < 5
