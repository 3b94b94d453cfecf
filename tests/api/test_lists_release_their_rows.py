"""A list page lets go of its rows once written (omni.api.viewsets.ApiViewSet): the view, its
request, the response and the serializers refer to each other, and whatever they hold would
otherwise wait for Python's cycle collector, whose passes over thousands of objects per
request make some requests much slower."""

import gc
import json
from collections.abc import Iterator

import pytest

from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer
from journeys.factories import OrderLineFactory
from journeys.models import Order
from omni.api.list_timing import untie
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector_kept_from_freeing() -> Iterator[list]:
    """Yield a function's worth of state: the cycle collector off; what it then finds is kept
    in gc.garbage (returned) for inspection, instead of being freed."""
    gc.collect()  # what building the data left behind is freed, not counted
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    yield gc.garbage
    gc.set_debug(0)
    gc.garbage.clear()
    gc.enable()


@pytest.fixture
def five_customers(db: None) -> None:
    for _number in range(5):
        customer = CustomerFactory()
        ConsentFactory(customer=customer)
        OrderLineFactory(order__customer=customer)


def test_a_page_of_customers_leaves_none_of_them_for_the_cycle_collector(
    api_client: TokenClient, five_customers: None, collector_kept_from_freeing: list
) -> None:
    response = api_client.get("/api/v1/customers", {"page_size": 10})
    assert response.status_code == 200
    assert len(json.loads(response.content)["results"]) == 5
    untie(response)  # the test client's own loop: a server's responses have none
    del response
    gc.collect()
    assert [found for found in collector_kept_from_freeing if isinstance(found, Customer)] == []
    assert Order.objects.count() == 5  # each with a line, so that her page has every part
