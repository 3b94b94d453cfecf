"""Prometheus metrics (issue 12): who may read /metrics, and that each family moves with the work.

Counters are process-wide: each test reads them before and after what it does. Every figure is
read through the endpoint and prometheus_client's own parser, as a scraper would.
"""

import datetime
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import kombu.pools
import pytest
import redis
from celery import Task, shared_task
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from clienteling.models import Associate
from customers.factories import CustomerFactory
from journeys.integrations.models import (
    OutboundDelivery,
    OutboundWebhook,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from omni.celery import app as celery_app
from omni.job_runs import record_job_succeeded
from omni.models import Store
from omni.tasks import idempotency_records_purge_task
from tests.integrations.conftest import SHOPIFY_SECRET, as_body, shopify_headers, shopify_order
from tests.integrations.test_celery_worker import _test_database_url

TOKEN = "metrics-token-for-tests-" + "x" * 24
ROOT = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def scrape(client: Client) -> Iterator[Callable[[], Samples]]:
    """Reads /metrics with the right token, as Prometheus would."""

    def read() -> Samples:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.status_code
        return _parse(response.content.decode())

    with override_settings(OMNI_METRICS_TOKEN=TOKEN):
        yield read


@pytest.fixture
def shopify_shop(store: Store) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Maison Omni (Shopify)",
        slug="shopify",
        base_url="https://maison-omni.myshopify.com",
        api_secret="shpat_test_token",
        webhook_secret=SHOPIFY_SECRET,
        pickup_store=store,
    )


# Who may read it ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_token_or_networks_the_endpoint_does_not_exist_in_production(
    client: Client,
) -> None:
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_in_debug_without_settings_only_this_machine_reads_it() -> None:
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.0.0.7").get("/metrics").status_code == 404
    # A proxy on the same machine relays someone else.
    relayed = Client(REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "203.0.113.9"})
    assert relayed.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(OMNI_METRICS_TOKEN=TOKEN)
def test_a_token_is_required_and_a_refusal_says_nothing(client: Client) -> None:
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "y" * len(TOKEN)})
    other_scheme = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    for refused in (missing, wrong, other_scheme):
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == "Bearer"
        assert refused.content == b""
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in right["Cache-Control"]
    assert b"omni_http_requests_total" in right.content
    # Read-only: anything but GET (and HEAD) is refused.
    post = client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert post.status_code == 405


@pytest.mark.django_db
@override_settings(OMNI_METRICS_ALLOWED_NETWORKS=["10.0.0.0/8", "192.168.1.7"])
def test_allowed_networks_alone_admit_their_addresses_only() -> None:
    assert Client(REMOTE_ADDR="10.20.30.40").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.168.1.7").get("/metrics").status_code == 200
    refused = Client(REMOTE_ADDR="192.168.1.8").get("/metrics")
    assert (refused.status_code, refused.content) == (403, b"")
    # Without trusted proxies, what a client writes in X-Forwarded-For is not believed.
    spoofed = Client(REMOTE_ADDR="203.0.113.9", headers={"X-Forwarded-For": "10.0.0.1"})
    assert spoofed.get("/metrics").status_code == 403


