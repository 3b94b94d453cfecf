"""Structured logs (issue 12): JSON lines with the request id the response sends back, carried
to the tasks the request queued, naming the user by id and never by name or email."""

import base64
import hashlib
import hmac
import io
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils.log import configure_logging

from clienteling.models import Associate
from customers.factories import CustomerFactory
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from omni.factories import StoreFactory, UserFactory
from omni.logs import RequestIdMiddleware, logging_config, redact
from tests.integrations.test_celery_worker import (  # noqa: F401  (fixtures)
    broker_url,
    celery_worker,
)

SHOPIFY_SECRET = "shpss_logs_test_secret"
HEX_ID = re.compile(r"[0-9a-f]{32}")


class JsonLines:
    """What the settings' JSON logging wrote, one parsed object per line."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def all(self) -> list[dict]:
        return [json.loads(line) for line in self.buffer.getvalue().splitlines()]

    def of(self, logger: str) -> list[dict]:
        return [line for line in self.all() if line["logger"] == logger]


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    """The production configuration (omni.logs.logging_config), its handler writing here."""
    logging.config.dictConfig(logging_config(log_format="json", level="INFO"))
    buffer = io.StringIO()
    for handler in logging.getLogger().handlers:
        handler.setStream(buffer)
    yield JsonLines(buffer)
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.fixture
def signed_in(client: Client, associate: Associate) -> Client:
    user = associate.user
    user.first_name, user.last_name, user.email = "Camille", "Duvalier", "camille@shop.example"
    user.save()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_request_line_carries_the_request_id_its_response_sends(
    signed_in: Client, associate: Associate, json_lines: JsonLines
) -> None:
    response = signed_in.get("/pickups/")

    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    [line] = json_lines.of("omni.requests")
    assert line["request_id"] == request_id
    assert line["user_id"] == associate.user.pk
    assert line["view"] == "clienteling:pickups"
    assert (line["method"], line["status_code"], line["level"]) == ("GET", 200, "INFO")
    assert line["time"].endswith("Z")
    text = json_lines.buffer.getvalue()
    assert "Camille" not in text
    assert "camille@" not in text
    assert "/pickups/" not in text


@pytest.mark.django_db
def test_an_incoming_request_id_is_kept_when_sane_and_replaced_otherwise(
    signed_in: Client, json_lines: JsonLines
) -> None:
    kept = "lb-7f3a.2026_11_02-0001"
    assert signed_in.get("/pickups/", headers={"X-Request-ID": kept})["X-Request-ID"] == kept

    for bad in ("has space", "x" * 65, "semi;colon", "ünicode", "<script>"):
        sent_back = signed_in.get("/pickups/", headers={"X-Request-ID": bad})["X-Request-ID"]
        assert HEX_ID.fullmatch(sent_back), bad

    ids = [line["request_id"] for line in json_lines.of("omni.requests")]
    assert ids[0] == kept
    assert len(set(ids)) == 6  # every replacement is a new id


@pytest.mark.django_db
def test_an_api_client_is_named_by_its_id(client: Client, json_lines: JsonLines) -> None:
    from omni.api.clients import api_client_create

    token = api_client_create(name="logs-test", scopes=["customers:read"])[1]
    from omni.models import ApiClient

    api_client = ApiClient.objects.get(name="logs-test")
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    [line] = json_lines.of("omni.requests")
    assert line["api_client_id"] == api_client.pk
    assert "user_id" not in line
    assert token not in json_lines.buffer.getvalue()


@pytest.mark.django_db
def test_a_log_call_with_arguments_is_one_json_line_without_personal_data(
    json_lines: JsonLines,
) -> None:
    user = UserFactory(first_name="Claire", last_name="Martin", email="claire@example.fr")
    customer = CustomerFactory(first_name="Hélène", last_name="Dubois", email="helene@example.fr")
    logger = logging.getLogger("omni.tests.logs")

    def view(request: object) -> object:
        logger.warning(
            'Customer %s wrote "%s" from %s\nsecond line',
            customer,
            {"note": "hello"},
            "helene@example.fr",
            extra={"order_count": 3, "payload": object(), "kind": "note"},
        )
        try:
            raise ValueError("duplicate key: Key (email)=(claire@example.fr) already exists.")
        except ValueError:
            logger.exception("Refused for %s", user)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/anything/?q=claire@example.fr")
    request.user = user
    response = RequestIdMiddleware(view)(request)

    text = json_lines.buffer.getvalue()
    first, second = json_lines.of("omni.tests.logs")  # each valid JSON on one line
    assert len(text.splitlines()) == len(json_lines.all())
    assert first["request_id"] == second["request_id"] == response["X-Request-ID"]
    assert first["message"].startswith(f"Customer customers.Customer #{customer.pk} wrote")
    assert first["order_count"] == 3
    assert first["kind"] == "note"
    assert "payload" not in first
    assert second["message"] == f"Refused for auth.User #{user.pk}"
    assert "Key (email)=(…)" in second["exception"]
    for personal in ("Claire", "Martin", "claire@", "Hélène", "Dubois", "helene@"):
        assert personal not in text, personal


def test_redact_leaves_ordinary_text_alone() -> None:
    assert (
        redact("Sync 12: record 4501 failed: HTTP 502") == "Sync 12: record 4501 failed: HTTP 502"
    )
    assert redact("mail to a.b+c@shop.co.uk now") == "mail to [email] now"


def test_the_text_format_is_one_readable_line_with_its_context(
    json_lines: JsonLines,
) -> None:
    logging.config.dictConfig(logging_config(log_format="text", level="INFO"))
    buffer = io.StringIO()
    for handler in logging.getLogger().handlers:
        handler.setStream(buffer)

    def view(request: object) -> object:
        logging.getLogger("omni.tests.logs").info("Pickup %s ready", 12)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get("/", headers={"X-Request-ID": "abc-1"})
    request.user = None
    RequestIdMiddleware(view)(request)

    line = buffer.getvalue()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO omni\.tests\.logs: Pickup 12 ready \[request=abc-1\]\n", line
    )


# Tasks --------------------------------------------------------------------------------------


def _shop(store: object) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Logs test shop",
        slug="logs-shop",
        base_url="https://logs-shop.myshopify.com",
        api_secret="shpat_logs",
        webhook_secret=SHOPIFY_SECRET,
        pickup_store=store,
    )


def _post_unusable_order(client: Client, request_id: str) -> object:
    """A signed order webhook Omni cannot apply: its task logs a warning."""
    body = json.dumps({"id": 99, "email": "nobody@example.fr"}).encode()
    signature = base64.b64encode(
        hmac.new(SHOPIFY_SECRET.encode(), body, hashlib.sha256).digest()
    ).decode()
    headers = {
        "X-Request-ID": request_id,
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Shop-Domain": "logs-shop.myshopify.com",
        "X-Shopify-Webhook-Id": f"webhook-{request_id}",
    }
    return client.post(
        "/webhooks/shopify/logs-shop/", body, content_type="application/json", headers=headers
    )


@pytest.mark.django_db(transaction=True)
def test_a_task_run_in_the_request_logs_with_the_request_id(json_lines: JsonLines) -> None:
    _shop(StoreFactory(code="logs"))

    response = _post_unusable_order(Client(), "shop-delivery-42")

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    [failed] = json_lines.of("journeys.integrations.inbox")
    assert failed["request_id"] == "shop-delivery-42" == response["X-Request-ID"]
    assert failed["task_name"] == "journeys.tasks.webhook_delivery_process_task"
    assert failed["level"] == "WARNING"
    assert "nobody@" not in json_lines.buffer.getvalue()
    # The task's own fields end with it: the request's access line has none.
    [access] = json_lines.of("omni.requests")
    assert access["request_id"] == "shop-delivery-42"
    assert "task_name" not in access


@pytest.fixture
def json_worker() -> Iterator[None]:
    """Workers started from here write JSON (settings.OMNI_LOG_FORMAT, read at their start)."""
    before = os.environ.get("OMNI_LOG_FORMAT")
    os.environ["OMNI_LOG_FORMAT"] = "json"
    yield
    if before is None:
        del os.environ["OMNI_LOG_FORMAT"]
    else:
        os.environ["OMNI_LOG_FORMAT"] = before


def _worker_lines(log: Path, delivery_id: int) -> list[dict]:
    """The worker's JSON lines once the delivery is failed and the task has ended."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = WebhookDelivery.objects.get(pk=delivery_id).status
        text = log.read_text()
        if status != WebhookDelivery.Status.RECEIVED and "webhook_delivery_process_task[" in text:
            lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
            if any("succeeded" in line["message"] for line in lines):
                return lines
        time.sleep(0.2)
    raise AssertionError(log.read_text())


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_a_request_logs_on_the_worker_with_the_request_id(
    json_worker: None,
    celery_worker: Path,  # noqa: F811
) -> None:
    _shop(StoreFactory(code="logs"))

    response = _post_unusable_order(Client(), "shop-delivery-43")

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    lines = _worker_lines(celery_worker, delivery.pk)
    in_task = [line for line in lines if line.get("task_name")]
    failed = [line for line in in_task if line["logger"] == "journeys.integrations.inbox"]
    assert failed, lines
    for line in in_task:
        assert line["request_id"] == "shop-delivery-43", line
        assert line["task_name"] == "journeys.tasks.webhook_delivery_process_task"
    assert "nobody@" not in celery_worker.read_text()


@pytest.mark.django_db
def test_a_user_object_in_a_log_call_is_written_as_its_id(json_lines: JsonLines) -> None:
    user = User.objects.create_user("someone", email="someone@example.fr")
    logging.getLogger("omni.tests.logs").info("Replayed by %s", user)
    [line] = json_lines.of("omni.tests.logs")
    assert line["message"] == f"Replayed by auth.User #{user.pk}"
