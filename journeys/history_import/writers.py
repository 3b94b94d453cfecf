"""How the records of one chunk are validated and written, by kind.

Customers and orders go through the batch API's validators and the one set-based write path
(`customers_write`, `orders_write`); returns and pickups, far fewer, through the services the
API and the tablet use (`return_record`, `pickup_create`). Every record gets a RecordResult at
its position; a refused record writes nothing, the others are written.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from customers.api import customer_records_validate
from customers.ingest import customers_write
from journeys.api.common import MONEY
from journeys.api.orders import ReturnCreateSerializer, order_records_write
from journeys.history_import.models import HistoryKind
from journeys.models import Order, Pickup, Return
from journeys.services import pickup_create, return_record
from omni.api.exception_handler import flatten_errors
from omni.api.fields import AwareDateTimeField
from omni.errors import DomainError
from omni.models import Store
from omni.records import RecordResult, record_error, record_failure

Records = Sequence[dict[str, Any]]


class OrderReferenceSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=64)
    external_reference = serializers.CharField(max_length=128)


class ReturnRecordSerializer(ReturnCreateSerializer):
    """A return of the history: the order it belongs to, when it happened, and what the refund
    is made of (the shipping refunded, an adjustment with its reason) besides its lines."""

    order = OrderReferenceSerializer()
    external_reference = serializers.CharField(max_length=128)
    returned_at = AwareDateTimeField(required=False)
    shipping_refund = serializers.DecimalField(**MONEY, required=False)
    adjustment = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    adjustment_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PickupRecordSerializer(serializers.Serializer):
    order = OrderReferenceSerializer()
    store = serializers.CharField(max_length=20)
    pickup_by = serializers.DateField(required=False, allow_null=True)


def customers_import(records: Records) -> list[RecordResult]:
    return customers_write(customer_records_validate(records))


def orders_import(records: Records) -> list[RecordResult]:
    # The lifecycle stages are recomputed once, after the whole import. A record imported
    # before, as it is, is unchanged without being validated again (a file imported twice).
    return order_records_write(records, refresh_lifecycle=False)


def returns_import(records: Records) -> list[RecordResult]:
    return _one_by_one(records, ReturnRecordSerializer, _return_write)


def pickups_import(records: Records) -> list[RecordResult]:
    return _one_by_one(records, PickupRecordSerializer, _pickup_write)


WRITERS: dict[str, Callable[[Records], list[RecordResult]]] = {
    HistoryKind.CUSTOMERS: customers_import,
    HistoryKind.ORDERS: orders_import,
    HistoryKind.RETURNS: returns_import,
    HistoryKind.PICKUPS: pickups_import,
}


def _one_by_one(
    records: Records,
    serializer_class: type[serializers.Serializer],
    write: Callable[[int, dict[str, Any]], RecordResult],
) -> list[RecordResult]:
    validator = serializer_class(context={})
    results = []
    for index, record in enumerate(records):
        try:
            data = validator.run_validation(record)
        except exceptions.ValidationError as error:
            results.append(record_error(index, "invalid", flatten_errors(error.detail)))
            continue
        try:
            with transaction.atomic():
                results.append(write(index, data))
        except (DomainError, IntegrityError, DataError) as error:
            results.append(record_failure(index, error))
    return results


def _refusal(message: str, *, code: str, field: str) -> DomainError:
    """A domain error reported under `field` of the record (see omni.records.record_failure)."""
    error = DomainError(message, code=code)
    error.field = field  # type: ignore[attr-defined]
    return error


def _order(reference: dict[str, str]) -> Order:
    order = Order.objects.filter(
        source=reference["source"], external_reference=reference["external_reference"]
    ).first()
    if order is None:
        message = _("Unknown order %(source)s/%(reference)s.") % {
            "source": reference["source"],
            "reference": reference["external_reference"],
        }
        raise _refusal(message, code="unknown_order", field="order")
    return order


def _store(code: str | None) -> Store | None:
    if not code:
        return None
    store = Store.objects.filter(code=code).first()
    if store is None:
        raise DomainError(_("Unknown store “%s”.") % code, code="unknown_store")
    return store


def _return_write(index: int, data: dict[str, Any]) -> RecordResult:
    known = Return.objects.filter(
        source=data["source"], external_reference=data["external_reference"]
    ).first()
    if known is not None:
        return RecordResult(index, "unchanged", known.pk)
    order = _order(data["order"])
    by_number = {line.line_number: line for line in order.lines.all()}
    missing = sorted({line["line_number"] for line in data["lines"]} - by_number.keys())
    if missing:
        message = _("The order has no line %s.") % ", ".join(map(str, missing))
        raise _refusal(message, code="invalid", field="lines")
    refund_parts = {
        name: data[name]
        for name in ("shipping_refund", "adjustment", "adjustment_reason")
        if data.get(name)
    }
    created = return_record(
        order=order,
        lines=[(by_number[line["line_number"]], line["quantity"]) for line in data["lines"]],
        channel=data["channel"],
        actor=None,
        store=_store(data.get("store")),
        reason=data.get("reason", ""),
        source=data["source"],
        external_reference=data["external_reference"],
        **refund_parts,
    )
    if data.get("returned_at"):
        Return.objects.filter(pk=created.pk).update(returned_at=data["returned_at"])
    return RecordResult(index, "created", created.pk)


def _pickup_write(index: int, data: dict[str, Any]) -> RecordResult:
    order = _order(data["order"])
    known = Pickup.objects.filter(order=order).first()
    if known is not None:
        return RecordResult(index, "unchanged", known.pk)
    store = _store(data["store"])
    pickup = pickup_create(order=order, store=store, pickup_by=data.get("pickup_by"))
    return RecordResult(index, "created", pickup.pk)
