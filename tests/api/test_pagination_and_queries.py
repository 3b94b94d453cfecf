"""Cursor pagination with `updated_since`, and query counts that do not grow with the data."""

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.factories import AppointmentFactory
from customers.factories import (
    AddressFactory,
    ConsentFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.models import Customer, Tag
from journeys.factories import (
    AfterSalesTicketFactory,
    LifecycleStageChangeFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.models import ReturnLine
from omni.factories import ProductFactory, StoreFactory
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def _pages(client: APIClient, path: str) -> list[list[dict[str, Any]]]:
    pages, url = [], path
    while url:
        body = client.get(url).json()
        pages.append(body["results"])
        url = body["next"]
    return pages


def test_cursor_pages_walk_every_record_once(api_client: TokenClient) -> None:
    CustomerFactory.create_batch(7)
    pages = _pages(api_client, "/api/v1/customers?page_size=3")
    assert [len(page) for page in pages] == [3, 3, 1]
    ids = [row["id"] for page in pages for row in page]
    assert sorted(ids) == sorted(Customer.objects.values_list("pk", flat=True))


def test_updated_since_returns_only_what_changed(api_client: TokenClient) -> None:
    old, changed = CustomerFactory.create_batch(2)
    long_ago = timezone.now() - datetime.timedelta(days=3)
    Customer.objects.filter(pk__in=[old.pk, changed.pk]).update(updated_at=long_ago)
    checkpoint = timezone.now() - datetime.timedelta(minutes=1)
    changed.first_name = "Renamed"
    changed.save()
    CustomerFactory(first_name="Newcomer")
    since = checkpoint.isoformat().replace("+00:00", "Z")
    rows = api_client.get("/api/v1/customers", {"updated_since": since}).json()["results"]
    assert [row["first_name"] for row in rows] == ["Renamed", "Newcomer"]


def test_the_list_is_ordered_by_update_so_a_change_moves_to_the_end(
    api_client: TokenClient,
) -> None:
    first, second = CustomerFactory.create_batch(2)
    first.first_name = "Changed later"
    first.save()
    rows = api_client.get("/api/v1/customers").json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]


def _customer_with_history(products: list[Any], store: Any) -> Customer:
    customer = CustomerFactory()
    ExternalIdentityFactory(customer=customer)
    AddressFactory(customer=customer)
    PreferenceFactory(customer=customer)
    ConsentFactory(customer=customer)
    for _number in range(2):
        order = OrderFactory(customer=customer, store=store)
        for line_number, product in enumerate(products, start=1):
            OrderLineFactory(order=order, line_number=line_number, product=product)
        ReturnFactory(order=order)
    WishlistItemFactory(wishlist__customer=customer, product=products[0])
    AfterSalesTicketFactory(customer=customer, store=store)
    TouchpointFactory(customer=customer)
    web = OrderFactory(customer=customer, store=store, fulfilment="click_and_collect")
    PickupFactory(order=web, store=store)
    appointment = AppointmentFactory(customer=customer, associate__store=store)
    StoreFactory().services.add(appointment.service)
    return customer


LIST_ENDPOINTS = [
    "/api/v1/customers",
    "/api/v1/orders",
    "/api/v1/wishlists",
    "/api/v1/wishlist-items",
    "/api/v1/tickets",
    "/api/v1/pickups",
    "/api/v1/touchpoints",
    "/api/v1/appointments",
    "/api/v1/associates",
    "/api/v1/stores",
    "/api/v1/products",
    "/api/v1/services",
]


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_list_queries_do_not_grow_with_the_data(
    api_client: TokenClient, store: Any, path: str, django_assert_max_num_queries: Any
) -> None:
    products = [ProductFactory() for _ in range(3)]
    _customer_with_history(products, store)
    api_client.get(path)  # Warm up: the client's last-use time is written once a minute.
    with django_assert_max_num_queries(10) as few:
        assert api_client.get(path).status_code == 200
    for _ in range(6):
        _customer_with_history(products, store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get(path)
    assert response.status_code == 200
    assert len(response.json()["results"]) > 1


def test_detail_queries_are_bounded(
    api_client: TokenClient, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    api_client.get("/api/v1/stores")
    for path in (
        f"/api/v1/customers/{world.customer.pk}",
        f"/api/v1/orders/{world.order.pk}",
        f"/api/v1/appointments/{world.appointment.pk}",
    ):
        with django_assert_max_num_queries(10):
            assert api_client.get(path).status_code == 200


# A page of 200 with rich data: one query per relation, whatever the page size and the history.
# The token lookup, the page, then customers: identities, addresses, tags, consents; orders:
# lines, returns and their lines; then the access journal's one INSERT for the whole page.
RICH_LIST_QUERIES = {"/api/v1/customers": 7, "/api/v1/orders": 6}


def _deeper_history(customer: Customer, products: list[Any], store: Any, tag: Tag) -> None:
    for _number in range(3):
        order = OrderFactory(customer=customer, store=store)
        lines = [
            OrderLineFactory(order=order, line_number=line_number, product=product)
            for line_number, product in enumerate(products, start=1)
        ]
        returned = ReturnFactory(order=order, store=store)
        ReturnLine.objects.create(parent=returned, order_line=lines[0], quantity=1)
    for purpose in ("marketing", "newsletter", "marketing", "satisfaction"):
        ConsentFactory(customer=customer, purpose=purpose)
    ExternalIdentityFactory(customer=customer, source="pos")
    AddressFactory(customer=customer, kind="shipping")
    LifecycleStageChangeFactory(customer=customer)
    customer.tags.add(tag)


@pytest.mark.parametrize("path", RICH_LIST_QUERIES)
def test_a_page_of_200_runs_a_fixed_number_of_queries(
    api_client: TokenClient, store: Any, path: str, django_assert_num_queries: Any
) -> None:
    products = [ProductFactory() for _ in range(3)]
    tag = Tag.objects.create(name="VIP")
    for _ in range(3):
        _deeper_history(_customer_with_history(products, store), products, store, tag)
    api_client.get(path)  # Warm up: the client's last-use time is written once a minute.
    for page_size in (2, 200):
        with django_assert_num_queries(RICH_LIST_QUERIES[path]):
            assert api_client.get(path, {"page_size": page_size}).status_code == 200
    for customer in list(Customer.objects.all()):
        _deeper_history(customer, products, store, tag)
    for _ in range(12):
        _deeper_history(_customer_with_history(products, store), products, store, tag)
    with django_assert_num_queries(RICH_LIST_QUERIES[path]):
        response = api_client.get(path, {"page_size": 200})
    assert len(response.json()["results"]) > 14
