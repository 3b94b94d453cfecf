"""The admin's reads of customers journaled: the list, its search, the change page."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from omni.access_journal import Door, journal_reads

DPO_PERMISSION = "clienteling.view_profileaccess"


def customer_journal_url(request: HttpRequest, customer_id: Any) -> str | None:
    """The DPO page of this customer's access journal, for those allowed to read it."""
    if not request.user.has_perm(DPO_PERMISSION):
        return None
    return reverse("admin:clienteling_profileaccess_customer", args=[customer_id])


class JournaledCustomerAdminMixin:
    """For the ModelAdmin of customers: a list page journals the customers it shows (with the
    search typed), a change page the customer it shows, and links to her access journal."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and changelist is not None:
            # The page's rows, read here once: the template shows the same (cached) list.
            shown = [customer.pk for customer in changelist.result_list]
            door = Door.ADMIN_SEARCH if changelist.query else Door.ADMIN_LIST
            journal_reads(shown, door, user=request.user, query=changelist.query)
        return response

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
        response = super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if isinstance(response, TemplateResponse) and shown is not None:
            journal_reads([shown.pk], Door.ADMIN_CHANGE, user=request.user)
        return response
