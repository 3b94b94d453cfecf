"""Orders in batches: the write path of the batch API, the reconciliation pull and the history
import. One result per record, in the order given; a bad record is reported and the others are
written; side effects (lifecycle refresh) are queued once per batch, after the commit."""

from collections.abc import Sequence
from typing import Any

from django.db import DataError, IntegrityError, transaction

from journeys.ingest.orders import OrderInput, order_upsert
from omni.errors import DomainError
from omni.records import RecordResult, record_failure


def orders_write(
    inputs: Sequence[OrderInput | RecordResult], *, actor: Any = None
) -> list[RecordResult]:
    """Write every OrderInput of `inputs`; a RecordResult given in its place (a record that
    failed validation) is passed through, so results keep the positions of the records."""
    results: list[RecordResult] = []
    with transaction.atomic():
        for index, data in enumerate(inputs):
            if isinstance(data, RecordResult):
                results.append(data)
                continue
            try:
                with transaction.atomic():
                    upserted = order_upsert(data, actor=actor)
            except (DomainError, IntegrityError, DataError) as error:
                results.append(record_failure(index, error))
                continue
            results.append(RecordResult(index, upserted.outcome, upserted.order.pk))
    return results