@pytest.mark.django_db
@override_settings(
    OMNI_METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"],
    OMNI_METRICS_TOKEN=TOKEN,
    OMNI_TRUSTED_PROXY_COUNT=1,
)
def test_token_and_networks_together_are_both_required() -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    # Behind one trusted proxy, the address it saw is the client's.
    inside = {"X-Forwarded-For": "10.1.1.1", **bearer}
    outside = {"X-Forwarded-For": "203.0.113.9", **bearer}
    proxy = "127.0.0.1"
    assert Client(REMOTE_ADDR=proxy, headers=inside).get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR=proxy, headers=outside).get("/metrics").status_code == 403
    no_token = Client(REMOTE_ADDR=proxy, headers={"X-Forwarded-For": "10.1.1.1"})
    assert no_token.get("/metrics").status_code == 401


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"OMNI_METRICS_TOKEN": "short"}, "OMNI_METRICS_TOKEN must be at least 32"),
        ({"OMNI_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,intranet"}, "'intranet' is not an"),
    ],
)
def test_a_bad_setting_stops_the_start_up_naming_it(environment: dict, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import omni.settings"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


# Each family ----------------------------------------------------------------------------------

FAMILIES = [
    "omni_http_requests_total",
    "omni_http_request_duration_seconds_bucket",
    "omni_http_request_database_queries_bucket",
    "omni_webhook_inbox_waiting",
    "omni_webhook_inbox_lag_seconds",
    "omni_webhook_inbox_failed",
    "omni_outbound_deliveries_pending",
    "omni_outbound_deliveries_retrying",
    "omni_outbound_oldest_pending_seconds",
    "omni_outbound_deliveries_failed",
    "omni_shop_last_pull_timestamp_seconds",
    "omni_beat_job_last_success_timestamp_seconds",
    "omni_beat_job_overdue",
    "omni_beat_job_failing",
    "omni_metrics_collector_up",
]


@pytest.mark.django_db
def test_every_family_is_exposed(
    scrape: Callable[[], Samples], send_webhook: Callable, shopify_shop: ShopIntegration
) -> None:
    send_webhook("orders/create", shopify_order())
    idempotency_records_purge_task.delay()
    scrape()
    names = {name for name, _labels in scrape()}

    assert set(FAMILIES) <= names
    assert {
        "omni_webhook_deliveries_received_total",
        "omni_webhook_deliveries_processed_total",
        "omni_celery_tasks_total",
        "omni_celery_task_duration_seconds_bucket",
    } <= names
    collectors = {"beat_jobs", "celery_queues", "outbound_deliveries", "shop_pulls"}
    for collector in collectors | {"webhook_inbox"}:
        assert value(scrape(), "omni_metrics_collector_up", collector=collector) == 1


# HTTP -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_counts_under_its_view_name_never_its_path(
    scrape: Callable[[], Samples], associate: Associate
) -> None:
    customer = CustomerFactory(pk=987654321)
    client = Client()
    client.force_login(associate.user)
    labels = {"view": "clienteling:customer", "method": "GET", "status": "200"}
    before = scrape()

    response = client.get(f"/customers/{customer.pk}/")
    client.get("/no-such-page/987654321/")

    assert response.status_code == 200
    after = scrape()
    assert value(after, "omni_http_requests_total", **labels) == (
        value(before, "omni_http_requests_total", **labels) + 1
    )
    assert value(
        after, "omni_http_request_duration_seconds_count", view="clienteling:customer"
    ) == (
        value(before, "omni_http_request_duration_seconds_count", view="clienteling:customer") + 1
    )
    # Its queries were counted: the customer page runs some, and the sum moved by that many.
    queries = "omni_http_request_database_queries_sum"
    assert value(after, queries, view="clienteling:customer") > value(
        before, queries, view="clienteling:customer"
    )
    unresolved = {"view": "unresolved", "method": "GET", "status": "404"}
    assert value(after, "omni_http_requests_total", **unresolved) == (
        value(before, "omni_http_requests_total", **unresolved) + 1
    )
    # No id, no path in any label of any series.
    for _name, sample_labels in after:
        for _label, label_value in sample_labels:
            assert "987654321" not in label_value
            assert "/customers/" not in label_value


@pytest.mark.django_db
def test_an_unknown_method_is_counted_as_other(scrape: Callable[[], Samples]) -> None:
    labels = {"view": "unresolved", "method": "other", "status": "404"}
    before = value(scrape(), "omni_http_requests_total", **labels)
    Client().generic("BREW", "/nowhere/")
    assert value(scrape(), "omni_http_requests_total", **labels) == before + 1


# Webhooks -------------------------------------------------------------------------------------


@pytest.fixture
def send_webhook(client: Client, django_capture_on_commit_callbacks: Callable) -> Callable:
    """Posts a signed Shopify webhook through the real endpoint; its task runs (eager) after
    commit, as in production without a broker."""

    def send(topic: str, data: object, **headers: str) -> int:
        body = as_body(data)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/webhooks/shopify/shopify/",
                data=body,
                content_type="application/json",
                headers=shopify_headers(topic, body, **headers),
            )
        return response.status_code

    return send


