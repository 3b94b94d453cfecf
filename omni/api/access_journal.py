"""API reads journaled: the customers whose data a GET returned, by token or by session."""

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from django.db.models import Model, QuerySet

from omni.access_journal import Door, journal_reads
from omni.api.principals import principal_of


class JournaledReadsMixin:
    """For an ApiViewSet whose rows hold customers' personal data: each GET journals the
    customers of the page or of the record it returns (one INSERT for the request, none when
    it fails: see omni.access_journal). `journal_customer` is the rows' path to the
    customer's id ("pk" for customers themselves, "order.customer_id" for pickups...)."""

    journal_customer: str = "customer_id"

    def paginate_queryset(self, queryset: QuerySet) -> list[Model] | None:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        if page is not None:
            self.journal_api_reads(page)
        return page

    def get_object(self) -> Model:
        found = super().get_object()  # type: ignore[misc]
        self.journal_api_reads([found])
        return found

    def journal_api_reads(self, rows: Iterable[Any], door: str = Door.API) -> None:
        """Journal the customers of `rows` for a GET (what another method returns is not a
        read: it answers a write)."""
        request = self.request  # type: ignore[attr-defined]
        principal = principal_of(request)
        if request.method != "GET" or principal is None:
            return
        customer_of = attrgetter(self.journal_customer)
        journal_reads(
            [customer_of(row) for row in rows],
            door,
            user=principal.user,
            api_client=principal.client,
            store=principal.store,
        )
