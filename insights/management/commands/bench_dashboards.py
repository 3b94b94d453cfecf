"""`manage.py bench_dashboards`: the head-office dashboards on a large PostgreSQL dataset.

    DATABASE_URL=postgres://…/omni_bench manage.py bench_dashboards --generate
    DATABASE_URL=postgres://…/omni_bench manage.py bench_dashboards --repeat 10
    make bench-dashboards DATABASE_URL=postgres://…/omni_bench

With --generate it first fills the database with the benchmark dataset (default 1,000,000
customers and 5,000,000 orders over three years, plus three heavy customers with 20,000+
timeline items each, see insights/benchmark/dataset.py; refused on SQLite and on a database
holding customers it did not generate unless --reset-benchmark). Then it rebuilds
every aggregate table (timed) and requests each dashboard view with six filter combinations,
printing p50/p95/max in ms, SQL queries and status; --with-lifecycle then times the nightly
lifecycle recompute of every customer. It exits non-zero if a view fails.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from insights.benchmark import harness
from insights.benchmark.dataset import dataset_counts
from insights.benchmark.options import add_generation_arguments, generate_from_options


class Command(BaseCommand):
    help = (
        "Benchmark the head-office dashboards: optionally generate the 1M-customer / 5M-order "
        "dataset (--generate; PostgreSQL only: set DATABASE_URL=postgres://…), rebuild the "
        "aggregate tables, then time each view with several filters."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_generation_arguments(parser)
        parser.add_argument("--repeat", type=int, default=5, help="Timed requests per view.")
        parser.add_argument(
            "--skip-rebuild", action="store_true", help="Keep the aggregate tables as they are."
        )
        parser.add_argument(
            "--with-lifecycle",
            action="store_true",
            help="Also time journeys.lifecycle's lifecycle_recompute_all (slow on 1M customers).",
        )

    def _log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress shows even when the output goes to a file

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1.")
        log = self._log
        if options["generate"]:
            generate_from_options(options, log)
        log(f"Database: {connection.vendor} {connection.settings_dict.get('NAME')}")
        for label, count in dataset_counts().items():
            log(f"  {label:<24} {count:>12,}")
        if not options["skip_rebuild"]:
            log("Aggregate rebuild (whole history):")
            log(f"  aggregates_rebuild total {harness.time_rebuild(log):.1f} s")
        log(f"Views ({options['repeat']} timed requests each after one warm-up):")
        results = harness.time_views(options["repeat"], log)
        if options["with_lifecycle"]:
            log("Lifecycle recompute (all customers):")
            log(f"  lifecycle_recompute_all {harness.time_lifecycle(log):.1f} s")
        failed = [timing for timing in results if not timing.ok]
        slow = [timing for timing in results if timing.ok and timing.max > harness.BUDGET_MS]
        log(
            f"{len(results)} measurements, {len(failed)} failed, {len(slow)} over "
            f"{harness.BUDGET_MS:.0f} ms (max)."
        )
        if failed:
            raise CommandError(
                "View errors: "
                + "; ".join(f"{t.view} [{t.filters}] {t.status} {t.error}" for t in failed)
            )
