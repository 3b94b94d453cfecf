"""Snapshots freeze members; exports keep only customers whose current consent covers the
segment's purpose and channel, and are journaled."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from customers.factories import AddressFactory, ConsentFactory, CustomerFactory
from customers.models import Customer
from omni.errors import DomainError
from segments.exports import safe_cell
from segments.models import SegmentExport, SegmentSnapshotMember
from segments.selectors import segment_counts, snapshot_members
from segments.services import segment_export, segment_snapshot_create, snapshot_export
from tests.segments.conftest import NOW, days_ago, make_segment

pytestmark = pytest.mark.django_db


def parse(lines: object) -> list[dict[str, str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")  # spreadsheets then read it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def loyal_or_lapsed(people: SimpleNamespace) -> object:
    """Alice (granted), Bruno (withdrawn after a grant), Chloé (granted again after a
    withdrawal): marketing by email."""
    return make_segment(
        (1, "lifecycle_stage", "in", "loyalty,retention"), (2, "tag", "has", "Press")
    )


def test_counts_show_members_and_who_may_be_contacted(loyal_or_lapsed: object) -> None:
    counts = segment_counts(loyal_or_lapsed)
    assert (counts.members, counts.reachable, counts.excluded) == (3, 2, 1)


def test_the_export_keeps_only_customers_whose_consent_is_current(
    loyal_or_lapsed: object, people: SimpleNamespace, marketer: User
) -> None:
    export = segment_export(segment=loyal_or_lapsed, actor=marketer)
    rows = parse(export.lines)
    assert [row["first name"] for row in rows] == ["Alice", "Chloé"]
    assert [row["email"] for row in rows] == [people.alice.email, people.chloe.email]
    assert rows[0]["preferred store"] == "paris-flagship"
    journal = SegmentExport.objects.get()
    assert (journal.row_count, journal.excluded_count) == (2, 1)
    assert (journal.exported_by, journal.segment, journal.purpose) == (
        marketer,
        loyal_or_lapsed,
        "marketing",
    )


def test_the_export_uses_the_contact_data_of_the_segment_channel(
    people: SimpleNamespace, marketer: User
) -> None:
    segment = make_segment((1, "tag", "has", "VIP"), contact_channel="post")
    ConsentFactory(customer=people.alice, channel="post", recorded_at=days_ago(2))
    assert parse(segment_export(segment=segment, actor=marketer).lines) == []  # no address
    AddressFactory(customer=people.alice, line1="1 rue de la Paix", postal_code="75002")
    rows = parse(segment_export(segment=segment, actor=marketer).lines)
    assert [(row["address"], row["postal code"]) for row in rows] == [("1 rue de la Paix", "75002")]
    assert "email" not in rows[0]


def test_a_snapshot_freezes_the_members_and_the_rules(
    loyal_or_lapsed: object, people: SimpleNamespace, marketer: User
) -> None:
    snapshot = segment_snapshot_create(segment=loyal_or_lapsed, actor=marketer, name="Xmas")
    assert snapshot.member_count == 3
    frozen = {people.alice.pk, people.bruno.pk, people.chloe.pk}
    assert set(snapshot_members(snapshot).values_list("pk", flat=True)) == frozen
    assert snapshot.rules[0] == {
        "group": 1,
        "field": "lifecycle_stage",
        "operator": "in",
        "value": "loyalty,retention",
    }
    # Later changes to the customers and to the rules leave the snapshot as it was.
    Customer.objects.filter(pk=people.alice.pk).update(lifecycle_stage="lapsed")
    people.dora.tags.add(people.press)
    loyal_or_lapsed.rules.all().delete()
    loyal_or_lapsed.purpose = "newsletter"
    loyal_or_lapsed.save()
    assert set(snapshot_members(snapshot).values_list("pk", flat=True)) == frozen
    snapshot.refresh_from_db()
    assert (snapshot.member_count, snapshot.purpose, len(snapshot.rules)) == (3, "marketing", 2)


def test_the_snapshot_export_checks_consent_again(
    loyal_or_lapsed: object, people: SimpleNamespace, marketer: User
) -> None:
    snapshot = segment_snapshot_create(segment=loyal_or_lapsed, actor=marketer)
    ConsentFactory(customer=people.alice, granted=False, recorded_at=NOW)
    rows = parse(snapshot_export(snapshot=snapshot, actor=marketer).lines)
    assert [row["first name"] for row in rows] == ["Chloé"]
    journal = SegmentExport.objects.get()
    assert (journal.snapshot, journal.row_count, journal.excluded_count) == (snapshot, 1, 2)


def test_an_empty_or_inactive_segment(people: SimpleNamespace, marketer: User) -> None:
    empty = make_segment()
    assert segment_snapshot_create(segment=empty, actor=marketer).member_count == 0
    inactive = make_segment((1, "tag", "has", "VIP"), is_active=False)
    with pytest.raises(DomainError):
        segment_snapshot_create(segment=inactive, actor=marketer)
    assert not inactive.snapshots.exists()


def test_a_snapshot_of_many_members_is_copied_by_the_database(
    marketer: User, django_assert_max_num_queries: object
) -> None:
    customers = CustomerFactory.build_batch(1200)
    Customer.objects.bulk_create(customers)
    segment = make_segment((1, "lifecycle_stage", "in", "reach"))
    with django_assert_max_num_queries(8):
        snapshot = segment_snapshot_create(segment=segment, actor=marketer)
    assert snapshot.member_count == 1200
    assert SegmentSnapshotMember.objects.filter(snapshot=snapshot).count() == 1200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("+33612345678", "+33612345678"),
        ("Alice", "Alice"),
        (None, ""),
    ],
)
def test_cells_that_spreadsheets_would_run_are_neutralised(value: object, expected: str) -> None:
    assert safe_cell(value) == expected
