"""Every admin list and change page of what is kept about customers journals whose data it
showed: one entry per customer of the rows shown, by whom, through which door; written in one
statement per page, whatever the number of rows. The models are the personal-data registry's
(those with a `subject`), so a new one is covered, or this test fails, the day it is added."""

import itertools

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clienteling.models import ProfileAccess
from customers.factories import CustomerFactory
from customers.models import Consent, CurrentConsent, Customer, DuplicateSuggestion
from journeys.factories import OrderFactory, OrderLineFactory
from journeys.models import OrderLine
from omni.access_journal import Door
from omni.access_journal_admin import JournaledAdminMixin, customers_shown
from omni.factories import UserFactory
from omni.privacy_registry import registry
from omni.roles import ensure_dpo_group
from privacy.models import DataRequest, Erasure, SubjectExport
from tests.admin_helpers import admin_url
from tests.test_admin_pages import BUILDERS, Builder, build_shop, count_queries, model_id

pytestmark = pytest.mark.django_db
JOURNAL = ProfileAccess._meta.db_table
# The access journal itself: reading it shows who read, and reading it is not journaled
# (clienteling.admin.ProfileAccessAdmin); a journal of its reads would grow with each look.
NOT_JOURNALED = {ProfileAccess}

_numbers = itertools.count(1)

# The DPO's own records (app privacy), which the admin pages' builders do not cover.
PRIVACY_BUILDERS: dict[type[models.Model], Builder] = {
    Erasure: lambda: Erasure.objects.create(
        customer=CustomerFactory(), door="admin", user=UserFactory()
    ),
    SubjectExport: lambda: SubjectExport.objects.create(
        customer=CustomerFactory(), door="admin", user=UserFactory(), form="json"
    ),
    DataRequest: lambda: DataRequest.objects.create(
        integration=build_shop(),
        customer=CustomerFactory(),
        shop_customer_id=f"shop-{next(_numbers)}",
        email="someone@example.com",
    ),
}


def models_about_customers() -> list[type[models.Model]]:
    """The models the registry says are about customers, and which the admin lists."""
    return [
        declaration.model
        for declaration in registry.all()
        if declaration.about_a_customer
        and admin.site.is_registered(declaration.model)
        and declaration.model not in NOT_JOURNALED
    ]


def build(model: type[models.Model]) -> models.Model:
    return {**BUILDERS, **PRIVACY_BUILDERS}[model]()


def doors(model: type[models.Model]) -> tuple[str, str]:
    """The journal's doors of a list and of a change page of `model`."""
    if model is Customer:
        return Door.ADMIN_LIST, Door.ADMIN_CHANGE
    return Door.ADMIN_RECORDS, Door.ADMIN_RECORD


def customers_of(model: type[models.Model], primary_keys: list[object]) -> set[int]:
    """Whose rows these are, as the registry declares it (customer, order__customer...)."""
    subject = registry.get(model).subject
    rows = model._default_manager.filter(pk__in=primary_keys).values_list(*subject)
    return {customer_id for row in rows for customer_id in row if customer_id is not None}


def journaled() -> list[tuple[int, str, int | None, str]]:
    rows = ProfileAccess.objects.values_list("customer_id", "context", "user_id", "query")
    return sorted(rows)


def journal_statements(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].upper().startswith("INSERT") and JOURNAL in query["sql"]
    )


@pytest.fixture
def dpo() -> User:
    """The data protection officer: reads everything kept about customers (omni.roles)."""
    user = UserFactory(username="dpo", is_staff=True)
    user.groups.add(ensure_dpo_group())
    return user


def test_every_admin_of_data_about_customers_is_journaled() -> None:
    missing = [
        model._meta.label
        for model in models_about_customers()
        if not isinstance(admin.site.get_model_admin(model), JournaledAdminMixin)
    ]
    assert missing == [], "Give these admins omni.access_journal_admin.JournaledAdminMixin"
    assert OrderLine in models_about_customers()  # a subject through a relation
    assert not isinstance(admin.site.get_model_admin(ProfileAccess), JournaledAdminMixin)