@pytest.mark.django_db
def test_a_webhook_moves_the_received_then_the_processed_counter(
    scrape: Callable[[], Samples], send_webhook: Callable, shopify_shop: ShopIntegration
) -> None:
    accepted = {"platform": "shopify", "topic": "orders/create", "duplicate": "false"}
    copy = {**accepted, "duplicate": "true"}
    received, processed = (
        "omni_webhook_deliveries_received_total",
        "omni_webhook_deliveries_processed_total",
    )
    task = {"task": "journeys.tasks.webhook_delivery_process_task", "outcome": "success"}
    before = scrape()

    assert send_webhook("orders/create", shopify_order(), **{"X-Shopify-Webhook-Id": "d-1"}) == 200
    after_first = scrape()
    assert send_webhook("orders/create", shopify_order(), **{"X-Shopify-Webhook-Id": "d-1"}) == 200
    after_copy = scrape()

    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PROCESSED
    assert value(after_first, received, **accepted) == value(before, received, **accepted) + 1
    assert value(after_first, processed, status="processed") == (
        value(before, processed, status="processed") + 1
    )
    assert value(after_first, "omni_celery_tasks_total", **task) == (
        value(before, "omni_celery_tasks_total", **task) + 1
    )
    # The shop's retry of the same delivery is counted as a copy, and not processed again.
    assert value(after_copy, received, **copy) == value(before, received, **copy) + 1
    assert value(after_copy, processed, status="processed") == value(
        after_first, processed, status="processed"
    )
    assert value(after_copy, "omni_webhook_inbox_waiting") == 0
    assert value(after_copy, "omni_webhook_inbox_lag_seconds") == 0


@pytest.mark.django_db
def test_a_webhook_omni_cannot_apply_moves_the_failed_counter_and_gauge(
    scrape: Callable[[], Samples], send_webhook: Callable, shopify_shop: ShopIntegration
) -> None:
    before = scrape()

    assert send_webhook("orders/create", b"{not json") == 200

    after = scrape()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    assert value(after, "omni_webhook_deliveries_failed_total") == (
        value(before, "omni_webhook_deliveries_failed_total") + 1
    )
    assert value(after, "omni_webhook_inbox_failed") == 1


def _delivery(shop: ShopIntegration, *, age: datetime.timedelta, status: str) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        integration=shop,
        topic="orders/create",
        delivery_id=uuid.uuid4().hex,
        body=b"{}",
        received_at=timezone.now() - age,
        status=status,
    )


@pytest.mark.django_db
def test_inbox_lag_is_the_age_of_the_oldest_waiting_delivery(
    scrape: Callable[[], Samples], shopify_shop: ShopIntegration
) -> None:
    status = WebhookDelivery.Status
    _delivery(shopify_shop, age=datetime.timedelta(minutes=10), status=status.RECEIVED)
    _delivery(shopify_shop, age=datetime.timedelta(seconds=5), status=status.RECEIVED)
    # Older, but not waiting: neither counts.
    _delivery(shopify_shop, age=datetime.timedelta(days=2), status=status.PROCESSED)
    _delivery(shopify_shop, age=datetime.timedelta(days=3), status=status.FAILED)

    samples = scrape()

    assert 600 <= value(samples, "omni_webhook_inbox_lag_seconds") < 660
    assert value(samples, "omni_webhook_inbox_waiting") == 2
    assert value(samples, "omni_webhook_inbox_failed") == 1


# Outbound, pulls, beat jobs -------------------------------------------------------------------


@pytest.mark.django_db
def test_outbound_deliveries_pending_retrying_and_failed(scrape: Callable[[], Samples]) -> None:
    endpoint = OutboundWebhook.objects.create(name="ERP", url="https://erp.example", secret="s")
    status = OutboundDelivery.Status
    old = timezone.now() - datetime.timedelta(minutes=30)
    OutboundDelivery.objects.create(endpoint=endpoint, event="pickup.ready", body="{}")
    OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", attempts=3, created_at=old
    )
    OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", status=status.FAILED, attempts=11
    )
    OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", status=status.DELIVERED, attempts=1
    )

    samples = scrape()

    assert value(samples, "omni_outbound_deliveries_pending") == 2
    assert value(samples, "omni_outbound_deliveries_retrying") == 1
    assert value(samples, "omni_outbound_deliveries_failed") == 1
    assert 1800 <= value(samples, "omni_outbound_oldest_pending_seconds") < 1860


@pytest.mark.django_db
def test_each_shops_last_successful_pull(
    scrape: Callable[[], Samples], shopify_shop: ShopIntegration
) -> None:
    finished = timezone.now() - datetime.timedelta(minutes=14)
    SyncRun.objects.create(
        integration=shopify_shop,
        kind=SyncRun.Kind.ORDERS,
        status=SyncRun.Status.COMPLETED,
        started_at=finished - datetime.timedelta(seconds=20),
        finished_at=finished,
    )
    # A later failed pull does not count as a success.
    SyncRun.objects.create(
        integration=shopify_shop,
        kind=SyncRun.Kind.ORDERS,
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
    )
    name = "omni_shop_last_pull_timestamp_seconds"

    samples = scrape()

    assert value(samples, name, shop="shopify", kind="orders") == pytest.approx(
        finished.timestamp()
    )
    assert (name, (("kind", "customers"), ("shop", "shopify"))) in samples
    assert value(samples, name, shop="shopify", kind="customers") == 0


