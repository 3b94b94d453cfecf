"""Orders written set-based: the one write path of the batch API, webhooks, the reconciliation
pull and the history import.

A batch costs the same few statements whatever its size. Its orders are checked against the
stores and products read once; the stored orders it names are read and locked in one query
(an order older than the stored one, by the source's own updated-at, is `stale` and ignored);
its customers are resolved together (`customers_resolve`); then the orders and their lines
are staged (COPY on PostgreSQL) and merged: one UPDATE for the orders that changed (compared
with IS DISTINCT FROM, so an unchanged order is not rewritten), one INSERT … ON CONFLICT DO
NOTHING for the new ones, one upsert and one delete for the lines. What follows from the
changes is written set-based too (status history, the customer copied onto pickups and returns,
pickups opened or cancelled), and the lifecycle refresh of every customer concerned is queued
once, after the commit.

Each record gets its own result, in the order given. A record that breaks a rule is reported
and writes nothing; the others are written. An order sent twice in one batch is written twice
in order (the second sees the first). If two deliveries race on a new order or profile, the
loser's batch runs again and finds the winner's rows.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import msgspec
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.identity import Resolution, customers_resolve
from journeys.ingest.orders import (
    ACTIVE_PICKUP_STATUSES,
    OrderInput,
    PreparedOrder,
    References,
    UpsertResult,
    order_prepare,
)
from journeys.lifecycle.services import lifecycle_refresh_queue
from journeys.models import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatusChange,
    Pickup,
    PickupStatusChange,
    Return,
)
from journeys.pickup_codes import new_pickup_code
from omni.api_writer import writing_api_client
from omni.errors import ConflictError, DomainError
from omni.records import NON_FIELD, RecordResult, record_failure
from omni.staging import Stage, model_columns, stage_load

ORDER_FIELDS = (
    "customer",
    "channel",
    "status",
    "placed_at",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "store",
    "fulfilment",
    "source_updated_at",
)
LINE_FIELDS = ("product", "sku", "name", "size", "quantity", "unit_price", "discount", "total")
ORDER_STAGE = Stage(
    "omni_order_stage",
    (
        ("order_id", "bigint"),
        *model_columns(
            Order,
            (
                "source",
                "external_reference",
                *ORDER_FIELDS,
                "ingest_digest",
                "ingest_customer_digest",
            ),
        ),
    ),
)
# The lines' stage is only scanned (upsert) and probed by a hash anti-join (deleting the lines
# no longer sent, which are found through the analysed orders' stage): no ANALYZE needed.
LINE_STAGE = Stage(
    "omni_line_stage",
    model_columns(OrderLine, ("order", "line_number", *LINE_FIELDS)),
    analyze=False,
)
ORDER_COLUMNS = [name for name in ORDER_STAGE.column_names if name != "order_id"]
CHANGING_ORDER_COLUMNS = [Order._meta.get_field(name).column for name in ORDER_FIELDS]
LINE_VALUE_COLUMNS = [OrderLine._meta.get_field(name).column for name in LINE_FIELDS]
ATTEMPTS = 3


@dataclass(frozen=True)
class _Stored:
    """What the batch needs to know of an order already stored."""

    id: int
    customer_id: int | None
    status: str
    source_updated_at: Any
    pickup_id: int | None
    pickup_status: str | None
    ingest_digest: str
    ingest_customer_digest: str
    updated_at: Any
    ingested_at: Any

    @property
    def as_ingested(self) -> bool:
        """Nothing changed the order since the ingest last wrote it (every change of an order,
        its pickup, returns or customer moves its updated_at)."""
        return self.ingested_at is not None and self.updated_at <= self.ingested_at

    def holds(self, digest: str) -> bool:
        """Whether the order is as the ingest last wrote it from a record of this digest."""
        return self.ingest_digest == digest and self.as_ingested

    def holds_customer(self, digest: str) -> bool:
        """Whether the order's customer is the one last resolved from a customer of this
        digest (resolving the same customer again would find her and change nothing)."""
        return (
            self.customer_id is not None
            and self.ingest_customer_digest == digest
            and self.as_ingested
        )


def digest(value: Any) -> str:
    """A fingerprint of a record (or its customer) as received. Equal records have equal
    fingerprints; two spellings of one value (4.9 and 4.90) may not, which only sends the
    record the long way. (msgspec encodes the dataclasses ten times faster than their repr;
    a value it cannot encode, a Store given as a profile field, falls back to the repr.)"""
    try:
        encoded = msgspec.json.encode(value)
    except (msgspec.EncodeError, TypeError, ValueError):
        encoded = repr(value).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


@dataclass
class _Record:
    position: int
    data: OrderInput
    # The fingerprint of the record as received; empty: the input's (`digest`).
    received: str = ""
    prepared: PreparedOrder = None  # type: ignore[assignment] - set once checked (_prepare)
    stored: _Stored | None = None
    customer_id: int | None = None
    order_id: int | None = None
    digest: str = field(init=False)
    customer_digest: str = field(init=False)

    def __post_init__(self) -> None:
        self.digest = self.received or digest(self.data)
        self.customer_digest = digest(self.data.customer) if self.data.customer else ""

    @property
    def needs_pickup(self) -> bool:
        data = self.data
        return (
            data.fulfilment == Fulfilment.CLICK_AND_COLLECT
            and self.prepared.store is not None
            and data.status != Order.Status.CANCELLED
            and (self.stored is None or self.stored.pickup_id is None)
        )


@dataclass
class _Written:
    """The outcome of a wave: a result per record and the customers whose stage may move."""

    results: list[RecordResult] = field(default_factory=list)
    customer_ids: set[int] = field(default_factory=set)


def record_fingerprint(record: dict[str, Any]) -> str | None:
    """The fingerprint of a record as received in JSON (its keys in any order); None for a
    record holding what JSON cannot (it then goes the long way)."""
    try:
        canonical = msgspec.json.encode(record, order="sorted")
    except (msgspec.EncodeError, TypeError, ValueError):
        return None
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


def records_known_unchanged(records: Sequence[Any]) -> dict[int, tuple[str, int | None]]:
    """Before validating a batch of JSON order records: the fingerprint of each, and the stored
    order of those known unchanged — the same record was last written to an order nothing
    changed since (`_Stored.holds`). Such a record was valid then and would change nothing:
    it needs neither validating nor writing. Records naming an order twice in the batch are
    left to the writer, which applies them in turn. Returns {index: (fingerprint, order id or
    None)}, None where the record is to be written."""
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
    fingerprints: dict[int, tuple[str, int | None]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        source, reference = record.get("source"), record.get("external_reference")
        if isinstance(source, str) and isinstance(reference, str):
            keyed[(source, reference)].append(index)
            if fingerprint := record_fingerprint(record):
                fingerprints[index] = (fingerprint, None)
    once = {key: indexes[0] for key, indexes in keyed.items() if len(indexes) == 1}
    if not once:
        return fingerprints
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, reference in once:
        by_source[source].append(reference)
    for source, references in by_source.items():
        rows = Order.objects.filter(source=source, external_reference__any=references).values_list(
            "external_reference", "id", "ingest_digest", "updated_at", "ingested_at"
        )
        for reference, order_id, stored_digest, updated_at, ingested_at in rows:
            index = once[(source, reference)]
            if index not in fingerprints:
                continue
            fingerprint = fingerprints[index][0]
            fresh = ingested_at is not None and updated_at <= ingested_at
            if fresh and stored_digest == fingerprint:
                fingerprints[index] = (fingerprint, order_id)
    return fingerprints


class _OnDemand:
    """The stores and products of the batch, read the first time a record needs them (a batch
    whose records are all unchanged never does)."""

    def __init__(self, orders: list[OrderInput]) -> None:
        self._orders, self._loaded = orders, None

    def get(self) -> References:
        if self._loaded is None:
            self._loaded = References.load(self._orders)
        return self._loaded


def orders_write(
    inputs: Sequence[OrderInput | RecordResult],
    *,
    actor: Any = None,
    refresh_lifecycle: bool = True,
    fingerprints: Sequence[str] | None = None,
) -> list[RecordResult]:
    """Write every OrderInput of `inputs`; a RecordResult in its place (a record that failed
    validation) is passed through, so results keep the positions of the records.

    `refresh_lifecycle=False` leaves the customers' lifecycle stages to a later recompute (the
    history import runs one at the end). `fingerprints`: each record's as received (see
    `records_known_unchanged`; empty: computed from its input, as without them)."""
    results: list[RecordResult | None] = [
        item if isinstance(item, RecordResult) else None for item in inputs
    ]
    pending = [(index, item) for index, item in enumerate(inputs) if isinstance(item, OrderInput)]
    received = {
        index: fingerprint for index, fingerprint in enumerate(fingerprints or ()) if fingerprint
    }
    customer_ids: set[int] = set()
    with transaction.atomic():
        references = _OnDemand([data for _index, data in pending])
        for wave in _waves(pending):
            written = _write_wave(wave, references, actor, received)
            for result in written.results:
                results[result.index] = result
            customer_ids |= written.customer_ids
        if refresh_lifecycle:
            lifecycle_refresh_queue(customer_ids=customer_ids)
    return results  # type: ignore[return-value] - every position is filled


def order_upsert(data: OrderInput, *, actor: Any = None) -> UpsertResult:
    """Create or update one order (a webhook, a PUT); raises a DomainError if it is refused."""
    result = orders_write([data], actor=actor)[0]
    if result.failed:
        message = next(iter((result.errors or {}).values()), [_("Refused.")])[0]
        if result.code == "conflict":
            raise ConflictError(message)
        raise DomainError(message, code=result.code)
    return UpsertResult(Order.objects.get(pk=result.id), result.status)  # type: ignore[arg-type]


def _waves(pending: list[tuple[int, OrderInput]]) -> list[list[tuple[int, OrderInput]]]:
    """Split the batch so that no order appears twice in a wave (its k-th copy goes in wave k)."""
    waves: list[list[tuple[int, OrderInput]]] = []
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for index, data in pending:
        key = (data.source, data.external_reference)
        if seen[key] == len(waves):
            waves.append([])
        waves[seen[key]].append((index, data))
        seen[key] += 1
    return waves


def _write_wave(
    wave: list[tuple[int, OrderInput]],
    references: _OnDemand,
    actor: Any,
    fingerprints: dict[int, str] | None = None,
) -> _Written:
    fingerprints = fingerprints or {}
    records = [_Record(index, data, fingerprints.get(index, "")) for index, data in wave]
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _merge(records, references, actor)
        except (IntegrityError, DataError):
            continue  # A concurrent writer took a key first: read again and merge again.
    if len(records) > 1:
        return _one_by_one(records, references, actor)
    return _Written(results=[_conflict(records[0].position)])


def _one_by_one(records: list[_Record], references: _OnDemand, actor: Any) -> _Written:
    """A batch that keeps failing in the database (a value out of range...): each record alone,
    so that the one at fault is reported and the others are written."""
    written = _Written()
    for record in records:
        alone = _write_wave(
            [(record.position, record.data)], references, actor, {record.position: record.digest}
        )
        written.results.extend(alone.results)
        written.customer_ids |= alone.customer_ids
    return written


def _conflict(position: int) -> RecordResult:
    return RecordResult(
        position, "error", code="conflict", errors={NON_FIELD: [_("Conflicts with stored data.")]}
    )


# The merge --------------------------------------------------------------------------------


def _merge(records: list[_Record], references: _OnDemand, actor: Any) -> _Written:
    now = timezone.now()
    _read_stored(records)
    written = _Written()
    live: list[_Record] = []
    for record in records:
        if _is_stale(record):
            written.results.append(RecordResult(record.position, "stale", record.stored.id))
        elif record.stored is not None and record.stored.holds(record.digest):
            written.results.append(RecordResult(record.position, "unchanged", record.stored.id))
        else:
            try:
                record.prepared = order_prepare(record.data, references.get())
            except DomainError as error:
                written.results.append(record_failure(record.position, error))
                continue
            live.append(record)
    refused = [(record, _no_pickup_error(record)) for record in live if _cannot_open_pickup(record)]
    refused += _resolve_customers([record for record in live if not _cannot_open_pickup(record)])
    # Nothing is written yet: a refused record is reported and the others go on.
    for record, error in refused:
        live.remove(record)
        written.results.append(record_failure(record.position, error))
    if not live:
        return written
    # Only stored orders are joined to the stage by id (to update them, to delete the lines
    # they no longer have): a wave of new orders (a history import) needs neither the joins
    # nor the statistics that plan them.
    stored = any(record.order_id is not None for record in live)
    stage_load(ORDER_STAGE, [_order_row(record) for record in live], analyze=stored)
    changed = _update_orders(now) if stored else set()
    created = _insert_orders(live, now)
    stage_load(LINE_STAGE, [row for record in live for row in _line_rows(record)])
    changed |= _merge_lines(now, exclude=changed | created, stored=stored)
    _record_consequences(live, changed, actor, now)
    for record in live:
        outcome = (
            "created"
            if record.order_id in created
            else ("updated" if record.order_id in changed else "unchanged")
        )
        written.results.append(RecordResult(record.position, outcome, record.order_id))
        if outcome != "unchanged":
            written.customer_ids.update(
                {record.customer_id, record.stored.customer_id if record.stored else None} - {None}
            )
    return written


def _cannot_open_pickup(record: _Record) -> bool:
    return record.needs_pickup and not record.prepared.store.offers_click_and_collect


def _no_pickup_error(record: _Record) -> DomainError:
    return DomainError(
        _("%(store)s does not offer click & collect.") % {"store": record.prepared.store}
    )


def _read_stored(records: list[_Record]) -> None:
    """The stored orders the records name, locked until the commit."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for record in records:
        by_source[record.data.source].append(record.data.external_reference)
    stored: dict[tuple[str, str], _Stored] = {}
    for source, references in by_source.items():
        rows = (
            Order.objects.select_for_update(of=("self",))
            .filter(source=source, external_reference__any=references)
            .values_list(
                "external_reference",
                "id",
                "customer_id",
                "status",
                "source_updated_at",
                "pickup__id",
                "pickup__status",
                "ingest_digest",
                "ingest_customer_digest",
                "updated_at",
                "ingested_at",
            )
        )
        for reference, *values in rows:
            stored[(source, reference)] = _Stored(*values)
    for record in records:
        record.stored = stored.get((record.data.source, record.data.external_reference))
        record.order_id = record.stored.id if record.stored else None


