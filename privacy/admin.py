"""The data protection officer's admin pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerSearchMixin
from omni.admin import CreateThroughServiceMixin
from omni.errors import DomainError
from privacy.data_requests import data_request_export
from privacy.export import ProducedExport, subject_export_produce
from privacy.models import DataRequest, Door, SubjectExport

# Subject access exports ----------------------------------------------------------------------

EXPORT_PERMISSION = "privacy.export_customer"


def export_download(produced: ProducedExport) -> HttpResponse:
    response = HttpResponse(produced.content, content_type=produced.content_type)
    response["Content-Disposition"] = f'attachment; filename="{produced.filename}"'
    return response


def customer_link(customer_id: int | None) -> str:
    """The profile by its number only: the DPO's lists show no one's name."""
    if customer_id is None:
        return "—"
    url = reverse("admin:customers_customer_change", args=[customer_id])
    return format_html('<a href="{}">#{}</a>', url, customer_id)


class ExportPermissionMixin:
    """Viewing and producing exports are the DPO's (privacy.export_customer); nothing else."""

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EXPORT_PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_export_permission(request) or super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SubjectExport)
class SubjectExportAdmin(
    ExportPermissionMixin, CreateThroughServiceMixin, CustomerSearchMixin, admin.ModelAdmin
):
    """The journal of exports (read-only); its add page produces an export and downloads it."""

    list_display = ("exported_at", "customer_number", "door", "user", "api_client", "form")
    list_filter = ("door", "form")
    list_select_related = ("user", "api_client")
    autocomplete_fields = ("customer",)
    add_fields = ("customer", "form", "language")

    @admin.display(description=_("customer"), ordering="customer")
    def customer_number(self, record: SubjectExport) -> str:
        return customer_link(record.customer_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_export_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_dbfield(
        self, db_field: models.Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "language":
            return forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        return {**super().get_changeform_initial_data(request), "language": language}

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> SubjectExport:
        produced = subject_export_produce(
            customer=data["customer"],
            door=Door.ADMIN,
            form=data["form"],
            language=data["language"],
            user=request.user,
        )
        request.subject_export = produced
        return produced.record

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        return export_download(request.subject_export)


# Data requests from shops ------------------------------------------------------------------


def _produce_action(form: str, description: str) -> Any:
    def produce(
        modeladmin: "DataRequestAdmin", request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        selected = list(queryset.select_related("customer")[:2])
        if len(selected) != 1:
            modeladmin.message_user(
                request, gettext("Select one request: each export is one file."), messages.ERROR
            )
            return None
        try:
            produced = data_request_export(request=selected[0], form=form, user=request.user)
        except DomainError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
            return None
        return export_download(produced)

    produce.__name__ = f"produce_{form}"
    return admin.action(produce, description=description, permissions=["export"])


@admin.register(DataRequest)
class DataRequestAdmin(ExportPermissionMixin, admin.ModelAdmin):
    """The DPO's tasks: link the profile if the shop's customer was not found, then produce
    the export (downloaded, journaled, the task marked done)."""

    list_display = (
        "received_at",
        "status",
        "integration",
        "shop_customer_id",
        "email",
        "customer_number",
        "export",
    )
    list_filter = ("status", "integration")
    list_select_related = ("integration", "export")
    search_fields = ("=shop_customer_id", "=email", "=customer__id")
    autocomplete_fields = ("customer",)
    actions = [
        _produce_action(SubjectExport.Form.JSON, _("Produce the export (JSON)")),
        _produce_action(SubjectExport.Form.HTML, _("Produce the export (readable page)")),
    ]
    fields = (
        "integration",
        "received_at",
        "shop_request_id",
        "shop_customer_id",
        "email",
        "orders_requested",
        "customer",
        "status",
        "export",
    )

    @admin.display(description=_("customer"), ordering="customer")
    def customer_number(self, request_row: DataRequest) -> str:
        return customer_link(request_row.customer_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_export_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """Only the profile can be set, while the request is open."""
        editable = (
            () if obj is not None and obj.status == DataRequest.Status.DONE else ("customer",)
        )
        return tuple(name for name in self.fields if name not in editable)


# The erasure pages (a module of their own, registered on import).
from privacy import erasure_admin  # noqa: E402, F401
