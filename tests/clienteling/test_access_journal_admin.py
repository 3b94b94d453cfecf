"""The access journal in the admin: the customer list, its search and the change page journal
what they show; segment member pages and exports journal their members; the DPO page of one
customer's journal is for those who may read the journal, and reading it journals nothing."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clienteling.models import ProfileAccess
from clienteling.selectors.access_journal import ENTRIES_PER_PAGE
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer
from omni.access_journal import Door
from omni.api.clients import api_client_create
from omni.factories import UserFactory
from segments.factories import SegmentFactory, SegmentRuleFactory
from segments.models import SegmentExport

pytestmark = pytest.mark.django_db
JOURNAL = ProfileAccess._meta.db_table


def journal_statements(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].upper().startswith("INSERT") and JOURNAL in query["sql"]
    )


def staff_with(username: str, *permissions: tuple[str, str]) -> User:
    user = UserFactory(username=username, is_staff=True)
    for app_label, codename in permissions:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dpo() -> User:
    return staff_with("dpo", ("clienteling", "view_profileaccess"), ("customers", "view_customer"))


@pytest.fixture
def clerk() -> User:
    """Head-office staff who may see customers but not the access journal."""
    return staff_with("clerk", ("customers", "view_customer"), ("customers", "change_customer"))


def journal_url(customer: Customer) -> str:
    return reverse("admin:clienteling_profileaccess_customer", args=[customer.pk])


def test_the_customer_list_journals_the_page_shown_in_one_statement(
    admin_client: Client, superuser: User
) -> None:
    customers = CustomerFactory.create_batch(4)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 200
    assert journal_statements(queries) == 1
    rows = ProfileAccess.objects.values_list("customer_id", "context", "user_id", "query")
    assert sorted(rows) == sorted(
        (customer.pk, Door.ADMIN_LIST, superuser.pk, "") for customer in customers
    )


def test_a_search_of_the_list_journals_the_query_and_the_customers_found(
    admin_client: Client, superuser: User
) -> None:
    found = CustomerFactory(first_name="Hélène", last_name="Dupont")
    CustomerFactory(first_name="Zoé", last_name="Zylberstein")
    response = admin_client.get(reverse("admin:customers_customer_changelist"), {"q": "dupont"})
    assert response.status_code == 200
    rows = ProfileAccess.objects.values_list("customer_id", "context", "user_id", "query")
    assert list(rows) == [(found.pk, Door.ADMIN_SEARCH, superuser.pk, "dupont")]


def test_the_change_page_journals_her_and_links_to_her_journal_for_the_dpo(
    dpo: User, clerk: User
) -> None:
    customer = CustomerFactory()
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    response = signed_in(dpo).get(url)
    assert response.status_code == 200
    assert journal_url(customer) in response.content.decode()
    response = signed_in(clerk).get(url)
    assert response.status_code == 200
    assert journal_url(customer) not in response.content.decode()
    rows = ProfileAccess.objects.order_by("id").values_list("customer_id", "context", "user_id")
    assert list(rows) == [
        (customer.pk, Door.ADMIN_CHANGE, dpo.pk),
        (customer.pk, Door.ADMIN_CHANGE, clerk.pk),
    ]


def test_a_refused_admin_page_journals_nothing() -> None:
    customer = CustomerFactory()
    nobody = signed_in(UserFactory(username="no-rights", is_staff=True))
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    assert nobody.get(url).status_code == 403
    assert nobody.get(reverse("admin:customers_customer_changelist")).status_code == 403
    assert not ProfileAccess.objects.exists()


def _journal_of(customer: Customer, count: int) -> None:
    client, _token = api_client_create(name="e-shop", scopes=["customers:read"])
    start = timezone.now() - datetime.timedelta(days=count)
    ProfileAccess.objects.bulk_create(
        ProfileAccess(
            customer=customer,
            api_client=client,
            context=Door.API,
            accessed_at=start + datetime.timedelta(days=number),
        )
        for number in range(count)
    )


def test_the_dpo_page_shows_who_saw_her_newest_first_a_page_at_a_time(
    dpo: User, associate: object
) -> None:
    customer = CustomerFactory()
    _journal_of(customer, ENTRIES_PER_PAGE + 5)
    ProfileAccess.objects.create(
        customer=customer,
        user=associate.user,
        store=associate.store,
        context=Door.TABLET_SEARCH,
        query="dupont",
    )
    client = signed_in(dpo)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(journal_url(customer))
    assert response.status_code == 200
    assert journal_statements(queries) == 0  # reading her journal is not journaled
    page = response.context["page"]
    assert page.entries[0].context == Door.TABLET_SEARCH
    html = response.content.decode()
    assert "dupont" in html
    assert str(associate.store) in html
    assert "e-shop" in html
    assert len(page.entries) == ENTRIES_PER_PAGE
    assert page.has_next
    older = client.get(journal_url(customer), {"page": 2}).context["page"]
    assert len(older.entries) == 6
    assert not older.has_next
    assert older.entries[-1].accessed_at < page.entries[-1].accessed_at
    assert CustomerFactory().accesses.count() == 0
    assert ProfileAccess.objects.count() == ENTRIES_PER_PAGE + 6


def test_the_dpo_page_is_refused_without_the_journal_permission(clerk: User) -> None:
    customer = CustomerFactory()
    _journal_of(customer, 2)
    assert signed_in(clerk).get(journal_url(customer)).status_code == 403
    response = Client().get(journal_url(customer))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert ProfileAccess.objects.count() == 2


def test_an_unknown_customer_has_no_dpo_page(dpo: User) -> None:
    missing = (Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    url = reverse("admin:clienteling_profileaccess_customer", args=[missing])
    assert signed_in(dpo).get(url).status_code == 404


def test_the_journal_list_filtered_by_customer_links_to_her_page(dpo: User) -> None:
    customer, other = CustomerFactory(), CustomerFactory()
    _journal_of(customer, 2)
    ProfileAccess.objects.create(customer=other, context=Door.ADMIN_LIST)
    changelist = reverse("admin:clienteling_profileaccess_changelist")
    response = signed_in(dpo).get(changelist, {"customer": customer.pk})
    assert response.status_code == 200
    assert {row.customer_id for row in response.context["cl"].result_list} == {customer.pk}
    assert journal_url(customer) in response.content.decode()


def test_the_journal_admin_is_read_only(dpo: User, superuser: User) -> None:
    customer = CustomerFactory()
    _journal_of(customer, 1)
    entry = ProfileAccess.objects.get()
    for user in (dpo, superuser):
        client = signed_in(user)
        assert client.get(reverse("admin:clienteling_profileaccess_add")).status_code == 403
        delete = reverse("admin:clienteling_profileaccess_delete", args=[entry.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ProfileAccess.objects.filter(pk=entry.pk).exists()


def _segment_of_consenting(count: int) -> tuple[object, list[Customer]]:
    members = CustomerFactory.create_batch(count, lifecycle_stage="loyalty")
    for customer in members:
        ConsentFactory(customer=customer, purpose="marketing", channel="email", granted=True)
    CustomerFactory(lifecycle_stage="loyalty")  # a member without consent: not exported
    segment = SegmentFactory(purpose="marketing", contact_channel="email")
    SegmentRuleFactory(
        segment=segment, group=1, field="lifecycle_stage", operator="in", value="loyalty"
    )
    return segment, members


def test_a_segment_export_journals_each_exported_member_linked_to_the_export(
    admin_client: Client, superuser: User
) -> None:
    segment, members = _segment_of_consenting(3)
    url = reverse("admin:segments_segment_export", args=[segment.pk])
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(url)
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert journal_statements(queries) == 1  # INSERT … SELECT, whatever the members
    export = SegmentExport.objects.get()
    rows = ProfileAccess.objects.values_list("customer_id", "context", "user_id", "segment_export")
    assert sorted(rows) == sorted(
        (customer.pk, Door.SEGMENT_EXPORT, superuser.pk, export.pk) for customer in members
    )


def test_a_refused_segment_export_journals_nothing(clerk: User) -> None:
    segment, _members = _segment_of_consenting(2)
    url = reverse("admin:segments_segment_export", args=[segment.pk])
    assert signed_in(clerk).post(url).status_code == 403
    assert not ProfileAccess.objects.exists()


def test_the_segment_members_page_journals_its_page(admin_client: Client) -> None:
    segment, _members = _segment_of_consenting(2)
    response = admin_client.get(reverse("admin:segments_segment_members", args=[segment.pk]))
    assert response.status_code == 200
    journaled = ProfileAccess.objects.filter(context=Door.SEGMENT_MEMBERS)
    assert journaled.count() == 3  # every member shown, consenting or not
