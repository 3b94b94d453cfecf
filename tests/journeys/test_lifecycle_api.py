"""The customer API shows the lifecycle stage, since when, and the metrics summary, read-only,
in a number of queries that does not grow with the customers listed."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import LifecycleStageChange, LifecycleTrigger
from omni.api.clients import api_client_create
from omni.models import ApiScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    _model, token = api_client_create(name="e-shop", scopes=ApiScope.values)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _buyer() -> Customer:
    customer = CustomerFactory()
    for ago, channel in ((30, "store"), (10, "web")):
        OrderFactory(
            customer=customer,
            channel=channel,
            total=Decimal("150.00"),
            placed_at=timezone.now() - datetime.timedelta(days=ago),
        )
    return customer


def test_a_customer_shows_her_stage_since_and_metrics(api: APIClient) -> None:
    customer = _buyer()
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger=LifecycleTrigger.EVENT)
    change = LifecycleStageChange.objects.get(customer=customer)

    body = api.get(f"/api/v1/customers/{customer.pk}").json()

    assert body["lifecycle_stage"] == "retention"
    assert datetime.datetime.fromisoformat(body["lifecycle_stage_since"]) == change.changed_at
    assert body["metrics"]["order_count"] == 2
    assert Decimal(body["metrics"]["total_spent"]) == Decimal("300.00")
    assert body["metrics"]["channels"] == ["store", "web"]
    assert body["metrics"]["last_order_at"] is not None


def test_before_any_computation_the_fields_are_null(api: APIClient) -> None:
    customer = CustomerFactory()
    body = api.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["lifecycle_stage"] == "reach"
    assert body["lifecycle_stage_since"] is None
    assert body["metrics"] is None


def test_the_stage_is_read_only_through_the_upsert(api: APIClient) -> None:
    response = api.put(
        "/api/v1/customers/shopify/77",
        {"email": "new@example.fr", "lifecycle_stage": "loyalty"},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert Customer.objects.get(email="new@example.fr").lifecycle_stage == "reach"


def test_the_list_runs_the_same_queries_for_2_or_20_customers(
    api: APIClient,
) -> None:
    def listed() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/customers", {"page_size": 50}).status_code == 200
        return len(queries)

    first = [_buyer() for _number in range(2)]
    customers_lifecycle_refresh(customer_ids=[c.pk for c in first], trigger="event")
    listed()  # the first request also does once-only work (the client's last use)
    few = listed()
    more = [_buyer() for _number in range(18)]
    customers_lifecycle_refresh(customer_ids=[c.pk for c in more], trigger="event")
    assert listed() == few
