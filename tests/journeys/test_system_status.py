"""Head office's System status (issue 12): the page in the admin, its replays, and the API.

Deliveries are real rows with a real Shopify order as their body: a replay runs the inbox's
task in-process (eager Celery, the test settings) once the request commits, and the order is
written. Queue lengths are read from a real Redis (CELERY_TEST_BROKER_URL's server, database
13) or a dead port.
"""

import datetime
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from celery import current_app
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.models import Associate
from journeys.integrations.models import (
    OutboundDelivery,
    OutboundWebhook,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from journeys.models import Order
from journeys.system_status.selectors import LIST_LIMIT, error_class
from omni.api.clients import api_client_create
from omni.factories import UserFactory
from omni.models import ScheduledJobRun
from omni.roles import ensure_operations_group
from tests.integrations.conftest import SHOPIFY_SECRET, shopify_order

pytestmark = pytest.mark.django_db

PAGE = reverse("system_status:page")
REPLAY_FAILED = reverse("system_status:replay_failed")
API = "/api/v1/system-status"
SECRETS = ("shpat_status_token", SHOPIFY_SECRET)
# What a failed delivery's error may say about the customer: never shown.
ERROR_TEXT = "KeyError: 'bob.norman@mail.example.com'"
Status = WebhookDelivery.Status
_sequence = iter(range(1, 1_000_000))


def token_client(*scopes: str, store: Any = None) -> APIClient:
    """A monitoring tool's API client, with its Bearer token."""
    _model, token = api_client_create(
        name=f"monitoring-{next(_sequence)}", scopes=list(scopes), store=store
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def replay_url(delivery_id: int) -> str:
    return reverse("system_status:replay", args=[delivery_id])


@pytest.fixture
def shop(store: Any) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Maison Omni (Shopify)",
        slug="shopify",
        base_url="https://maison-omni.myshopify.com",
        api_secret="shpat_status_token",
        webhook_secret=SHOPIFY_SECRET,
        pickup_store=store,
    )


def delivery(
    shop: ShopIntegration,
    *,
    status: str = Status.RECEIVED,
    minutes_ago: float = 5,
    error: str = "",
    order_id: int | None = None,
) -> WebhookDelivery:
    """A delivery as the inbox stores it: a real Shopify order, received `minutes_ago`."""
    number = next(_sequence)
    order = shopify_order(id=order_id or 880_000 + number, refunds=[])
    return WebhookDelivery.objects.create(
        integration=shop,
        topic="orders/create",
        delivery_id=f"status-test-{number}",
        headers={"content-type": "application/json"},
        body=json.dumps(order).encode(),
        received_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        status=status,
        attempts=1 if status == Status.FAILED else 0,
        error=error,
    )


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def operations_user(db: None) -> User:
    user = UserFactory(username="on-call", is_staff=True)
    user.groups.add(ensure_operations_group())
    return fresh(user)


@pytest.fixture
def replayer(operations_user: User) -> User:
    """Someone of the operations role who may also replay deliveries (the admin's "Process
    again" permission)."""
    operations_user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="journeys", codename="change_webhookdelivery"
        )
    )
    return fresh(operations_user)


@pytest.fixture
def replayer_client(client: Client, replayer: User) -> Client:
    client.force_login(replayer)
    return client


def delivery_state() -> list[tuple]:
    return sorted(
        WebhookDelivery.objects.values_list(
            "pk", "status", "attempts", "requeue_at", "processed_at", "error"
        )
    )


# The page: stuck and failed deliveries, replays ---------------------------------------------


