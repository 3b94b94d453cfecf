"""Import the history of a retailer: customers, orders with their lines, returns and pickups,
from JSON Lines or CSV (Omni's columns, or Shopify's and WooCommerce's order exports).

    manage.py import_history --kind customers customers.jsonl
    manage.py import_history --kind orders orders.jsonl --errors refused.csv
    manage.py import_history --kind orders shopify_orders.csv --source my-shop

The file is cut into chunks of whole records; each chunk is validated by the batch API's
validators and written by its write path in one transaction, with a row that says it was
written: an interrupted import run again continues where it stopped, writing no row twice.
With --celery, one task per chunk is queued and the workers running share them. Refused
records go to the errors file with their line numbers and reasons. See README, "Importing
history".
"""

import csv
import time
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from journeys.history_import.chunks import (
    ChunkResult,
    chunk_run,
    chunk_run_by_id,
    chunk_validate,
    history_import_open,
)
from journeys.history_import.files import ChunkSpan
from journeys.history_import.formats import FORMATS, FormatError, format_guess, reader_for
from journeys.history_import.models import HistoryImport, HistoryImportChunk, HistoryKind
from journeys.history_import.readers import UnreadableRecordError
from journeys.history_import.statistics import statistics_due, statistics_refresh
from omni.garbage_collection import settle_garbage_collection
from omni.processes import forked_processes
from omni.progress import progress_argument_add, progress_bar, progress_shown

DEFAULT_CHUNK_RECORDS = 1000
SHOWN_ERRORS = 10
POLL_SECONDS = 0.5
Status = HistoryImportChunk.Status