@pytest.mark.parametrize("model", models_about_customers(), ids=model_id)
def test_the_list_and_a_change_page_journal_whose_data_they_show(
    client: Client, dpo: User, model: type[models.Model]
) -> None:
    first, second = build(model), build(model)
    ProfileAccess.objects.all().delete()  # what building wrote, if anything
    list_door, change_door = doors(model)
    client.force_login(dpo)

    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    shown = [row.pk for row in response.context["cl"].result_list]
    assert {first.pk, second.pk} <= set(shown)
    expected = customers_of(model, shown)
    assert expected  # every row is about someone
    assert journaled() == sorted((pk, list_door, dpo.pk, "") for pk in expected)

    ProfileAccess.objects.all().delete()
    response = client.get(admin_url(model, "change", first.pk))
    assert response.status_code == 200
    assert journaled() == sorted(
        (pk, change_door, dpo.pk, "") for pk in customers_of(model, [first.pk])
    )


def test_a_search_of_a_records_list_journals_the_query_and_whose_rows_were_found(
    admin_client: Client, superuser: User
) -> None:
    dupont = CustomerFactory(first_name="Hélène", last_name="Dupont")
    OrderLineFactory(order=OrderFactory(customer=dupont))
    OrderLineFactory(order=OrderFactory(customer=CustomerFactory(last_name="Zylberstein")))
    ProfileAccess.objects.all().delete()

    response = admin_client.get(admin_url(OrderLine, "changelist"), {"q": "dupont"})

    assert response.status_code == 200
    assert journaled() == [(dupont.pk, Door.ADMIN_RECORDS, superuser.pk, "dupont")]


@pytest.mark.parametrize(
    "model",
    # A subject on the row, one through a relation (order__customer), two per row, and a
    # list that shows customers by number only.
    [Consent, OrderLine, DuplicateSuggestion, CurrentConsent],
    ids=model_id,
)
def test_a_list_journals_in_one_statement_and_its_queries_do_not_grow_with_rows(
    admin_client: Client, model: type[models.Model]
) -> None:
    for _ in range(2):
        build(model)
    url = admin_url(model, "changelist")
    admin_client.get(url)  # Warm the caches (content types, permissions) before counting.
    with_two_rows = count_queries(admin_client, url)
    for _ in range(20):
        build(model)
    ProfileAccess.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)

    assert response.status_code == 200
    assert len(queries.captured_queries) == with_two_rows
    assert journal_statements(queries) == 1
    shown = [row.pk for row in response.context["cl"].result_list]
    assert len(shown) >= 22
    assert ProfileAccess.objects.count() == len(customers_of(model, shown))


def test_a_refused_list_or_page_journals_nothing() -> None:
    order = OrderFactory()
    ProfileAccess.objects.all().delete()
    client = Client()
    client.force_login(UserFactory(username="no-rights", is_staff=True))
    assert client.get(admin_url(order._meta.model, "changelist")).status_code == 403
    assert client.get(admin_url(order._meta.model, "change", order.pk)).status_code == 403
    assert not ProfileAccess.objects.exists()


def test_reading_the_access_journal_is_not_journaled(admin_client: Client) -> None:
    ProfileAccess.objects.create(customer=CustomerFactory(), context=Door.API)
    entry = ProfileAccess.objects.get()
    assert (
        admin_client.get(reverse("admin:clienteling_profileaccess_changelist")).status_code == 200
    )
    assert admin_client.get(admin_url(ProfileAccess, "change", entry.pk)).status_code == 200
    assert list(ProfileAccess.objects.all()) == [entry]


def test_whose_rows_costs_no_query_when_loaded_and_one_otherwise(
    django_assert_num_queries: object,
) -> None:
    customers = CustomerFactory.create_batch(3)
    lines = [OrderLineFactory(order=OrderFactory(customer=customer)) for customer in customers]
    keys = [line.pk for line in lines]
    expected = [customer.pk for customer in customers]
    loaded = list(OrderLine.objects.select_related("order").filter(pk__in=keys))
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert sorted(customers_shown(OrderLine, loaded)) == expected
    bare = list(OrderLine.objects.filter(pk__in=keys))
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert sorted(customers_shown(OrderLine, bare)) == expected
