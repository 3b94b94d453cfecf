"""Customer tags: managed in the admin, filtered on in the customer list, read and set by API."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.models import Customer, Tag
from privacy.erasure import customer_erase
from privacy.models import Door
from segments.factories import TagFactory
from tests.admin_helpers import admin_url
from tests.api.conftest import MakeClient, TokenClient

pytestmark = pytest.mark.django_db


def test_the_api_reads_and_replaces_tags(api_client: TokenClient, people: SimpleNamespace) -> None:
    TagFactory(name="Bridal")
    customer = people.alice
    assert api_client.get(f"/api/v1/customers/{customer.pk}").json()["tags"] == ["VIP"]
    url = f"/api/v1/customers/{customer.pk}/tags"
    response = api_client.put(url, {"tags": ["bridal", "Press"]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"tags": ["Bridal", "Press"]}
    assert sorted(customer.tags.values_list("name", flat=True)) == ["Bridal", "Press"]
    assert api_client.put(url, {"tags": []}, format="json").json() == {"tags": []}
    assert not customer.tags.exists()


def test_unknown_tags_are_refused_and_nothing_changes(
    api_client: TokenClient, people: SimpleNamespace
) -> None:
    url = f"/api/v1/customers/{people.alice.pk}/tags"
    response = api_client.put(url, {"tags": ["Press", "Celebrity"]}, format="json")
    assert response.status_code == 400
    assert "Celebrity" in response.json()["errors"]["tags"][0]
    assert list(people.alice.tags.values_list("name", flat=True)) == ["VIP"]
    assert not Tag.objects.filter(name="Celebrity").exists()


def test_setting_tags_needs_the_write_scope(
    make_api_client: MakeClient, people: SimpleNamespace
) -> None:
    reader = make_api_client(scopes=("customers:read",))
    url = f"/api/v1/customers/{people.alice.pk}/tags"
    assert reader.put(url, {"tags": []}, format="json").status_code == 403
    assert list(people.alice.tags.values_list("name", flat=True)) == ["VIP"]


def test_head_office_filters_customers_by_tag_and_manages_tags(
    client: Client, marketer: User, people: SimpleNamespace
) -> None:
    client.force_login(marketer)
    listing = client.get(admin_url(Customer, "changelist"), {"tags__id__exact": people.press.pk})
    assert [customer.pk for customer in listing.context["cl"].result_list] == [people.chloe.pk]
    tags = client.get(admin_url(Tag, "changelist"))
    assert tags.status_code == 200
    counts = {tag.name: tag.customer_count for tag in tags.context["cl"].result_list}
    assert counts == {"Press": 1, "VIP": 3}  # merged and erased profiles keep their tags
    change = client.get(admin_url(Customer, "change", people.alice.pk))
    assert change.status_code == 200
    assert "VIP" in change.content.decode()


def test_erasure_removes_the_customers_tags(people: SimpleNamespace) -> None:
    people.chloe.tags.add(people.vip)
    customer_erase(customer=people.chloe, door=Door.ADMIN)
    assert not people.chloe.tags.exists()
    assert list(people.alice.tags.values_list("name", flat=True)) == ["VIP"]