def test_a_delivery_stuck_for_more_than_2_minutes_is_listed_and_its_replay_processes_it(
    replayer_client: Client, shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    stuck = delivery(shop, minutes_ago=3, order_id=450789469)
    recent = delivery(shop, minutes_ago=1)

    page = replayer_client.get(PAGE)

    assert page.status_code == 200
    assert [row.id for row in page.context["status"].inbox.oldest_stuck] == [stuck.pk]
    html = page.content.decode()
    assert f'action="{replay_url(stuck.pk)}"' in html
    assert f'action="{replay_url(recent.pk)}"' not in html

    with django_capture_on_commit_callbacks(execute=True):
        replayed = replayer_client.post(replay_url(stuck.pk))
    response = replayer_client.get(replayed["Location"])

    assert (replayed.status_code, replayed["Location"]) == (302, PAGE)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"Webhook delivery #{stuck.pk} (orders/create) will be processed again."]
    stuck.refresh_from_db()
    assert stuck.status == Status.PROCESSED
    assert Order.objects.filter(source="shopify", external_reference="450789469").exists()
    assert response.context["status"].inbox.oldest_stuck == []
    assert f'action="{replay_url(stuck.pk)}"' not in response.content.decode()


def test_a_failed_delivery_is_listed_with_its_error_class_only_and_its_replay_processes_it(
    replayer_client: Client, shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    failed = delivery(shop, status=Status.FAILED, minutes_ago=30, error=ERROR_TEXT)

    page = replayer_client.get(PAGE)

    html = page.content.decode()
    assert f'action="{replay_url(failed.pk)}"' in html
    assert "<td>KeyError</td>" in html
    assert "bob.norman" not in html
    for secret in SECRETS:
        assert secret not in html

    with django_capture_on_commit_callbacks(execute=True):
        replayer_client.post(replay_url(failed.pk))
    response = replayer_client.get(PAGE)

    failed.refresh_from_db()
    assert (failed.status, failed.error) == (Status.PROCESSED, "")
    assert response.context["status"].inbox.failed.value == 0
    assert f'action="{replay_url(failed.pk)}"' not in response.content.decode()


def test_replay_all_failed_processes_every_failed_delivery_and_leaves_the_others(
    replayer_client: Client, shop: ShopIntegration, django_capture_on_commit_callbacks: Callable
) -> None:
    failed = [delivery(shop, status=Status.FAILED, error="ValueError: x") for _ in range(3)]
    done = delivery(shop, status=Status.PROCESSED)
    done_before = WebhookDelivery.objects.values_list("attempts", "processed_at").get(pk=done.pk)

    with django_capture_on_commit_callbacks(execute=True):
        replayer_client.post(REPLAY_FAILED)
    response = replayer_client.get(PAGE)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["3 failed webhook deliveries will be processed again."]
    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert [statuses[each.pk] for each in failed] == [Status.PROCESSED] * 3
    assert statuses[done.pk] == Status.PROCESSED
    assert (
        WebhookDelivery.objects.values_list("attempts", "processed_at").get(pk=done.pk)
        == done_before
    )

    again = replayer_client.post(REPLAY_FAILED, follow=True)
    assert [str(message) for message in again.context["messages"]] == [
        "No failed webhook delivery to replay."
    ]


def test_replaying_a_processed_delivery_says_so_and_changes_nothing(
    replayer_client: Client, shop: ShopIntegration
) -> None:
    done = delivery(shop, status=Status.PROCESSED)
    before = delivery_state()

    response = replayer_client.post(replay_url(done.pk), follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        f"Webhook delivery #{done.pk}: Only failed or waiting deliveries can be replayed."
    ]
    assert delivery_state() == before


def test_replaying_an_unknown_delivery_is_a_clear_error_and_changes_nothing(
    replayer_client: Client, shop: ShopIntegration
) -> None:
    delivery(shop, status=Status.FAILED, error="ValueError: x")
    before = delivery_state()

    response = replayer_client.post(replay_url(987654), follow=True)

    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "Webhook delivery #987654: There is no webhook delivery #987654."
    ]
    assert delivery_state() == before
    # Not a number: no such page.
    assert replayer_client.post(f"{PAGE}deliveries/abc/replay/").status_code == 404


