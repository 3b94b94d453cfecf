from io import StringIO

import pytest
from django.core.management import call_command

from journeys.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def test_the_benchmark_pushes_orders_of_three_lines_and_can_run_again() -> None:
    for run in (1, 2):
        out = StringIO()
        call_command("bench_api", "--orders", "5", "--batch-size", "2", stdout=out)
        assert "orders/s" in out.getvalue()
        assert Order.objects.count() == 5 * run
    assert OrderLine.objects.count() == 30