def _is_stale(record: _Record) -> bool:
    if record.stored is None:
        return False
    stored, incoming = record.stored.source_updated_at, record.data.source_updated_at
    return stored is not None and incoming is not None and incoming < stored


def _resolve_customers(live: list[_Record]) -> list[tuple[_Record, DomainError]]:
    """Each order's customer: the profile her keys resolve to; without one, the stored order's
    customer stays, as it does when the record names the customer it was last written with.
    Returns the records whose customer was refused (invalid email...): nothing was written
    for them."""
    refused = []
    with_customer = []
    for record in live:
        if record.data.customer is None:
            continue
        if record.stored is not None and record.stored.holds_customer(record.customer_digest):
            record.customer_id = record.stored.customer_id
        else:
            with_customer.append(record)
    resolutions = customers_resolve([record.data.customer for record in with_customer])
    for record, resolution in zip(with_customer, resolutions, strict=True):
        if isinstance(resolution, Resolution):
            record.customer_id = resolution.customer.pk
        else:
            refused.append((record, resolution))
    for record in live:
        if record.data.customer is None and record.stored is not None:
            record.customer_id = record.stored.customer_id
    return refused


def _order_row(record: _Record) -> tuple:
    fields = record.prepared.fields
    return (
        record.order_id,
        record.data.source,
        record.data.external_reference,
        record.customer_id,
        *itemgetter(*_ORDER_KEYS)(fields),
        record.digest,
        record.customer_digest,
    )


