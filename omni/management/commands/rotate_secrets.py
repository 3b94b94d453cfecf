"""Re-encrypt every stored secret with the first key of OMNI_ENCRYPTION_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omni.crypto import SecretUnreadable, secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored secrets (shops, outbound webhooks) with the first key of "
        "OMNI_ENCRYPTION_KEYS. Put the new key first, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = secrets_rotate()
        except SecretUnreadable as error:
            raise CommandError(f"{error} Nothing was changed.") from None
        self.stdout.write(f"Secrets re-encrypted with the first key: {rotated} record(s).")
