"""The actor of an API write is the API client: the workflow histories an integration's
requests write name it (a signed-in associate's name her instead), and nothing leaks past the
request."""

from types import SimpleNamespace
from typing import Any

import pytest

from journeys.models import AfterSalesStatusChange, OrderStatusChange
from journeys.services import ticket_transition
from omni.api_writer import writing_api_client
from tests.api.conftest import MakeClient, order_payload

pytestmark = pytest.mark.django_db


def test_a_ticket_moved_by_an_integration_names_its_api_client(
    world: SimpleNamespace, make_api_client: MakeClient
) -> None:
    api = make_api_client()

    moved = api.post(
        f"/api/v1/tickets/{world.ticket.pk}/transitions", {"status": "in_progress"}, format="json"
    )

    assert moved.status_code == 200, moved.content
    change = AfterSalesStatusChange.objects.get(subject=world.ticket)
    assert (change.api_client, change.actor) == (api.api_client, None)
    assert writing_api_client() is None


def test_an_order_status_reported_through_the_api_names_its_api_client(
    world: SimpleNamespace, make_api_client: MakeClient
) -> None:
    api = make_api_client()
    path = "/api/v1/orders/shopify/7001"

    created = api.put(path, order_payload(status="confirmed"), format="json")
    cancelled = api.put(
        path,
        order_payload(status="cancelled", source_updated_at="2026-11-03T10:00:00Z"),
        format="json",
    )

    assert (created.status_code, cancelled.status_code) in {(201, 200), (200, 200)}
    change = OrderStatusChange.objects.get(to_status="cancelled")
    assert change.api_client == api.api_client
    assert writing_api_client() is None


def test_the_tablet_s_moves_name_the_associate_and_no_client(
    world: SimpleNamespace, associate: Any
) -> None:
    ticket_transition(ticket=world.ticket, status="in_progress", actor=associate.user)

    change = AfterSalesStatusChange.objects.get(subject=world.ticket)
    assert (change.actor, change.api_client) == (associate.user, None)
