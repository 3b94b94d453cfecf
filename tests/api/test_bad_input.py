"""Bad input never answers 500 and never writes part of anything."""

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import override_settings

from tests.api.conftest import TokenClient, database_state, order_payload

pytestmark = pytest.mark.django_db
ORDER = "/api/v1/orders/shopify/X-1"
CUSTOMER = "/api/v1/customers/shopify/C-1"


def _order_with(**overrides: Any) -> str:
    return json.dumps(order_payload(**overrides))


def _line(**overrides: Any) -> str:
    return _order_with(lines=[{"sku": "SCARF", "quantity": 1, "unit_price": "120.00", **overrides}])


BAD_REQUESTS = [
    ("malformed JSON", "put", ORDER, '{"channel": "web", ', 400),
    ("a JSON array", "put", ORDER, "[1, 2]", 400),
    ("an empty body", "put", ORDER, "", 400),
    ("NaN", "put", ORDER, '{"channel": NaN}', 400),
    ("deep nesting", "put", ORDER, "[" * 100_000 + "]" * 100_000, 400),
    ("quantity as text", "put", ORDER, _line(quantity="three"), 400),
    ("price as an object", "put", ORDER, _line(unit_price={"amount": 1}), 400),
    ("date as a number", "put", ORDER, _order_with(placed_at=12), 400),
    ("lines as text", "put", ORDER, _order_with(lines="all of them"), 400),
    ("no lines", "put", ORDER, _order_with(lines=[]), 400),
    ("customer as text", "put", ORDER, _order_with(customer="claire"), 400),
    ("unknown channel", "put", ORDER, _order_with(channel="fax"), 400),
    ("unknown status", "put", ORDER, _order_with(status="lost"), 400),
    ("unknown fulfilment", "put", ORDER, _order_with(fulfilment="drone"), 400),
    ("lower-case currency", "put", ORDER, _order_with(currency="eur"), 400),
    ("negative quantity", "put", ORDER, _line(quantity=-1), 400),
    ("zero quantity", "put", ORDER, _line(quantity=0), 400),
    ("huge quantity", "put", ORDER, _line(quantity=10**30), 400),
    ("negative price", "put", ORDER, _line(unit_price="-5.00"), 400),
    ("three decimals", "put", ORDER, _line(unit_price="1.005"), 400),
    ("amount too large", "put", ORDER, _line(unit_price="9999999999.99", quantity=2), 400),
    ("discount above amount", "put", ORDER, _line(discount="500.00"), 400),
    ("negative shipping", "put", ORDER, _order_with(shipping_total="-1"), 400),
    ("null character", "put", ORDER, _line(sku="SCA\u0000RF"), 400),
    ("SKU too long", "put", ORDER, _line(sku="S" * 65), 400),
    ("unknown product", "put", ORDER, _line(sku="NOPE"), 400),
    ("unknown store", "put", ORDER, _order_with(store="atlantis"), 400),
    (
        "click & collect without store",
        "put",
        ORDER,
        _order_with(fulfilment="click_and_collect"),
        400,
    ),
    ("invalid email", "put", ORDER, _order_with(customer={"email": "claire@"}), 400),
    ("invalid phone", "put", ORDER, _order_with(customer={"phone": "0612"}), 400),
    ("source without id", "put", ORDER, _order_with(customer={"source": "shopify"}), 400),
    ("customer invalid email", "put", CUSTOMER, '{"email": "nope"}', 400),
    ("customer invalid phone", "put", CUSTOMER, '{"phone": "+33 1"}', 400),
    ("customer bad birth date", "put", CUSTOMER, '{"birth_date": "1990-02-30"}', 400),
    ("customer unknown tier", "put", CUSTOMER, '{"loyalty_tier": "diamond"}', 400),
    ("customer bad consent", "put", CUSTOMER, '{"consents": [{"purpose": "spam"}]}', 400),
    (
        "customer bad country",
        "put",
        CUSTOMER,
        '{"addresses": [{"line1": "x", "postal_code": "1", "city": "y", "country": "France"}]}',
        400,
    ),
    ("customer sizes as list", "put", CUSTOMER, '{"preferences": {"sizes": ["M"]}}', 400),
    ("id too long in the URL", "put", "/api/v1/customers/shopify/" + "9" * 129, "{}", 404),
    ("source with a space", "put", "/api/v1/customers/sho%20pify/1", "{}", 404),
    (
        "touchpoint null in payload",
        "post",
        "/api/v1/touchpoints",
        '{"customer": {"email": "a@b.fr"}, "channel": "web", "kind": "web_visit", '
        '"occurred_at": "2026-11-01T10:00:00Z", "payload": {"q": "\\u0000"}}',
        400,
    ),
    (
        "touchpoint unknown kind",
        "post",
        "/api/v1/touchpoints",
        '{"customer": {"email": "a@b.fr"}, "channel": "web", "kind": "telepathy", '
        '"occurred_at": "2026-11-01T10:00:00Z"}',
        400,
    ),
    (
        "ticket unknown customer id",
        "post",
        "/api/v1/tickets",
        '{"customer": {"id": 999999}, "kind": "repair", "subject": "x", "channel": "web"}',
        400,
    ),
    (
        "ticket huge customer id",
        "post",
        "/api/v1/tickets",
        '{"customer": {"id": 99999999999999999999999}, "kind": "repair", "subject": "x", '
        '"channel": "web"}',
        400,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_input_is_a_4xx_with_a_machine_readable_error_and_writes_nothing(
    api_client: TokenClient, world: SimpleNamespace, method: str, path: str, body: str, status: int
) -> None:
    before = database_state()
    response = getattr(api_client, method)(path, body, content_type="application/json")
    assert response.status_code == status, response.content[:500]
    error = response.json()
    assert isinstance(error["code"], str)
    assert error["errors"]
    assert all(isinstance(messages, list) for messages in error["errors"].values())
    assert database_state() == before


def test_a_body_that_is_not_json_is_415(api_client: TokenClient, world: SimpleNamespace) -> None:
    response = api_client.put(
        ORDER, "channel=web", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_an_oversize_body_is_413_and_writes_nothing(
    api_client: TokenClient, world: SimpleNamespace
) -> None:
    before = database_state()
    body = _order_with(customer={"email": "a@b.fr", "first_name": "x" * 20_000})
    response = api_client.put(ORDER, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert database_state() == before


@pytest.mark.parametrize(
    "query",
    [
        "updated_since=yesterday",
        "cursor=garbage",
        "customer=abc",
        "status=lost",
        "placed_after=2026-13-45",
        "placed_after=3294-11-12T01:46:22-22:08",
        "updated_since=0001-01-01T00:00:00%2B05:00",
        "customer=99999999999999999999999",
        "source=%00",
        "page_size=-3",
    ],
)
def test_bad_filters_are_400_or_ignored_never_500(api_client: TokenClient, query: str) -> None:
    response = api_client.get(f"/api/v1/orders?{query}")
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["errors"]


def test_unknown_addresses_under_the_api_are_json_404(api_client: TokenClient) -> None:
    response = api_client.get("/api/v1/orders/not-a-number")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