def test_a_get_on_the_replay_urls_is_refused_and_changes_nothing(
    replayer_client: Client, shop: ShopIntegration
) -> None:
    failed = delivery(shop, status=Status.FAILED, error="ValueError: x")
    before = delivery_state()

    for url in (replay_url(failed.pk), REPLAY_FAILED):
        response = replayer_client.get(url)
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert "buttons of the System status page" in response.content.decode()
    assert delivery_state() == before


def test_a_replay_needs_the_csrf_token(replayer: User, shop: ShopIntegration) -> None:
    failed = delivery(shop, status=Status.FAILED, error="ValueError: x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(replayer)
    before = delivery_state()

    assert client.post(replay_url(failed.pk)).status_code == 403
    assert client.post(REPLAY_FAILED).status_code == 403
    assert delivery_state() == before


# Who may see and replay ---------------------------------------------------------------------


def test_the_operations_role_reads_the_page(client: Client, operations_user: User) -> None:
    client.force_login(operations_user)

    assert client.get(PAGE).status_code == 200


def test_reading_the_page_without_the_replay_permission_shows_no_button_and_replays_nothing(
    client: Client, shop: ShopIntegration
) -> None:
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="omni", codename="view_system_status")
    )
    failed = delivery(shop, status=Status.FAILED, error="ValueError: x")
    client.force_login(viewer)
    before = delivery_state()

    page = client.get(PAGE)

    assert page.status_code == 200
    assert page.context["may_replay"] is False
    assert f'action="{replay_url(failed.pk)}"' not in page.content.decode()
    assert f'action="{REPLAY_FAILED}"' not in page.content.decode()
    assert client.post(replay_url(failed.pk)).status_code == 403
    assert client.post(REPLAY_FAILED).status_code == 403
    assert delivery_state() == before


def test_the_page_is_on_the_admin_index_of_those_who_may_read_it(
    client: Client, operations_user: User, marketer: User, superuser: User
) -> None:
    for user, listed in ((operations_user, True), (superuser, True), (marketer, False)):
        client.force_login(user)
        index = client.get(reverse("admin:index")).content.decode()
        assert (f'href="{PAGE}"' in index) is listed, user


def test_staff_without_the_permission_get_403_and_change_nothing(
    client: Client, marketer: User, shop: ShopIntegration
) -> None:
    failed = delivery(shop, status=Status.FAILED, error="ValueError: x")
    client.force_login(marketer)
    before = delivery_state()

    assert client.get(PAGE).status_code == 403
    assert client.post(replay_url(failed.pk)).status_code == 403
    assert client.post(REPLAY_FAILED).status_code == 403
    assert delivery_state() == before


def test_store_associates_and_anonymous_visitors_are_sent_to_the_login(
    client: Client, associate: Associate, store_manager: Associate, shop: ShopIntegration
) -> None:
    failed = delivery(shop, status=Status.FAILED, error="ValueError: x")
    before = delivery_state()

    # Anonymous: the site's login (LoginRequiredMiddleware); associates: the admin's.
    for user, login in (
        (None, reverse("clienteling:login")),
        (associate.user, reverse("admin:login")),
        (store_manager.user, reverse("admin:login")),
    ):
        if user is not None:
            client.force_login(user)
        for response in (client.get(PAGE), client.post(replay_url(failed.pk))):
            assert response.status_code == 302
            assert response["Location"].startswith(f"{login}?next=/admin/system-status/")
    assert delivery_state() == before


# Figures -------------------------------------------------------------------------------------


