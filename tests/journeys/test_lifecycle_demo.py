"""The demo's stages come from the real rules, cover all six stages, and have a history."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from customers.models import Customer, LifecycleStage
from journeys.lifecycle.services import lifecycle_recompute_all
from journeys.models import CustomerMetrics, LifecycleStageChange

pytestmark = pytest.mark.django_db


def test_the_demo_spreads_customers_over_every_stage_by_the_real_rules() -> None:
    call_command("seed_demo", customers=120, allow_without_debug=True, stdout=StringIO())

    stages = dict(
        Customer.objects.values_list("lifecycle_stage").annotate(count=Count("pk")).order_by()
    )
    assert set(stages) == set(LifecycleStage.values)
    assert min(stages.values()) >= 3
    assert CustomerMetrics.objects.count() == 120
    # Past nights were replayed: some customers moved more than once.
    moves = LifecycleStageChange.objects.values("customer").annotate(count=Count("pk"))
    assert any(row["count"] >= 2 for row in moves)
    claire = Customer.objects.get(email="claire.martin@example.fr")
    assert claire.lifecycle_stage == LifecycleStage.LOYALTY
    assert claire.metrics.channel_list == ["store", "web"]
    # Today's stages are what the nightly computation gives: nothing left to change.
    assert lifecycle_recompute_all().changes == 0
