"""The periodic refresh, the nightly rebuild and the insights_rebuild command."""

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from insights.models import AggregateRun, RetentionMonthly, SalesDaily
from insights.tasks import insights_rebuild_task, insights_refresh_task
from journeys.factories import OrderFactory
from tests.insights.conftest import KnownDataset

pytestmark = pytest.mark.django_db


def test_refresh_rebuilds_the_last_days_only() -> None:
    now = timezone.now()
    OrderFactory(placed_at=now, total=Decimal(10))
    OrderFactory(placed_at=now - datetime.timedelta(days=10), total=Decimal(20))

    counts = insights_refresh_task()

    assert list(SalesDaily.objects.values_list("day", "revenue")) == [
        (timezone.localdate(), Decimal(10))
    ]
    assert counts["insights_salesdaily"] == 1
    assert "insights_retentionmonthly" not in counts  # monthly tables: nightly
    assert not RetentionMonthly.objects.exists()


def test_nightly_rebuild_covers_the_whole_history(known_dataset: KnownDataset) -> None:
    counts = insights_rebuild_task()

    assert counts["insights_salesdaily"] == SalesDaily.objects.count() == 10
    assert counts["insights_retentionmonthly"] == RetentionMonthly.objects.count() > 0
    run = AggregateRun.objects.get()
    assert (run.day_from, run.day_to) == (None, None)
    assert run.row_counts == counts


def test_both_tasks_are_scheduled() -> None:
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "insights.tasks.insights_refresh_task" in tasks
    assert "insights.tasks.insights_rebuild_task" in tasks


def test_command_prints_rows_and_timings(known_dataset: KnownDataset) -> None:
    out = io.StringIO()

    call_command("insights_rebuild", "--since", "2026-02-01", stdout=out)

    output = out.getvalue()
    # February: O7, O2, E2, O6, O3 on five different days.
    assert "insights_salesdaily" in output
    assert "5 rows" in output.splitlines()[0]
    assert "insights_salesmonthly" in output
    assert "Rebuilt 17 tables in" in output
    assert SalesDaily.objects.filter(day__lt=datetime.date(2026, 2, 1)).count() == 0


def test_command_refuses_a_bad_date() -> None:
    with pytest.raises(CommandError, match="Not an ISO date"):
        call_command("insights_rebuild", "--since", "yesterday")
