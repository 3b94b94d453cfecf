"""The admin's reads of personal data journaled: the lists and change pages of customers and of
every record kept about them (orders, consents, addresses, notes...).

Which customers a row is about is the personal-data registry's `subject` of its model
(omni.privacy_registry): a list journals one entry per customer of the rows on its page, a
change page one per customer of its row. The entries of a page are one INSERT once its response
succeeded (omni.access_journal); finding the customers costs no query when the page loaded the
relations on the way to them, one otherwise, whatever the number of rows.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from omni.access_journal import Door, journal_reads
from omni.privacy_registry import registry

DPO_PERMISSION = "clienteling.view_profileaccess"


def customer_journal_url(request: HttpRequest, customer_id: Any) -> str | None:
    """The DPO page of this customer's access journal, for those allowed to read it."""
    if not request.user.has_perm(DPO_PERMISSION):
        return None
    return reverse("admin:clienteling_profileaccess_customer", args=[customer_id])


def customer_paths(model: type[models.Model]) -> tuple[str, ...]:
    """The lookups from a row of `model` to the ids of the customers it is about."""
    declaration = registry.get(model)
    if declaration is None or not declaration.about_a_customer:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no subject in the personal-data registry: "
            "its admin cannot say whose data it shows."
        )
    return declaration.subject


class RelationNotLoadedError(Exception):
    """A relation on the way to the customer was not loaded with the row."""


def _loaded_value(row: models.Model | None, path: str) -> Any:
    """The value at the end of `path` (`customer_id`, `order__customer_id`), read from the
    row and the related rows loaded with it; RelationNotLoadedError if reading would query."""
    *relations, attribute = path.split("__")
    for name in relations:
        if row is None:
            return None
        if not row._meta.get_field(name).is_cached(row):
            raise RelationNotLoadedError(path)
        row = getattr(row, name)
    return None if row is None else getattr(row, attribute)


def customers_shown(model: type[models.Model], rows: Iterable[models.Model]) -> list[int]:
    """The ids of the customers these rows of `model` are about, in the rows' order: read from
    the loaded rows, or with one query for all of them when a relation was not loaded."""
    paths = customer_paths(model)
    rows = list(rows)
    try:
        found: Sequence[Any] = [[_loaded_value(row, path) for path in paths] for row in rows]
    except RelationNotLoadedError:
        selected = model._base_manager.filter(pk__in=[row.pk for row in rows])
        found = list(selected.values_list(*paths))
    return [value for values in found for value in values if value is not None]


class JournaledAdminMixin:
    """For the ModelAdmin of a model whose rows are about customers: a list page journals the
    customers of the rows it shows (with the search typed), a change page those of its row.

    Subclasses may name other doors (the customers' own admin does)."""

    journal_list_door: str = Door.ADMIN_RECORDS
    journal_search_door: str = Door.ADMIN_RECORDS
    journal_change_door: str = Door.ADMIN_RECORD
    model: type[models.Model]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        # Also a list shown again after a refused edit (a POST of list_editable).
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The page's rows, read here once: the template shows the same (cached) list.
            shown = customers_shown(self.model, changelist.result_list)
            door = self.journal_search_door if changelist.query else self.journal_list_door
            journal_reads(shown, door, user=request.user, query=changelist.query)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if isinstance(response, TemplateResponse) and shown is not None:
            customers = customers_shown(self.model, [shown])
            journal_reads(customers, self.journal_change_door, user=request.user)
        return response


class JournaledCustomerAdminMixin(JournaledAdminMixin):
    """For the ModelAdmin of customers: the customer doors of the journal, and a link from her
    page to her access journal."""

    journal_list_door = Door.ADMIN_LIST
    journal_search_door = Door.ADMIN_SEARCH
    journal_change_door = Door.ADMIN_CHANGE

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "access_journal_url": None}
        if object_id.isdigit():
            extra["access_journal_url"] = customer_journal_url(request, object_id)
        return super().change_view(request, object_id, form_url, extra)
