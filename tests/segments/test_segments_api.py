"""The segments API: list, detail with live counts, consenting members (cursor pages),
snapshots (idempotent), scopes, head-office clients only, constant query counts."""

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from customers.factories import ConsentFactory, CustomerFactory
from omni.models import Store
from segments.models import SegmentSnapshot
from tests.api.conftest import MakeClient, TokenClient
from tests.segments.conftest import make_segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(people: SimpleNamespace) -> object:
    """Alice, Bruno (consent withdrawn) and Chloé."""
    return make_segment(
        (1, "lifecycle_stage", "in", "loyalty,retention"),
        (2, "tag", "has", "Press"),
        name="Loyal or press",
    )


def test_the_list_shows_segments_and_their_rules(api_client: TokenClient, segment: object) -> None:
    make_segment(name="Dormant", is_active=False)
    body = api_client.get("/api/v1/segments").json()
    assert [row["name"] for row in body["results"]] == ["Loyal or press", "Dormant"]
    assert body["results"][0]["rules"][1] == {
        "group": 2,
        "field": "tag",
        "operator": "has",
        "value": "Press",
    }
    active = api_client.get("/api/v1/segments", {"is_active": "true"}).json()["results"]
    assert [row["name"] for row in active] == ["Loyal or press"]


def test_the_detail_has_the_live_counts(api_client: TokenClient, segment: object) -> None:
    body = api_client.get(f"/api/v1/segments/{segment.pk}").json()
    assert (body["member_count"], body["contactable_count"]) == (3, 2)


def test_members_are_only_those_who_consent_in_cursor_pages(
    api_client: TokenClient, segment: object, people: SimpleNamespace
) -> None:
    first = api_client.get(f"/api/v1/segments/{segment.pk}/members", {"page_size": 1}).json()
    assert [row["id"] for row in first["results"]] == [people.alice.pk]
    assert first["results"][0]["contact"] == people.alice.email
    second = api_client.get(first["next"]).json()
    assert [row["first_name"] for row in second["results"]] == ["Chloé"]
    assert second["next"] is None


def test_a_snapshot_is_frozen_once_per_idempotency_key(
    api_client: TokenClient, segment: object
) -> None:
    url = f"/api/v1/segments/{segment.pk}/snapshots"
    headers = {"HTTP_IDEMPOTENCY_KEY": "campaign-42"}
    created = api_client.post(url, {"name": "Winter"}, format="json", **headers)
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["member_count"]) == ("Winter", 3)
    replay = api_client.post(url, {"name": "Winter"}, format="json", **headers)
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == created.json()["id"]
    assert SegmentSnapshot.objects.count() == 1


def test_an_inactive_segment_cannot_be_frozen(api_client: TokenClient) -> None:
    dormant = make_segment(name="Dormant", is_active=False)
    response = api_client.post(f"/api/v1/segments/{dormant.pk}/snapshots", {}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "segment_inactive"
    assert not SegmentSnapshot.objects.exists()


def test_scopes_are_required(make_api_client: MakeClient, segment: object) -> None:
    reader = make_api_client(scopes=("segments:read",))
    assert reader.get(f"/api/v1/segments/{segment.pk}/members").status_code == 200
    refused = reader.post(f"/api/v1/segments/{segment.pk}/snapshots", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    other = make_api_client(scopes=("customers:read",))
    assert other.get("/api/v1/segments").status_code == 403
    assert not SegmentSnapshot.objects.exists()


def test_store_bound_clients_sessions_and_anonymous_are_refused(
    make_api_client: MakeClient, segment: object, store: Store, associate: object
) -> None:
    store_client = make_api_client(store=store)
    assert store_client.get("/api/v1/segments").status_code == 403
    session = APIClient()
    session.force_login(associate.user)
    assert session.get(f"/api/v1/segments/{segment.pk}/members").status_code == 403
    assert APIClient().get("/api/v1/segments").status_code == 401
    response = store_client.post(f"/api/v1/segments/{segment.pk}/snapshots", {}, format="json")
    assert response.status_code == 403
    assert not SegmentSnapshot.objects.exists()


def test_an_unknown_segment_is_a_json_404(api_client: TokenClient) -> None:
    response = api_client.get("/api/v1/segments/999999/members")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["", "/{id}", "/{id}/members"])
def test_query_counts_do_not_grow_with_the_members(
    api_client: TokenClient,
    segment: object,
    django_assert_max_num_queries: Callable,
    path: str,
) -> None:
    url = "/api/v1/segments" + path.format(id=segment.pk)
    api_client.get(url)  # The first call also stamps the client's last use.
    counts = []
    for new_members in (2, 18):
        for _index in range(new_members):
            ConsentFactory(customer=CustomerFactory(lifecycle_stage="loyalty"))
            make_segment(name=f"Extra {CustomerFactory._meta.model.objects.count()}")
        with django_assert_max_num_queries(20) as context:
            assert api_client.get(url).status_code == 200
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
