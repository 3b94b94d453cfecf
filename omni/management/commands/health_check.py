"""Print each readiness check and exit non-zero when one fails: for orchestrators' exec probes
(a Celery worker's container has no web server to ask /health/ready)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from omni.celery import app as celery_app
from omni.health import MISSING, NOT_USED, OK, readiness


class Command(BaseCommand):
    help = (
        "Check the database, the cache, the broker, the migrations and the Celery workers' "
        "heartbeats; exit with status 1 when one fails. --workers also fails when no worker "
        "has a fresh heartbeat or answers a ping (like `celery inspect ping`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            action="store_true",
            help="Fail when no worker has a fresh heartbeat, and ping the workers.",
        )
        parser.add_argument(
            "--destination",
            action="append",
            default=[],
            metavar="NODE",
            help="With --workers, ping only this worker (its node name, e.g. celery@host); "
            "repeat for several. A worker container checks itself with celery@$HOSTNAME.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=2.0,
            help="Seconds to wait for the workers' answers to the ping (default 2).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or bool(options["destination"])
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        result = readiness(require_worker=workers or settings.OMNI_HEALTH_REQUIRE_WORKER)
        checks, failing = dict(result.checks), list(result.failing)
        if workers:
            answered, checks["ping"] = self._ping(
                options["destination"], options["timeout"], checks["broker"]
            )
            if not answered:
                failing.append("ping")
        for name, answer in checks.items():
            self.stdout.write(f"{name}: {answer}")
        if failing:
            raise CommandError(f"Not ready: {', '.join(failing)}.")

    def _ping(self, destination: list[str], timeout: float, broker: str) -> tuple[bool, str]:
        """Whether the workers answered a ping through the broker, and what to print:
        "ok (2 workers)", "missing", "missing: celery@host"."""
        if broker == NOT_USED:
            return True, NOT_USED  # Tasks run in-process: there is no worker to ask.
        if broker != OK:
            return False, "not sent (broker unreachable)"
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            # With named workers, the answer comes as soon as they all replied.
            replies = celery_app.control.ping(
                destination=destination or None,
                timeout=timeout,
                limit=len(destination) or None,
                connection=connection,
            )
        answered = {name for reply in replies for name in reply}
        absent = sorted(set(destination) - answered)
        if absent:
            return False, f"{MISSING}: {', '.join(absent)}"
        if not answered:
            return False, MISSING
        return True, f"{OK} ({len(answered)} worker{'s' if len(answered) > 1 else ''})"
