"""The segments benchmark runs on any database, changes nothing without --populate, and
reports each segment."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from customers.models import Customer
from segments.models import SegmentExport, SegmentSnapshot
from tests.segments.conftest import make_segment

pytestmark = pytest.mark.django_db


def test_the_benchmark_reports_each_segment_and_writes_nothing(people: SimpleNamespace) -> None:
    segment = make_segment((1, "lifecycle_stage", "in", "loyalty,lapsed"), name="Bench me")
    out = StringIO()
    call_command("bench_segments", "--snapshot", stdout=out)
    report = out.getvalue()
    assert f"#{segment.pk} Bench me: 2 members, 2 contactable" in report
    assert "CSV export of 2 rows" in report
    assert not SegmentSnapshot.objects.exists()
    assert not SegmentExport.objects.exists()


def test_populate_adds_synthetic_customers(db: None) -> None:
    call_command("bench_segments", "--populate", "30", stdout=StringIO())
    assert Customer.objects.filter(email__endswith="@bench.invalid").count() == 30
