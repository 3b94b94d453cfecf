"""Batch endpoints: per-record validation and results; valid records written regardless."""

from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from customers.factories import ConsentWordingFactory
from customers.models import Customer
from journeys.models import Order, OrderLine
from journeys.services import order_set_status
from tests.api.conftest import TokenClient, database_state, order_payload

pytestmark = pytest.mark.django_db


def _record(reference: str, **overrides: Any) -> dict[str, Any]:
    return {**order_payload(**overrides), "source": "shopify", "external_reference": reference}


def test_valid_records_are_written_and_invalid_ones_reported_by_index(
    api_client: TokenClient, catalogue: Any
) -> None:
    records = [
        _record("B-1"),
        _record("B-2", lines=[{"sku": "UNKNOWN", "quantity": 1, "unit_price": "10.00"}]),
        _record("B-3", lines=[{"sku": "SCARF", "quantity": -2, "unit_price": "10.00"}]),
        _record("B-4", customer={"email": "not-an-email"}),
        _record("B-5", store="nowhere"),
        {"source": "shopify"},
        "not even an object",
        _record("B-8", customer={"phone": "12"}),
        _record("B-9"),
    ]
    response = api_client.post("/api/v1/orders/batch", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["summary"] == {"created": 2, "error": 7}
    results = {result["index"]: result for result in body["results"]}
    assert [results[index]["status"] for index in (0, 8)] == ["created", "created"]
    assert results[1]["code"] == "unknown_product"
    assert "lines" in results[1]["errors"]
    assert "lines.0.quantity" in results[2]["errors"]
    assert "customer.email" in results[3]["errors"]
    assert results[4]["code"] == "unknown_store"
    assert {"channel", "placed_at", "lines", "external_reference"} <= set(results[5]["errors"])
    assert results[6]["code"] == "invalid"
    assert "customer.phone" in results[7]["errors"]
    assert set(Order.objects.values_list("external_reference", flat=True)) == {"B-1", "B-9"}
    assert OrderLine.objects.count() == 6


def test_replaying_a_batch_reports_unchanged(api_client: TokenClient, catalogue: Any) -> None:
    records = {"records": [_record("B-1"), _record("B-2")]}
    api_client.post("/api/v1/orders/batch", records, format="json")
    again = api_client.post("/api/v1/orders/batch", records, format="json").json()
    assert again["summary"] == {"unchanged": 2}
    assert Order.objects.count() == 2


def test_an_older_update_in_a_batch_is_stale(api_client: TokenClient, catalogue: Any) -> None:
    newer = _record("B-1", source_updated_at="2026-11-05T10:00:00Z", status="fulfilled")
    older = _record("B-1", source_updated_at="2026-11-04T10:00:00Z", status="cancelled")
    api_client.post("/api/v1/orders/batch", {"records": [newer]}, format="json")
    result = api_client.post("/api/v1/orders/batch", {"records": [older]}, format="json").json()
    assert result["results"][0]["status"] == "stale"
    assert Order.objects.get().status == "fulfilled"


@override_settings(OMNI_API_BATCH_MAX_RECORDS=5)
def test_a_batch_over_the_limit_is_413_and_writes_nothing(
    api_client: TokenClient, catalogue: Any
) -> None:
    before = database_state()
    records = [_record(f"B-{number}") for number in range(6)]
    response = api_client.post("/api/v1/orders/batch", {"records": records}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert "at most 5" in response.json()["detail"]
    assert database_state() == before


def test_the_default_limit_is_one_thousand_records(api_client: TokenClient, catalogue: Any) -> None:
    records = [{"source": "shopify"}] * 1001
    response = api_client.post("/api/v1/orders/batch", {"records": records}, format="json")
    assert response.status_code == 413


@pytest.mark.parametrize("body", [{}, {"records": []}, {"records": {}}, [], {"records": "x"}])
def test_a_batch_without_records_is_400(api_client: TokenClient, body: Any) -> None:
    response = api_client.post("/api/v1/orders/batch", body, format="json")
    assert response.status_code == 400
    assert "records" in response.json()["errors"]


def test_customer_batch_resolves_each_record(api_client: TokenClient, db: None) -> None:
    known = Customer.objects.create(email="claire@example.fr", first_name="Claire")
    records = [
        {"source": "shopify", "external_id": "1", "email": "CLAIRE@example.fr"},
        {"source": "shopify", "external_id": "2", "email": "new@example.fr", "phone": "0612345678"},
        {"source": "shopify", "external_id": "3", "phone": "not a phone"},
        {"source": "shopify", "email": "missing-id@example.fr"},
    ]
    body = api_client.post("/api/v1/customers/batch", {"records": records}, format="json").json()
    assert body["summary"] == {"updated": 1, "created": 1, "error": 2}
    assert body["results"][0]["id"] == known.pk
    assert "phone" in body["results"][2]["errors"]
    assert "external_id" in body["results"][3]["errors"]
    assert Customer.objects.count() == 2


def _statements(client: TokenClient, records: list[dict[str, Any]]) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/orders/batch", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    return len(queries), response.json()["summary"]


def _mixed_batch(prefix: str, size: int, stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Half new orders (a fifth by new customers), a quarter changed, a quarter unchanged."""
    fresh = [
        _record(
            f"{prefix}-{number}",
            customer={"source": "shopify", "external_id": f"{prefix}-c{number % 5}"}
            if number % 5
            else {"email": f"{prefix}.{number}@example.fr", "first_name": "Anne"},
        )
        for number in range(size - len(stored))
    ]
    half = len(stored) // 2
    changed = [dict(record, status="fulfilled") for record in stored[:half]]
    return fresh + changed + stored[half:]


def test_a_batch_runs_the_same_statements_whatever_its_size(
    api_client: TokenClient, catalogue: Any
) -> None:
    small_first = _mixed_batch("S", 10, [])
    large_first = _mixed_batch("L", 100, [])
    _statements(api_client, small_first)
    _statements(api_client, large_first)

    small, small_summary = _statements(api_client, _mixed_batch("S2", 10, small_first[:5]))
    large, large_summary = _statements(api_client, _mixed_batch("L2", 100, large_first[:50]))

    assert small_summary == {"created": 5, "updated": 2, "unchanged": 3}
    assert large_summary == {"created": 50, "updated": 25, "unchanged": 25}
    assert small == large


def test_a_store_bound_client_writes_its_own_stores_orders_only(
    make_api_client: Any, catalogue: Any, store: Any, other_store: Any
) -> None:
    admin = make_api_client()
    lyon = make_api_client(store=other_store)
    admin.post(
        "/api/v1/orders/batch",
        {"records": [_record("P-1", store=store.code, channel="store", fulfilment="in_store")]},
        format="json",
    )
    records = [
        _record("L-1", store=other_store.code, channel="store", fulfilment="in_store"),
        _record("L-2", store=store.code, channel="store", fulfilment="in_store"),
        _record("P-1", status="cancelled"),
        _record("W-1"),
    ]

    body = lyon.post("/api/v1/orders/batch", {"records": records}, format="json").json()

    assert [result["status"] for result in body["results"]] == [
        "created",
        "error",
        "error",
        "created",
    ]
    assert {body["results"][1]["code"], body["results"][2]["code"]} == {"store_forbidden"}
    assert Order.objects.get(external_reference="P-1").status == "confirmed"
    assert not Order.objects.filter(external_reference="L-2").exists()


def test_the_same_order_twice_in_a_batch_is_applied_in_order(
    api_client: TokenClient, catalogue: Any
) -> None:
    first = _record("D-1", source_updated_at="2026-11-05T10:00:00Z")
    second = _record("D-1", source_updated_at="2026-11-05T11:00:00Z", status="fulfilled")
    older = _record("D-1", source_updated_at="2026-11-05T09:00:00Z", status="cancelled")

    body = api_client.post(
        "/api/v1/orders/batch", {"records": [first, second, older]}, format="json"
    ).json()

    assert [result["status"] for result in body["results"]] == ["created", "updated", "stale"]
    assert len({result["id"] for result in body["results"]}) == 1
    assert Order.objects.get(external_reference="D-1").status == "fulfilled"


def _customer_record(number: int, **overrides: Any) -> dict[str, Any]:
    ConsentWordingFactory(purpose="marketing", version="v3")  # the wording the record names
    record = {
        "source": "shopify",
        "external_id": f"C-{number}",
        "email": f"client.{number}@example.fr",
        "first_name": "Inès",
        "preferences": {"sizes": {"coat": "36"}, "favourite_brands": ["Maison Kitsuné"]},
        "addresses": [
            {
                "kind": "home",
                "line1": f"{number} rue de Rivoli",
                "postal_code": "75001",
                "city": "Paris",
                "country": "FR",
                "is_default": True,
            }
        ],
        "consents": [
            {"purpose": "marketing", "channel": "email", "granted": True, "wording_version": "v3"}
        ],
    }
    return {**record, **overrides}


def _customer_statements(client: TokenClient, records: list[dict[str, Any]]) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/v1/customers/batch", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    return len(queries), response.json()["summary"]


def test_a_customer_batch_runs_the_same_statements_whatever_its_size(
    api_client: TokenClient, store: Any
) -> None:
    def records(numbers: range) -> list[dict[str, Any]]:
        return [_customer_record(n, preferred_store=store.code) for n in numbers]

    _customer_statements(api_client, [_customer_record(1000)])  # the client's first call
    small, small_summary = _customer_statements(api_client, records(range(5)))
    large, large_summary = _customer_statements(api_client, records(range(100, 150)))

    assert small_summary == {"created": 5}
    assert large_summary == {"created": 50}
    assert small == large


def test_a_replayed_customer_batch_is_unchanged_and_a_new_decision_is_an_update(
    api_client: TokenClient, db: None
) -> None:
    records = [_customer_record(n) for n in range(3)]
    api_client.post("/api/v1/customers/batch", {"records": records}, format="json")

    _count, replay = _customer_statements(api_client, records)
    records[1]["consents"] = [{**records[1]["consents"][0], "granted": False}]
    records[2]["addresses"] = [
        {
            **records[2]["addresses"][0],
            "line1": "8 quai Saint-Vincent",
            "postal_code": "69001",
            "city": "Lyon",
        }
    ]
    _count, changed = _customer_statements(api_client, records)

    assert replay == {"unchanged": 3}
    assert changed == {"unchanged": 1, "updated": 2}
    withdrawn = Customer.objects.get(email="client.1@example.fr")
    assert list(withdrawn.consents.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    moved = Customer.objects.get(email="client.2@example.fr")
    assert list(moved.addresses.order_by("id").values_list("city", "is_default")) == [
        ("Paris", False),
        ("Lyon", True),
    ]
    assert moved.preference.sizes == {"coat": "36"}


def test_one_customer_twice_in_a_batch_gets_one_profile_and_both_records(
    api_client: TokenClient, db: None
) -> None:
    first = _customer_record(1)
    second = _customer_record(
        1,
        preferences={"sizes": {"coat": "38"}},
        consents=[{**first["consents"][0], "granted": False}],
    )
    bad = _customer_record(2, consents=[{**first["consents"][0], "purpose": "telepathy"}])

    body = api_client.post(
        "/api/v1/customers/batch", {"records": [first, second, bad]}, format="json"
    ).json()

    assert [result["status"] for result in body["results"]] == ["created", "updated", "error"]
    assert body["results"][0]["id"] == body["results"][1]["id"]
    customer = Customer.objects.get(pk=body["results"][0]["id"])
    assert customer.preference.sizes == {"coat": "38"}
    assert customer.consents.count() == 2
    assert customer.addresses.count() == 1
    assert not Customer.objects.filter(email="client.2@example.fr").exists()


def test_a_replayed_batch_is_known_unchanged_without_staging_or_resolving(
    api_client: TokenClient, catalogue: Any
) -> None:
    records = _mixed_batch("R", 20, [])
    api_client.post("/api/v1/orders/batch", {"records": records}, format="json")
    stamps = dict(Order.objects.values_list("pk", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        body = api_client.post("/api/v1/orders/batch", {"records": records}, format="json").json()

    assert body["summary"] == {"unchanged": 20}
    assert [result["index"] for result in body["results"]] == list(range(20))
    # The client's token and its last use, then one read of the stored fingerprints.
    assert len(queries) <= 4
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert "omni_order_stage" not in statements
    assert "customers_customer" not in statements
    assert "omni_product" not in statements
    assert dict(Order.objects.values_list("pk", "updated_at")) == stamps


def test_a_record_received_again_after_a_change_made_in_omni_is_applied_again(
    api_client: TokenClient, catalogue: Any
) -> None:
    record = _record("X-1", status="confirmed")
    api_client.post("/api/v1/orders/batch", {"records": [record]}, format="json")
    order = Order.objects.get(external_reference="X-1")
    order_set_status(order=order, status="cancelled", actor=None)

    body = api_client.post("/api/v1/orders/batch", {"records": [record]}, format="json").json()
    again = api_client.post("/api/v1/orders/batch", {"records": [record]}, format="json").json()

    # The channel system is the authority on its orders, as it was before fingerprints.
    assert body["summary"] == {"updated": 1}
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert again["summary"] == {"unchanged": 1}


def test_the_same_values_spelt_differently_are_unchanged(
    api_client: TokenClient, catalogue: Any
) -> None:
    record = _record("X-2", shipping_total="10.00")
    api_client.post("/api/v1/orders/batch", {"records": [record]}, format="json")
    stamp = Order.objects.get(external_reference="X-2").updated_at

    body = api_client.post(
        "/api/v1/orders/batch",
        {"records": [{**record, "shipping_total": 10}]},
        format="json",
    ).json()

    assert body["summary"] == {"unchanged": 1}
    assert Order.objects.get(external_reference="X-2").updated_at == stamp


def test_a_changed_order_naming_the_same_customer_keeps_her_without_resolving(
    api_client: TokenClient, catalogue: Any
) -> None:
    record = _record("X-3")
    api_client.post("/api/v1/orders/batch", {"records": [record]}, format="json")
    customer = Order.objects.get(external_reference="X-3").customer_id
    changed = {**record, "status": "fulfilled"}
    moved = {**changed, "status": "completed", "customer": {"email": "autre@example.fr"}}

    with CaptureQueriesContext(connection) as same:
        first = api_client.post("/api/v1/orders/batch", {"records": [changed]}, format="json")
    second = api_client.post("/api/v1/orders/batch", {"records": [moved]}, format="json")

    assert first.json()["summary"] == {"updated": 1}
    assert "customers_" not in " ".join(query["sql"] for query in same.captured_queries)
    assert second.json()["summary"] == {"updated": 1}
    order = Order.objects.get(external_reference="X-3")
    assert order.customer_id != customer
    assert order.customer.email == "autre@example.fr"


def test_a_replayed_batch_with_one_record_changed_writes_that_one_only(
    api_client: TokenClient, catalogue: Any
) -> None:
    records = _mixed_batch("Q", 10, [])
    api_client.post("/api/v1/orders/batch", {"records": records}, format="json")
    records[3] = {**records[3], "status": "fulfilled"}
    records[6] = {**records[6], "channel": "nowhere"}

    body = api_client.post("/api/v1/orders/batch", {"records": records}, format="json").json()

    assert [result["status"] for result in body["results"]] == [
        "unchanged",
        "unchanged",
        "unchanged",
        "updated",
        "unchanged",
        "unchanged",
        "error",
        "unchanged",
        "unchanged",
        "unchanged",
    ]
    assert "channel" in body["results"][6]["errors"]
    assert Order.objects.get(external_reference=records[3]["external_reference"]).status == (
        "fulfilled"
    )


def test_an_unknown_preferred_store_is_refused_in_a_customer_batch(
    api_client: TokenClient, store: Any
) -> None:
    records = [
        _customer_record(1, preferred_store=store.code),
        _customer_record(2, preferred_store="nowhere"),
    ]

    body = api_client.post("/api/v1/customers/batch", {"records": records}, format="json").json()

    assert [result["status"] for result in body["results"]] == ["created", "error"]
    assert "preferred_store" in body["results"][1]["errors"]
    assert Customer.objects.get(email="client.1@example.fr").preferred_store == store


def test_click_and_collect_orders_for_a_store_without_it_are_refused_one_by_one(
    api_client: TokenClient, catalogue: Any, store: Any, other_store: Any
) -> None:
    other_store.offers_click_and_collect = False
    other_store.save()
    collect = {"fulfilment": "click_and_collect", "channel": "web"}
    records = [
        _record("CC-1", store=other_store.code, **collect),
        _record("CC-2", store=store.code, **collect),
        _record("CC-3", store=other_store.code, **collect),
    ]

    with CaptureQueriesContext(connection) as queries:
        body = api_client.post("/api/v1/orders/batch", {"records": records}, format="json").json()

    assert [result["status"] for result in body["results"]] == ["error", "created", "error"]
    assert "click & collect" in body["results"][0]["errors"]["non_field_errors"][0]
    assert list(Order.objects.values_list("external_reference", flat=True)) == ["CC-2"]
    # Refused records leave the merge as it is: the stored orders are read once, not once more
    # per refusal.
    reads = [q for q in queries if '"journeys_order"."ingest_customer_digest"' in q["sql"]]
    assert len(reads) == 1
