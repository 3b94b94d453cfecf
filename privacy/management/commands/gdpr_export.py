"""`manage.py gdpr_export --customer ID [--output FILE] [--format json|html] [--language fr|en]`:
a subject access export from the command line, journaled like the admin's and the API's."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from customers.models import Customer
from omni.errors import DomainError
from privacy.export import subject_export_produce
from privacy.models import Door, SubjectExport


class Command(BaseCommand):
    help = "Export everything Omni holds about one customer (GDPR art. 15 and 20)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customer", type=int, required=True, help="The profile number.")
        parser.add_argument("--output", help="The file to write (default: standard output).")
        parser.add_argument(
            "--format", choices=SubjectExport.Form.values, default=SubjectExport.Form.JSON
        )
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default=""
        )

    def handle(self, *args: Any, **options: Any) -> None:
        customer = Customer.objects.filter(pk=options["customer"]).first()
        if customer is None:
            raise CommandError(_("Unknown customer #%s.") % options["customer"])
        try:
            produced = subject_export_produce(
                customer=customer,
                door=Door.COMMAND,
                form=options["format"],
                language=options["language"] or settings.LANGUAGE_CODE,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        if not options["output"]:
            self.stdout.write(produced.content)
            return
        Path(options["output"]).write_text(produced.content, encoding="utf-8")
        self.stderr.write(
            _("Export of customer #%(customer)s written to %(path)s.")
            % {"customer": customer.pk, "path": options["output"]}
        )
