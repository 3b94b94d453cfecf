"""Rebuild the dashboards' aggregate tables, printing rows and time per table."""

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.aggregates import aggregates_rebuild_timed, aggregates_step_count
from omni.progress import StepBar, progress_argument_add, progress_bar


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not an ISO date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Rebuild the insights aggregate tables (the whole history, or since a date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=_date, help="First local day to rebuild (YYYY-MM-DD).")
        progress_argument_add(parser)

    def handle(self, *args: Any, since: datetime.date | None = None, **options: Any) -> None:
        started = time.monotonic()
        with progress_bar(self, options, total=aggregates_step_count(), unit="tables") as bar:
            steps = StepBar(bar)
            results = aggregates_rebuild_timed(day_from=since, step=steps)
            steps.finish()
        for table, rows, seconds in results:
            self.stdout.write(f"{table:<36} {rows:>10} rows {seconds:>8.2f} s")
        total = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {len(results)} tables in {total:.2f} s"))
