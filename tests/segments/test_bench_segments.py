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


def test_the_live_count_is_timed_against_its_sql_and_checked_against_the_goal(
    people: SimpleNamespace,
) -> None:
    make_segment((1, "lifecycle_stage", "in", "loyalty,lapsed"), name="Bench me")
    out = StringIO()
    call_command("bench_segments", "--repeat", "5", "--sample-segments", stdout=out)
    report = out.getvalue()
    assert "Sample segments added: 6" in report
    assert "Bench: Lapsed loyal customers" in report
    assert report.count("live count x5: p50 ") == 7
    assert "raw SQL p95 " in report
    assert "GOAL PASS builder live count (members + may be contacted)" in report
    again = StringIO()
    call_command("bench_segments", "--sample-segments", stdout=again)
    assert "Sample segments added: 0" in again.getvalue()