def _line_rows(record: _Record) -> list[tuple]:
    values = itemgetter("line_number", *_LINE_KEYS)
    return [(record.order_id, *values(line)) for line in record.prepared.lines]


# The keys of a prepared order's fields and lines, in the stage's order (the customer comes
# from the resolution, first of ORDER_FIELDS).
_ORDER_KEYS = tuple(f"{name}_id" if name == "store" else name for name in ORDER_FIELDS[1:])
_LINE_KEYS = tuple("product_id" if name == "product" else name for name in LINE_FIELDS)


def _execute(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _db_time(moment: Any) -> Any:
    return Order._meta.get_field("updated_at").get_db_prep_save(moment, connection)


def _update_orders(now: Any) -> set[int]:
    """Rewrite the stored orders whose values differ; returns their ids. Orders whose values
    are the same keep their row, unless their fingerprint is to be brought up to date (the
    record's spelling changed, or something else changed the order since the last ingest):
    then only the fingerprint and its time are written, and `updated_at` does not move."""
    table = Order._meta.db_table
    assignments = ", ".join(f"{column} = s.{column}" for column in CHANGING_ORDER_COLUMNS)
    stored = ", ".join(f"{table}.{column}" for column in CHANGING_ORDER_COLUMNS)
    staged = ", ".join(f"s.{column}" for column in CHANGING_ORDER_COLUMNS)
    differs = f"({stored}) IS DISTINCT FROM ({staged})"
    moment = _db_time(now)
    rows = _execute(
        f"UPDATE {table} SET {assignments}, ingest_digest = s.ingest_digest, "
        f"ingest_customer_digest = s.ingest_customer_digest, ingested_at = %s, "
        f"updated_at = CASE WHEN {differs} THEN %s ELSE {table}.updated_at END "
        f"FROM {ORDER_STAGE.name} AS s WHERE {table}.id = s.order_id AND ({differs} "
        f"OR {table}.ingest_digest <> s.ingest_digest "
        f"OR {table}.ingest_customer_digest <> s.ingest_customer_digest "
        f"OR {table}.ingested_at IS NULL "
        f"OR {table}.ingested_at < {table}.updated_at) "
        f"RETURNING {table}.id, {table}.updated_at = %s",
        [moment, moment, moment],
    )
    return {order_id for order_id, moved in rows if moved}


def _insert_orders(live: list[_Record], now: Any) -> set[int]:
    """Insert the new orders; returns their ids (and gives the records theirs)."""
    new = {record.prepared.key: record for record in live if record.order_id is None}
    if not new:
        return set()
    table = Order._meta.db_table
    columns = ", ".join(ORDER_COLUMNS)
    rows = _execute(
        f"INSERT INTO {table} ({columns}, created_at, updated_at, ingested_at) "
        f"SELECT {', '.join(f's.{name}' for name in ORDER_COLUMNS)}, %s, %s, %s "
        f"FROM {ORDER_STAGE.name} AS s WHERE s.order_id IS NULL "
        "ON CONFLICT (source, external_reference) DO NOTHING "
        f"RETURNING id, source, external_reference",
        [_db_time(now)] * 3,
    )
    if len(rows) != len(new):
        # Another delivery created one of them since it was read: run the batch again.
        raise IntegrityError("An order of the batch was created concurrently.")
    for order_id, source, reference in rows:
        new[(source, reference)].order_id = order_id
    return {row[0] for row in rows}


def _merge_lines(now: Any, *, exclude: set[int], stored: bool = True) -> set[int]:
    """Upsert the staged lines and delete the stored ones no longer sent (unless returned;
    `stored`: whether the stage names stored orders, which may have such lines); marks the
    orders whose lines changed as updated. Returns their ids."""
    table = OrderLine._meta.db_table
    columns = ", ".join(LINE_STAGE.column_names)
    updates = ", ".join(f"{column} = excluded.{column}" for column in LINE_VALUE_COLUMNS)
    stored = ", ".join(f"{table}.{column}" for column in LINE_VALUE_COLUMNS)
    proposed = ", ".join(f"excluded.{column}" for column in LINE_VALUE_COLUMNS)
    upserted = _execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {LINE_STAGE.name} WHERE true "
        f"ON CONFLICT (order_id, line_number) DO UPDATE SET {updates} "
        f"WHERE ({stored}) IS DISTINCT FROM ({proposed}) RETURNING order_id"
    )
    deleted = stored and _execute(
        f"DELETE FROM {table} WHERE order_id IN "
        f"(SELECT order_id FROM {ORDER_STAGE.name} WHERE order_id IS NOT NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM {LINE_STAGE.name} AS l "
        f"WHERE l.order_id = {table}.order_id AND l.line_number = {table}.line_number) "
        "AND NOT EXISTS (SELECT 1 FROM journeys_returnline AS r "
        f"WHERE r.order_line_id = {table}.id) RETURNING order_id"
    )
    changed = {row[0] for row in (*upserted, *(deleted or ()))} - exclude
    if changed:
        Order.objects.filter(pk__any=changed).update(updated_at=now)
    return changed


