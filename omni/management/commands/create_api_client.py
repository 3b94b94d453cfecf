"""Create an API client and print its token, which is shown this once and never again."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omni.api.clients import api_client_create
from omni.errors import DomainError
from omni.models import ApiScope, Store


class Command(BaseCommand):
    help = "Create an API client (an integration) and print its Bearer token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who calls the API, e.g. “e-shop”.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            metavar="SCOPE",
            help=f"Among: {', '.join(ApiScope.values)}; or “all”.",
        )
        parser.add_argument("--store", help="Limit the client to this store (its code).")

    def handle(
        self, *args: Any, name: str, scopes: list[str], store: str | None, **options: Any
    ) -> None:
        wanted = (
            ApiScope.values
            if scopes == ["all"]
            else [scope for value in scopes for scope in value.split(",") if scope]
        )
        limited_to = None
        if store:
            limited_to = Store.objects.filter(code=store).first()
            if limited_to is None:
                raise CommandError(f"Unknown store “{store}”.")
        try:
            client, token = api_client_create(name=name, scopes=wanted, store=limited_to)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"API client “{client.name}” created with scopes: {', '.join(client.scopes)}."
            "\nIts token follows; it is shown only now, store it in the integration's secrets:"
        )
        self.stdout.write(token)
