"""Batch writes: every record validated, then the valid ones written together by the app's
batch writer (`orders_write`, `customers_write`), with a result per record.

A record that fails (invalid data, unknown store...) is reported with its index and errors;
the others are written anyway, and a failed record leaves nothing behind.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status

from omni.api.exception_handler import flatten_errors
from omni.api.fast import Unsure
from omni.records import RecordResult, record_error

# Turns a record's validated data into what the batch writer takes.
ToInput = Callable[[dict[str, Any]], Any]
# Validates a record's common forms as its serializer would, or raises Unsure.
FastReader = Callable[[Any], dict[str, Any]]


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


def records_validate(
    records: Sequence[Any],
    serializer_class: type[serializers.Serializer],
    to_input: ToInput,
    *,
    fast: FastReader | None = None,
    context: dict[str, Any] | None = None,
) -> list[Any]:
    """Each record validated by `serializer_class` and turned into an input by `to_input`, or
    replaced by its error result: what a batch writer takes.

    `fast` reads the common forms of a record as the serializer would, ten times faster; a
    record it is unsure of goes through the serializer (see omni.api.fast). `context` is the
    serializer's (e.g. references loaded once for the batch)."""
    # Its fields are built once, not per record; `context` holds what they read once for all.
    validator = serializer_class(context=context or {})
    inputs: list[Any] = []
    for index, record in enumerate(records):
        if fast is not None:
            try:
                inputs.append(to_input(fast(record)))
                continue
            except Unsure:
                pass
        try:
            data = validator.run_validation(record)
        except exceptions.ValidationError as error:
            inputs.append(record_error(index, "invalid", flatten_errors(error.detail)))
            continue
        inputs.append(to_input(data))
    return inputs


def batch_response(results: Sequence[RecordResult]) -> dict[str, Any]:
    summary = Counter(result.status for result in results)
    return {"summary": dict(summary), "results": [result.as_dict() for result in results]}