@pytest.mark.django_db
def test_a_beat_jobs_last_success_and_whether_it_is_overdue(
    scrape: Callable[[], Samples],
) -> None:
    now = timezone.now()
    # Every 30 s: a success 5 s ago is in time; every 15 min: one two hours ago is overdue.
    record_job_succeeded(
        job="requeue-lost-webhook-deliveries",
        task="journeys.tasks.webhook_deliveries_requeue_lost_task",
        at=now - datetime.timedelta(seconds=5),
        duration=datetime.timedelta(seconds=1),
    )
    record_job_succeeded(
        job="expire-overdue-pickups",
        task="clienteling.tasks.pickups_expire_overdue_task",
        at=now - datetime.timedelta(hours=2),
        duration=datetime.timedelta(seconds=1),
    )

    samples = scrape()

    last = "omni_beat_job_last_success_timestamp_seconds"
    assert value(samples, last, job="requeue-lost-webhook-deliveries") == pytest.approx(
        (now - datetime.timedelta(seconds=5)).timestamp()
    )
    assert value(samples, "omni_beat_job_overdue", job="requeue-lost-webhook-deliveries") == 0
    assert value(samples, "omni_beat_job_overdue", job="expire-overdue-pickups") == 1
    assert ("omni_beat_job_overdue", (("job", "rebuild-insights"),)) in samples


# Celery ---------------------------------------------------------------------------------------


@shared_task(name="tests.omni.test_metrics.failing_task")
def failing_task() -> None:
    raise ValueError("broken on purpose")


@shared_task(bind=True, name="tests.omni.test_metrics.retried_task", max_retries=1)
def retried_task(self: Task) -> str:
    if self.request.retries == 0:
        raise self.retry(countdown=0)
    return "done"


@pytest.mark.django_db
def test_task_runs_move_the_celery_counters_and_durations(scrape: Callable[[], Samples]) -> None:
    purge = "omni.tasks.idempotency_records_purge_task"
    failing, retried = (
        "tests.omni.test_metrics.failing_task",
        "tests.omni.test_metrics.retried_task",
    )
    total, durations = "omni_celery_tasks_total", "omni_celery_task_duration_seconds_count"
    before = scrape()

    idempotency_records_purge_task.delay()
    # Failures and retries handled in-process as a worker handles them, not raised to the caller
    # (tests/integrations/conftest.py, eager_retries).
    celery_app.conf.task_eager_propagates = False
    try:
        assert failing_task.delay().state == "FAILURE"
        assert retried_task.delay().get() == "done"
    finally:
        celery_app.conf.task_eager_propagates = True

    after = scrape()
    assert value(after, total, task=purge, outcome="success") == (
        value(before, total, task=purge, outcome="success") + 1
    )
    assert value(after, durations, task=purge) == value(before, durations, task=purge) + 1
    assert value(after, total, task=failing, outcome="failure") == (
        value(before, total, task=failing, outcome="failure") + 1
    )
    assert value(after, total, task=retried, outcome="retry") == (
        value(before, total, task=retried, outcome="retry") + 1
    )
    assert value(after, total, task=retried, outcome="success") == (
        value(before, total, task=retried, outcome="success") + 1
    )


