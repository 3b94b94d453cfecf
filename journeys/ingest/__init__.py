"""Inbound orders from channel systems: one record (`order_upsert`, for a webhook or a PUT) or a
batch (`orders_write`, for the batch API, the reconciliation pull and the history import)."""

from journeys.ingest.batch import order_upsert, orders_write
from journeys.ingest.orders import (
    ACTIVE_PICKUP_STATUSES,
    LineInput,
    OrderInput,
    Outcome,
    UpsertResult,
)

__all__ = [
    "ACTIVE_PICKUP_STATUSES",
    "LineInput",
    "OrderInput",
    "Outcome",
    "UpsertResult",
    "order_upsert",
    "orders_write",
]
