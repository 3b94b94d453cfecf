"""manage.py gdpr_retention [--dry-run]: purge what is kept past its retention period."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from privacy.retention import BATCH, RetentionStep, retention_run


class Command(BaseCommand):
    help = (
        "Erase customers whose last contact is older than their retention period and purge "
        "stored bodies, the access journal and API answers past theirs (settings."
        "OMNI_RETENTION). With --dry-run, report what would be erased or purged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--batch", type=int, default=BATCH, help="Rows per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError(_("--batch must be at least 1."))
        report = retention_run(
            dry_run=options["dry_run"], batch=options["batch"], progress=self._progress
        )
        verb = {
            "erase": _("to erase") if report.dry_run else _("erased"),
            "purge": _("to purge") if report.dry_run else _("purged"),
            "delete": _("to delete") if report.dry_run else _("deleted"),
        }
        for step in report.steps:
            self.stdout.write(
                _("%(label)s: %(rows)s %(verb)s (older than %(cutoff)s) in %(seconds).1f s")
                % {
                    "label": step.label,
                    "rows": step.rows,
                    "verb": verb[step.action],
                    "cutoff": step.cutoff.date().isoformat(),
                    "seconds": step.seconds,
                }
            )
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))

    def _progress(self, step: RetentionStep) -> None:
        if self.stderr.isatty():
            self.stderr.write(f"\r{step.label}: {step.rows:,}", ending="")
