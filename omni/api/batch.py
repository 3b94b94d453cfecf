"""Batch writes: each record validated and written on its own, with a result per record.

A record that fails (invalid data, unknown store...) is reported with its index and errors;
the others are written anyway, each in its own savepoint so a failure leaves nothing behind.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status

from omni.api.exception_handler import DOMAIN_ERROR_FIELD, NON_FIELD, flatten_errors
from omni.errors import DomainError

# A writer gets a record's validated data and returns (the written object's id, its outcome).
Writer = Callable[[dict[str, Any]], tuple[int, str]]


class BatchTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "batch_too_large"

    def __init__(self, count: int) -> None:
        limit = settings.OMNI_API_BATCH_MAX_RECORDS
        super().__init__(
            _("A batch holds at most %(limit)s records; this one has %(count)s. Split it.")
            % {"limit": limit, "count": count}
        )


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the record in the request.")
    status = serializers.ChoiceField(
        choices=["created", "updated", "unchanged", "stale", "error"],
        help_text="`stale`: older than what is stored, ignored. `error`: nothing written.",
    )
    id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(allow_null=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )


class BatchResponseSerializer(serializers.Serializer):
    summary = serializers.DictField(
        child=serializers.IntegerField(), help_text="How many records ended in each status."
    )
    results = BatchResultSerializer(many=True)


def batch_request_serializer(record_serializer: type[serializers.Serializer]) -> type:
    """The documented request body: {"records": [record, ...]} (validated record by record)."""
    name = record_serializer.__name__.removesuffix("Serializer") + "BatchSerializer"
    return type(
        name,
        (serializers.Serializer,),
        {
            "records": record_serializer(many=True),
            "__doc__": f"Up to {settings.OMNI_API_BATCH_MAX_RECORDS} records.",
        },
    )


def batch_records(data: Any) -> list[Any]:
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list) or not records:
        raise exceptions.ValidationError({"records": [_("Send a non-empty list of records.")]})
    if len(records) > settings.OMNI_API_BATCH_MAX_RECORDS:
        raise BatchTooLarge(len(records))
    return records


def _error(index: int, code: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {"index": index, "status": "error", "id": None, "code": code, "errors": errors}


def _write_one(index: int, data: dict[str, Any], write: Writer) -> dict[str, Any]:
    try:
        with transaction.atomic():
            object_id, outcome = write(data)
    except DomainError as error:
        field = DOMAIN_ERROR_FIELD.get(error.code, NON_FIELD)
        return _error(index, error.code, {field: [error.message]})
    except exceptions.ValidationError as error:
        return _error(index, "invalid", flatten_errors(error.detail))
    except (IntegrityError, DataError):
        return _error(index, "conflict", {NON_FIELD: [str(_("Conflicts with stored data."))]})
    return {"index": index, "status": outcome, "id": object_id, "code": None, "errors": None}


def batch_run(
    records: list[Any],
    *,
    serializer_class: type[serializers.Serializer],
    context: dict[str, Any],
    write: Writer,
) -> dict[str, Any]:
    results = []
    # One serializer validates every record: its fields are built once, not per record.
    validator = serializer_class(context=context)
    for index, record in enumerate(records):
        try:
            data = validator.run_validation(record)
        except exceptions.ValidationError as error:
            results.append(_error(index, "invalid", flatten_errors(error.detail)))
            continue
        results.append(_write_one(index, data, write))
    summary = Counter(result["status"] for result in results)
    return {"summary": dict(summary), "results": results}
