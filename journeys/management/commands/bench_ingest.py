"""`manage.py bench_ingest`: the write paths of issue 9, each with its goal and its baseline.

    make bench-ingest DATABASE_URL=postgres://…/omni_bench_ingest

On a dedicated PostgreSQL database (its retail tables are emptied first), it writes a shop's
past the set-based way (20,000 customers, 50,000 orders), then:
1. sends batches of 1,000 three-line orders (500 new, 250 changed, 250 unchanged; one new order
   in five from a new customer, sent inline) to `POST /api/v1/orders/batch` in-process, and
   the same orders of a twin chain to the baseline, a staged COPY + one set-based merge in raw
   SQL (`journeys.benchmark.baseline`), in turn: orders/s of both and their ratio;
2. counts the SQL statements of a batch of 100 and of 1,000;
3. sends each timed batch again as it was: the rows it rewrote (row versions, and PostgreSQL's
   own counters) and its time against the first sending;
4. times the webhook acknowledgement (`bench_webhooks`);
5. if `import_history` exists, times it on JSON Lines files of the same records and
   extrapolates to 1,000,000 customers and 5,000,000 orders.
When a goal of the batch API or the replay is missed, the profiles of a batch and of its
replay and their statements by kind follow (the lead's starting point).
"""

import argparse
import datetime
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from journeys.benchmark import ingest, other_commands
from journeys.benchmark.database import (
    BenchmarkRefusedError,
    api_token,
    check_database,
    phone_span,
    preload,
    reference_data,
    reset_database,
    server_settings,
)
from journeys.benchmark.records import BatchChain, Catalogue
from omni.garbage_collection import settle_garbage_collection

THROUGHPUT_GOAL = 0.5
REPLAY_GOAL = 3.0
WEBHOOK_GOAL_MS = 7.0
IMPORT_GOAL_MINUTES = 20.0


@dataclass(frozen=True)
class Goal:
    """One goal line: `figure` against `baseline` (measured in the same run, when there is
    one); `met` is None when the part was skipped."""

    label: str
    figure: float | None
    unit: str
    baseline: float | None
    baseline_unit: str
    ratio: float | None
    target: str
    met: bool | None

    def line(self) -> str:
        mark = "SKIP" if self.met is None else ("PASS" if self.met else "MISS")
        figure = "-" if self.figure is None else f"{self.figure:g} {self.unit}"
        baseline = "-" if self.baseline is None else f"{self.baseline:g} {self.baseline_unit}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        return (
            f"GOAL {mark} | {self.label} | figure {figure} | baseline {baseline} | "
            f"ratio {ratio} | goal {self.target}"
        )


def _round(value: float, digits: int = 1) -> float:
    return round(value, digits)


