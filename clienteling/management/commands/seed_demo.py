"""`manage.py seed_demo`: a French demo retailer with staff logins and customer histories.

    seed_demo                      seed an empty database (300 customers, seed 42)
    seed_demo --customers 10000    more customers (bulk writes: well under a minute on PostgreSQL)
    seed_demo --seed 7             other people, other orders; the same seed gives the same data
    seed_demo --reset              delete the demo data, then seed again
    seed_demo --if-empty           what `make run` uses: seed only an empty database
    seed_demo -v 2                 also the rows of every demo table and the triggers' log lines
    seed_demo --no-progress        no progress bar (there is none when stderr is not a terminal)

Without --reset, a database that already has customers or stores is left untouched, with or
without --if-empty (which spells the intent out for scripts): the command says "Demo data
already present" and prints the demo logins. Every demo account's password is
omni-demo-2026 (catalogue.DEMO_PASSWORD). It refuses to run with DEBUG off unless told to.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clienteling.demo import catalogue
from clienteling.demo.builders import SEED_STEPS, seed_demo_data
from clienteling.demo.report import (
    demo_logins,
    hero_descriptions,
    key_figures,
    row_counts,
    trigger_outcomes,
)
from clienteling.demo.reset import DemoDataInUseError, delete_demo_data, demo_data_present
from omni.progress import StepBar, progress_argument_add, progress_bar


class Command(BaseCommand):
    help = (
        "Fill the database with a French demo retailer: stores, a beauty institute, staff "
        "logins, and customers with store and web histories."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers", type=int, default=300, help="How many customers (default 300)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Same seed, same data (default 42)."
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data (all stores, products, customers and their history, "
            "and the demo accounts), then seed again.",
        )
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only if the database has no customers and no stores (used by make run).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off, e.g. on a public demo server. The demo accounts "
            "have a published password.",
        )
        progress_argument_add(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_allowed(options)
        with transaction.atomic():
            if options["reset"]:
                self._reset()
            elif demo_data_present():
                self.stdout.write(
                    "Demo data already present: nothing changed (use --reset to rebuild it)."
                )
                self._print_logins(kept_accounts=[])
                return
            started = time.monotonic()
            with (
                self._quiet_logs(options),
                progress_bar(
                    self, options, total=len(SEED_STEPS), unit="steps", description="Seeding"
                ) as bar,
            ):
                steps = StepBar(bar)
                kept_accounts = seed_demo_data(
                    seed=options["seed"], customers=options["customers"], step=steps
                )
                steps.finish()
        # Measured after the commit, where PostgreSQL checks the (deferred) foreign keys.
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo retailer seeded in {elapsed:.1f} s (seed {options['seed']}): "
                f"{key_figures()}."
            )
        )
        outcomes = trigger_outcomes()
        if outcomes:
            self.stdout.write(f"Head-office triggers, first run: {outcomes}.")
        if options["verbosity"] > 1:
            self._print_counts()
        self._print_logins(kept_accounts=kept_accounts)

    @staticmethod
    @contextmanager
    def _quiet_logs(options: dict[str, Any]) -> Iterator[None]:
        """The builders' own log lines (each trigger's run, the dashboards' rebuild) are for
        servers; the seed sums them up itself. Shown with -v 2."""
        if options["verbosity"] > 1:
            yield
            return
        disabled = logging.root.manager.disable
        logging.disable(max(disabled, logging.INFO))
        try:
            yield
        finally:
            logging.disable(disabled)

    def _check_allowed(self, options: dict[str, Any]) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with a published password and --reset deletes "
                "every customer: it runs with DJANGO_DEBUG=1, or with --allow-without-debug."
            )
        if options["customers"] < len(catalogue.HEROES):
            raise CommandError(f"--customers must be at least {len(catalogue.HEROES)}.")

    def _reset(self) -> None:
        started = time.monotonic()
        try:
            deleted = delete_demo_data()
        except DemoDataInUseError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if deleted:
            self.stdout.write(f"Deleted {deleted:,} rows of demo data in {elapsed:.1f} s.")
        else:
            self.stdout.write("No demo data to delete.")

    def _print_counts(self) -> None:
        self.stdout.write("Rows in each demo table:")
        for label, count in row_counts():
            self.stdout.write(f"  {label:<28} {count:>9,}")

    def _print_logins(self, *, kept_accounts: list[str]) -> None:
        logins = demo_logins()
        if logins:
            self.stdout.write(
                f"Demo logins — password for every account: {catalogue.DEMO_PASSWORD}"
            )
            for username, role, store in logins:
                kept = "  (existed before: own password kept)" if username in kept_accounts else ""
                self.stdout.write(f"  {username:<19} {role:<38} {store}{kept}")
        heroes = hero_descriptions()
        if heroes:
            self.stdout.write("Hero customers (search them by email on the tablet):")
            for line in heroes:
                self.stdout.write(f"  {line}")
