"""The Celery task that writes one chunk of an import file; `import_history --celery` queues
one per chunk, so that every worker running takes its share.

Registered by `journeys/tasks.py` importing it (workers discover `<app>.tasks` modules only).
"""

from celery import shared_task

from journeys.history_import.chunks import chunk_run
from journeys.history_import.files import ChunkSpan
from journeys.history_import.models import HistoryImport


@shared_task(name="journeys.history_import.tasks.history_import_chunk_task")
def history_import_chunk_task(
    history_import_id: int, number: int, start: int, end: int, first_line: int, records: int
) -> str:
    """Safe to run twice: a chunk already written is skipped (its "done" row is committed with
    its records). A failure is recorded on the chunk's row for the command to report."""
    history_import = HistoryImport.objects.get(pk=history_import_id)
    return chunk_run(history_import, ChunkSpan(number, start, end, first_line, records))
