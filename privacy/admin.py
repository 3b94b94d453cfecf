"""The data protection officer's admin pages."""

from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerSearchMixin
from customers.models import Customer
from omni.access_journal_admin import JournaledAdminMixin
from omni.admin_toolkit import CreateThroughServiceMixin
from omni.errors import DomainError
from privacy.data_requests import data_request_export
from privacy.erasure import customer_erase
from privacy.export import ProducedExport, subject_export_produce
from privacy.models import DataRequest, Door, Erasure, SubjectExport
from privacy.retention import retention_run
from privacy.tasks import retention_run_task

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
    JournaledAdminMixin,
    ExportPermissionMixin,
    CreateThroughServiceMixin,
    CustomerSearchMixin,
    admin.ModelAdmin,
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
class DataRequestAdmin(JournaledAdminMixin, ExportPermissionMixin, admin.ModelAdmin):
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


# Erasures and retention --------------------------------------------------------------------

ERASE_PERMISSION = "privacy.erase_customer"


class ErasureForm(forms.ModelForm):
    confirm = forms.BooleanField(
        label=_("I confirm the erasure"),
        help_text=_(
            "Her personal data, and that of the profiles merged into hers, is erased for good: "
            "names, contact details, addresses, notes, wishlists, and every text that quotes "
            "her. Orders, returns and tickets stay, pseudonymised, for the accounts. This "
            "cannot be undone."
        ),
    )

    class Meta:
        model = Erasure
        fields = ("customer",)

    def clean_customer(self) -> Customer:
        customer = self.cleaned_data["customer"]
        if customer.merged_into_id is not None:
            raise forms.ValidationError(
                _("This profile was merged into #%(survivor)s: erase that one."),
                params={"survivor": customer.merged_into_id},
            )
        if customer.erased_at is not None:
            raise forms.ValidationError(
                _("This profile was already erased on %(date)s."),
                params={"date": customer.erased_at.date().isoformat()},
            )
        return customer


@admin.register(Erasure)
class ErasureAdmin(
    JournaledAdminMixin, CreateThroughServiceMixin, CustomerSearchMixin, admin.ModelAdmin
):
    form = ErasureForm
    list_display = ("erased_at", "customer_number", "door", "user", "api_client", "profiles")
    list_filter = ("door",)
    list_select_related = ("user", "api_client")
    autocomplete_fields = ("customer",)
    add_fields = ("customer", "confirm")
    readonly_fields = ("customer", "door", "user", "api_client", "erased_at", "profiles", "counts")

    @admin.display(description=_("customer"), ordering="customer")
    def customer_number(self, record: Erasure) -> str:
        return customer_link(record.customer_id)

    def get_urls(self) -> list[URLPattern]:
        retention = path(
            "retention/",
            self.admin_site.admin_view(self.retention_view),
            name="privacy_erasure_retention",
        )
        return [retention, *super().get_urls()]

    def retention_view(self, request: HttpRequest) -> HttpResponse:
        """What the retention purge would do today; POST queues it."""
        if not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            transaction.on_commit(retention_run_task.delay)
            self.message_user(
                request,
                gettext("The retention purge is started; erasures appear here as it goes."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:privacy_erasure_changelist"))
        report = retention_run(dry_run=True)
        actions = {"erase": _("erase"), "purge": _("empty the stored data"), "delete": _("delete")}
        for step in report.steps:
            step.name = apps.get_model(step.label)._meta.verbose_name_plural
            step.action_label = actions[step.action]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Retention periods"),
            "report": report,
        }
        return TemplateResponse(request, "admin/privacy/erasure/retention.html", context)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(ERASE_PERMISSION) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ERASE_PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if request.GET.get("customer", "").isdigit():
            initial["customer"] = request.GET["customer"]
        return initial

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Erasure:
        outcome = customer_erase(customer=data["customer"], door=Door.ADMIN, user=request.user)
        return outcome.erasure

    def response_add(
        self, request: HttpRequest, obj: Erasure, post_url_continue: Any = None
    ) -> HttpResponse:
        self.message_user(
            request,
            gettext("Profile #%(pk)s erased (%(profiles)s profiles).")
            % {"pk": obj.customer_id, "profiles": obj.profiles},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:privacy_erasure_changelist"))


@admin.action(description=_("Erase the selected customer…"), permissions=["erase"])
def erase_customer_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any
) -> HttpResponse | None:
    """From the customers list: the erasure page for the one profile selected, to confirm."""
    selected = list(queryset.values_list("pk", flat=True)[:2])
    if len(selected) != 1:
        modeladmin.message_user(
            request,
            gettext("Select one customer: each erasure is confirmed on its own."),
            messages.ERROR,
        )
        return None
    return HttpResponseRedirect(reverse("admin:privacy_erasure_add") + f"?customer={selected[0]}")


def _offer_erasure_on_the_customers_list() -> None:
    """The customers admin (app customers, below this one) gets the DPO's action from here."""
    customer_admin = admin.site.get_model_admin(Customer)
    customer_admin.actions = [*(customer_admin.actions or ()), erase_customer_action]
    customer_admin.has_erase_permission = lambda request: request.user.has_perm(ERASE_PERMISSION)


_offer_erasure_on_the_customers_list()
