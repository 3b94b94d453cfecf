"""Orders, returns, wishlists, tickets, pickups and touchpoints through the API."""

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from customers.models import Customer
from journeys.models import AfterSalesTicket, Order, Pickup, Return, WishlistItem
from tests.api.conftest import TokenClient, database_state, order_payload

pytestmark = pytest.mark.django_db


def test_an_order_is_upserted_with_its_customer(api_client: TokenClient, catalogue: Any) -> None:
    created = api_client.put("/api/v1/orders/shopify/1001", order_payload(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["outcome"], body["subtotal"], body["total"]) == ("created", "1183.50", "1193.50")
    assert [line["total"] for line in body["lines"]] == ["890.00", "220.00", "73.50"]
    assert Customer.objects.get().identities.get().external_id == "55"
    again = api_client.put("/api/v1/orders/shopify/1001", order_payload(), format="json")
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    changed = api_client.put(
        "/api/v1/orders/shopify/1001", order_payload(status="fulfilled"), format="json"
    )
    assert changed.json()["outcome"] == "updated"
    assert Order.objects.get().status == "fulfilled"


def test_a_click_and_collect_order_opens_a_pickup(
    api_client: TokenClient, catalogue: Any, store: Any
) -> None:
    body = api_client.put(
        "/api/v1/orders/shopify/1002",
        order_payload(fulfilment="click_and_collect", store=store.code),
        format="json",
    ).json()
    assert body["pickup"]["status"] == "placed"
    pickup = api_client.get(f"/api/v1/pickups/{body['pickup']['id']}").json()
    assert pickup["code"] == Pickup.objects.get().code
    assert pickup["order_reference"] == "1002"


def test_a_return_is_recorded_once_per_reference(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    body = {
        "lines": [{"line_number": 1, "quantity": 1}],
        "channel": "store",
        "store": world.store.code,
        "source": "pos",
        "external_reference": "R-9",
        "reason": "Too small",
    }
    path = f"/api/v1/orders/{world.order.pk}/returns"
    first = api_client.post(path, body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["refund_amount"] == str(world.line.total)
    again = api_client.post(path, body, format="json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    order = api_client.get(f"/api/v1/orders/{world.order.pk}").json()
    assert order["returns"][0]["lines"] == [
        {"line_number": 1, "quantity": 1, "refund_amount": str(world.line.total)}
    ]


@pytest.mark.parametrize(
    ("lines", "status", "code"),
    [
        ([{"line_number": 7, "quantity": 1}], 400, "invalid"),
        ([{"line_number": 1, "quantity": 5}], 422, "domain_error"),
        ([{"line_number": 1, "quantity": 0}], 400, "invalid"),
    ],
)
def test_an_impossible_return_is_refused_and_writes_nothing(
    api_client: TokenClient, world: SimpleNamespace, lines: list, status: int, code: str
) -> None:
    before = database_state()
    response = api_client.post(
        f"/api/v1/orders/{world.order.pk}/returns",
        {"lines": lines, "channel": "store"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert database_state() == before
    assert not Return.objects.exists()


def test_a_wishlist_item_is_added_listed_and_removed(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    added = api_client.post(
        "/api/v1/wishlist-items",
        {
            "customer": {"source": "shopify", "external_id": "55"},
            "sku": "TRENCH-M",
            "size": "M",
            "channel": "web",
        },
        format="json",
    )
    assert added.status_code == 201, added.content
    wishlists = api_client.get(f"/api/v1/wishlists?customer={world.customer.pk}").json()
    assert sorted(item["sku"] for item in wishlists["results"][0]["items"]) == ["SCARF", "TRENCH-M"]
    duplicate = api_client.post(
        "/api/v1/wishlist-items",
        {"customer": {"id": world.customer.pk}, "sku": "TRENCH-M", "size": "M", "channel": "app"},
        format="json",
    )
    assert duplicate.status_code == 422
    removed = api_client.post(
        f"/api/v1/wishlist-items/{added.json()['id']}/remove", {"channel": "web"}, format="json"
    )
    assert removed.status_code == 200
    assert removed.json()["removed_via"] == "web"
    again = api_client.post(
        f"/api/v1/wishlist-items/{added.json()['id']}/remove", {"channel": "web"}, format="json"
    )
    assert again.status_code == 422
    assert WishlistItem.objects.filter(removed_at__isnull=True).count() == 1


def test_a_ticket_is_opened_and_moved_through_its_workflow(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    opened = api_client.post(
        "/api/v1/tickets",
        {
            "customer": {"email": "claire@example.fr"},
            "kind": "repair",
            "subject": "Zip broken",
            "channel": "web",
            "order": world.order.pk,
            "line_number": 1,
        },
        format="json",
    )
    assert opened.status_code == 201, opened.content
    ticket = opened.json()
    assert (ticket["customer"], ticket["order"], ticket["order_line"]) == (
        world.customer.pk,
        world.order.pk,
        1,
    )
    path = f"/api/v1/tickets/{ticket['id']}/transitions"
    moved = api_client.post(
        path, {"status": "in_progress", "note": "Sent to the workshop"}, format="json"
    )
    assert moved.json()["history"][-1]["to_status"] == "in_progress"
    refused = api_client.post(path, {"status": "closed"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    unknown = api_client.post(path, {"status": "teleported"}, format="json")
    assert unknown.status_code == 400
    assert AfterSalesTicket.objects.get(pk=ticket["id"]).status == "in_progress"


def test_a_pickup_goes_from_placed_to_collected_with_its_code(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    path = f"/api/v1/pickups/{world.pickup.pk}/transitions"
    assert api_client.post(path, {"status": "ready"}, format="json").status_code == 409
    assert api_client.post(path, {"status": "preparing"}, format="json").status_code == 200
    ready = api_client.post(path, {"status": "ready"}, format="json").json()
    assert ready["status"] == "ready"
    assert ready["pickup_by"]
    missing = api_client.post(path, {"status": "collected"}, format="json")
    assert (missing.status_code, list(missing.json()["errors"])) == (400, ["code"])
    wrong = api_client.post(path, {"status": "collected", "code": "WRONG123"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "wrong_code")
    assert list(wrong.json()["errors"]) == ["code"]
    code = world.pickup.code
    typed = f"{code[:4].lower()}-{code[4:]}"
    collected = api_client.post(path, {"status": "collected", "code": typed}, format="json")
    assert collected.json()["status"] == "collected"


def test_touchpoints_are_recorded_and_listed(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    response = api_client.post(
        "/api/v1/touchpoints",
        {
            "customer": {"id": world.customer.pk},
            "channel": "web",
            "kind": "product_view",
            "occurred_at": "2026-11-03T08:00:00Z",
            "sku": "TRENCH-M",
            "payload": {"url": "/trench"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = api_client.get(f"/api/v1/touchpoints?customer={world.customer.pk}&kind=product_view")
    skus = [row["sku"] for row in listed.json()["results"]]
    assert "TRENCH-M" in skus


def test_amounts_come_back_as_exact_decimals(api_client: TokenClient, catalogue: Any) -> None:
    lines = [{"sku": "SCARF", "quantity": 3, "unit_price": "0.10"}]
    body = api_client.put(
        "/api/v1/orders/shopify/1003",
        order_payload(lines=lines, shipping_total="0.20"),
        format="json",
    ).json()
    assert Decimal(body["total"]) == Decimal("0.50")


def test_tax_is_added_to_the_total_when_prices_exclude_it(
    api_client: TokenClient, catalogue: Any
) -> None:
    # Hand-computed: lines 890 + 220 + 73.50 = 1183.50, shipping 10, tax 236.70 on top.
    body = order_payload(tax_total="236.70", prices_include_tax=False)
    created = api_client.put("/api/v1/orders/shopify/1201", body, format="json").json()
    assert (created["subtotal"], created["tax_total"], created["total"]) == (
        "1183.50",
        "236.70",
        "1430.20",
    )
    included = order_payload(tax_total="236.70")
    same_prices = api_client.put("/api/v1/orders/shopify/1202", included, format="json").json()
    assert same_prices["total"] == "1193.50"


@pytest.mark.parametrize(
    ("field", "value"),
    [("placed_at", "2026-03-01T10:30:00"), ("source_updated_at", "2026-03-01 10:30")],
)
def test_a_time_without_its_zone_is_refused_and_writes_nothing(
    api_client: TokenClient, catalogue: Any, field: str, value: str
) -> None:
    before = database_state()
    response = api_client.put(
        "/api/v1/orders/shopify/1203", order_payload(**{field: value}), format="json"
    )
    assert response.status_code == 400
    assert "time zone" in response.json()["errors"][field][0]
    assert database_state() == before


def test_a_time_is_stored_in_utc_whatever_offset_it_came_with(
    api_client: TokenClient, catalogue: Any
) -> None:
    body = order_payload(placed_at="2026-03-01T10:30:00+01:00")
    created = api_client.put("/api/v1/orders/shopify/1204", body, format="json").json()
    assert created["placed_at"] == "2026-03-01T09:30:00Z"
