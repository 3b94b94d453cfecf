"""The fast path of batch validation (omni.api.fast) decides as the DRF serializers do.

Every variant below goes through both readers: when the fast reader accepts a record, the
serializer must accept it too and validate it into the same data; when the fast reader is
unsure, the serializer decides (and words the errors). Plain records must take the fast path,
or it would be a slower path in disguise.
"""

import copy
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework import exceptions

from customers.api import InboundCustomerSerializer, inbound_customer_read
from journeys.api.orders import (
    OrderBatchRecordSerializer,
    _batch_record_input,
    order_record_read,
    order_records_validate,
)
from omni.api import fast
from omni.api.batch import records_validate
from omni.records import RecordResult

Mutation = Callable[[dict[str, Any]], None]


def base_record(number: int = 1) -> dict[str, Any]:
    return {
        "source": "shopify",
        "external_reference": f"#{1000 + number}",
        "channel": "web",
        "status": "confirmed",
        "fulfilment": "shipping",
        "placed_at": "2026-03-01T10:30:00+01:00",
        "source_updated_at": "2026-03-01T10:35:00Z",
        "currency": "EUR",
        "customer": {
            "source": "shopify",
            "external_id": str(55 + number),
            "email": "Claire.Martin@Example.fr",
            "phone": "06 12 34 56 78",
            "first_name": "Claire",
            "last_name": "Martin",
        },
        "shipping_total": "4.90",
        "tax_total": "21.13",
        "lines": [
            {"sku": "TRENCH-M", "quantity": 1, "unit_price": "890.00", "name": "Trench"},
            {"sku": "SCARF", "quantity": 2, "unit_price": "120.00", "discount": "20.00"},
            {"sku": "BROW-GEL", "quantity": 3, "unit_price": "24.50", "size": "S"},
        ],
    }


