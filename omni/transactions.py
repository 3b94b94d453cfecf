"""Transaction settings a few reads need on PostgreSQL."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def without_jit() -> Iterator[None]:
    """A transaction where PostgreSQL does not compile its plans to machine code. A count over
    a million customers is estimated above the JIT threshold, and compiling it took 970 of its
    1,180 ms (a segment's live count) to save nothing; the lifecycle's batch reads likewise."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


# The setting the triggers of tables kept by the database (segment facts) read: "on", they
# note which customers changed instead of refreshing their rows at each statement.
KEPT_TABLES_DEFERRED = "omni.kept_tables_deferred"
# What ends a deferred block: one statement per kept table, registered by its app when ready
# (segments: refresh the customers noted), so that writers below it need not know it.
_KEPT_TABLE_FLUSHES: list[str] = []


def kept_table_flush_register(statement: str) -> None:
    if statement not in _KEPT_TABLE_FLUSHES:
        _KEPT_TABLE_FLUSHES.append(statement)


@contextmanager
def kept_tables_deferred() -> Iterator[None]:
    """A transaction whose writes refresh the tables kept by triggers once, at its end, instead
    of at each statement. A batch writes a customer's profile, identities, consents and
    addresses in several statements (the lifecycle: metrics, then stage); each refreshed her
    segment facts again, the last one alone counting. On PostgreSQL; elsewhere (SQLite's
    triggers run per row) a plain transaction. Nested blocks flush with the outermost one; a
    block that fails leaves nothing noted (the notes roll back with its writes)."""
    deferring = connection.vendor == "postgresql" and not getattr(
        connection, "omni_kept_tables_deferred", False
    )
    with transaction.atomic():
        if not deferring:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {KEPT_TABLES_DEFERRED} = 'on'")
        connection.omni_kept_tables_deferred = True  # type: ignore[attr-defined]
        try:
            yield
        finally:
            connection.omni_kept_tables_deferred = False  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            # One round trip: the setting back off, then each kept table's refresh.
            cursor.execute(
                "; ".join([f"SET LOCAL {KEPT_TABLES_DEFERRED} = 'off'", *_KEPT_TABLE_FLUSHES])
            )
