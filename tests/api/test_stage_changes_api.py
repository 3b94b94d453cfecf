"""GET /api/v1/stage-changes: what a CRM pulls to act on customers' new lifecycle stages."""

import datetime

import pytest
from django.utils import timezone

from customers.factories import CustomerFactory
from journeys.factories import LifecycleStageChangeFactory, OrderFactory
from journeys.lifecycle.services import customers_lifecycle_refresh
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def test_a_refresh_that_changes_the_stage_is_listed_with_its_reason(
    api_client: TokenClient,
) -> None:
    customer = CustomerFactory(loyalty_number=None)
    OrderFactory(customer=customer, status="completed", placed_at=timezone.now())
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger="event")

    response = api_client.get("/api/v1/stage-changes", {"customer": customer.pk})

    assert response.status_code == 200
    [change] = response.json()["results"]
    assert (change["customer"], change["to_stage"], change["trigger"]) == (
        customer.pk,
        "conversion",
        "event",
    )
    assert change["reason"]


def test_filters_by_time_stage_and_trigger(api_client: TokenClient) -> None:
    now = timezone.now()
    old = LifecycleStageChangeFactory(changed_at=now - datetime.timedelta(days=3))
    lapsed = LifecycleStageChangeFactory(to_stage="lapsed", trigger="nightly", changed_at=now)
    recent = LifecycleStageChangeFactory(changed_at=now)

    since = (now - datetime.timedelta(days=1)).isoformat()
    ids = [
        row["id"]
        for row in api_client.get(
            f"/api/v1/stage-changes?changed_since={since.replace('+', '%2B')}"
        ).json()["results"]
    ]
    assert sorted(ids) == sorted([lapsed.pk, recent.pk])
    assert old.pk not in ids
    by_stage = api_client.get("/api/v1/stage-changes", {"to_stage": "lapsed"}).json()["results"]
    assert [row["id"] for row in by_stage] == [lapsed.pk]
    nightly = api_client.get("/api/v1/stage-changes", {"trigger": "nightly"}).json()["results"]
    assert [row["id"] for row in nightly] == [lapsed.pk]


@pytest.mark.parametrize(
    "query", ["to_stage=vip", "trigger=whenever", "changed_since=yesterday", "customer=abc"]
)
def test_bad_filters_are_a_400_with_the_field(api_client: TokenClient, query: str) -> None:
    response = api_client.get(f"/api/v1/stage-changes?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_the_list_costs_the_same_queries_for_2_or_40_changes(
    api_client: TokenClient, django_assert_max_num_queries: object
) -> None:
    LifecycleStageChangeFactory.create_batch(2)
    with django_assert_max_num_queries(6) as small:  # type: ignore[operator]
        assert api_client.get("/api/v1/stage-changes").status_code == 200
    LifecycleStageChangeFactory.create_batch(38)
    with django_assert_max_num_queries(len(small.captured_queries)):  # type: ignore[operator]
        assert len(api_client.get("/api/v1/stage-changes").json()["results"]) == 40
