"""Returns through the API: what a refund is made of (lines, shipping, adjustment)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from journeys.models import Order, Return
from tests.api.conftest import TokenClient, database_state, order_payload

pytestmark = pytest.mark.django_db


def _returns_path(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/returns"


def test_a_line_of_an_order_with_tax_on_top_is_refunded_with_its_share_of_the_tax(
    api_client: TokenClient, catalogue: dict
) -> None:
    # 890.00 + 2 × 120.00 - 20.00 + 3 × 24.50 = 1183.50, shipping 10.00, tax 238.70 on top:
    # the trench's share of the tax is 238.70 × 890.00 / 1193.50 = 178.00: refunded 1068.00.
    created = api_client.put(
        "/api/v1/orders/shopify/T-1",
        order_payload(tax_total="238.70", prices_include_tax=False),
        format="json",
    )
    assert created.status_code in (200, 201), created.content
    order = Order.objects.get()
    assert order.total == Decimal("1432.20")

    response = api_client.post(
        _returns_path(order),
        {"lines": [{"line_number": 1, "quantity": 1}], "channel": "web"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["refund_amount"], body["shipping_refund"], body["adjustment"]) == (
        "1068.00",
        "0.00",
        "0.00",
    )
    assert body["lines"] == [{"line_number": 1, "quantity": 1, "refund_amount": "1068.00"}]


def test_shipping_alone_and_a_goodwill_adjustment_alone_are_refunds_without_lines(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    path = _returns_path(world.order)

    shipping = api_client.post(
        path, {"channel": "web", "shipping_refund": "10.00", "reason": "Late"}, format="json"
    )
    goodwill = api_client.post(
        path,
        {"channel": "web", "adjustment": "25.00", "adjustment_reason": "Goodwill gesture"},
        format="json",
    )

    assert (shipping.status_code, goodwill.status_code) == (201, 201), goodwill.content
    assert {
        key: shipping.json()[key]
        for key in ("refund_amount", "shipping_refund", "adjustment", "lines")
    } == {"refund_amount": "10.00", "shipping_refund": "10.00", "adjustment": "0.00", "lines": []}
    assert (goodwill.json()["refund_amount"], goodwill.json()["adjustment_reason"]) == (
        "25.00",
        "Goodwill gesture",
    )
    listed = api_client.get(f"/api/v1/orders/{world.order.pk}").json()["returns"]
    assert sorted((row["shipping_refund"], row["adjustment"]) for row in listed) == [
        ("0.00", "25.00"),
        ("10.00", "0.00"),
    ]


def test_a_line_refunded_short_keeps_its_line_and_shows_the_negative_adjustment(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    response = api_client.post(
        _returns_path(world.order),
        {
            "channel": "store",
            "lines": [{"line_number": 1, "quantity": 1}],
            "adjustment": "-90.00",
            "adjustment_reason": "Worn: 10 % kept",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    refund = Return.objects.get()
    assert (refund.refund_amount, refund.lines_amount, refund.adjustment) == (
        world.line.total - Decimal("90.00"),
        world.line.total,
        Decimal("-90.00"),
    )


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "web"},
        {"channel": "web", "adjustment": "5.00"},
        {"channel": "web", "adjustment": "-5.00", "adjustment_reason": "Nothing to take from"},
        {"channel": "web", "shipping_refund": "-1.00"},
    ],
    ids=["nothing", "adjustment-without-reason", "negative-refund", "negative-shipping"],
)
def test_a_refund_that_does_not_add_up_is_refused_and_writes_nothing(
    api_client: TokenClient, world: SimpleNamespace, body: dict
) -> None:
    before = database_state()

    response = api_client.post(_returns_path(world.order), body, format="json")

    assert response.status_code in (400, 422), response.content
    assert database_state() == before
    assert not Return.objects.exists()
