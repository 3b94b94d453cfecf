"""Building blocks of the head-office admin, used by every app's admin:
- actions that call a service for each selected object and report each outcome;
- append-only and read-only admins for ledgers and histories;
- add forms that create the row through a service;
- inlines that load their related rows with the page's query instead of one query per row;
- lists of big tables (millions of rows) that never count, scan or sort the whole table.
"""

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core import checks
from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import Case, F, Func, OrderBy, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from omni.errors import DomainError

# Workflow actions are offered on the list (several objects) and on the object's own page.
LIST_AND_FORM = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]

# `perform(request, obj)` calls one service and returns the success message for `obj`.
Perform = Callable[[HttpRequest, Any], str]

# The fieldset of when a record was made and changed (a noun: "Enregistrer" is the verb).
RECORD_SECTION = pgettext_lazy("admin section", "Record")


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


# Lists of big tables -----------------------------------------------------------------------

# A list of a big table counts at most this many rows, and its pages reach no further: a
# search or a filter narrows it instead (each deeper page would read every row before it).
COUNT_CAP = 10_000

# PostgreSQL's own estimate of a table's rows, as its planner makes it: the rows per page of
# the last ANALYZE (or VACUUM) times the pages the table has now; -1 if never analysed.
ROW_ESTIMATE_SQL = """
SELECT CASE WHEN relpages > 0
            THEN reltuples / relpages
                 * (pg_relation_size(oid) / current_setting('block_size')::integer)
            ELSE reltuples END
FROM pg_class WHERE oid = to_regclass(%s)
"""


class Counted(StrEnum):
    EXACT = "exact"
    ESTIMATE = "estimate"
    MORE_THAN = "more than"


def table_row_estimate(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows of the queryset's table, on PostgreSQL; else None."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(ROW_ESTIMATE_SQL, [queryset.model._meta.db_table])
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def is_whole_table(queryset: QuerySet) -> bool:
    """Whether the queryset has every row of its table (no filter, search or slice)."""
    query = queryset.query
    return not query.where and not query.distinct and not query.is_sliced


def two_significant_figures(number: int) -> int:
    return round(number, 2 - len(str(abs(number))))


class BoundedCountPaginator(Paginator):
    """Pages of a big table that never count all its rows.

    A list of the whole table takes PostgreSQL's estimate ("about 1,000,000"); a filtered list
    (or any list on SQLite, or a table too small for an estimate) counts at most `count_cap`
    + 1 rows: exact below the cap, "more than 10,000" above. The pages reach the first
    `count_cap` rows only. Also used by the autocomplete widgets of the admin.
    """

    count_cap = COUNT_CAP

    @cached_property
    def counted(self) -> tuple[int, Counted]:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows), Counted.EXACT
        if is_whole_table(rows):
            estimate = table_row_estimate(rows)
            if estimate is not None and estimate > self.count_cap:
                return estimate, Counted.ESTIMATE
        capped = rows.order_by().values("pk")[: self.count_cap + 1].count()
        if capped > self.count_cap:
            return self.count_cap, Counted.MORE_THAN
        return capped, Counted.EXACT

    @cached_property
    def count(self) -> int:
        """The rows the pages cover (what Django's pagination reads)."""
        return min(self.counted[0], self.count_cap)

    def page(self, number: Any) -> Page:
        """A page read in two steps: the keys of its rows in the list's order, then the rows
        with their joins. The database sorts the narrow rows and keeps only a page of them;
        with the joins above the sort it would sort every match in full."""
        page = super().page(number)
        rows = page.object_list
        if not isinstance(rows, QuerySet) or rows.query.distinct:
            return page
        keys = list(rows.values_list("pk", flat=True))
        if not keys:
            return page
        in_key_order = Case(*(When(pk=key, then=index) for index, key in enumerate(keys)))
        page.object_list = self.object_list.filter(pk__in=keys).order_by(in_key_order)
        return page

    @cached_property
    def count_label(self) -> str:
        """The count as the list shows it when not exact ("about 1,000,000"), else ""."""
        rows, counted = self.counted
        if counted == Counted.ESTIMATE:
            shown = number_format(two_significant_figures(rows), force_grouping=True)
            return gettext("about %(count)s") % {"count": shown}
        if counted == Counted.MORE_THAN:
            shown = number_format(rows, force_grouping=True)
            return gettext("more than %(count)s") % {"count": shown}
        return ""


def sorted_not_walked(queryset: QuerySet) -> QuerySet:
    """The queryset in its own order, which the database must reach by sorting its rows.

    For the matches of a search: otherwise the database may read the index of the list's
    order (a date, a name) row by row, testing each, in the hope of meeting a page of matches
    soon; it reads most of a big table when they are few or bunched (the names starting with
    "dup" all sit together in name order). COALESCE(x, x) is x, but no index provides it.
    """
    query = queryset.query
    ordering = query.order_by or (query.default_ordering and queryset.model._meta.ordering)
    terms = []
    for term in ordering or ():
        if isinstance(term, str):
            term = F(term[1:]).desc() if term.startswith("-") else F(term).asc()
        if not isinstance(term, OrderBy):
            term = term.asc()
        expression = term.expression
        terms.append(OrderBy(Coalesce(expression, expression), descending=term.descending))
    return queryset.order_by(*terms) if terms else queryset


