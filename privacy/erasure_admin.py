"""The DPO's erasure page in the admin: the journal of erasures (read-only, no personal data)
and its add page, which erases a person after an explicit confirmation."""

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerSearchMixin
from customers.models import Customer
from omni.admin import CreateThroughServiceMixin
from privacy.admin import customer_link
from privacy.erasure import customer_erase
from privacy.models import Door, Erasure
from privacy.retention import retention_run
from privacy.tasks import retention_run_task

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
class ErasureAdmin(CreateThroughServiceMixin, CustomerSearchMixin, admin.ModelAdmin):
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
            "title": gettext("Retention"),
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
