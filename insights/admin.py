"""Head office's view of the insights: links to the dashboards and the read-only aggregates."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from insights import models
from insights.views import PERMISSION
from omni.admin_toolkit import BigTableAdminMixin, ReadOnlyAdminMixin, indexed_values_filter


class PageLinkAdmin(admin.ModelAdmin):
    """The admin index lists the page; its "list" is the page itself."""

    url_name = ""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse(self.url_name))


@admin.register(models.DashboardPage)
class DashboardPageAdmin(PageLinkAdmin):
    url_name = "insights:dashboard"


@admin.register(models.JourneyAnalysisPage)
class JourneyAnalysisPageAdmin(PageLinkAdmin):
    url_name = "insights:journeys"


class AggregateAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows written only by insights.aggregates; head office may look, not edit. A daily
    table has a row per day, store and channel: hundreds of thousands for a chain."""

    list_select_related = ("store",)
    date_field = "day"
    list_per_page = 100

    def get_list_filter(self, request: HttpRequest) -> tuple:
        region = indexed_values_filter("region", _("region"))
        return (region, (self.date_field, admin.DateFieldListFilter))


DAILY_ADMINS = {
    models.SalesDaily: ("day", "store", "channel", "currency", "orders", "revenue", "first_orders"),
    models.ReturnsDaily: ("day", "store", "order_channel", "return_channel", "returns"),
    models.PickupDaily: ("day", "store", "channel", "pickups", "collected", "expired"),
    models.TicketDaily: ("day", "store", "channel", "opened", "closed", "closed_within_sla"),
    models.StageDaily: ("day", "store", "stage", "customers"),
    models.StageTransitionDaily: ("day", "store", "from_stage", "to_stage", "changes"),
    models.AssociateSalesDaily: ("day", "store", "associate", "orders", "revenue"),
    models.FirstPurchaseDaily: ("day", "store", "channel", "path", "customers"),
}
for daily_model, columns in DAILY_ADMINS.items():
    related = ("store", "associate") if "associate" in columns else ("store",)
    options = {"list_display": columns, "list_select_related": related}
    monthly_model = models.DAILY_TO_MONTHLY.get(daily_model)
    for model in (daily_model, monthly_model) if monthly_model else (daily_model,):
        admin.site.register(model, type(f"{model.__name__}Admin", (AggregateAdmin,), options))


@admin.register(models.RetentionMonthly)
class RetentionMonthlyAdmin(AggregateAdmin):
    date_field = "month"
    list_display = ("month", "store", "profile", "buyers", "previous_buyers", "retained")


@admin.register(models.CohortMonthly)
class CohortMonthlyAdmin(AggregateAdmin):
    date_field = "cohort_month"
    list_display = ("cohort_month", "channel", "store", "months_since", "customers")


@admin.register(models.AggregateRun)
class AggregateRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "day_from", "day_to", "seconds")
    readonly_fields = ("started_at", "day_from", "day_to", "seconds", "row_counts")