class Command(BaseCommand):
    help = (
        "Time the batch API, a replay, the webhook acknowledgement and import_history on a "
        "dedicated PostgreSQL database, each against its goal and its baseline (issue 9)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batches", type=int, default=10, help="Timed batches.")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--warm-up", type=int, default=3, help="Batches sent first.")
        parser.add_argument("--small-batch", type=int, default=100, help="Statements compared.")
        parser.add_argument("--preload-customers", type=int, default=20_000)
        parser.add_argument("--preload-orders", type=int, default=50_000)
        parser.add_argument("--webhooks", type=int, default=500, help="Webhooks timed.")
        parser.add_argument("--webhook-warm-up", type=int, default=20)
        parser.add_argument(
            "--broker",
            default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9"),
            help="Broker the webhook part queues its tasks to when none is configured (empty: "
            "none, tasks then run before the answer).",
        )
        parser.add_argument(
            "--queue-batch-tasks",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Batches too queue their tasks to --broker (purged at the end), as with "
            "workers in production: the API's own time (default). --no-queue-batch-tasks runs "
            "them in-process, within the batch's time, as the embedded default does.",
        )
        parser.add_argument("--import-customers", type=int, default=20_000)
        parser.add_argument("--import-orders", type=int, default=100_000)
        parser.add_argument(
            "--import-jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="import_history --jobs and lifecycle_recompute --jobs: the processes of the "
            "one machine writing side by side (default: its CPU cores).",
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="Print the profiles of a batch and its replay even when their goals are met.",
        )
        parser.add_argument(
            "--reset-benchmark",
            action="store_true",
            help="Allow a database holding other data (its retail tables are emptied).",
        )

    def _log(self, line: str = "") -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_options(options)
        try:
            check_database(reset=options["reset_benchmark"])
        except BenchmarkRefusedError as refusal:
            raise CommandError(str(refusal)) from refusal
        # Tasks run in-process without a broker: their "succeeded" lines would drown the report.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        settle_garbage_collection()  # as the WSGI application does once loaded
        catalogue, sender, existing = self._prepare(options)
        broker = options["broker"] if options["queue_batch_tasks"] else ""
        with other_commands.tasks_queued(broker, queue="bench-ingest") as queued:
            self._queued = queued
            goals = self._batch_api(options, catalogue, sender, existing)
        goals.append(self._webhooks(options))
        goals.append(self._history(options, catalogue, goals[0]))
        self._log("\nGoals of issue 9")
        for goal in goals:
            self._log(goal.line())

    @staticmethod
    def _check_options(options: dict[str, Any]) -> None:
        if options["batches"] < 1 or options["batch_size"] < 2 or options["small_batch"] < 2:
            raise CommandError("--batches must be at least 1, batch sizes at least 2.")
        if options["batch_size"] > 1000:
            raise CommandError("--batch-size: the batch API takes at most 1,000 records.")
        if options["preload_customers"] < 1 or options["webhooks"] < 2:
            raise CommandError("--preload-customers must be at least 1, --webhooks at least 2.")
        if options["import_jobs"] < 1:
            raise CommandError("--import-jobs must be at least 1.")

    def _prepare(self, options: dict[str, Any]) -> tuple[Catalogue, ingest.BatchSender, tuple]:
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self._log(f"Machine: {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)")
        self._log(f"PostgreSQL: {server_settings()}")
        self._log("Preparing the database (its retail tables emptied)")
        reset_database()
        catalogue = reference_data()
        token = api_token(f"bench-ingest-{timezone.now():%Y%m%d%H%M%S%f}")
        loaded = preload(
            customers=options["preload_customers"],
            orders=options["preload_orders"],
            catalogue=catalogue,
            anchor=timezone.now(),
            log=self._log,
        )
        self._preloaded = loaded
        return catalogue, ingest.BatchSender(token), loaded.existing

    def _chains(self, catalogue: Catalogue, existing: tuple) -> dict[str, BatchChain]:
        offsets = phone_span(self._preloaded, ("api", "sql", "small", "extra"))
        anchor = timezone.now() - datetime.timedelta(days=1)

        def chain(name: str, seed: str) -> BatchChain:
            return BatchChain(
                prefix=name,
                seed=f"bench-ingest:{seed}",
                existing=existing,
                catalogue=catalogue,
                anchor=anchor,
                phone_offset=offsets[name],
            )

        # api and sql are twins: the same orders under their own references and customers.
        return {
            "api": chain("api", "timed"),
            "sql": chain("sql", "timed"),
            "small": chain("small", "small"),
            "extra": chain("extra", "extra"),
        }

    def _batch_api(
        self,
        options: dict[str, Any],
        catalogue: Catalogue,
        sender: ingest.BatchSender,
        existing: tuple,
    ) -> list[Goal]:
        size = options["batch_size"]
        chains = self._chains(catalogue, existing)
        self._log(
            f"\n1. Batch API: {options['warm_up']} warm-up then {options['batches']} timed "
            f"batches of {size} orders, each sent again (replay), the baseline in turn"
        )
        if self._queued:
            self._log("   (the tasks a batch triggers are queued to the broker, then purged)")
        else:
            self._log("   (no broker: the tasks a batch triggers run in-process, inside its time)")
        run = ingest.time_batches(
            sender,
            (chains["api"], chains["sql"]),
            size=size,
            warm_up=options["warm_up"],
            batches=options["batches"],
            log=self._log,
        )
        small, large, replay = self._statements(options, sender, chains)
        goals = [
            self._throughput_goal(run),
            self._statements_goal(small, large),
            *self._replay_goals(run, replay),
        ]
        if options["profile"] or not all(goal.met for goal in goals):
            self._profile(sender, chains["api"], size, (large, replay))
        return goals

    def _statements(
        self, options: dict[str, Any], sender: ingest.BatchSender, chains: dict[str, BatchChain]
    ) -> tuple[ingest.Statements, ingest.Statements, ingest.Statements]:
        """Statements of a mixed batch of each size (a chain's first batch holds only new
        orders: it goes first, uncounted) and of the replay of the large one."""
        sender.post(chains["small"].next_batch(options["small_batch"]))
        small = ingest.count_statements(sender, chains["small"].next_batch(options["small_batch"]))
        batch = chains["api"].next_batch(options["batch_size"])
        large = ingest.count_statements(sender, batch)
        replay = ingest.count_statements(sender, batch)
        self._log(
            f"\n2. Statements: {small.count} for a batch of {small.size}, {large.count} for "
            f"{large.size}, {replay.count} for its replay"
        )
        return small, large, replay

    def _throughput_goal(self, run: ingest.ThroughputRun) -> Goal:
        ratio = run.api_rate / run.baseline_rate
        self._log(
            f"\nBatch API {run.api_rate:,.0f} orders/s, baseline (COPY + merge) "
            f"{run.baseline_rate:,.0f} orders/s: {ratio:.2f}x"
        )
        return Goal(
            f"batch API, {run.size} three-line orders per batch (tasks "
            + ("queued)" if self._queued else "run in-process)"),
            _round(run.api_rate),
            "orders/s",
            _round(run.baseline_rate),
            "orders/s (staged COPY + one merge)",
            ratio,
            f">= {THROUGHPUT_GOAL}x the baseline",
            ratio >= THROUGHPUT_GOAL,
        )

    @staticmethod
    def _statements_goal(small: ingest.Statements, large: ingest.Statements) -> Goal:
        return Goal(
            f"statements per batch of {large.size} (baseline: a batch of {small.size})",
            large.count,
            "statements",
            small.count,
            "statements",
            large.count / small.count,
            "equal (1.00x): constant whatever the batch size",
            large.count == small.count,
        )

    def _replay_goals(self, run: ingest.ThroughputRun, replay: ingest.Statements) -> list[Goal]:
        rewritten = sum(run.replay_rewritten)
        counted = [written for written in run.replay_written if written is not None]
        first = [written for written in run.first_written if written is not None]
        if counted:
            rewritten = max(rewritten, sum(counted))
            self._log(
                f"Replays: PostgreSQL counted {sum(counted)} rows written by "
                f"{len(counted)} replays, {sum(first):,} by their first sending"
            )
        first_ms = sum(run.api_seconds) / len(run.api_seconds) * 1000
        replay_ms = sum(run.replay_seconds) / len(run.replay_seconds) * 1000
        return [
            Goal(
                f"replay of an identical batch: rows rewritten ({len(run.replay_rewritten)} "
                f"replays, {replay.count} statements each)",
                rewritten,
                "rows",
                sum(first) if first else None,
                "rows written by the first sendings",
                None,
                "0",
                rewritten == 0,
            ),
            Goal(
                "replay of an identical batch: time per batch",
                _round(replay_ms),
                "ms",
                _round(first_ms),
                "ms (first sending of the same batches)",
                first_ms / replay_ms,
                f">= {REPLAY_GOAL}x faster",
                first_ms / replay_ms >= REPLAY_GOAL,
            ),
        ]

    def _profile(
        self,
        sender: ingest.BatchSender,
        chain: BatchChain,
        size: int,
        statements: tuple[ingest.Statements, ingest.Statements],
    ) -> None:
        """What the lead needs when a goal is missed: where a batch and its replay spend their
        time, and their statements by kind."""
        batch = chain.next_batch(size)
        self._log(f"\nProfile of one batch of {size} orders (cProfile, through the endpoint)")
        self._log(ingest.profile_batch(sender, batch))
        self._log(f"\nProfile of its replay (the same {size} orders sent again)")
        self._log(ingest.profile_batch(sender, batch))
        for title, counted in zip(("a batch", "its replay"), statements, strict=True):
            self._log(f"Statements of {title} of {counted.size} by kind ({counted.count} in all)")
            for kind, count in Counter(counted.kinds).most_common():
                self._log(f"  {count:6d}  {kind}")

    def _webhooks(self, options: dict[str, Any]) -> Goal:
        p95, printed = other_commands.webhook_p95(
            options["webhooks"], options["webhook_warm_up"], options["broker"]
        )
        self._log(f"\n4. Webhooks: {printed}")
        mode = "no broker: processed before the answer" if "no broker" in printed else "queued"
        return Goal(
            f"webhook acknowledgement p95 (bench_webhooks, in-process, tasks {mode})",
            _round(p95, 2),
            "ms",
            None,
            "",
            None,
            f"<= {WEBHOOK_GOAL_MS:g} ms (4-7 ms before issue 9)",
            p95 <= WEBHOOK_GOAL_MS,
        )

    def _history(self, options: dict[str, Any], catalogue: Catalogue, throughput: Goal) -> Goal:
        full = (options["import_customers"], options["import_orders"]) == (
            other_commands.HISTORY_CUSTOMERS,
            other_commands.HISTORY_ORDERS,
        )
        how = "measured" if full else "extrapolated"
        label = (
            f"import_history, 1,000,000 customers + 5,000,000 orders ({how}; --jobs "
            f"{options['import_jobs']} on one {os.cpu_count()}-CPU machine)"
        )
        target = f"<= {IMPORT_GOAL_MINUTES:g} min"
        if not other_commands.import_history_available():
            self._log("\n5. History import: skipped, manage.py import_history does not exist yet.")
            return Goal(label, None, "", None, "", None, target + " (command absent)", None)
        if options["import_customers"] < 1 or options["import_orders"] < 1:
            self._log("\n5. History import: skipped (--import-customers/--import-orders 0).")
            return Goal(label, None, "", None, "", None, target + " (not asked)", None)
        timings = self._import(options, catalogue)
        minutes = other_commands.extrapolated_minutes(timings)
        # The baseline: the same volume at the rate of the staged COPY + merge measured above.
        baseline = (
            (other_commands.HISTORY_ORDERS + other_commands.HISTORY_CUSTOMERS)
            / throughput.baseline
            / 60
        )
        return Goal(
            label,
            _round(minutes),
            "min",
            _round(baseline),
            "min at the baseline's orders/s",
            baseline / minutes,
            target,
            minutes <= IMPORT_GOAL_MINUTES,
        )

    def _import(
        self, options: dict[str, Any], catalogue: Catalogue
    ) -> list[other_commands.ImportTiming]:
        customers, orders = options["import_customers"], options["import_orders"]
        self._log(f"\n5. History import of {customers:,} customers and {orders:,} orders")
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as directory:
            paths = other_commands.write_history_files(
                Path(directory),
                customers=customers,
                orders=orders,
                catalogue=catalogue,
                tag=f"{timezone.now():%H%M%S}",
            )
            timings = []
            for kind, path, count in zip(
                ("customers", "orders"), paths, (customers, orders), strict=True
            ):
                try:
                    timing = other_commands.time_import(kind, path, count, options["import_jobs"])
                except RuntimeError as error:
                    raise CommandError(str(error)) from error
                self._log_timing(timing)
                timings.append(timing)
        if any("--no-lifecycle" in timing.command for timing in timings):
            try:
                recompute = other_commands.time_lifecycle_recompute(options["import_jobs"])
            except RuntimeError as error:
                raise CommandError(str(error)) from error
            if recompute is not None:
                self._log_timing(recompute)
                timings.append(recompute)
        return timings

    def _log_timing(self, timing: other_commands.ImportTiming) -> None:
        self._log(
            f"  {timing.command}: {timing.records:,} {timing.kind} in {timing.seconds:.1f} s, "
            f"{timing.rate:,.0f} rows/s (process start included)"
        )
