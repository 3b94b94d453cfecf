"""The permission matrix: every operation × (anonymous, missing scope, right scope, other store).

Each refused call must leave the database exactly as it was.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from omni.models import ApiScope, Store
from segments.factories import SegmentFactory
from segments.models import Segment
from tests.api.conftest import ALL_SCOPES, MakeClient, database_state, order_payload

pytestmark = pytest.mark.django_db
TOMORROW = (timezone.now() + datetime.timedelta(days=1)).date()


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[SimpleNamespace], str]
    scope: str
    body: Callable[[SimpleNamespace], dict[str, Any]] | None = None

    def call(self, client: APIClient, world: SimpleNamespace) -> Any:
        send = getattr(client, self.method.lower())
        body = self.body(world) if self.body else None
        return (
            send(self.path(world), body, format="json")
            if body is not None
            else send(self.path(world))
        )

    @property
    def template(self) -> str:
        return f"{self.method} {self.path(TEMPLATE_WORLD)}"


def _customer_body(world: SimpleNamespace) -> dict[str, Any]:
    return {"email": "new.client@example.fr", "first_name": "Inès"}


def _book_body(world: SimpleNamespace) -> dict[str, Any]:
    starts = timezone.make_aware(datetime.datetime.combine(TOMORROW, datetime.time(11)))
    return {
        "customer": {"email": "claire@example.fr"},
        "store": world.store.code,
        "service": world.service.code,
        "associate": world.associate.pk,
        "starts_at": starts.isoformat(),
    }


ENDPOINTS = [
    Endpoint("GET", lambda w: "/api/v1/customers", "customers:read"),
    Endpoint("GET", lambda w: f"/api/v1/customers/{w.customer.pk}", "customers:read"),
    Endpoint("PUT", lambda w: "/api/v1/customers/shopify/900", "customers:write", _customer_body),
    Endpoint(
        "POST",
        lambda w: "/api/v1/customers/batch",
        "customers:write",
        lambda w: {"records": [{"source": "shopify", "external_id": "901", "email": "b@ex.fr"}]},
    ),
    Endpoint("GET", lambda w: f"/api/v1/customers/{w.customer.pk}/consents", "customers:read"),
    Endpoint("GET", lambda w: f"/api/v1/customers/{w.customer.pk}/export", "gdpr:read"),
    Endpoint("POST", lambda w: f"/api/v1/customers/{w.customer.pk}/erase", "gdpr:write"),
    Endpoint("GET", lambda w: "/api/v1/retention", "gdpr:read"),
    Endpoint("POST", lambda w: "/api/v1/retention", "gdpr:write"),
    Endpoint("GET", lambda w: "/api/v1/system-status", "system_status:read"),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/customers/{w.customer.pk}/consents",
        "customers:write",
        lambda w: {
            "purpose": "newsletter",
            "channel": "email",
            "granted": True,
            "wording_version": "v1",
            "collected_via": "web",
        },
    ),
    Endpoint("GET", lambda w: "/api/v1/orders", "orders:read"),
    Endpoint("GET", lambda w: f"/api/v1/orders/{w.order.pk}", "orders:read"),
    Endpoint(
        "PUT", lambda w: "/api/v1/orders/shopify/2001", "orders:write", lambda w: order_payload()
    ),
    Endpoint(
        "POST",
        lambda w: "/api/v1/orders/batch",
        "orders:write",
        lambda w: {
            "records": [{**order_payload(), "source": "shopify", "external_reference": "B1"}]
        },
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/orders/{w.order.pk}/returns",
        "orders:write",
        lambda w: {"lines": [{"line_number": 1, "quantity": 1}], "channel": "store"},
    ),
    Endpoint("GET", lambda w: "/api/v1/wishlists", "wishlists:read"),
    Endpoint("GET", lambda w: f"/api/v1/wishlists/{w.wishlist.pk}", "wishlists:read"),
    Endpoint("GET", lambda w: "/api/v1/wishlist-items", "wishlists:read"),
    Endpoint("GET", lambda w: f"/api/v1/wishlist-items/{w.item.pk}", "wishlists:read"),
    Endpoint(
        "POST",
        lambda w: "/api/v1/wishlist-items",
        "wishlists:write",
        lambda w: {"customer": {"id": w.customer.pk}, "sku": "TRENCH-M", "channel": "web"},
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/wishlist-items/{w.item.pk}/remove",
        "wishlists:write",
        lambda w: {"channel": "web"},
    ),
    Endpoint("GET", lambda w: "/api/v1/tickets", "tickets:read"),
    Endpoint("GET", lambda w: f"/api/v1/tickets/{w.ticket.pk}", "tickets:read"),
    Endpoint(
        "POST",
        lambda w: "/api/v1/tickets",
        "tickets:write",
        lambda w: {
            "customer": {"id": w.customer.pk},
            "kind": "question",
            "subject": "Opening hours?",
            "channel": "web",
        },
    ),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/tickets/{w.ticket.pk}/transitions",
        "tickets:write",
        lambda w: {"status": "in_progress"},
    ),
    Endpoint("GET", lambda w: "/api/v1/pickups", "pickups:read"),
    Endpoint("GET", lambda w: f"/api/v1/pickups/{w.pickup.pk}", "pickups:read"),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/pickups/{w.pickup.pk}/transitions",
        "pickups:write",
        lambda w: {"status": "preparing"},
    ),
    Endpoint("GET", lambda w: "/api/v1/stage-changes", "customers:read"),
    Endpoint("GET", lambda w: f"/api/v1/stage-changes/{w.stage_change.pk}", "customers:read"),
    Endpoint("GET", lambda w: "/api/v1/touchpoints", "touchpoints:read"),
    Endpoint("GET", lambda w: f"/api/v1/touchpoints/{w.touchpoint.pk}", "touchpoints:read"),
    Endpoint(
        "POST",
        lambda w: "/api/v1/touchpoints",
        "touchpoints:write",
        lambda w: {
            "customer": {"id": w.customer.pk},
            "channel": "web",
            "kind": "web_visit",
            "occurred_at": "2026-11-02T10:00:00Z",
        },
    ),
    Endpoint("GET", lambda w: "/api/v1/appointments", "appointments:read"),
    Endpoint("GET", lambda w: f"/api/v1/appointments/{w.appointment.pk}", "appointments:read"),
    Endpoint("POST", lambda w: "/api/v1/appointments", "appointments:write", _book_body),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/appointments/{w.appointment.pk}/transitions",
        "appointments:write",
        lambda w: {"status": "confirmed"},
    ),
    Endpoint(
        "GET",
        lambda w: (
            f"/api/v1/availability?store={w.store.code}&service={w.service.code}"
            f"&date={TOMORROW.isoformat()}"
        ),
        "appointments:read",
    ),
    Endpoint("GET", lambda w: "/api/v1/associates", "appointments:read"),
    Endpoint("GET", lambda w: f"/api/v1/associates/{w.associate.pk}", "appointments:read"),
    Endpoint("GET", lambda w: "/api/v1/stores", "catalog:read"),
    Endpoint("GET", lambda w: f"/api/v1/stores/{w.store.code}", "catalog:read"),
    Endpoint("GET", lambda w: "/api/v1/products", "catalog:read"),
    Endpoint("GET", lambda w: f"/api/v1/products/{w.products['SCARF'].pk}", "catalog:read"),
    Endpoint("GET", lambda w: "/api/v1/services", "catalog:read"),
    Endpoint("GET", lambda w: f"/api/v1/services/{w.service.pk}", "catalog:read"),
    Endpoint(
        "PUT",
        lambda w: f"/api/v1/customers/{w.customer.pk}/tags",
        "customers:write",
        lambda w: {"tags": []},
    ),
    Endpoint("GET", lambda w: "/api/v1/segments", "segments:read"),
    Endpoint("GET", lambda w: f"/api/v1/segments/{_segment(w).pk}", "segments:read"),
    Endpoint("GET", lambda w: f"/api/v1/segments/{_segment(w).pk}/members", "segments:read"),
    Endpoint(
        "POST",
        lambda w: f"/api/v1/segments/{_segment(w).pk}/snapshots",
        "segments:write",
        lambda w: {},
    ),
]


def _segment(world: SimpleNamespace) -> Any:
    """A segment to call (segments are not part of the `world` fixture)."""
    if isinstance(world, _Template):
        return world.segment
    return Segment.objects.first() or SegmentFactory(name="Everyone loyal")


class _Template(SimpleNamespace):
    """Stands for the world with `{id}` placeholders, to compare with the schema's paths."""

    def __getattr__(self, name: str) -> Any:
        return SimpleNamespace(pk="{id}", code="{code}")


