"""The fast path of the customers' batch validation decides as CustomerBatchRecordSerializer.

As for orders (test_fast_records.py): when the fast reader accepts a record, the serializer
accepts it too and validates it into the same data; when the fast reader is unsure, the
serializer decides and words the errors; plain records take the fast path.
"""

from typing import Any

import pytest
from rest_framework import exceptions

from customers.api import (
    CustomerBatchRecordSerializer,
    _batch_record_input,
    customer_record_reader,
    customer_records_validate,
)
from omni.api import fast
from omni.api.batch import records_validate
from omni.models import Store
from omni.records import RecordResult
from tests.api.test_fast_records import comparable, mutated

pytestmark = pytest.mark.django_db


def base_record(number: int = 1) -> dict[str, Any]:
    return {
        "source": "shopify",
        "external_id": str(55 + number),
        "email": "Claire.Martin@Example.fr",
        "phone": "06 12 34 56 78",
        "loyalty_number": "L-0042",
        "first_name": "Claire",
        "last_name": "Martin",
        "birth_date": "1988-04-12",
        "loyalty_tier": "gold",
        "preferred_store": "paris-flagship",
        "preferred_language": "fr",
        "acquisition_channel": "web",
        "collected_via": "store",
    }


CUSTOMER_VALUES: dict[tuple[Any, ...], list[Any]] = {
    ("source",): ["woo", " shopify ", "", "1shop", "x" * 65, None, 12],
    ("external_id",): ["  7  ", "", "e" * 128, "e" * 129, 55, None],
    ("email",): ["", None, "  ", "not-an-email", "CLAIRE@EXAMPLE.FR ", "a@b", "élodie@exemple.fr"],
    ("phone",): ["", None, "+33 6 12 34 56 78", "12", "x" * 41],
    ("loyalty_number",): ["", None, "l" * 33],
    ("first_name",): ["", "  Éloïse  ", None, "n" * 81],
    ("birth_date",): [None, "", "1988-4-12", "1988-02-30", "12/04/1988", "1988-04-12T00:00", 1988],
    ("loyalty_tier",): ["", "none", "platinum", "diamond", None, 1],
    ("preferred_store",): [None, "", "lyon", "nowhere", 3],
    ("preferred_language",): ["en", "de", "", None],
    ("acquisition_channel",): ["store", "phone", "fax", ""],
    ("collected_via",): ["web", "", None, "pigeon"],
    ("preferences",): [
        {"sizes": {"coat": "36"}, "favourite_brands": ["Burberry"]},
        {"sizes": {"coat": "x" * 21}},
        {"skin_type": "dry"},
        None,
        "coat 36",
        {},
    ],
    ("addresses",): [
        [
            {
                "kind": "home",
                "line1": "1 rue de Rivoli",
                "postal_code": "75001",
                "city": "Paris",
                "country": "fr",
            }
        ],
        [{"kind": "home", "line1": "1 rue de Rivoli", "city": "Paris", "country": "France"}],
        [],
        None,
        "1 rue de Rivoli",
    ],
    ("consents",): [
        [{"purpose": "marketing", "channel": "email", "granted": True, "wording_version": "v1"}],
        [{"purpose": "marketing", "channel": "carrier-pigeon", "granted": True}],
        None,
    ],
    ("extra",): ["ignored"],
}
REMOVABLE = [(name,) for name in base_record()]


def variants() -> list[dict[str, Any]]:
    return mutated(base_record(), CUSTOMER_VALUES, REMOVABLE)


@pytest.fixture
def stores(store: Store, other_store: Store) -> dict[str, Store]:
    return {found.code: found for found in (store, other_store)}


def readers(stores: dict[str, Store]) -> tuple[Any, CustomerBatchRecordSerializer]:
    validator = CustomerBatchRecordSerializer(context={"stores_by_code": stores})
    return customer_record_reader(validator, stores), validator


def read_both(stores: dict[str, Store], record: dict[str, Any]) -> tuple[Any, Any]:
    read, _validator = readers(stores)
    try:
        by_fast = read(record)
    except fast.Unsure:
        by_fast = None
    try:
        serializer = CustomerBatchRecordSerializer(context={"stores_by_code": stores})
        by_drf = dict(serializer.run_validation(record))
    except exceptions.ValidationError as error:
        by_drf = error
    return by_fast, by_drf


@pytest.mark.parametrize("absent", [(), ("collected_via", "birth_date", "preferred_store")])
def test_a_plain_customer_takes_the_fast_path_and_reads_as_the_serializer_does(
    stores: dict[str, Store], absent: tuple[str, ...]
) -> None:
    record = {name: value for name, value in base_record().items() if name not in absent}

    by_fast, by_drf = read_both(stores, record)

    assert by_fast is not None
    assert comparable(by_fast) == comparable(by_drf)
    assert by_fast["email"] == "claire.martin@example.fr"
    assert by_fast["phone"] == "+33612345678"
    if "preferred_store" in record:
        assert by_fast["preferred_store"] == stores["paris-flagship"]


@pytest.mark.parametrize("record", variants(), ids=lambda record: str(abs(hash(repr(record))))[:8])
def test_every_customer_the_fast_reader_accepts_the_serializer_accepts_the_same(
    stores: dict[str, Store], record: dict[str, Any]
) -> None:
    by_fast, by_drf = read_both(stores, record)

    if by_fast is not None:
        assert not isinstance(by_drf, exceptions.ValidationError), (record, by_drf)
        assert comparable(by_fast) == comparable(by_drf)


def test_most_variants_stay_on_the_fast_path_and_every_refusal_is_the_serializers(
    stores: dict[str, Store],
) -> None:
    records = variants()
    outcomes = [read_both(stores, record) for record in records]

    accepted = [by_fast for by_fast, _by_drf in outcomes if by_fast is not None]
    refused = [by_drf for _by_fast, by_drf in outcomes if isinstance(by_drf, Exception)]
    assert len(accepted) >= 40
    assert refused
    assert all(by_fast is None for by_fast, by_drf in outcomes if isinstance(by_drf, Exception))


def test_a_batch_validates_to_the_same_inputs_and_errors_with_or_without_the_fast_path(
    stores: dict[str, Store],
) -> None:
    records = variants()

    with_fast = customer_records_validate(records)
    without = records_validate(
        records,
        CustomerBatchRecordSerializer,
        _batch_record_input,
        context={"stores_by_code": stores},
    )

    assert with_fast == without
    errors = [result for result in with_fast if isinstance(result, RecordResult)]
    assert errors
    assert all(result.errors for result in errors)
