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
