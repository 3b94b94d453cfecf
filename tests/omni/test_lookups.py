"""`field__any`: the rows of `field__in`, with the values sent as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.factories import ProductFactory
from omni.models import Product

pytestmark = pytest.mark.django_db


def test_any_finds_the_rows_in_finds() -> None:
    products = [ProductFactory(sku=f"SKU-{number}") for number in range(5)]
    wanted = ["SKU-1", "SKU-3", "SKU-9", None]

    assert (
        set(Product.objects.filter(sku__any=wanted))
        == set(Product.objects.filter(sku__in=wanted))
        == {products[1], products[3]}
    )
    assert list(
        Product.objects.filter(pk__any={products[0].pk, products[4].pk}).order_by("pk")
    ) == [
        products[0],
        products[4],
    ]
    assert not Product.objects.filter(sku__any=[]).exists()


def test_the_values_go_as_one_array_on_postgresql() -> None:
    with CaptureQueriesContext(connection) as queries:
        list(Product.objects.filter(sku__any=["A"]))
        list(Product.objects.filter(sku__any=[f"B-{number}" for number in range(500)]))

    if connection.vendor == "postgresql":
        first, second = (query["sql"] for query in queries.captured_queries)
        assert "\"sku\" = ANY('{A}')" in first
        assert '"sku" = ANY(\'{B-0,B-1,' in second
    else:
        assert "IN (" in queries.captured_queries[1]["sql"]
