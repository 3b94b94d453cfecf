"""Work shared by processes forked from this one (`import_history --jobs`, `lifecycle_recompute
--jobs`): on a machine with several cores, one Python process leaves all but one idle while
PostgreSQL waits for it, and the other way round.
"""

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from django.db import connections


def _process_start() -> None:
    """In a forked process: a connection of the parent is the parent's (it closed them before
    forking; this forgets any opened since, without closing it): this process opens its own."""
    for alias in connections:
        connections[alias].connection = None


@contextmanager
def forked_processes(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """`jobs` processes forked from this one, each with its own database connection. What is
    submitted must be a module-level function of picklable arguments."""
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_process_start,
    )
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
