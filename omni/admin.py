"""The head-office admin: the site's titles, shared building blocks, and the retail reference.

The building blocks are used by every app's admin:
- actions that call a service for each selected object and report each outcome;
- append-only and read-only admins for ledgers and histories;
- add forms that create the row through a service;
- inlines that load their related rows with the page's query instead of one query per row.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models
from django.db.models import Func, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError
from omni.models import Product, Service, Specialty, StockLevel, Store

admin.site.site_header = _("Omni head office")
admin.site.site_title = _("Omni head office")
admin.site.index_title = _("Customers, journeys and stores")

# Workflow actions are offered on the list (several objects) and on the object's own page.
LIST_AND_FORM = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]

# `perform(request, obj)` calls one service and returns the success message for `obj`.
Perform = Callable[[HttpRequest, Any], str]


# Actions that call services ----------------------------------------------------------------


def run_on_each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, perform: Perform
) -> None:
    """Run `perform` on each selected object: one message per object, success or refusal."""
    for obj in queryset:
        label = str(obj)
        try:
            message = perform(request, obj)
        except DomainError as error:
            modeladmin.message_user(
                request,
                gettext("%(object)s: %(error)s") % {"object": label, "error": error.message},
                messages.ERROR,
            )
        else:
            modeladmin.message_user(request, message, messages.SUCCESS)


def service_action(
    *,
    name: str,
    description: str,
    description_plural: str,
    perform: Perform,
    permission: str = "change",
) -> Callable:
    """An admin action that calls a service for each selected object.

    It is offered on the object's page (`description`: "Mark ready") and on the list
    (`description_plural`: "Mark selected pickups ready"). `permission` names a
    `has_<permission>_permission(request)` method of the model admin.
    """

    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        run_on_each(modeladmin, request, queryset, perform)

    action.__name__ = name
    return admin.action(
        action,
        description=description,
        description_plural=description_plural,
        permissions=[permission],
        location=LIST_AND_FORM,
    )


def transition_action(
    *,
    name: str,
    description: str,
    description_plural: str,
    move: Callable[[Any, Any], models.Model],
) -> Callable:
    """An action moving each object through its workflow: `move(obj, actor)` calls the service."""

    def perform(request: HttpRequest, obj: Any) -> str:
        moved = move(obj, request.user)
        return gettext("%(object)s is now “%(status)s”.") % {
            "object": obj,
            "status": moved.get_status_display(),
        }

    return service_action(
        name=name, description=description, description_plural=description_plural, perform=perform
    )


# Ledgers, histories, and rows created through services -------------------------------------


class AppendOnlyAdminMixin:
    """Rows are added (through a service) but never changed or deleted: consent, messages."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin(AppendOnlyAdminMixin):
    """Rows written only by services: workflow histories, customer merges."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DomainErrorMessageMixin:
    """A service refusing a save shows its message instead of a server error.

    The form is saved in one transaction (Django's changeform_view), so nothing is kept.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class CreateThroughServiceMixin(DomainErrorMessageMixin):
    """The add form collects `add_fields`; `create_through_service` writes the row."""

    add_fields: Sequence[str] = ()

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None:
            return [(None, {"fields": self.add_fields})]
        return super().get_fieldsets(request, obj)

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = self.create_through_service(request, form.cleaned_data)
        # The admin goes on with `obj` (inlines, log entry, redirect): make it the created row.
        for field in created._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db


# Inlines that do not run one query per row -------------------------------------------------


class LoadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete labelling its selected option with the row's already-loaded object.

    The stock widget queries the database for that label, once per row of an inline.
    """

    loaded_object: models.Model | None = None

    def optgroups(self, name: str, value: list[str], attrs: dict | None = None) -> list:
        loaded = self.loaded_object
        if loaded is None or [str(item) for item in value] != [str(loaded.pk)]:
            return super().optgroups(name, value, attrs)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(loaded)
        options.append(self.create_option(name, loaded.pk, label, True, len(options)))
        return [(None, options, 0)]


class LoadedRelatedObjectsForm(forms.ModelForm):
    """Gives each autocomplete widget the related object its row already loaded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            model_field = self._meta.model._meta.get_field(name)
            if isinstance(widget, LoadedAutocompleteSelect) and model_field.is_cached(
                self.instance
            ):
                widget.loaded_object = getattr(self.instance, name)


class InlineMixin:
    """No blank rows by default; related rows come with the inline's one query.

    `related_to_load` lists the foreign keys the rows display (`select_related` paths);
    autocomplete fields are loaded too and their widgets reuse the loaded objects.
    """

    extra = 0
    form = LoadedRelatedObjectsForm
    related_to_load: Sequence[str] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        related = (*self.related_to_load, *self.get_autocomplete_fields(request))
        return queryset.select_related(*related) if related else queryset

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TabularInline(InlineMixin, admin.TabularInline):
    pass


class StackedInline(InlineMixin, admin.StackedInline):
    pass


class ReadOnlyTabularInline(ReadOnlyAdminMixin, TabularInline):
    """Shows rows that only services write (history, ledger, summaries)."""

    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        return self.fields or ()


class ReadOnlyStackedInline(ReadOnlyAdminMixin, StackedInline):
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        return self.fields or ()


# Counts in lists ---------------------------------------------------------------------------


def related_count(model: type[models.Model], related_name: str, **filters: Any) -> Subquery:
    """How many `related_name` rows each listed row has, as a correlated subquery.

    Unlike `Count()`, it adds no GROUP BY: the database counts only for the rows on the page,
    and the default ordering of the model still applies (autocomplete pages need it).
    """
    relation = model._meta.get_field(related_name)
    rows = relation.related_model._default_manager.filter(
        **{relation.field.name: OuterRef("pk")}, **filters
    )
    count = rows.order_by().values(count=Func("pk", function="COUNT"))
    return Subquery(count, output_field=models.IntegerField())


# Workflow histories ------------------------------------------------------------------------


def status_label(choices: type[models.TextChoices], value: str) -> str:
    """The translated label of a status code kept in a history row (the code if unknown)."""
    return str(dict(choices.choices).get(value, value))


class StatusHistoryInline(ReadOnlyTabularInline):
    """The workflow history of one record, oldest first; subclasses set `model`."""

    fields = ("changed_at", "from_status", "to_status", "actor", "note")
    related_to_load = ("actor",)
    verbose_name_plural = _("status history")


def status_filter(choices: type[models.TextChoices]) -> type[admin.SimpleListFilter]:
    """A list filter on the status a history row moved to, with the workflow's labels."""

    class MovedToFilter(admin.SimpleListFilter):
        title = _("moved to")
        parameter_name = "to_status"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            return list(choices.choices)

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            return queryset.filter(to_status=self.value()) if self.value() else queryset

    return MovedToFilter


class StatusHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every history row of one workflow; subclasses set `status_choices` and search fields."""

    status_choices: type[models.TextChoices]
    list_display = ("changed_at", "subject", "from_label", "to_label", "actor", "note")
    list_select_related = ("subject", "actor")
    date_hierarchy = "changed_at"
    search_fields = ("note",)

    def get_list_filter(self, request: HttpRequest) -> Sequence[Any]:
        return (status_filter(self.status_choices),)

    @admin.display(description=_("from"), ordering="from_status")
    def from_label(self, change: models.Model) -> str:
        return status_label(self.status_choices, change.from_status)

    @admin.display(description=_("to"), ordering="to_status")
    def to_label(self, change: models.Model) -> str:
        return status_label(self.status_choices, change.to_status)


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
        (_("Record"), {"fields": ("created_at", "updated_at")}),
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
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("product", "store", "quantity", "updated_at")
    list_filter = ("store",)
    list_select_related = ("product", "store")
    search_fields = ("product__sku", "product__name", "store__name")
    date_hierarchy = "updated_at"
    autocomplete_fields = ("product", "store")


import omni.admin_api  # noqa: E402, F401 - the REST API admin registers itself
