"""The access journal on the tablet: each door (search, 360, its partials, order detail,
duplicate check) writes who saw which customers, in one INSERT per request, and nothing for a
request that was refused or found nobody."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clienteling.factories import AssociateFactory
from clienteling.models import Associate, ProfileAccess
from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from omni.access_journal import AccessJournalMiddleware, Door, journal_reads
from omni.api.clients import api_client_create

pytestmark = pytest.mark.django_db
JOURNAL = ProfileAccess._meta.db_table


def journal_statements(queries: CaptureQueriesContext) -> int:
    """The statements that wrote to the access journal."""
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].upper().startswith("INSERT") and JOURNAL in query["sql"]
    )


@contextmanager
def one_journal_statement() -> Iterator[CaptureQueriesContext]:
    with CaptureQueriesContext(connection) as queries:
        yield queries
    assert journal_statements(queries) == 1


def entries(door: str) -> list[tuple[int, int | None, int | None, int | None, str]]:
    rows = ProfileAccess.objects.filter(context=door).order_by("customer_id")
    return list(rows.values_list("customer_id", "user_id", "api_client_id", "store_id", "query"))


@pytest.fixture
def martins() -> list[Customer]:
    return [CustomerFactory(first_name=f"Anne{number}", last_name="Martin") for number in range(5)]


def test_a_search_journals_the_query_and_every_customer_shown(
    associate_client: Client, associate: Associate, martins: list[Customer], htmx: dict
) -> None:
    CustomerFactory(first_name="Zoé", last_name="Zylberstein")  # not shown: not journaled
    with one_journal_statement():
        response = associate_client.get(reverse("clienteling:search"), {"q": "martin"}, **htmx)
    assert response.status_code == 200
    shown = sorted(hit.customer.pk for hit in response.context["hits"])
    assert shown == sorted(customer.pk for customer in martins)
    user, store = associate.user_id, associate.store_id
    assert entries(Door.TABLET_SEARCH) == [(pk, user, None, store, "martin") for pk in shown]


def test_a_search_that_shows_nobody_journals_nothing(
    associate_client: Client, martins: list[Customer], htmx: dict
) -> None:
    for query in ("zzzzqx", "m", ""):
        with CaptureQueriesContext(connection) as queries:
            associate_client.get(reverse("clienteling:search"), {"q": query}, **htmx)
        assert journal_statements(queries) == 0
    assert not ProfileAccess.objects.exists()


def test_the_query_kept_is_its_start_only(
    associate_client: Client, martins: list[Customer], htmx: dict
) -> None:
    typed = "martin " + "x" * 150
    associate_client.get(reverse("clienteling:search"), {"q": typed}, **htmx)
    assert {len(query) for query in ProfileAccess.objects.values_list("query", flat=True)} <= {100}


def test_the_360_and_each_of_its_partials_journal_her_once_per_request(
    associate_client: Client, associate: Associate, customer: Customer, htmx: dict
) -> None:
    with one_journal_statement():
        associate_client.get(reverse("clienteling:customer", args=[customer.pk]))
    assert entries(Door.PROFILE) == [(customer.pk, associate.user_id, None, associate.store_id, "")]
    partials = [
        reverse("clienteling:customer_timeline", args=[customer.pk]),
        *(
            reverse("clienteling:customer_section", args=[customer.pk, section])
            for section in ("wishlist", "tickets", "appointments", "tasks", "notes", "consents")
        ),
    ]
    for url in partials:
        with one_journal_statement():
            assert associate_client.get(url, **htmx).status_code == 200
    assert len(entries(Door.TABLET_PARTIAL)) == len(partials)
    assert {row[0] for row in entries(Door.TABLET_PARTIAL)} == {customer.pk}


def test_the_order_detail_journals_her(
    associate_client: Client, associate: Associate, customer: Customer, htmx: dict
) -> None:
    order = OrderFactory(customer=customer)
    url = reverse("clienteling:order_detail", args=[customer.pk, order.pk])
    with one_journal_statement():
        assert associate_client.get(url, **htmx).status_code == 200
    assert entries(Door.ORDER) == [(customer.pk, associate.user_id, None, associate.store_id, "")]


def test_the_duplicate_check_journals_the_profiles_it_shows(
    associate_client: Client, customer: Customer, htmx: dict
) -> None:
    url = reverse("clienteling:customer_duplicates")
    associate_client.get(url, {"email": customer.email}, **htmx)
    assert [row[0] for row in entries(Door.TABLET_SEARCH)] == [customer.pk]
    assert entries(Door.TABLET_SEARCH)[0][4] == ""  # an email typed is not kept


def test_a_refused_or_failed_request_journals_nothing(
    client: Client, associate_client: Client, customer: Customer, htmx: dict
) -> None:
    missing = Customer.objects.order_by("-pk").first().pk + 1
    assert associate_client.get(reverse("clienteling:customer", args=[missing])).status_code == 404
    order_of_another = OrderFactory()
    url = reverse("clienteling:order_detail", args=[customer.pk, order_of_another.pk])
    assert associate_client.get(url, **htmx).status_code == 404
    response = client.get(reverse("clienteling:customer", args=[customer.pk]))
    assert response.status_code == 302  # signed out: to the sign-in page
    assert not ProfileAccess.objects.exists()


def _view_that_reads(customers: list[Customer], status: int) -> Callable:
    def view(request: HttpRequest) -> HttpResponse:
        journal_reads([customer.pk for customer in customers], Door.API)
        journal_reads([customers[0].pk], Door.PROFILE)
        return HttpResponse(status=status)

    return view


def test_the_middleware_writes_a_request_in_one_statement_only_when_it_succeeded() -> None:
    customers = CustomerFactory.create_batch(3)
    request = RequestFactory().get("/")
    for status in (404, 500, 403):
        AccessJournalMiddleware(_view_that_reads(customers, status))(request)
    assert not ProfileAccess.objects.exists()
    with one_journal_statement():
        AccessJournalMiddleware(_view_that_reads(customers, 200))(request)
    assert ProfileAccess.objects.filter(context=Door.API).count() == 3
    assert ProfileAccess.objects.filter(context=Door.PROFILE).count() == 1


def test_outside_a_request_reads_are_written_at_once_and_empty_reads_not_at_all() -> None:
    customer = CustomerFactory()
    with CaptureQueriesContext(connection) as queries:
        journal_reads([], Door.API)
        journal_reads([None], Door.API)
    assert journal_statements(queries) == 0
    journal_reads([customer.pk, customer.pk], Door.API)
    assert ProfileAccess.objects.filter(customer=customer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_entries_committed_on_their_own_keep_every_column() -> None:
    """Outside any transaction (a request's journal, on PostgreSQL: one INSERT that does not
    wait for the disk), every column is written."""
    customers = CustomerFactory.create_batch(2)
    associate = AssociateFactory()
    client, _token = api_client_create(name="e-shop", scopes=["customers:read"])
    with CaptureQueriesContext(connection) as queries:
        journal_reads(
            [customer.pk for customer in customers],
            Door.TABLET_SEARCH,
            user=associate.user,
            api_client=client,
            store=associate.store,
            query="l'été 100%",
        )
    assert journal_statements(queries) == 1
    expected = [
        (customer.pk, associate.user_id, client.pk, associate.store_id, "l'été 100%")
        for customer in customers
    ]
    assert entries(Door.TABLET_SEARCH) == sorted(expected)


def test_my_day_lists_the_profiles_i_opened_not_every_search_result(
    associate_client: Client, martins: list[Customer], htmx: dict
) -> None:
    opened = martins[0]
    associate_client.get(reverse("clienteling:customer", args=[opened.pk]))
    associate_client.get(reverse("clienteling:search"), {"q": "martin"}, **htmx)
    response = associate_client.get(reverse("clienteling:my_day"))
    assert response.status_code == 200
    assert [customer.pk for customer in response.context["day"].recent_customers] == [opened.pk]
