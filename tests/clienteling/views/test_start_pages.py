"""Who lands where: each demo role signs in through the tablet's sign-in form (or opens "/")
and starts on its own page: associates and managers on My day, marketers and superusers on the
head-office dashboards, the data protection officer on the admin's index, operations on the
System status; a `next` of this
site is followed, one to another host is not."""

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from clienteling.demo import catalogue
from clienteling.factories import AssociateFactory
from clienteling.models import Associate
from omni.factories import UserFactory
from omni.models import Store
from omni.roles import ensure_dpo_group, ensure_head_office_group, ensure_operations_group

pytestmark = pytest.mark.django_db
PASSWORD = "omni-demo"  # UserFactory's
MY_DAY = reverse("clienteling:my_day")
DASHBOARD = reverse("insights:dashboard")
ADMIN_INDEX = reverse("admin:index")
SYSTEM_STATUS = reverse("system_status:page")
LOGIN = reverse("clienteling:login")


def superuser(store: Store) -> User:
    return UserFactory(username=catalogue.SUPERUSER_USERNAME, is_staff=True, is_superuser=True)


def marketer(store: Store) -> User:
    user = UserFactory(username=catalogue.MARKETER_USERNAME, is_staff=True)
    user.groups.add(ensure_head_office_group())
    return user


def data_protection_officer(store: Store) -> User:
    user = UserFactory(username=catalogue.DPO_USERNAME, is_staff=True)
    user.groups.add(ensure_dpo_group())
    return user


def operations(store: Store) -> User:
    user = UserFactory(username=catalogue.OPERATIONS_USERNAME, is_staff=True)
    user.groups.add(ensure_operations_group())
    return user


def store_manager(store: Store) -> User:
    return AssociateFactory(
        user__username="manager", store=store, role=Associate.Role.STORE_MANAGER
    ).user


def associate(store: Store) -> User:
    return AssociateFactory(user__username="camille", store=store).user


# The demo's roles (clienteling.demo.staff) and where each starts.
ROLES: dict[str, tuple[Callable[[Store], User], str]] = {
    "superuser": (superuser, DASHBOARD),
    "marketer": (marketer, DASHBOARD),
    "data protection officer": (data_protection_officer, ADMIN_INDEX),
    "operations": (operations, SYSTEM_STATUS),
    "store manager": (store_manager, MY_DAY),
    "associate": (associate, MY_DAY),
}


def sign_in(client: Client, user: User, **query: str) -> str:
    """Post the tablet's sign-in form as a browser does; the page it redirects to."""
    url = f"{LOGIN}?{urlencode(query)}" if query else LOGIN
    page = client.get(url)
    assert page.status_code == 200
    data = {"username": user.username, "password": PASSWORD, "next": page.context["next"]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:300]
    assert client.session["_auth_user_id"] == str(user.pk)
    return response["Location"]


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_signs_in_and_lands_on_its_start_page(
    client: Client, store: Store, role: str
) -> None:
    build, start = ROLES[role]
    user = build(store)
    assert sign_in(client, user) == start
    assert client.get(start).status_code == 200


@pytest.mark.parametrize("role", list(ROLES))
def test_the_site_root_sends_each_role_to_its_start_page(
    client: Client, store: Store, role: str
) -> None:
    build, start = ROLES[role]
    client.force_login(build(store))
    response = client.get("/")
    if start == MY_DAY:
        assert response.status_code == 200
        assert response.templates[0].name == "clienteling/my_day.html"
    else:
        assert (response.status_code, response["Location"]) == (302, start)


@pytest.mark.parametrize("role", ["marketer", "data protection officer"])
def test_head_office_opening_a_tablet_page_goes_to_its_start_page(
    client: Client, store: Store, role: str
) -> None:
    build, start = ROLES[role]
    client.force_login(build(store))
    response = client.get(reverse("clienteling:search"))
    assert (response.status_code, response["Location"]) == (302, start)


def test_a_signed_in_marketer_opening_the_sign_in_page_goes_to_the_dashboards(
    client: Client, store: Store
) -> None:
    client.force_login(marketer(store))
    response = client.get(LOGIN)
    assert (response.status_code, response["Location"]) == (302, DASHBOARD)


@pytest.mark.parametrize(
    ("role", "wanted"),
    [
        ("marketer", reverse("admin:customers_customer_changelist")),
        ("associate", reverse("clienteling:agenda")),
        ("data protection officer", reverse("admin:clienteling_profileaccess_changelist")),
    ],
)
def test_a_next_page_of_this_site_is_followed(
    client: Client, store: Store, role: str, wanted: str
) -> None:
    build, _start = ROLES[role]
    assert sign_in(client, build(store), next=wanted) == wanted
    assert client.get(wanted).status_code == 200


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example.com/admin/", "//evil.example.com/", "https:evil.example.com"],
)
@pytest.mark.parametrize("role", ["marketer", "associate"])
def test_a_next_page_on_another_host_is_ignored(
    client: Client, store: Store, role: str, elsewhere: str
) -> None:
    build, start = ROLES[role]
    assert sign_in(client, build(store), next=elsewhere) == start


def test_a_superuser_who_is_also_an_associate_starts_on_my_day(
    client: Client, store: Store
) -> None:
    AssociateFactory(user=superuser(store), store=store)
    assert sign_in(client, User.objects.get(username=catalogue.SUPERUSER_USERNAME)) == MY_DAY


def test_an_account_of_no_store_and_not_head_office_gets_a_clear_page(
    client: Client, store: Store
) -> None:
    nobody = UserFactory(username="nobody")
    former = AssociateFactory(user__username="former", store=store, is_active=False).user
    for user in (nobody, former):
        client.logout()
        assert sign_in(client, user) == MY_DAY
        response = client.get("/")
        assert response.status_code == 403
        html = response.content.decode()
        assert "Your account is not linked to a store." in html
        assert user.username in html
        assert reverse("clienteling:logout") in html  # a way out: sign out
        assert client.get(reverse("clienteling:search")).status_code == 403
    assert not Associate.objects.filter(is_active=True).exists()
