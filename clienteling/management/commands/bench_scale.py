"""`manage.py bench_scale`: the read paths of a retailer's size, each against its raw SQL.

    make bench-scale DATABASE_URL=postgres://…/omni_scale          (generate, then time)
    DATABASE_URL=postgres://…/omni_scale manage.py bench_scale      (time the existing dataset)

With --generate it first fills a dedicated PostgreSQL database with the benchmark dataset
(insights/benchmark: 1,000,000 customers with realistic names, phones and emails, 5,000,000
orders with lines, pickups, returns, tickets, wishlists, touchpoints, and three customers with
20,000+ timeline items, the name vocabulary of the search included). It then times, in
one run, the tablet's search for every input shape, the customer 360 page (empty and heavy
profiles) and its timeline pages, the API's customer and order lists (first and deep page),
and the admin's customer and order changelists with searches and filters. Each is printed with
p50/p95 (ms), its SQL queries and its baseline: the ideal single query for searches, the same
SQL statements replayed on a bare cursor for pages; the last table says which goals of issue 8
are met. Reads only, once generated (the profile views add rows to the access journal).
"""

import gc
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from clienteling.benchmark import scale
from insights.benchmark.dataset import read_marker
from insights.benchmark.options import add_generation_arguments, generate_from_options
from omni.benchmark.pages import pages_requested
from omni.garbage_collection import settle_garbage_collection


class Command(BaseCommand):
    help = (
        "Time search, customer 360, API lists and admin changelists on a 1M-customer / "
        "5M-order PostgreSQL dataset (--generate to build it), against their raw SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_generation_arguments(parser)
        parser.add_argument("--repeat", type=int, default=50, help="Timed requests per page.")
        parser.add_argument("--admin-repeat", type=int, default=20, help="Per admin page.")
        parser.add_argument(
            "--only",
            choices=["search", "profile", "api", "admin"],
            action="append",
            help="Time only these parts (repeatable).",
        )

    def _log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress shows even when the output goes to a file

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repeat"] < 1 or options["admin_repeat"] < 1:
            raise CommandError("--repeat and --admin-repeat must be at least 1.")
        if options["generate"]:
            generate_from_options(options, self._log)
        marker = read_marker()
        if marker is None or marker.completed_at is None:
            raise CommandError(
                "This database holds no complete benchmark dataset: run with --generate on a "
                "dedicated PostgreSQL database (DATABASE_URL=postgres://…)."
            )
        parts = set(options["only"] or ["search", "profile", "api", "admin"])
        settle_garbage_collection()  # as the WSGI application does once loaded
        age = connection.settings_dict.get("CONN_MAX_AGE")
        self._log(
            f"Database connections kept {age} s between requests (DATABASE_CONN_MAX_AGE; "
            "production keeps them, `make bench-scale` does too)."
        )
        sections = []
        runs = (
            ("search", lambda: scale.time_search(options["repeat"])),
            ("profile", lambda: scale.time_customer_360(marker, options["repeat"])),
            ("api", lambda: scale.time_api(options["repeat"])),
            ("admin", lambda: scale.time_admin(options["admin_repeat"])),
        )
        with pages_requested():
            for name, run in runs:
                if name in parts:
                    # Each part starts without the garbage the previous one left for the cycle
                    # collector: its pages pay for their own, not for thousands of others'.
                    gc.collect()
                    sections.append(run())
                    self._print_section(sections[-1])
        self._print_verdict(sections)

    def _print_section(self, section: scale.Section) -> None:
        self._log(f"\n{section.title}")
        for line in section.lines:
            self._log(f"  {line}")

    def _print_verdict(self, sections: list[scale.Section]) -> None:
        goals = [goal for section in sections for goal in section.goals]
        self._log(f"\nGoals: {sum(goal.met for goal in goals)} of {len(goals)} met")
        for goal in goals:
            mark = "ok  " if goal.met else "MISS"
            self._log(f"  {mark} {goal.label:<46} {goal.measured:<28} goal {goal.goal}")