# What follows from the changes ------------------------------------------------------------


def _record_consequences(live: list[_Record], changed: set[int], actor: Any, now: Any) -> None:
    moved = [record for record in live if record.order_id in changed and record.stored]
    _record_status_changes(moved, actor, now)
    _propagate_customers(
        [record for record in moved if record.customer_id != record.stored.customer_id], now
    )
    _open_pickups(
        [record for record in live if record.needs_pickup and record.order_id in changed]
        + [record for record in live if record.needs_pickup and record.stored is None]
    )
    _cancel_pickups(
        [
            record
            for record in moved
            if record.data.status == Order.Status.CANCELLED
            and record.stored.pickup_status in ACTIVE_PICKUP_STATUSES
        ],
        actor,
        now,
    )


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _record_status_changes(moved: list[_Record], actor: Any, now: Any) -> None:
    # The channel system is the authority on its orders: record, do not refuse.
    OrderStatusChange.objects.bulk_create(
        OrderStatusChange(
            subject_id=record.order_id,
            from_status=record.stored.status,
            to_status=record.data.status,
            actor=_user_or_none(actor),
            api_client=writing_api_client(),
            changed_at=now,
            note=_("Reported by %s") % record.data.source,
        )
        for record in moved
        if record.data.status != record.stored.status
    )