TEMPLATE_WORLD = _Template(products={"SCARF": SimpleNamespace(pk="{id}")})


def _label(endpoint: Endpoint) -> str:
    return endpoint.template.split("?")[0]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_label)
def test_anonymous_calls_get_401_and_change_nothing(
    endpoint: Endpoint, world: SimpleNamespace
) -> None:
    before = database_state()
    response = endpoint.call(APIClient(), world)
    assert response.status_code == 401, response.content
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"
    assert database_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_label)
def test_a_client_without_the_scope_gets_403_and_changes_nothing(
    endpoint: Endpoint, world: SimpleNamespace, make_api_client: MakeClient
) -> None:
    client = make_api_client(scopes=tuple(s for s in ALL_SCOPES if s != endpoint.scope))
    before = database_state()
    response = endpoint.call(client, world)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "missing_scope"
    assert endpoint.scope in response.json()["detail"]
    assert database_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_label)
def test_a_client_with_only_that_scope_is_let_through(
    endpoint: Endpoint, world: SimpleNamespace, make_api_client: MakeClient
) -> None:
    response = endpoint.call(make_api_client(scopes=(endpoint.scope,)), world)
    assert response.status_code in (200, 201, 202), response.content


def test_the_matrix_covers_every_operation_of_the_schema(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    tested = {
        _label(endpoint).replace("shopify/900", "{source}/{external_id}") for endpoint in ENDPOINTS
    }
    tested = {
        label.replace("/api/v1/orders/shopify/2001", "/api/v1/orders/{source}/{external_reference}")
        for label in tested
    }
    assert documented == tested


def test_an_invalid_or_revoked_token_gets_401(
    world: SimpleNamespace, make_api_client: MakeClient
) -> None:
    client = make_api_client()
    assert client.get("/api/v1/customers").status_code == 200
    client.api_client.is_active = False
    client.api_client.save()
    revoked = client.get("/api/v1/customers")
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "authentication_failed"
    for header in (
        "Bearer nope",
        "Bearer omni_0123456789ab_forged",
        "Bearer",
        "Bearer a b",
        "Token x",
    ):
        response = APIClient().get("/api/v1/customers", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header


STORE_BOUND = [
    ("GET", lambda w: f"/api/v1/orders/{w.order.pk}", None),
    (
        "POST",
        lambda w: f"/api/v1/orders/{w.order.pk}/returns",
        {"lines": [{"line_number": 1, "quantity": 1}], "channel": "store"},
    ),
    ("GET", lambda w: f"/api/v1/customers/{w.customer.pk}", None),
    (
        "POST",
        lambda w: f"/api/v1/customers/{w.customer.pk}/consents",
        {
            "purpose": "newsletter",
            "channel": "email",
            "granted": True,
            "wording_version": "v1",
            "collected_via": "store",
        },
    ),
    ("PUT", lambda w: f"/api/v1/customers/{w.customer.pk}/tags", {"tags": []}),
    ("GET", lambda w: f"/api/v1/pickups/{w.pickup.pk}", None),
    ("POST", lambda w: f"/api/v1/pickups/{w.pickup.pk}/transitions", {"status": "preparing"}),
    ("GET", lambda w: f"/api/v1/appointments/{w.appointment.pk}", None),
    (
        "POST",
        lambda w: f"/api/v1/appointments/{w.appointment.pk}/transitions",
        {"status": "cancelled"},
    ),
    ("POST", lambda w: f"/api/v1/tickets/{w.ticket.pk}/transitions", {"status": "in_progress"}),
    ("GET", lambda w: f"/api/v1/associates/{w.associate.pk}", None),
    (
        "GET",
        lambda w: (
            f"/api/v1/availability?store={w.store.code}&service={w.service.code}"
            f"&date={TOMORROW.isoformat()}"
        ),
        None,
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), STORE_BOUND)
def test_another_stores_operations_are_404_and_untouched(
    method: str,
    path: Callable,
    body: dict | None,
    world: SimpleNamespace,
    other_store: Store,
    make_api_client: MakeClient,
) -> None:
    lyon_client = make_api_client(store=other_store)
    before = database_state()
    send = getattr(lyon_client, method.lower())
    response = send(path(world), body, format="json") if body else send(path(world))
    assert response.status_code == 404, response.content
    assert database_state() == before


def test_store_bound_lists_hide_other_stores(
    world: SimpleNamespace, other_store: Store, make_api_client: MakeClient
) -> None:
    lyon_client = make_api_client(store=other_store)
    for path in ("pickups", "appointments", "orders", "customers"):
        assert lyon_client.get(f"/api/v1/{path}").json()["results"] == [], path
    paris_client = make_api_client(store=world.store)
    assert len(paris_client.get("/api/v1/orders").json()["results"]) == 2
    assert [row["id"] for row in paris_client.get("/api/v1/customers").json()["results"]] == [
        world.customer.pk
    ]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/orders/pos/P-1", lambda w: order_payload(store=w.store.code)),
        ("PUT", "/api/v1/orders/pos/NEW-9", lambda w: order_payload(store=w.store.code)),
        ("POST", "/api/v1/appointments", _book_body),
        (
            "POST",
            "/api/v1/tickets",
            lambda w: {
                "customer": {"id": w.customer.pk},
                "kind": "repair",
                "subject": "Zip",
                "channel": "store",
                "store": w.store.code,
            },
        ),
    ],
)
def test_writes_into_another_store_are_403_and_change_nothing(
    method: str,
    path: str,
    body: Callable,
    world: SimpleNamespace,
    other_store: Store,
    make_api_client: MakeClient,
) -> None:
    lyon_client = make_api_client(store=other_store)
    before = database_state()
    response = getattr(lyon_client, method.lower())(path, body(world), format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "store_forbidden"
    assert database_state() == before


def test_an_associate_session_reads_what_the_tablet_needs_but_cannot_write(
    world: SimpleNamespace, other_store_associate: Any
) -> None:
    session = APIClient()
    session.force_login(world.associate.user)
    assert session.get(f"/api/v1/customers/{world.customer.pk}").status_code == 200
    assert session.get(f"/api/v1/pickups/{world.pickup.pk}").json()["code"] is None
    before = database_state()
    response = session.post(
        f"/api/v1/pickups/{world.pickup.pk}/transitions", {"status": "preparing"}, format="json"
    )
    assert response.status_code == 403
    assert database_state() == before
    lyon = APIClient()
    lyon.force_login(other_store_associate.user)
    assert lyon.get(f"/api/v1/pickups/{world.pickup.pk}").status_code == 404
    assert lyon.get(f"/api/v1/customers/{world.customer.pk}").status_code == 200


def test_a_session_post_without_csrf_token_is_refused(world: SimpleNamespace) -> None:
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(world.associate.user)
    response = session.post("/api/v1/tickets", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_signed_in_user_without_associate_profile_reads_nothing(
    world: SimpleNamespace, marketer: Any
) -> None:
    session = APIClient()
    session.force_login(marketer)
    assert session.get("/api/v1/customers").status_code == 403


def test_scopes_are_all_documented() -> None:
    assert {endpoint.scope for endpoint in ENDPOINTS} == set(ApiScope.values)