def test_each_shop_shows_its_last_pull_of_each_kind_and_its_last_completed_one(
    replayer_client: Client, shop: ShopIntegration
) -> None:
    now = timezone.now()
    SyncRun.objects.create(
        integration=shop,
        kind="orders",
        status="completed",
        started_at=now - datetime.timedelta(minutes=30),
        finished_at=now - datetime.timedelta(minutes=29),
        created_count=4,
        updated_count=2,
    )
    failed_pull = SyncRun.objects.create(
        integration=shop,
        kind="orders",
        status="failed",
        started_at=now - datetime.timedelta(minutes=15),
        finished_at=now - datetime.timedelta(minutes=14),
        failed_count=1,
        errors=[{"record": "bob.norman@mail.example.com", "error": "bad"}],
    )
    idle = ShopIntegration.objects.create(
        platform="woocommerce",
        name="Outlet (WooCommerce)",
        slug="outlet",
        base_url="https://outlet.example.com",
        webhook_secret="wc-outlet-secret",
    )

    response = replayer_client.get(PAGE)

    shops = {each.id: each for each in response.context["status"].shops}
    orders, customers = shops[shop.pk].pulls
    assert (orders.kind, orders.last.status, orders.last.started_at) == (
        "orders",
        "failed",
        failed_pull.started_at,
    )
    assert orders.last_completed_at == now - datetime.timedelta(minutes=29)
    assert (customers.kind, customers.last, customers.last_completed_at) == (
        "customers",
        None,
        None,
    )
    assert [state.last for state in shops[idle.pk].pulls] == [None, None]
    html = response.content.decode()
    assert "Never pulled" in html
    assert "bob.norman" not in html
    assert "wc-outlet-secret" not in html
    assert response.context["status"].healthy is False


def test_outbound_deliveries_failing_are_listed_with_their_webhook_and_attempts(
    replayer_client: Client,
) -> None:
    endpoint = OutboundWebhook.objects.create(
        name="Loyalty app", url="https://loyalty.example.com/hook", secret="outbound-secret"
    )
    failed = OutboundDelivery.objects.create(
        endpoint=endpoint,
        event="pickup.ready",
        body="{}",
        status="failed",
        attempts=6,
        last_status_code=500,
        last_error="HTTP 500: bob.norman@mail.example.com",
    )
    OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", status="pending", attempts=2
    )
    OutboundDelivery.objects.create(endpoint=endpoint, event="pickup.ready", body="{}")
    OutboundDelivery.objects.create(
        endpoint=endpoint, event="pickup.ready", body="{}", status="delivered", attempts=1
    )

    response = replayer_client.get(PAGE)

    outbound = response.context["status"].outbound
    assert (outbound.failed.value, outbound.retrying.value) == (1, 1)
    assert [(row.status, row.attempts) for row in outbound.newest_failing] == [
        ("pending", 2),
        ("failed", 6),
    ]
    html = response.content.decode()
    assert "Loyalty app" in html
    assert "Pickup ready" in html
    assert "outbound-secret" not in html
    assert "bob.norman" not in html
    assert outbound.newest_failing[1].id == failed.pk


def test_an_overdue_beat_job_shows(replayer_client: Client) -> None:
    now = timezone.now()
    # Every 15 minutes: overdue once its last success is older than 2 × 15 min + the margin.
    ScheduledJobRun.objects.create(
        job="reconcile-shop-integrations",
        task="journeys.tasks.integrations_reconcile_task",
        last_succeeded_at=now - datetime.timedelta(hours=2),
    )
    ScheduledJobRun.objects.create(
        job="expire-overdue-pickups",
        task="clienteling.tasks.pickups_expire_overdue_task",
        last_succeeded_at=now - datetime.timedelta(minutes=1),
    )

    response = replayer_client.get(PAGE)

    jobs = {job.job: job for job in response.context["status"].jobs}
    assert jobs["reconcile-shop-integrations"].overdue
    assert not jobs["expire-overdue-pickups"].overdue
    assert [job.job for job in response.context["status"].overdue_jobs] == [
        "reconcile-shop-integrations"
    ]
    html = response.content.decode()
    row = html[html.index('<th scope="row">reconcile-shop-integrations</th>') :]
    assert "Overdue" in row[: row.index("</tr>")]

    body = token_client("system_status:read").get(API).json()
    states = {job["job"]: job["state"] for job in body["jobs"]}
    assert (states["reconcile-shop-integrations"], states["expire-overdue-pickups"]) == (
        "overdue",
        "ok",
    )
    assert body["healthy"] is False


