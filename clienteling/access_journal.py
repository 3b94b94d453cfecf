"""Where omni.access_journal's entries are kept: ProfileAccess rows, written set-based.

The entries of one request become one INSERT whatever the number of customers (on
PostgreSQL outside a transaction, one that does not wait for the disk; `bulk_create`
otherwise); an export's members, given as a queryset, are copied by the database
(INSERT … SELECT), one statement whatever their number.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from clienteling.models import ProfileAccess
from omni.access_journal import JournalEntry


def _copy_members(entry: JournalEntry, ids: QuerySet, accessed_at: datetime.datetime) -> None:
    """INSERT … SELECT: one entry per id the queryset selects, none read into Python."""
    constants = {
        "context": entry.door,
        "user_id": entry.user_id,
        "api_client_id": entry.api_client_id,
        "store_id": entry.store_id,
        "query": entry.query,
        "segment_export_id": entry.segment_export_id,
        "accessed_at": connection.ops.adapt_datetimefield_value(accessed_at),
    }
    selected = ids.order_by().values(member_id=F("pk"))
    try:
        select_sql, params = selected.query.sql_with_params()
    except EmptyResultSet:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in ("customer_id", *constants))
    placeholders = ", ".join("%s" for _name in constants)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table and columns are ours; the SELECT is compiled by the ORM with its params.
            f"INSERT INTO {quote(ProfileAccess._meta.db_table)} ({names}) "
            f"SELECT member.member_id, {placeholders} FROM ({select_sql}) member",
            [*constants.values(), *params],
        )


# The columns of a journal entry written from Python: a `Row`, and its PostgreSQL arrays.
ENTRY_COLUMNS = (
    "customer_id",
    "context",
    "user_id",
    "api_client_id",
    "store_id",
    "query",
    "segment_export_id",
)
ARRAY_TYPES = ("bigint[]", "text[]", "bigint[]", "bigint[]", "bigint[]", "text[]", "bigint[]")
Row = tuple[int, str, int | None, int | None, int | None, str, int | None]


def _rows(entry: JournalEntry) -> list[Row]:
    """One row of `ENTRY_COLUMNS` per customer read (plain tuples: no model instances)."""
    reader = (entry.user_id, entry.api_client_id, entry.store_id, entry.query)
    return [
        (customer_id, entry.door, *reader, entry.segment_export_id)
        for customer_id in entry.customer_ids
    ]


def _insert_without_waiting_for_the_disk(
    rows: Sequence[Row], accessed_at: datetime.datetime
) -> None:
    """PostgreSQL, in autocommit: one INSERT of every row (a column per array) whose own
    transaction commits asynchronously (synchronous_commit off, set for it alone). A request
    would otherwise wait for the journal's WAL flush, several milliseconds: more than the
    search's whole budget. On a server crash the last fraction of a second of entries may be
    lost; the database stays consistent."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in (*ENTRY_COLUMNS, "accessed_at"))
    arrays = ", ".join(f"%s::{array_type}" for array_type in ARRAY_TYPES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(ProfileAccess._meta.db_table)} ({names}) "
            f"SELECT entry.*, %s FROM unnest({arrays}) AS entry "
            "CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous",
            [accessed_at, *(list(column) for column in zip(*rows, strict=True))],
        )


def _commits_on_its_own() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def profile_accesses_write(entries: Sequence[JournalEntry]) -> None:
    """Store the journal entries of one request (or one read outside a request)."""
    accessed_at = timezone.now()
    rows: list[Row] = []
    for entry in entries:
        if isinstance(entry.customer_ids, QuerySet):
            _copy_members(entry, entry.customer_ids, accessed_at)
        else:
            rows += _rows(entry)
    if not rows:
        return
    if _commits_on_its_own():
        _insert_without_waiting_for_the_disk(rows, accessed_at)
    else:
        # Within a transaction (a service's, a test's), the entries commit with it.
        ProfileAccess.objects.bulk_create(
            ProfileAccess(**dict(zip(ENTRY_COLUMNS, row, strict=True)), accessed_at=accessed_at)
            for row in rows
        )
