"""Where omni.access_journal's entries are kept: ProfileAccess rows, written set-based.

The entries of one request become one INSERT (`bulk_create`), whatever the number of
customers; an export's members, given as a queryset, are copied by the database
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


def _rows(entry: JournalEntry, accessed_at: datetime.datetime) -> list[ProfileAccess]:
    return [
        ProfileAccess(
            customer_id=customer_id,
            context=entry.door,
            user_id=entry.user_id,
            api_client_id=entry.api_client_id,
            store_id=entry.store_id,
            query=entry.query,
            segment_export_id=entry.segment_export_id,
            accessed_at=accessed_at,
        )
        for customer_id in entry.customer_ids
    ]


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


def profile_accesses_write(entries: Sequence[JournalEntry]) -> None:
    """Store the journal entries of one request (or one read outside a request)."""
    accessed_at = timezone.now()
    rows: list[ProfileAccess] = []
    for entry in entries:
        if isinstance(entry.customer_ids, QuerySet):
            _copy_members(entry, entry.customer_ids, accessed_at)
        else:
            rows += _rows(entry, accessed_at)
    if rows:
        ProfileAccess.objects.bulk_create(rows)