def test_the_error_class_is_the_name_before_the_message_or_a_refusal_by_omni() -> None:
    assert error_class("KeyError: 'sku'") == "KeyError"
    assert error_class("httpx.ConnectError: refused") == "httpx.ConnectError"
    assert error_class("Unknown store “paris”: create it first") == "DomainError"
    assert error_class("") == ""


# Queues --------------------------------------------------------------------------------------


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[Callable[[str], None]]:
    """Points this process's Celery configuration at a broker for the test (nothing is sent:
    the page only reads the queues' lengths), and back to in-process tasks after."""
    conf = current_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def use(url: str) -> None:
        conf.update(broker_url=url, task_always_eager=False)

    yield use
    conf.update(broker_url=saved[0], task_always_eager=saved[1])


def test_without_a_broker_the_page_says_tasks_run_in_process(replayer_client: Client) -> None:
    response = replayer_client.get(PAGE)

    assert response.context["status"].queues.state == "in_process"
    assert "Tasks run in-process" in response.content.decode()


def test_a_broker_that_does_not_answer_is_shown_unreachable(
    replayer_client: Client, broker: Callable[[str], None]
) -> None:
    broker("redis://:hunter2@127.0.0.1:1/0")

    response = replayer_client.get(PAGE)
    body = token_client("system_status:read").get(API)

    assert response.status_code == 200
    assert "The broker is unreachable" in response.content.decode()
    assert body.json()["queues"] == {"state": "unreachable", "depths": {}}
    assert body.json()["healthy"] is False
    assert "hunter2" not in response.content.decode() + body.content.decode()


def test_queue_lengths_are_read_from_a_redis_broker(
    replayer_client: Client, broker: Callable[[str], None]
) -> None:
    url = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    url = url.rsplit("/", 1)[0] + "/13"  # helper database: nothing else uses it
    connection_ = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection_.ping()
    except redis.RedisError:
        pytest.skip(f"No Redis at {url}")
    queue = current_app.conf.task_default_queue
    connection_.delete(queue, f"{queue}\x06\x163")
    connection_.rpush(queue, "one", "two")
    connection_.rpush(f"{queue}\x06\x163", "three")  # priority 3: kombu's second list
    broker(url)
    try:
        response = replayer_client.get(PAGE)
    finally:
        connection_.delete(queue, f"{queue}\x06\x163")

    queues = response.context["status"].queues
    assert (queues.state, queues.depths) == ("measured", {queue: 3})
    assert f'<th scope="row">{queue}</th><td class="system-status-number">3</td>' in (
        response.content.decode()
    )


# Bounded work --------------------------------------------------------------------------------


def _many(shop: ShopIntegration, count: int) -> None:
    endpoint = OutboundWebhook.objects.create(
        name=f"Hook {count}", url="https://hook.example.com", secret="s"
    )
    for _ in range(count):
        delivery(shop, status=Status.FAILED, error="ValueError: x")
        delivery(shop, minutes_ago=10)
        OutboundDelivery.objects.create(
            endpoint=endpoint, event="pickup.ready", body="{}", status="failed", attempts=3
        )
    extra = ShopIntegration.objects.create(
        platform="woocommerce",
        name=f"Shop {count}",
        slug=f"shop-{count}",
        base_url="https://shop.example.com",
        webhook_secret="x",
    )
    for kind in ("orders", "customers"):
        SyncRun.objects.create(integration=extra, kind=kind, status="completed")


def test_the_page_and_the_api_cost_the_same_queries_whatever_the_data(
    replayer_client: Client, shop: ShopIntegration
) -> None:
    api = token_client("system_status:read")
    replayer_client.get(PAGE)  # warm: the session, content types
    api.get(API)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert replayer_client.get(PAGE).status_code == 200
        with CaptureQueriesContext(connection) as body:
            assert api.get(API).status_code == 200
        return len(page), len(body)

    _many(shop, 1)
    few = queries()
    _many(shop, LIST_LIMIT + 5)
    many = queries()

    assert few == many, (few, many)
    assert many[0] <= 20, many
    assert many[1] <= 15, many
    response = replayer_client.get(PAGE)
    inbox = response.context["status"].inbox
    assert len(inbox.oldest_failed) == len(inbox.oldest_stuck) == LIST_LIMIT
    assert (inbox.failed.value, inbox.stuck.value) == (LIST_LIMIT + 6, LIST_LIMIT + 6)


