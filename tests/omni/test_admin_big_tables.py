"""Lists of big tables: bounded counts, no whole-table reads, and no <select> of a big table."""

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
    RelatedFieldWidgetWrapper,
)
from django.contrib.auth.models import User
from django.core import checks
from django.db import connection
from django.test import Client, RequestFactory

from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from journeys.models import Order
from omni.admin_timing import admin_benchmark_pages, print_admin_benchmark, time_admin_page
from omni.admin_toolkit import (
    BigTableAdminMixin,
    BoundedCountPaginator,
    indexed_values,
    two_significant_figures,
)
from omni.factories import StoreFactory
from omni.models import Product
from omni.roles import OMNI_APP_LABELS
from tests.admin_helpers import admin_url

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def cap_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BoundedCountPaginator, "count_cap", 3)


def emptied(model: type) -> None:
    """A new, empty file for the table (rolled back with the test). The rows earlier tests wrote
    and rolled back stay in the file until a vacuum; past 30,000 pages ANALYZE reads a sample of
    them and may miss the test's few rows (estimated 0: seen once in a full run on PostgreSQL)."""
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")


def analyze(model: type) -> None:
    """Give PostgreSQL's planner (and so the estimate) fresh statistics of the table."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")


# The paginator -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_small_list_is_counted_exactly(cap_of_three: None) -> None:
    CustomerFactory.create_batch(3)

    paginator = BoundedCountPaginator(Customer.objects.order_by("pk"), 2)

    assert (paginator.count, paginator.num_pages, paginator.count_label) == (3, 2, "")


@pytest.mark.django_db
def test_filtered_list_counts_up_to_the_cap(cap_of_three: None) -> None:
    CustomerFactory.create_batch(5, last_name="Martin")
    CustomerFactory(last_name="Bernard")

    paginator = BoundedCountPaginator(Customer.objects.filter(last_name="Martin"), 2)

    assert (paginator.count, paginator.num_pages) == (3, 2)
    assert paginator.count_label == "more than 3"
    assert len(paginator.page(2).object_list) == 1


@pytest.mark.django_db
def test_whole_table_is_estimated_on_postgresql_and_capped_elsewhere(cap_of_three: None) -> None:
    CustomerFactory.create_batch(12)
    analyze(Customer)

    paginator = BoundedCountPaginator(Customer.objects.all(), 2)

    expected = "about 12" if ON_POSTGRESQL else "more than 3"
    assert paginator.count_label == expected
    assert paginator.count == 3  # the pages reach the first rows only


@pytest.mark.django_db
def test_estimate_is_not_trusted_below_the_cap() -> None:
    CustomerFactory.create_batch(4)
    analyze(Customer)
    CustomerFactory()  # added after the statistics

    paginator = BoundedCountPaginator(Customer.objects.all(), 2)

    assert (paginator.count, paginator.count_label) == (5, "")


@pytest.mark.django_db
def test_page_keeps_the_list_order_and_its_joins(django_assert_num_queries: object) -> None:
    for name in ("Durand", "Aubert", "Carré", "Blanc", "Petit"):
        CustomerFactory(last_name=name, preferred_store=StoreFactory())
    rows = Customer.objects.select_related("preferred_store").order_by("last_name")

    page = BoundedCountPaginator(rows, 2).page(2)

    with django_assert_num_queries(1):  # the rows and their stores, the keys being read
        shown = [(customer.last_name, customer.preferred_store.code) for customer in page]
    assert [name for name, _store in shown] == ["Carré", "Durand"]


@pytest.mark.parametrize(
    ("number", "rounded"),
    [(12, 12), (1_234, 1_200), (1_000_023, 1_000_000), (4_987_654, 5_000_000)],
)
def test_estimates_show_two_significant_figures(number: int, rounded: int) -> None:
    assert two_significant_figures(number) == rounded


@pytest.mark.django_db
def test_list_page_names_a_capped_count(admin_client: Client, cap_of_three: None) -> None:
    CustomerFactory.create_batch(5, last_name="Martin")

    response = admin_client.get(admin_url(Customer, "changelist"), {"q": "martin"})

    content = response.content.decode()
    assert "more than 3 results" in content
    assert "more than 3 customers" in content
    assert "Select all customers (more than 3)" in content


@pytest.mark.django_db
def test_list_page_names_an_estimated_count_in_french(
    admin_client: Client, cap_of_three: None
) -> None:
    emptied(Order)
    OrderFactory.create_batch(12)
    analyze(Order)

    response = admin_client.get(admin_url(Order, "changelist"), HTTP_ACCEPT_LANGUAGE="fr")

    expected = "environ 12 commandes" if ON_POSTGRESQL else "plus de 3 commandes"
    assert expected in response.content.decode()


# Whole-table reads refused by the system checks ------------------------------------------


class ReadsEveryRow(BigTableAdminMixin, admin.ModelAdmin):
    date_hierarchy = "placed_at"
    list_filter = ("source", "customer", "store", "status")


def test_checks_refuse_a_date_drill_down_and_filters_that_read_every_row() -> None:
    problems = ReadsEveryRow(Order, admin.site).check()

    refused = sorted(
        (problem.id, next((name for name in ReadsEveryRow.list_filter if name in problem.msg), ""))
        for problem in problems
    )
    assert refused == [("omni.E101", ""), ("omni.E102", "customer"), ("omni.E102", "source")]


def test_every_admin_passes_the_checks() -> None:
    problems = [problem for problem in admin.site.check(None) if problem.level >= checks.ERROR]

    assert problems == []


def test_admins_of_the_big_tables_use_the_bounded_lists() -> None:
    big = {"customer", "order", "orderline", "touchpoint", "consent", "webhookdelivery"}
    bounded = {
        model._meta.model_name
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, BigTableAdminMixin)
    }
    assert big <= bounded


def test_big_lists_sort_only_by_columns_they_show() -> None:
    unshown = {
        (model.__name__, column)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, BigTableAdminMixin)
        for column in model_admin.sortable_by
        if column not in model_admin.list_display
    }

    assert unshown == set()


@pytest.mark.django_db
def test_indexed_values_lists_each_value_once() -> None:
    for source in ("shopify", "pos", "shopify", "app"):
        OrderFactory(source=source)

    assert indexed_values(Order.objects.all(), "source") == ["app", "pos", "shopify"]


@pytest.mark.django_db
def test_source_filter_lists_the_sources_and_filters_on_one(admin_client: Client) -> None:
    shop, till = OrderFactory(source="shopify"), OrderFactory(source="pos")

    response = admin_client.get(admin_url(Order, "changelist"), {"source": "pos"})

    (source_filter,) = [
        spec for spec in response.context["cl"].filter_specs if spec.title == "source"
    ]
    assert [choice for choice, _label in source_filter.lookup_choices] == ["pos", "shopify"]
    assert list(response.context["cl"].result_list) == [till]
    assert shop not in response.context["cl"].result_list


# No <select> listing a big table -----------------------------------------------------------

SEARCHED_WIDGETS = (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
)


def big_models() -> set[type]:
    bounded = {
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, BigTableAdminMixin)
    }
    return bounded | {User, Product}


def form_classes(request: object) -> list[tuple[str, type[forms.BaseForm]]]:
    """The add and change forms of every admin of the project, and of their inlines."""
    forms_found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OMNI_APP_LABELS:
            continue
        for obj in (None, model()):
            if obj is None and not model_admin.has_add_permission(request):
                continue
            form = model_admin.get_form(request, obj, change=obj is not None)
            forms_found.append((model.__name__, form))
            for inline in model_admin.get_inline_instances(request, obj):
                formset = inline.get_formset(request, obj)
                forms_found.append((f"{model.__name__} › {inline.model.__name__}", formset.form))
    return forms_found


@pytest.mark.django_db
def test_no_form_lists_a_big_table_in_a_select(superuser: User) -> None:
    request = RequestFactory().get("/")
    request.user = superuser
    big = big_models()
    plain_selects = set()
    for name, form_class in form_classes(request):
        for field_name, field in form_class.base_fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset.model not in big:
                continue
            widget = field.widget
            if isinstance(widget, RelatedFieldWidgetWrapper):
                widget = widget.widget
            if not isinstance(widget, SEARCHED_WIDGETS):
                plain_selects.add(f"{name}.{field_name}")

    assert plain_selects == set()


# Timing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_time_admin_page_times_each_request_and_counts_queries(admin_client: Client) -> None:
    CustomerFactory(last_name="Martin")

    timing = time_admin_page(admin_client, admin_url(Customer, "changelist") + "?q=mar", 3)

    milliseconds, query_count, status = timing
    assert (len(milliseconds), status) == (3, 200)
    assert 0 < query_count < 20
    assert timing.p95 == max(milliseconds)


@pytest.mark.django_db
def test_benchmark_pages_open(admin_client: Client) -> None:
    customer = CustomerFactory(
        last_name="Martin", email="lea.martin@example.fr", phone="+33612345678"
    )
    OrderFactory(customer=customer)

    pages = admin_benchmark_pages()

    assert len(pages) >= 15
    for label, url in pages:
        assert admin_client.get(url).status_code == 200, label


@pytest.mark.django_db
def test_admin_benchmark_prints_every_page_and_leaves_no_trace() -> None:
    CustomerFactory(last_name="Martin", email="lea.martin@example.fr", phone="+33612345678")
    OrderFactory()
    lines: list[str] = []

    print_admin_benchmark(1, write=lines.append)

    assert len(lines) == 1 + len(admin_benchmark_pages())
    assert all(line.endswith("200") for line in lines[1:])
    assert not User.objects.filter(username="admin-benchmark").exists()


@pytest.mark.django_db
def test_one_page_list_ignores_a_page_number_as_django_does(admin_client: Client) -> None:
    customer = CustomerFactory()

    response = admin_client.get(admin_url(Customer, "changelist"), {"p": "3"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [customer]
