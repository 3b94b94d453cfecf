"""`manage.py seed_demo`: a French demo retailer with staff logins and customer histories.

    seed_demo                      seed an empty database (300 customers, seed 42)
    seed_demo --customers 10000    more customers (bulk writes: well under a minute on PostgreSQL)
    seed_demo --seed 7             other people, other orders; the same seed gives the same data
    seed_demo --reset              delete the demo data, then seed again
    seed_demo --if-empty           what `make run` uses: seed only an empty database

Without --reset, a database that already has customers or stores is left untouched, with or
without --if-empty (which spells the intent out for scripts): the command says "Demo data
already present" and prints the demo logins. Every demo account's password is
omni-demo-2026 (catalogue.DEMO_PASSWORD). It refuses to run with DEBUG off unless told to.
"""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clienteling.demo import catalogue
from clienteling.demo.builders import seed_demo_data
from clienteling.demo.report import demo_logins, hero_descriptions, row_counts
from clienteling.demo.reset import DemoDataInUseError, delete_demo_data, demo_data_present


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
            kept_accounts = seed_demo_data(seed=options["seed"], customers=options["customers"])
        # Measured after the commit, where PostgreSQL checks the (deferred) foreign keys.
        elapsed = time.monotonic() - started
        self._print_counts()
        self._print_logins(kept_accounts=kept_accounts)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {options['customers']:,} customers (seed {options['seed']}) "
                f"in {elapsed:.1f} s."
            )
        )

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
        self.stdout.write(f"Deleted {deleted:,} rows of demo data in {elapsed:.1f} s.")

    def _print_counts(self) -> None:
        self.stdout.write("Rows:")
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
