"""manage.py gdpr_erase --customer ID: erase a person (GDPR art. 17) from the command line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from customers.models import Customer
from omni.errors import DomainError
from privacy.erasure import customer_erase
from privacy.models import Door


class Command(BaseCommand):
    help = (
        "Erase a customer's personal data (and that of the profiles merged into hers): orders "
        "stay, pseudonymised. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customer", type=int, required=True, help="The profile's number.")

    def handle(self, *args: Any, **options: Any) -> None:
        customer = Customer.objects.filter(pk=options["customer"]).first()
        if customer is None:
            raise CommandError(_("Unknown customer #%s.") % options["customer"])
        try:
            outcome = customer_erase(customer=customer, door=Door.COMMAND)
        except DomainError as error:
            raise CommandError(
                _("%(message)s (kept profile: #%(survivor)s)")
                % {"message": error.message, "survivor": customer.merged_into_id}
            ) from error
        erasure = outcome.erasure
        if outcome.already_erased:
            self.stdout.write(
                _("Customer #%(pk)s was already erased on %(when)s: nothing changed.")
                % {"pk": customer.pk, "when": erasure.erased_at.isoformat(timespec="seconds")}
            )
            return
        changed = sum(erasure.counts.values())
        self.stdout.write(
            _("Customer #%(pk)s erased (%(profiles)s profiles, %(rows)s rows erased or redacted).")
            % {"pk": customer.pk, "profiles": erasure.profiles, "rows": changed}
        )