def test_counts_stop_at_the_cap(
    replayer_client: Client, shop: ShopIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    from journeys.system_status import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(5):
        delivery(shop, status=Status.FAILED, error="ValueError: x")

    response = replayer_client.get(PAGE)

    assert response.context["status"].inbox.failed == selectors.CappedCount(3, capped=True)
    assert "3 or more" in response.content.decode()


# The API -------------------------------------------------------------------------------------


def test_the_api_gives_the_pages_figures_to_a_monitoring_client(
    shop: ShopIntegration,
) -> None:
    stuck = delivery(shop, minutes_ago=4)
    failed = delivery(shop, status=Status.FAILED, error=ERROR_TEXT, minutes_ago=9)

    response = token_client("system_status:read").get(API)

    assert response.status_code == 200
    body = response.json()
    inbox = body["webhook_deliveries"]
    assert inbox["failed"] == {"count": 1, "capped": False}
    assert inbox["stuck"] == {"count": 1, "capped": False}
    assert inbox["stuck_after_seconds"] == 120
    # The stuck delivery's age: a failed one waits no more.
    assert 4 * 60 - 5 < inbox["lag_seconds"] < 4 * 60 + 60
    assert [row["id"] for row in inbox["oldest_failed"]] == [failed.pk]
    assert inbox["oldest_failed"][0]["error_class"] == "KeyError"
    assert inbox["oldest_stuck"][0] == {
        "id": stuck.pk,
        "shop": shop.name,
        "topic": "orders/create",
        "status": "received",
        "received_at": stuck.received_at.astimezone(datetime.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "attempts": 0,
        "requeued": 0,
        "error_class": "",
    }
    assert body["shops"][0]["name"] == shop.name
    assert body["queues"] == {"state": "in_process", "depths": {}}
    assert body["healthy"] is False
    text = response.content.decode()
    assert "bob.norman" not in text
    for secret in SECRETS:
        assert secret not in text


def test_the_api_refuses_clients_without_the_scope_limited_to_a_store_or_anonymous(
    store: Any,
) -> None:
    others = tuple(scope for scope in ("orders:read", "customers:read", "gdpr:read"))
    refused = token_client(*others).get(API)
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    store_bound = token_client("system_status:read", store=store).get(API)
    assert store_bound.status_code == 403
    assert store_bound.json()["code"] == "store_forbidden"
    assert APIClient().get(API).status_code == 401


def test_the_api_answers_the_operations_role_and_refuses_associates(
    operations_user: User, associate: Associate, marketer: User
) -> None:
    client = APIClient()
    client.force_login(operations_user)
    assert client.get(API).status_code == 200
    for user in (associate.user, marketer):
        client.force_login(user)
        assert client.get(API).status_code == 403, user


def test_the_api_is_documented_with_its_scope(db: None) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/system-status"]["get"]
    assert "`system_status:read`" in operation["description"]
    assert operation["tags"] == ["operations"]
    properties = schema["components"]["schemas"]["SystemStatus"]["properties"]
    assert {"shops", "webhook_deliveries", "outbound_deliveries", "jobs", "queues"} <= set(
        properties
    )


# French --------------------------------------------------------------------------------------


def test_the_page_is_in_french(replayer_client: Client, shop: ShopIntegration) -> None:
    delivery(shop, status=Status.FAILED, error="ValueError: x")

    html = replayer_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "État du système" in html
    assert "Traiter à nouveau tous ceux en échec" in html
    assert "Webhook deliveries waiting" not in html
