"""The list timing the benchmarks reuse: per-request times, query count, deep cursor pages."""

from io import StringIO

import pytest
from django.core.management import call_command

from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from omni.api.list_timing import cursor_url, time_api_list
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db


def test_each_request_is_timed_and_the_queries_counted(api_client: TokenClient) -> None:
    CustomerFactory.create_batch(3)
    timing = time_api_list(api_client, "/api/v1/customers?page_size=2", repeat=3)
    assert len(timing.milliseconds) == len(timing.cpu_milliseconds) == 3
    assert all(
        0 <= sql <= total
        for sql, total in zip(timing.sql_milliseconds, timing.milliseconds, strict=True)
    )
    assert timing.item_count == 2
    # Token, page, identities, addresses, tags, consents; the access journal's one INSERT.
    assert timing.query_count == 7
    assert 0 < timing.median <= timing.p95 == max(timing.milliseconds)
    assert timing.microseconds_per_item == timing.median * 1000 / 2


def test_an_answer_that_is_not_a_page_is_refused(api_client: TokenClient) -> None:
    with pytest.raises(RuntimeError, match="answered 404"):
        time_api_list(api_client, "/api/v1/customers/0", repeat=1)


def test_a_cursor_url_starts_after_the_given_position(api_client: TokenClient) -> None:
    CustomerFactory.create_batch(3)
    rows = list(Customer.objects.order_by("updated_at", "id"))
    url = cursor_url("/api/v1/customers?page_size=10", str(rows[0].updated_at))
    results = api_client.get(url).json()["results"]
    assert [row["id"] for row in results] == [row.pk for row in rows[1:]]


def test_the_benchmark_times_first_and_deep_pages_of_both_lists() -> None:
    for _number in range(4):
        OrderFactory()
    out = StringIO()
    call_command("bench_api_lists", "--repeat", "2", "--page-size", "2", stdout=out)
    report = out.getvalue()
    for path in ("/api/v1/customers", "/api/v1/orders"):
        assert report.count(path) == 2  # The first page, then the deep one.
    assert report.count("deep / first page") == 2