def _propagate_customers(moved: list[_Record], now: Any) -> None:
    """Pickups and returns carry a copy of their order's customer (see `_customer_copy`)."""
    if not moved:
        return
    order_ids = [record.order_id for record in moved]
    customer = Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("customer_id")[:1])
    for model in (Pickup, Return):
        model.objects.filter(order_id__in=order_ids).update(customer_id=customer, updated_at=now)


def _open_pickups(records: list[_Record]) -> None:
    Pickup.objects.bulk_create(
        Pickup(
            order_id=record.order_id,
            customer_id=record.customer_id,
            store=record.prepared.store,
            code=new_pickup_code(),
        )
        for record in records
    )


def _cancel_pickups(records: list[_Record], actor: Any, now: Any) -> None:
    if not records:
        return
    note = _("Order cancelled upstream")
    pickups = list(
        Pickup.objects.select_for_update()
        .filter(order_id__in=[record.order_id for record in records])
        .filter(status__in=ACTIVE_PICKUP_STATUSES)
        .values_list("pk", "status")
    )
    Pickup.objects.filter(pk__in=[pk for pk, _status in pickups]).update(
        status=Pickup.Status.CANCELLED, cancelled_at=now, updated_at=now
    )
    PickupStatusChange.objects.bulk_create(
        PickupStatusChange(
            subject_id=pk,
            from_status=status,
            to_status=Pickup.Status.CANCELLED,
            actor=_user_or_none(actor),
            api_client=writing_api_client(),
            changed_at=now,
            note=note,
        )
        for pk, status in pickups
    )
