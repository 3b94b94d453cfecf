"""Recompute every customer's lifecycle stage and metrics now, and print how fast it went.

The nightly task does the same (`lifecycle_recompute_all_task`); this command runs it in the
foreground, for a first fill after an import or to measure it on a large dataset.

Measured on PostgreSQL 15 with the dashboard benchmark's dataset (100,000 customers, 500,000
orders, 131,000 touchpoints, 40,000 returns; `insights.benchmark.dataset.generate_dataset`),
on a shared 2-core machine under a load of about 4: a nightly run (figures already stored,
only changes written) walks 3,500 to 5,000 customers/s, i.e. 3.5 to 5 minutes for 1,000,000
customers; a first fill (every row written) about 2,400 customers/s. The stages and metrics it
computes match the generator's own SQL computation row for row at the same "now".
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count

from customers.models import Customer
from journeys.lifecycle.services import (
    DEFAULT_BATCH_SIZE,
    RefreshResult,
    lifecycle_recompute_all,
)
from journeys.models import LifecycleTrigger
from omni.garbage_collection import settle_garbage_collection
from omni.progress import progress_argument_add, progress_bar, progress_shown


class Command(BaseCommand):
    help = "Recompute every customer's lifecycle stage and metrics; prints customers/s and changes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--trigger",
            default=LifecycleTrigger.MANUAL,
            choices=LifecycleTrigger.values,
            help="Recorded on each stage change (default: manual).",
        )
        progress_argument_add(parser, "--quiet-progress")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Processes sharing the batches (default 1; up to the number of CPU cores).",
        )

    def handle(self, *args: object, **options: object) -> None:
        settle_garbage_collection()  # as import_history: batches of thousands of objects
        batch_size = int(options["batch_size"])  # type: ignore[call-overload]
        if batch_size < 1:
            raise CommandError("--batch-size must be positive.")
        jobs = int(options["jobs"])  # type: ignore[call-overload]
        if jobs < 1:
            raise CommandError("--jobs must be positive.")
        if jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs needs PostgreSQL (SQLite writes one at a time).")
        every = max(1, 50_000 // batch_size)
        batches = 0
        verbose = int(options["verbosity"]) > 1  # type: ignore[call-overload]
        # The bar's length: one count of the live customers, only when a bar is drawn.
        total = (
            Customer.objects.filter(merged_into__isnull=True).count()
            if progress_shown(self, options)
            else None
        )

        with progress_bar(self, options, total=total, unit="customers") as bar:

            def progress(result: RefreshResult) -> None:
                nonlocal batches
                batches += 1
                bar.update(result.customers - bar.n)
                if verbose and batches % every == 0:
                    bar.clear()
                    self.stdout.write(
                        f"  {result.customers} customers, {result.changes} changes, "
                        f"{result.customers_per_second:.0f} customers/s"
                    )
                    bar.refresh()

            result = lifecycle_recompute_all(
                trigger=str(options["trigger"]),
                batch_size=batch_size,
                progress=progress,
                jobs=jobs,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.customers} customers in {result.seconds:.1f} s "
                f"({result.customers_per_second:.0f} customers/s), "
                f"{result.changes} stage changes."
            )
        )
        stages = (
            Customer.objects.filter(merged_into__isnull=True)
            .values_list("lifecycle_stage")
            .annotate(count=Count("pk"))
            .order_by("lifecycle_stage")
        )
        self.stdout.write(", ".join(f"{stage}: {count}" for stage, count in stages))
