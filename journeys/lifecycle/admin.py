"""Head office's lifecycle admin: the thresholds (one row), the stage history, the metrics.

Imported by `journeys.admin`, so it registers with the rest of the journeys admin.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerSearchMixin
from journeys.lifecycle.reasons import reason_display
from journeys.lifecycle.selectors import SETTINGS_PK, lifecycle_settings_get
from journeys.lifecycle.services import lifecycle_recompute_request, lifecycle_settings_save
from journeys.models import CustomerMetrics, LifecycleSettings, LifecycleStageChange
from omni.access_journal_admin import JournaledAdminMixin
from omni.admin_toolkit import BigTableAdminMixin, ReadOnlyAdminMixin, indexed_values_filter


@admin.register(LifecycleSettings)
class LifecycleSettingsAdmin(admin.ModelAdmin):
    """A singleton: the list shows the one row (created with the defaults on first visit); it is
    never added nor deleted."""

    fieldsets = (
        (_("Retention"), {"fields": ("retention_min_orders",)}),
        (
            _("Loyalty"),
            {"fields": ("loyalty_min_orders", "loyalty_window_months", "loyalty_tiers")},
        ),
        (_("Lapsed"), {"fields": ("lapsed_after_months",)}),
    )
    actions = ["recompute_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if self.has_view_or_change_permission(request):
            lifecycle_settings_get()  # the one row to open, with the defaults on first visit
        return super().changelist_view(request, extra_context)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> LifecycleSettings | None:
        if str(object_id) == str(SETTINGS_PK):
            lifecycle_settings_get()  # the defaults row, on first visit
        return super().get_object(request, object_id, from_field)

    def save_model(
        self, request: HttpRequest, obj: LifecycleSettings, form: ModelForm, change: bool
    ) -> None:
        if not form.has_changed():
            return
        lifecycle_settings_save(thresholds=obj, actor=request.user)
        self.message_user(
            request,
            gettext("Every customer's stage is being recomputed with the new thresholds."),
            messages.INFO,
        )

    @admin.action(
        description=_("Recompute every customer's stage now"),
        permissions=["change"],
        location=[admin.ActionLocation.CHANGE_FORM],
    )
    def recompute_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        lifecycle_recompute_request(actor=request.user)
        self.message_user(request, gettext("Every customer's stage is being recomputed."))


@admin.register(LifecycleStageChange)
class LifecycleStageChangeAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    list_display = ("changed_at", "customer", "from_stage", "to_stage", "why", "trigger")
    list_filter = ("to_stage", "from_stage", "trigger", "changed_at")
    list_select_related = ("customer",)
    sortable_by = ("changed_at",)
    raw_id_fields = ("customer",)

    @admin.display(description=_("why"), ordering="reason")
    def why(self, change: LifecycleStageChange) -> str:
        return reason_display(change.reason)


@admin.register(CustomerMetrics)
class CustomerMetricsAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Customers by what they bought: sort by purchases, spending or dates (all indexed)."""

    list_display = (
        "customer",
        "order_count",
        "total_spent",
        "channels",
        "first_order_at",
        "last_order_at",
        "first_purchase_path",
        "computed_at",
    )
    list_filter = (
        indexed_values_filter("channel_count", _("channels used")),
        "first_order_channel",
    )
    list_select_related = ("customer",)
    sortable_by = ("order_count", "total_spent", "first_order_at", "last_order_at")
    raw_id_fields = ("customer",)