class Command(BaseCommand):
    help = (
        "Import customers, orders, returns or pickups from a JSON Lines or CSV file, in "
        "resumable chunks; refused records go to an errors file with their line numbers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--kind", required=True, choices=HistoryKind.values)
        parser.add_argument(
            "--format", choices=FORMATS, help="Default: told by the suffix and the CSV header."
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_RECORDS,
            help="Records per chunk (one transaction, one Celery task).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument(
            "--errors", help="Where refused records go (CSV). Default: <file>.errors.csv."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes writing chunks side by side on this machine (default 1; the "
            "number of CPU cores makes the most of them).",
        )
        parser.add_argument(
            "--celery", action="store_true", help="Queue one task per chunk to the workers."
        )
        parser.add_argument(
            "--timeout", type=float, default=24 * 3600, help="With --celery: seconds to wait."
        )
        parser.add_argument(
            "--no-lifecycle", action="store_true", help="No lifecycle recompute afterwards."
        )
        parser.add_argument("--source", help="Shop exports: the source written on the orders.")
        parser.add_argument(
            "--time-zone", help="WooCommerce export: the shop's time zone (Europe/Paris)."
        )
        parser.add_argument("--encoding", help="CSV files: the text encoding (default utf-8).")
        progress_argument_add(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        if options["chunk_size"] < 1:
            raise CommandError(_("--chunk-size must be positive."))
        if options["jobs"] < 1:
            raise CommandError(_("--jobs must be positive."))
        if options["jobs"] > 1 and options["celery"]:
            raise CommandError(_("--jobs and --celery cannot be used together."))
        if options["jobs"] > 1 and connection.vendor != "postgresql":
            raise CommandError(_("--jobs needs PostgreSQL (SQLite writes one at a time)."))
        # Each chunk builds some hundred thousand objects: with the default thresholds the cycle
        # collector walked every object of the process many times a chunk (a quarter of an
        # import's time, measured on 60,000 orders). Forked jobs inherit the setting.
        settle_garbage_collection()
        file_format = options["format"] or self._guess(path)
        reader_options = {
            name: options[name] for name in ("source", "time_zone", "encoding") if options.get(name)
        }
        spans = self._spans(path, options["kind"], file_format, reader_options, options)
        history_import = HistoryImport(
            path=str(path.resolve()),
            kind=options["kind"],
            format=file_format,
            chunk_records=options["chunk_size"],
            options=reader_options,
        )
        if options["dry_run"]:
            self._dry_run(history_import, spans, options)
            return
        history_import = history_import_open(
            path,
            kind=options["kind"],
            file_format=file_format,
            chunk_records=options["chunk_size"],
            options=reader_options,
        )
        self._import(history_import, spans, options)

    @staticmethod
    def _guess(path: Path) -> str:
        try:
            return format_guess(path)
        except FormatError as error:
            raise CommandError(str(error)) from error

    @staticmethod
    def _spans(
        path: Path,
        kind: str,
        file_format: str,
        reader_options: dict[str, str],
        options: dict[str, Any],
    ) -> list[ChunkSpan]:
        try:
            reader = reader_for(file_format, kind, reader_options)
            reader.check(str(path))
        except FormatError as error:
            raise CommandError(str(error)) from error
        except UnreadableRecordError as error:
            problems = "; ".join(m for messages in error.problems.values() for m in messages)
            raise CommandError(f"{path.name}: {problems}") from error
        return list(reader.spans(str(path), options["chunk_size"]))

    # The dry run ------------------------------------------------------------------------------

    def _dry_run(
        self, history_import: HistoryImport, spans: list[ChunkSpan], options: dict[str, Any]
    ) -> None:
        total = ChunkResult()
        started = time.monotonic()
        with self._progress(spans, options) as progress:
            for span in spans:
                total.add(chunk_validate(history_import, span))
                progress.update(span.records)
        self._report(total, time.monotonic() - started, options, dry_run=True)
        self.stdout.write(_("Dry run: nothing was written."))

    # The import ------------------------------------------------------------------------------

    def _import(
        self, history_import: HistoryImport, spans: list[ChunkSpan], options: dict[str, Any]
    ) -> None:
        HistoryImport.objects.filter(pk=history_import.pk).update(chunk_count=len(spans))
        written = set(
            history_import.chunks.filter(status=Status.DONE).values_list("number", flat=True)
        )
        pending = [span for span in spans if span.number not in written]
        if written:
            self.stdout.write(
                _("Resuming: %(written)s of %(chunks)s chunks were written by an earlier run.")
                % {"written": len(written), "chunks": len(spans)}
            )
        started = time.monotonic()
        with self._progress(spans, options) as progress:
            progress.update(sum(span.records for span in spans if span.number in written))
            if options["celery"]:
                self._run_on_workers(history_import, pending, progress, options["timeout"])
            elif options["jobs"] > 1:
                self._run_in_processes(history_import, pending, progress, options["jobs"])
            else:
                self._run_here(history_import, pending, progress)
        seconds = time.monotonic() - started
        self._finish(history_import, spans, seconds, {span.number for span in pending}, options)

    @staticmethod
    def _run_here(history_import: HistoryImport, pending: list[ChunkSpan], progress: tqdm) -> None:
        """The chunks one after the other; the first that fails stops the run (what failed it,
        a database gone or a schema not migrated, would fail the next ones too)."""
        for written_now, span in enumerate(pending, start=1):
            if chunk_run(history_import, span) == Status.FAILED:
                return
            progress.update(span.records)
            if statistics_due(written_now):
                statistics_refresh(history_import.kind)

    @staticmethod
    def _run_in_processes(
        history_import: HistoryImport, pending: list[ChunkSpan], progress: tqdm, jobs: int
    ) -> None:
        """The chunks shared by `jobs` processes forked from this one, each with its own
        database connection; the first chunk that fails stops the run, as `_run_here`."""
        done = 0
        with forked_processes(jobs) as pool:
            futures = {
                pool.submit(chunk_run_by_id, history_import.pk, span): span for span in pending
            }
            for future in as_completed(futures):
                if future.result() == Status.FAILED:
                    for other in futures:
                        other.cancel()
                    return
                done += 1
                progress.update(futures[future].records)
                if statistics_due(done):
                    statistics_refresh(history_import.kind)

    def _run_on_workers(
        self,
        history_import: HistoryImport,
        pending: list[ChunkSpan],
        progress: tqdm,
        timeout: float,
    ) -> None:
        from journeys.history_import.tasks import history_import_chunk_task

        for span in pending:
            history_import_chunk_task.delay(
                history_import.pk, span.number, span.start, span.end, span.first_line, span.records
            )
        waiting = {span.number: span for span in pending}
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            finished = history_import.chunks.filter(number__in=list(waiting)).values_list(
                "number", flat=True
            )
            for number in finished:
                progress.update(waiting.pop(number).records)
                if statistics_due(len(pending) - len(waiting)):
                    statistics_refresh(history_import.kind)
            if waiting:
                time.sleep(POLL_SECONDS)
        if waiting:
            raise CommandError(
                _(
                    "%(count)s chunks were not written within %(seconds)d s: are workers "
                    "running? Run the same command again to wait for them (or to write them "
                    "here)."
                )
                % {"count": len(waiting), "seconds": timeout}
            )

    def _finish(
        self,
        history_import: HistoryImport,
        spans: list[ChunkSpan],
        seconds: float,
        this_run: set[int],
        options: dict[str, Any],
    ) -> None:
        """Report every chunk written, by this run or an earlier one (rate: this run's)."""
        total = ChunkResult()
        failed = []
        chunks = list(history_import.chunks.order_by("number"))
        done = len(chunks) - sum(chunk.status == Status.FAILED for chunk in chunks)
        for chunk in chunks:
            if chunk.status == Status.FAILED:
                failed.append(chunk)
                continue
            total.add(ChunkResult(chunk.records, chunk.outcomes, chunk.errors))
        written_now = sum(
            chunk.records
            for chunk in chunks
            if chunk.number in this_run and chunk.status == Status.DONE
        )
        self._report(total, seconds, options, dry_run=False, rate_records=written_now)
        if failed:
            reasons = "\n".join(
                _("  chunk %(number)s (line %(line)s): %(message)s")
                % {"number": chunk.number, "line": chunk.first_line, "message": chunk.message}
                for chunk in failed[:SHOWN_ERRORS]
            )
            if len(failed) > SHOWN_ERRORS:
                more = _("  ... and %(count)s more.") % {"count": len(failed) - SHOWN_ERRORS}
                reasons = f"{reasons}\n{more}"
            summary = _(
                "%(failed)s of %(chunks)s chunks failed and wrote nothing; %(done)s are written:"
            ) % {"failed": len(failed), "chunks": len(spans), "done": done}
            advice = _(
                "Run the same command again to write the others; written chunks are skipped."
            )
            raise CommandError(f"{summary}\n{reasons}\n{advice}")
        HistoryImport.objects.filter(pk=history_import.pk).update(finished_at=timezone.now())
        if not options["no_lifecycle"]:
            self.stdout.write(_("Recomputing lifecycle stages and customer metrics..."))
            call_command(
                "lifecycle_recompute",
                no_progress=not progress_shown(self, options),
                jobs=options["jobs"],
                stdout=self.stdout,
                stderr=self.stderr,
            )

    # Reporting -------------------------------------------------------------------------------

    def _progress(self, spans: list[ChunkSpan], options: dict[str, Any]) -> Any:
        return progress_bar(
            self, options, total=sum(span.records for span in spans), unit="records"
        )

    def _report(
        self,
        total: ChunkResult,
        seconds: float,
        options: dict[str, Any],
        *,
        dry_run: bool,
        rate_records: int | None = None,
    ) -> None:
        outcomes = ", ".join(
            f"{status}: {count}" for status, count in sorted(total.outcomes.items())
        )
        counted = total.records if rate_records is None else rate_records
        figures = {
            "records": total.records,
            "seconds": f"{seconds:.1f}",
            "rate": f"{counted / max(seconds, 1e-6):.0f}",
            "outcomes": outcomes or _("nothing to do"),
        }
        if dry_run:
            message = _("%(records)s records checked in %(seconds)s s (%(rate)s records/s).")
        else:
            message = _("%(records)s records imported in %(seconds)s s (%(rate)s records/s).")
        self.stdout.write(f"{message % figures} {figures['outcomes']}.")
        if not total.errors:
            return
        errors_path = Path(options["errors"] or f"{options['path']}.errors.csv")
        errors_file_write(errors_path, total.errors)
        for error in total.errors[:SHOWN_ERRORS]:
            line = _("  line %(line)s: %(reasons)s")
            self.stdout.write(
                line % {"line": error["line"], "reasons": error_text(error["errors"])}
            )
        if len(total.errors) > SHOWN_ERRORS:
            more = _("  ... and %(count)s more.") % {"count": len(total.errors) - SHOWN_ERRORS}
            self.stdout.write(more)
        refused = _("%(count)s records refused: see %(path)s.")
        self.stdout.write(
            self.style.WARNING(refused % {"count": len(total.errors), "path": errors_path})
        )


def error_text(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


def errors_file_write(path: Path, errors: list[dict[str, Any]]) -> None:
    """line: where the record starts; lines: all its lines (an order's CSV rows); one row per
    field refused."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["line", "lines", "field", "reasons"])
        for error in sorted(errors, key=lambda error: error["line"]):
            lines = " ".join(str(number) for number in error["lines"])
            for field, messages in error["errors"].items():
                writer.writerow([error["line"], lines, field, " ".join(map(str, messages))])
