"""One chunk of an import file read, validated and written in one transaction with its "done"
row, so that a chunk is written once or not at all, whoever runs it (the command, a Celery
worker, a rerun after an interruption).
"""

import hashlib
import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, connection, transaction

from journeys.history_import.files import ChunkSpan, file_identity
from journeys.history_import.formats import reader_for
from journeys.history_import.models import HistoryImport, HistoryImportChunk
from journeys.history_import.readers import SourceRecord
from journeys.history_import.writers import WRITERS
from journeys.ingest.orders import KnownProduct, catalogue_kept

Status = HistoryImportChunk.Status


@dataclass
class ChunkResult:
    """records: how many the chunk holds; outcomes: how many ended in each status; errors: the
    refused ones, {"line", "lines", "errors"}, by line."""

    records: int = 0
    outcomes: Counter = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: "ChunkResult") -> None:
        self.records += other.records
        self.outcomes.update(other.outcomes)
        self.errors.extend(other.errors)


class _AlreadyWritten(Exception):  # noqa: N818 - leaves the chunk's transaction untouched
    pass


def history_import_open(
    path: Path, *, kind: str, file_format: str, chunk_records: int, options: dict[str, Any]
) -> HistoryImport:
    """The import of this file with these options: the one started earlier, to resume, or a
    new one."""
    identity = file_identity(path)
    settings = {"kind": kind, "format": file_format, "chunk": chunk_records, **options}
    fingerprint = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    history_import, _created = HistoryImport.objects.get_or_create(
        path=identity.path,
        size=identity.size,
        head_hash=identity.head_hash,
        fingerprint=fingerprint,
        defaults={
            "kind": kind,
            "format": file_format,
            "chunk_records": chunk_records,
            "options": options,
        },
    )
    return history_import


def chunk_run(history_import: HistoryImport, span: ChunkSpan) -> str:
    """Write the chunk unless it was written; a chunk that fails leaves nothing but a "failed"
    row saying why (the next run tries it again). Returns the chunk's status."""
    try:
        written = chunk_write(history_import, span)
    except Exception as error:  # any failure: the chunk is retried by a rerun
        _record_failure(history_import, span, error)
        return Status.FAILED
    return Status.DONE if written else "skipped"


def chunk_run_by_id(history_import_id: int, span: ChunkSpan) -> str:
    """chunk_run in a process of `chunk_processes`."""
    return chunk_run(HistoryImport.objects.get(pk=history_import_id), span)


def chunk_write(history_import: HistoryImport, span: ChunkSpan) -> bool:
    """False if the chunk was already written (by an earlier run or another worker)."""
    records = _read(history_import, span)
    try:
        with transaction.atomic():
            _commit_without_waiting_for_the_disk()
            chunk = _claim(history_import, span)
            with catalogue_kept(_catalogue_of(history_import)):
                result = records_write(history_import.kind, records)
            chunk.records = result.records
            chunk.outcomes = dict(result.outcomes)
            chunk.errors = result.errors
            chunk.save(update_fields=["records", "outcomes", "errors"])
    except _AlreadyWritten:
        return False
    return True


# The products read by the chunks of the import this process writes (the latest only), by
# the import's id and start (an id alone may come again, in a test database emptied).
_catalogues: dict[tuple[int, Any], dict[str, KnownProduct]] = {}


def _catalogue_of(history_import: HistoryImport) -> dict[str, KnownProduct]:
    key = (history_import.pk, history_import.started_at)
    if key not in _catalogues:
        _catalogues.clear()
        _catalogues[key] = {}
    return _catalogues[key]


def chunk_validate(history_import: HistoryImport, span: ChunkSpan) -> ChunkResult:
    """What writing the chunk would give, rolled back: the dry run sees every refusal the
    import would (unknown products, stores, orders...) and writes nothing."""
    records = _read(history_import, span)
    with transaction.atomic():
        result = records_write(history_import.kind, records)
        transaction.set_rollback(True)
    return result


def records_write(kind: str, records: list[SourceRecord]) -> ChunkResult:
    readable = [record for record in records if record.record is not None]
    results = WRITERS[kind]([record.record for record in readable]) if readable else []
    chunk = ChunkResult(records=len(records))
    for record in records:
        if record.problems is not None:
            chunk.outcomes["error"] += 1
            chunk.errors.append(_refusal(record, record.problems))
    for record, outcome in zip(readable, results, strict=True):
        chunk.outcomes[outcome.status] += 1
        if outcome.failed:
            chunk.errors.append(_refusal(record, outcome.errors or {}))
    chunk.errors.sort(key=lambda error: error["line"])
    return chunk


def _read(history_import: HistoryImport, span: ChunkSpan) -> list[SourceRecord]:
    reader = reader_for(history_import.format, history_import.kind, history_import.options)
    return reader.read(history_import.path, span)


def _commit_without_waiting_for_the_disk() -> None:
    """The chunk's commit returns before its WAL is flushed (a flush took 30 ms of the 300 ms a
    chunk of 1,000 orders takes). A server crash may then lose the last chunks committed, but
    each whole with its "done" row, as if rolled back: a rerun writes them again, once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim(history_import: HistoryImport, span: ChunkSpan) -> HistoryImportChunk:
    """The chunk's "done" row, inserted first: a second writer of the chunk waits on it and
    gives up when the first one commits."""
    HistoryImportChunk.objects.filter(
        history_import=history_import, number=span.number, status=Status.FAILED
    ).delete()
    try:
        with transaction.atomic():
            return HistoryImportChunk.objects.create(
                history_import=history_import,
                number=span.number,
                start=span.start,
                end=span.end,
                first_line=span.first_line,
                status=Status.DONE,
            )
    except IntegrityError as error:
        raise _AlreadyWritten from error


def _refusal(record: SourceRecord, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "line": record.line,
        "lines": list(record.row_lines or (record.line,)),
        "errors": errors,
    }


def _record_failure(history_import: HistoryImport, span: ChunkSpan, error: Exception) -> None:
    message = "".join(traceback.format_exception_only(error)).strip()
    with transaction.atomic():
        chunk = (
            HistoryImportChunk.objects.select_for_update()
            .filter(history_import=history_import, number=span.number)
            .first()
        )
        if chunk is not None and chunk.status == Status.DONE:
            return
        HistoryImportChunk.objects.update_or_create(
            history_import=history_import,
            number=span.number,
            defaults={
                "start": span.start,
                "end": span.end,
                "first_line": span.first_line,
                "status": Status.FAILED,
                "message": message[:2000],
            },
        )