def _use_broker(**configuration: object) -> None:
    """Reconfigure this process's Celery app and drop the pools made for the previous broker
    (as tests/integrations/test_celery_worker.py does)."""
    celery_app.conf.update(configuration)
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_broker() -> Iterator[str]:
    """Tasks sent to a real Redis (CELERY_TEST_BROKER_URL), on a queue of this test's own."""
    url = os.environ.get("CELERY_TEST_BROKER_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"No Redis at {url}: {error}")
    queue = f"omni-metrics-test-{uuid.uuid4().hex[:10]}"
    _use_broker(task_always_eager=False, broker_url=url, task_default_queue=queue)
    try:
        yield queue
    finally:
        _use_broker(task_always_eager=True, broker_url="", task_default_queue="celery")
        redis.Redis.from_url(url).delete(queue)


@pytest.mark.django_db
def test_queue_length_is_read_from_the_broker(
    scrape: Callable[[], Samples], redis_broker: str
) -> None:
    assert value(scrape(), "omni_celery_queue_length", queue=redis_broker) == 0

    idempotency_records_purge_task.delay()
    idempotency_records_purge_task.apply_async(priority=9)

    samples = scrape()
    assert value(samples, "omni_celery_broker_up") == 1
    assert value(samples, "omni_celery_queue_length", queue=redis_broker) == 2


@pytest.mark.django_db
def test_a_broker_down_is_reported_and_the_scrape_still_answers(
    scrape: Callable[[], Samples],
) -> None:
    _use_broker(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    try:
        samples = scrape()
    finally:
        _use_broker(task_always_eager=True, broker_url="")

    assert value(samples, "omni_celery_broker_up") == 0
    assert not any(name == "omni_celery_queue_length" for name, _labels in samples)
    assert value(samples, "omni_metrics_collector_up", collector="webhook_inbox") == 1


@pytest.mark.django_db
def test_no_queue_figures_when_tasks_run_in_process(scrape: Callable[[], Samples]) -> None:
    names = {name for name, _labels in scrape()}
    assert "omni_celery_queue_length" not in names
    assert "omni_celery_broker_up" not in names


# Bounded work ---------------------------------------------------------------------------------


def _scrape_queries(scrape: Callable[[], Samples]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        scrape()
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_a_scrape_runs_the_same_queries_whatever_the_number_of_rows(
    scrape: Callable[[], Samples], shopify_shop: ShopIntegration, store: Store
) -> None:
    scrape()  # the first request of a process may read what later ones have cached
    few = _scrape_queries(scrape)
    other_shop = ShopIntegration.objects.create(
        platform="woocommerce",
        name="Shop 2",
        slug="shop-2",
        base_url="https://b.example",
        webhook_secret="s",
        pickup_store=store,
    )
    endpoint = OutboundWebhook.objects.create(name="ERP", url="https://erp.example", secret="s")
    for index in range(40):
        shop = (shopify_shop, other_shop)[index % 2]
        status = ("received", "failed", "processed")[index % 3]
        _delivery(shop, age=datetime.timedelta(minutes=index), status=status)
        OutboundDelivery.objects.create(
            endpoint=endpoint,
            event="pickup.ready",
            body="{}",
            attempts=index % 3,
            status=("pending", "failed", "delivered")[index % 3],
        )
        SyncRun.objects.create(
            integration=shop,
            kind=SyncRun.Kind.values[index % 2],
            status="completed",
            finished_at=timezone.now(),
        )

    many = _scrape_queries(scrape)

    assert len(many) == len(few)
    # Counted up to a cap, never a full count of a table that grows with the business.
    counts = [sql for sql in many if "COUNT(" in sql.upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts)


# A worker on another host ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_worker_metrics(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return _parse(response.read().decode())


@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_serves_its_tasks_metrics_on_its_own_port(
    redis_broker: str, tmp_path: Path
) -> None:
    """OMNI_CELERY_METRICS_PORT with PROMETHEUS_MULTIPROC_DIR: the task runs in a child of
    the pool, the worker's main process serves what the child counted."""
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "omni.settings_test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": celery_app.conf.broker_url,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "OMNI_CELERY_METRICS_PORT": str(port),
    }
    command = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=prefork"]
    command += ["--concurrency=1", "-Q", redis_broker, "-n", f"{redis_broker}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=output)
    success = {"task": "omni.tasks.idempotency_records_purge_task", "outcome": "success"}
    try:
        idempotency_records_purge_task.delay()
        deadline = time.monotonic() + 60
        samples: Samples = {}
        while time.monotonic() < deadline:
            try:
                samples = _read_worker_metrics(port)
            except OSError:
                samples = {}  # not listening yet
            if value(samples, "omni_celery_tasks_total", **success) >= 1:
                break
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    assert value(samples, "omni_celery_tasks_total", **success) == 1, log.read_text()
    assert (
        value(
            samples,
            "omni_celery_task_duration_seconds_count",
            task="omni.tasks.idempotency_records_purge_task",
        )
        == 1
    )
    # The worker's server reads no database: the scrape-time figures are the web's.
    assert not any(name.startswith("omni_webhook_inbox") for name, _labels in samples)
