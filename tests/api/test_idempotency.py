"""The Idempotency-Key matrix: replay, another body, another client, concurrency, expiry."""

import datetime
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from journeys.models import AfterSalesTicket, Order, Touchpoint
from omni.api.idempotency import idempotency_records_purge
from omni.models import IdempotencyRecord
from tests.api.conftest import MakeClient, TokenClient, database_state, order_payload

pytestmark = pytest.mark.django_db


def _ticket(customer_id: int, subject: str = "Broken heel") -> dict[str, Any]:
    return {"customer": {"id": customer_id}, "kind": "repair", "subject": subject, "channel": "web"}


def test_a_replay_returns_the_stored_response_and_runs_nothing(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    first = api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201
    before = database_state()
    replay = api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert database_state() == before
    assert AfterSalesTicket.objects.filter(subject="Broken heel").count() == 1


def test_without_a_key_each_post_runs(api_client: TokenClient, world: SimpleNamespace) -> None:
    for _attempt in range(2):
        api_client.post("/api/v1/tickets", _ticket(world.customer.pk), format="json")
    assert AfterSalesTicket.objects.filter(subject="Broken heel").count() == 2


def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    before = database_state()
    other = api_client.post(
        "/api/v1/tickets",
        _ticket(world.customer.pk, subject="Another thing"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert database_state() == before


def test_the_same_key_on_another_endpoint_is_422(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    response = api_client.post(
        f"/api/v1/tickets/{world.ticket.pk}/transitions",
        _ticket(world.customer.pk),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert response.status_code == 422


def test_another_client_with_the_same_key_is_independent(
    make_api_client: MakeClient, world: SimpleNamespace
) -> None:
    shop, pos = make_api_client(), make_api_client()
    for client in (shop, pos):
        response = client.post(
            "/api/v1/tickets",
            _ticket(world.customer.pk),
            format="json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert AfterSalesTicket.objects.filter(subject="Broken heel").count() == 2


def test_an_error_response_is_stored_and_replayed_too(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    body = {"status": "closed"}  # open → closed is not allowed
    path = f"/api/v1/tickets/{world.ticket.pk}/transitions"
    first = api_client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-err")
    assert first.status_code == 409
    replay = api_client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k-err")
    assert (replay.status_code, replay.json()) == (409, first.json())
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_a_failed_request_leaves_no_partial_write(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    """The booking resolves (creates) the customer before failing on the busy associate."""
    starts = world.appointment.starts_at
    body = {
        "customer": {"email": "someone.new@example.fr"},
        "store": world.store.code,
        "service": world.service.code,
        "associate": world.associate.pk,
        "starts_at": starts.isoformat(),
    }
    before = database_state()
    response = api_client.post(
        "/api/v1/appointments", body, format="json", HTTP_IDEMPOTENCY_KEY="k-busy"
    )
    assert response.status_code == 409
    assert database_state() == before


def test_a_request_still_running_makes_the_retry_wait_with_409(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    IdempotencyRecord.objects.create(
        client=api_client.api_client,
        key="k-running",
        method="POST",
        path="/api/v1/tickets",
        request_hash=_hash_of(api_client, world),
        created_at=timezone.now(),
    )
    response = api_client.post(
        "/api/v1/tickets",
        _ticket(world.customer.pk),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-running",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert not AfterSalesTicket.objects.filter(subject="Broken heel").exists()


def _hash_of(api_client: TokenClient, world: SimpleNamespace) -> str:
    """The digest the server computes, learnt from a throw-away request."""
    api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="probe"
    )
    probe = IdempotencyRecord.objects.get(key="probe")
    AfterSalesTicket.objects.filter(subject="Broken heel").delete()
    return probe.request_hash


def test_an_abandoned_claim_can_be_retried(api_client: TokenClient, world: SimpleNamespace) -> None:
    digest = _hash_of(api_client, world)
    IdempotencyRecord.objects.create(
        client=api_client.api_client,
        key="k-dead",
        method="POST",
        path="/api/v1/tickets",
        request_hash=digest,
        created_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    response = api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-dead"
    )
    assert response.status_code == 201


@override_settings(OMNI_IDEMPOTENCY_RETENTION_HOURS=24)
def test_records_are_kept_24_hours_then_purged(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-old"
    )
    now = timezone.now()
    assert idempotency_records_purge(now=now + datetime.timedelta(hours=23)) == 0
    assert idempotency_records_purge(now=now + datetime.timedelta(hours=25)) == 1
    again = api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY="k-old"
    )
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-é", "tab\there"])
def test_a_malformed_key_is_400(api_client: TokenClient, world: SimpleNamespace, key: str) -> None:
    response = api_client.post(
        "/api/v1/tickets", _ticket(world.customer.pk), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not AfterSalesTicket.objects.filter(subject="Broken heel").exists()


def test_touchpoints_are_idempotent_by_source_and_external_id(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    body = {
        "customer": {"source": "shopify", "external_id": "55"},
        "channel": "email",
        "kind": "email_opened",
        "occurred_at": "2026-11-03T08:00:00Z",
        "source": "klaviyo",
        "external_id": "open-77",
    }
    first = api_client.post("/api/v1/touchpoints", body, format="json")
    again = api_client.post("/api/v1/touchpoints", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Touchpoint.objects.filter(source="klaviyo").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_run_once(
    make_api_client: MakeClient, catalogue: Any
) -> None:
    client = make_api_client()
    body = {"records": [{**order_payload(), "source": "shopify", "external_reference": "C-1"}]}
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send() -> None:
        thread_client = APIClient()
        thread_client.credentials(HTTP_AUTHORIZATION=f"Bearer {client.token}")
        barrier.wait()
        try:
            response = thread_client.post(
                "/api/v1/orders/batch", body, format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Order.objects.filter(external_reference="C-1").count() == 1
    assert set(statuses) <= {200, 409}
    assert statuses.count(200) >= 1, statuses
    record = IdempotencyRecord.objects.get(key="race")
    assert record.response_body["summary"] == {"created": 1}