# Distinct values of a column, found by walking an index that starts with it: one index probe
# per value (PostgreSQL has no skip scan before version 18; SQLite runs the same SQL).
INDEXED_VALUES_SQL = """
WITH RECURSIVE found(value) AS (
    SELECT MIN({column}) FROM {table}
    UNION ALL
    SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value)
    FROM found WHERE found.value IS NOT NULL
)
SELECT value FROM found WHERE value IS NOT NULL LIMIT %s
"""
INDEXED_VALUES_SHOWN = 50


def indexed_values(queryset: QuerySet, field_name: str) -> list[Any]:
    """The distinct values of `field_name`, which must lead a b-tree index of the table."""
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    opts = queryset.model._meta
    sql = INDEXED_VALUES_SQL.format(
        column=quote(opts.get_field(field_name).column), table=quote(opts.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [INDEXED_VALUES_SHOWN])
        return [value for (value,) in cursor.fetchall()]


def indexed_values_filter(field_name: str, label: str) -> type[admin.SimpleListFilter]:
    """A list filter on a column's values, listed through an index that starts with the column
    (Django's own filter on a plain column runs SELECT DISTINCT over the whole table)."""

    class IndexedValuesFilter(admin.SimpleListFilter):
        title = label
        parameter_name = field_name

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            values = indexed_values(model_admin.get_queryset(request), field_name)
            return [(value, value) for value in values if value != ""]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            return queryset.filter(**{field_name: self.value()}) if self.value() else queryset

    return IndexedValuesFilter


def _default_list_filter(field: models.Field) -> type[admin.ListFilter] | None:
    """The filter Django builds for a field named in `list_filter`."""
    for test, list_filter in admin.FieldListFilter._field_list_filters:
        if test(field):
            return list_filter
    return None


def _reads_every_row(model_admin: admin.ModelAdmin, entry: Any) -> bool:
    """Whether a `list_filter` entry lists a column's distinct values, or a big table's rows."""
    if isinstance(entry, type):
        return False  # a filter class of the project's: it chose its queries
    path, list_filter = (entry, None) if isinstance(entry, str) else entry
    field = get_fields_from_path(model_admin.model, path)[-1]
    list_filter = list_filter or _default_list_filter(field)
    if list_filter is None:
        return False
    if issubclass(list_filter, admin.AllValuesFieldListFilter):
        return True
    related_admin = model_admin.admin_site._registry.get(field.related_model)
    return issubclass(list_filter, admin.RelatedFieldListFilter) and isinstance(
        related_admin, BigTableAdminMixin
    )


class BoundedChangeList(ChangeList):
    """Reads a list of one page like a list of several (see `BoundedCountPaginator.page`), so
    that a page runs the same queries whatever the number of rows."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if not self.multi_page and not (self.show_all and self.can_show_all):
            self.result_list = self.paginator.page(1).object_list  # Django ignores ?p= here


class BigTableAdminMixin:
    """The admin of a table that grows with customers and orders (millions of rows).

    Its lists never count every row (`BoundedCountPaginator`) nor count facets, and the system
    checks refuse what would read the whole table on every visit: a date drill-down (Django
    runs SELECT DISTINCT over every row: filter on a date range instead, with
    `admin.DateFieldListFilter`), a filter listing a column's distinct values (use
    `indexed_values_filter` or choices) or the rows of another big table (search instead).
    Sort only by indexed columns (`sortable_by`) and search indexed columns only.
    """

    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Columns of `list_display` whose sort an index serves; none unless declared.
    sortable_by: Sequence[str] = ()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedChangeList

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._big_table_checks()]

    def _big_table_checks(self) -> list[checks.CheckMessage]:
        problems = []
        if self.date_hierarchy:
            problems.append(
                checks.Error(
                    "date_hierarchy reads every row of a big table; "
                    "use a date range filter (admin.DateFieldListFilter).",
                    obj=self.__class__,
                    id="omni.E101",
                )
            )
        for entry in self.list_filter:
            if _reads_every_row(self, entry):
                problems.append(
                    checks.Error(
                        f"The list filter {entry!r} reads every row of a big table to list "
                        "its choices; use indexed_values_filter, choices or a search.",
                        obj=self.__class__,
                        id="omni.E102",
                    )
                )
        return problems


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


class StatusHistoryAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every history row of one workflow; subclasses set `status_choices` and search fields
    (the subject's indexed reference, exactly)."""

    status_choices: type[models.TextChoices]
    list_display = ("changed_at", "subject", "from_label", "to_label", "actor", "note")
    list_select_related = ("subject", "actor")
    sortable_by = ("changed_at",)

    def get_list_filter(self, request: HttpRequest) -> Sequence[Any]:
        return (status_filter(self.status_choices), ("changed_at", admin.DateFieldListFilter))

    @admin.display(description=_("from"), ordering="from_status")
    def from_label(self, change: models.Model) -> str:
        return status_label(self.status_choices, change.from_status)

    @admin.display(description=_("to"), ordering="to_status")
    def to_label(self, change: models.Model) -> str:
        return status_label(self.status_choices, change.to_status)
