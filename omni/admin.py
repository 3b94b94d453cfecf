"""The head-office admin: the site's titles and the retail reference (stores, services,
products, stock). The building blocks every app's admin uses are in `omni.admin_toolkit`; the
REST API's admin (API clients, idempotency records) in `omni.admin_api` and the system's own
records (beat jobs' runs, workers' heartbeats) in `omni.admin_operations`, registered from here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Imported so that they register: the REST API's admin, the system's own records.
import omni.admin_api
import omni.admin_operations  # noqa: F401
from omni.admin_toolkit import RECORD_SECTION, BigTableAdminMixin, TabularInline
from omni.models import Product, Service, Specialty, StockLevel, Store

admin.site.site_header = _("Omni head office")
admin.site.site_title = _("Omni head office")
admin.site.index_title = _("Customers, journeys and stores")


# The retail reference ----------------------------------------------------------------------


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "duration_minutes",
        "price",
        "currency",
        "required_specialty",
        "is_active",
    )
    list_filter = ("is_active", "required_specialty")
    list_select_related = ("required_specialty",)
    search_fields = ("name", "code", "description")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "city",
        "region",
        "offers_click_and_collect",
        "is_active",
    )
    list_filter = ("kind", "region", "offers_click_and_collect", "is_active")
    search_fields = ("name", "code", "city", "postal_code")
    date_hierarchy = "created_at"
    filter_horizontal = ("services",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "is_active")}),
        (
            _("Address and contact"),
            {
                "fields": (
                    "address_line",
                    "postal_code",
                    "city",
                    "region",
                    "country",
                    "phone",
                    "email",
                )
            },
        ),
        (
            _("Opening and services"),
            {"fields": ("timezone", "opening_hours", "offers_click_and_collect", "services")},
        ),
        (RECORD_SECTION, {"fields": ("created_at", "updated_at")}),
    )


class StockLevelInline(TabularInline):
    model = StockLevel
    fields = ("store", "quantity", "updated_at")
    readonly_fields = ("updated_at",)
    autocomplete_fields = ("store",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sku",
        "brand",
        "department",
        "category",
        "price",
        "currency",
        "is_active",
    )
    list_filter = ("department", "is_active", "brand")
    search_fields = ("sku", "name", "brand", "category")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    inlines = (StockLevelInline,)


@admin.register(StockLevel)
class StockLevelAdmin(BigTableAdminMixin, admin.ModelAdmin):
    """A row per product and store: millions for a chain's catalogue."""

    list_display = ("product", "store", "quantity", "updated_at")
    list_filter = ("store",)
    list_select_related = ("product", "store")
    # Products only: the few products found lead to their stock by its product index (a
    # condition on the store too would make the database scan every stock level).
    search_fields = ("product__sku", "product__name")
    search_help_text = _("Product reference or name.")
    autocomplete_fields = ("product", "store")