def setter(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def remover(path: tuple[Any, ...]) -> Mutation:
    def mutate(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


ORDER_VALUES: dict[tuple[Any, ...], list[Any]] = {
    ("source",): ["woo", " shopify ", "", "1shop", "a b", "x" * 65, None, 12],
    ("external_reference",): ["  #1  ", "", "r" * 128, "r" * 129, 1001, None, "a\x00b"],
    ("channel",): ["store", "WEB", "", None, 1, "phone"],
    ("status",): ["completed", "cancelled", "nope", None, ""],
    ("fulfilment",): ["click_and_collect", "in_store", "teleport", None],
    ("placed_at",): [
        "2026-03-01T10:30:00",
        "2026-03-01 10:30:00+01:00",
        "2026-03-01T10:30Z",
        "2026-03-01",
        "tomorrow",
        "",
        None,
        1_700_000_000,
        "9999-12-31T23:59:59-05:00",
    ],
    ("source_updated_at",): [None, "", "2026-03-01T10:30:00", "2026-03-01T09:30:00.123456Z"],
    ("currency",): ["USD", "usd", "EURO", "", None, " EUR "],
    ("store",): ["PARIS-01", None, "", " LYON ", "s" * 21, 7],
    ("shipping_total",): ["0", 0, 5, 4.9, "4.9", "4.905", "-1", "1e2", " 4.90 ", "abc", None, True],
    ("tax_total",): ["99999999999.00", "9999999999.99", 1e20, "NaN", "Infinity"],
    ("discount_total",): ["10", "10.00", 0.1, "0.10"],
    ("prices_include_tax",): [False, True, "false", 0, None],
    ("customer",): [None, "claire", {}, {"email": "x@example.fr"}],
    ("customer", "email"): [
        "",
        None,
        "  ",
        "not-an-email",
        "CLAIRE@EXAMPLE.FR ",
        "a@b",
        "a..b@example.fr",
        "a.b@-example.fr",
        "a.b@example.f",
        "a.b@example.123",
        "élodie@exemple.fr",
        "a.b@exämple.fr",
        "o'neil@example.ie",
        "a@localhost",
        "a@[127.0.0.1]",
        "x" * 250 + "@e.fr",
    ],
    ("customer", "phone"): ["", None, "+33 6 12 34 56 78", "0033612345678", "12", "x" * 41],
    ("customer", "source"): ["", "woo", None],
    ("customer", "external_id"): ["", None, "e" * 129, 55],
    ("customer", "loyalty_number"): ["", None, "L-0001", "l" * 33],
    ("customer", "first_name"): ["", "  Éloïse  ", None, "\ud800"],
    ("lines",): [[], "lines", None, {"sku": "A"}],
    ("lines", 0, "quantity"): [0, -1, 100_000, 100_001, "2", 2.0, True, None],
    ("lines", 0, "unit_price"): ["0", "0.5", 0, "9999999999.99", "-0.01", None],
    ("lines", 1, "discount"): ["240.00", "240.01", "0", 0, None],
    ("lines", 0, "sku"): ["", " A ", "s" * 65, None, 12],
    ("lines", 0, "name"): ["", None, "n" * 201],
    ("lines", 0, "size"): ["", "M", "s" * 21],
    ("extra",): ["ignored"],
}
REMOVABLE = [
    ("status",),
    ("fulfilment",),
    ("currency",),
    ("customer",),
    ("shipping_total",),
    ("tax_total",),
    ("source_updated_at",),
    ("placed_at",),
    ("channel",),
    ("source",),
    ("customer", "email"),
    ("customer", "phone"),
    ("customer", "source"),
    ("customer", "external_id"),
    ("lines", 1, "discount"),
    ("lines", 0, "sku"),
    ("lines", 0, "name"),
]


def mutated(
    base: dict[str, Any],
    values: dict[tuple[Any, ...], list[Any]],
    removable: list[tuple[Any, ...]],
) -> list[dict[str, Any]]:
    """`base` with each value of `values` set at its path, and with each path of `removable`
    removed, one change per record."""
    mutations: list[Mutation] = [
        setter(path, value) for path, choices in values.items() for value in choices
    ]
    mutations += [remover(path) for path in removable]
    built = []
    for mutation in mutations:
        record = copy.deepcopy(base)
        mutation(record)
        built.append(record)
    return built


def variants() -> list[dict[str, Any]]:
    built = mutated(base_record(), ORDER_VALUES, REMOVABLE)
    big = base_record()
    big["lines"] = [dict(big["lines"][0], unit_price="9999999999.99") for _ in range(2)]
    built.append(big)
    built.append(dict(base_record(), lines=[base_record()["lines"][0]] * 501))
    return built


def drf_read(serializer_class: type, record: Any) -> dict[str, Any] | exceptions.ValidationError:
    try:
        return dict(serializer_class(context={}).run_validation(record))
    except exceptions.ValidationError as error:
        return error


def fast_read(reader: Callable[[Any], dict[str, Any]], record: Any) -> dict[str, Any] | None:
    try:
        return reader(record)
    except fast.Unsure:
        return None


def comparable(data: Any) -> Any:
    """Validated data with nested ordered dicts as plain dicts, and values by their type and
    repr (Decimal("4.9") == Decimal("4.90"), but they are not the same validated value)."""
    if isinstance(data, dict):
        return {key: comparable(value) for key, value in data.items()}
    if isinstance(data, list):
        return [comparable(value) for value in data]
    return repr(data)


def test_the_fast_reader_takes_plain_orders_and_reads_them_as_the_serializer_does() -> None:
    record = base_record()

    read = order_record_read(record)

    assert comparable(read) == comparable(drf_read(OrderBatchRecordSerializer, record))
    assert read["placed_at"] == datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    assert read["customer"]["phone"] == "+33612345678"
    assert read["customer"]["email"] == "claire.martin@example.fr"
    assert str(read["lines"][2]["unit_price"]) == "24.50"


@pytest.mark.parametrize("record", variants(), ids=lambda record: str(abs(hash(repr(record))))[:8])
def test_every_order_the_fast_reader_accepts_the_serializer_accepts_the_same(
    record: dict[str, Any],
) -> None:
    by_fast = fast_read(order_record_read, record)
    by_drf = drf_read(OrderBatchRecordSerializer, record)

    if by_fast is not None:
        assert not isinstance(by_drf, exceptions.ValidationError), (record, by_drf)
        assert comparable(by_fast) == comparable(by_drf)


def test_the_fast_path_is_taken_by_most_variants_and_refuses_none_itself() -> None:
    records = variants()
    accepted = [record for record in records if fast_read(order_record_read, record) is not None]
    refused = [
        record
        for record in records
        if isinstance(drf_read(OrderBatchRecordSerializer, record), exceptions.ValidationError)
    ]

    # Plain variants (other valid values, absent optional fields) stay on the fast path...
    assert len(accepted) >= 60
    # ...and every refusal is the serializer's, with its messages.
    assert all(record not in accepted for record in refused)


def test_a_batch_validates_to_the_same_inputs_and_errors_with_or_without_the_fast_path() -> None:
    records = variants()

    with_fast = order_records_validate(records)
    without = records_validate(records, OrderBatchRecordSerializer, _batch_record_input)

    assert with_fast == without
    errors = [result for result in with_fast if isinstance(result, RecordResult)]
    assert errors
    assert all(result.errors for result in errors)


@pytest.mark.parametrize(
    ("path", "values"),
    [(path[1:], values) for path, values in ORDER_VALUES.items() if path[0] == "customer"][1:],
)
def test_customers_inside_orders_read_as_their_serializer_reads_them(
    path: tuple[str, ...], values: list[Any]
) -> None:
    for value in values:
        customer = dict(base_record()["customer"], **{path[0]: value})
        by_fast = fast_read(inbound_customer_read, customer)
        by_drf = drf_read(InboundCustomerSerializer, customer)
        if by_fast is not None:
            assert comparable(by_fast) == comparable(by_drf), (path, value)
