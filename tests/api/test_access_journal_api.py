"""API reads are journaled: by token (the API client) or by an associate's session (the user
and her store), one INSERT per request whatever the page size; writes, refusals and empty
pages journal nothing. Segment member pulls journal each member of the page."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clienteling.models import ProfileAccess
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from omni.access_journal import Door
from omni.models import ApiScope
from segments.factories import SegmentFactory, SegmentRuleFactory
from tests.api.conftest import MakeClient, TokenClient

pytestmark = pytest.mark.django_db
JOURNAL = ProfileAccess._meta.db_table


def journal_statements(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].upper().startswith("INSERT") and JOURNAL in query["sql"]
    )


def journaled(**filters: Any) -> list[tuple[int, str, int | None, int | None, int | None]]:
    rows = ProfileAccess.objects.filter(**filters).order_by("customer_id")
    return list(rows.values_list("customer_id", "context", "user_id", "api_client_id", "store_id"))


def test_a_page_of_customers_is_one_statement_naming_the_api_client(
    api_client: TokenClient,
) -> None:
    customers = CustomerFactory.create_batch(12)
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/customers", {"page_size": 200})
    assert response.status_code == 200
    assert journal_statements(queries) == 1
    client_id = api_client.api_client.pk
    assert journaled() == [
        (customer.pk, Door.API, None, client_id, None)
        for customer in sorted(customers, key=lambda customer: customer.pk)
    ]


def test_a_customer_read_by_token_and_by_an_associate_session(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    customer = world.customer
    assert api_client.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    session = APIClient()
    session.force_login(world.associate.user)
    assert session.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    assert journaled() == [
        (customer.pk, Door.API, None, api_client.api_client.pk, None),
        (customer.pk, Door.API, world.associate.user_id, None, world.store.pk),
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders",
        "/api/v1/pickups",
        "/api/v1/appointments",
        "/api/v1/tickets",
        "/api/v1/wishlists",
        "/api/v1/wishlist-items",
        "/api/v1/touchpoints",
        "/api/v1/stage-changes",
    ],
)
def test_lists_of_her_history_journal_her_once(
    api_client: TokenClient, world: SimpleNamespace, path: str
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(path)
    assert response.status_code == 200
    assert response.json()["results"]
    assert journal_statements(queries) == 1
    assert journaled() == [(world.customer.pk, Door.API, None, api_client.api_client.pk, None)]


def test_an_order_read_journals_its_customer(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    assert api_client.get(f"/api/v1/orders/{world.order.pk}").status_code == 200
    assert [row[0] for row in journaled()] == [world.customer.pk]


def test_refusals_writes_and_empty_pages_journal_nothing(
    make_api_client: MakeClient, api_client: TokenClient, world: SimpleNamespace
) -> None:
    no_customers = make_api_client(scopes=(ApiScope.ORDERS_READ,))
    assert no_customers.get(f"/api/v1/customers/{world.customer.pk}").status_code == 403
    missing = Customer.objects.order_by("-pk").first().pk + 1
    assert api_client.get(f"/api/v1/customers/{missing}").status_code == 404
    assert APIClient().get(f"/api/v1/customers/{world.customer.pk}").status_code in (401, 403)
    response = api_client.get("/api/v1/orders", {"customer": missing})
    assert response.status_code in (200, 400)
    assert api_client.get("/api/v1/orders", {"status": "cancelled"}).json()["results"] == []
    response = api_client.put(
        f"/api/v1/customers/{world.customer.pk}/tags", {"tags": []}, format="json"
    )
    assert response.status_code == 200
    assert not ProfileAccess.objects.exists()


def test_orders_of_several_customers_journal_each_once(api_client: TokenClient) -> None:
    first, second = CustomerFactory.create_batch(2)
    for customer in (first, second, first):
        OrderFactory(customer=customer)
    api_client.get("/api/v1/orders", {"page_size": 50})
    assert [row[0] for row in journaled()] == sorted([first.pk, second.pk])


def test_a_segment_member_pull_journals_the_members_of_the_page(
    api_client: TokenClient,
) -> None:
    members = CustomerFactory.create_batch(3, lifecycle_stage="loyalty")
    for customer in members:
        ConsentFactory(customer=customer, purpose="marketing", channel="email", granted=True)
    segment = SegmentFactory(purpose="marketing", contact_channel="email")
    SegmentRuleFactory(segment=segment, field="lifecycle_stage", operator="in", value="loyalty")
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(f"/api/v1/segments/{segment.pk}/members", {"page_size": 2})
    assert response.status_code == 200
    assert journal_statements(queries) == 1
    shown = [row["id"] for row in response.json()["results"]]
    client_id = api_client.api_client.pk
    assert journaled() == [(pk, Door.SEGMENT_PULL, None, client_id, None) for pk in shown]
    assert api_client.get(f"/api/v1/segments/{segment.pk + 1}/members").status_code == 404
    assert len(journaled()) == 2
