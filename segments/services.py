"""Writes on segments: freeze a snapshot, export members (journaled for the DPO)."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.errors import DomainError
from segments.exports import csv_lines
from segments.models import Segment, SegmentExport, SegmentSnapshot, SegmentSnapshotMember
from segments.selectors import (
    export_rows,
    segment_counts,
    segment_members,
    segment_reachable_members,
    segment_rules,
    snapshot_counts,
    snapshot_reachable_members,
)


@dataclass(frozen=True)
class Export:
    journal: SegmentExport
    lines: Iterator[str]

    @property
    def filename(self) -> str:
        stamp = self.journal.exported_at.strftime("%Y%m%d-%H%M")
        return f"segment-{self.journal.segment_id or 'x'}-{stamp}.csv"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and actor.pk else None


def _insert_members(snapshot: SegmentSnapshot, segment: Segment) -> int:
    """INSERT … SELECT: the database copies the members, however many (no rows in Python)."""
    members = segment_members(segment).order_by().values(member_id=F("pk"))
    try:
        select_sql, params = members.query.sql_with_params()
    except EmptyResultSet:
        return 0
    table = SegmentSnapshotMember._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is ours and the SELECT is compiled by the ORM with its parameters.
            f"INSERT INTO {table} (snapshot_id, customer_id) "
            f"SELECT %s, member.member_id FROM ({select_sql}) member",
            [snapshot.pk, *params],
        )
        return cursor.rowcount


@transaction.atomic
def segment_snapshot_create(*, segment: Segment, actor: Any, name: str = "") -> SegmentSnapshot:
    """Freeze the segment's current members, with its rules, purpose and channel."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if not segment.is_active:
        raise DomainError(_("This segment is inactive."), code="segment_inactive")
    now = timezone.now()
    snapshot = SegmentSnapshot.objects.create(
        segment=segment,
        name=name.strip() or f"{segment.name} — {now:%Y-%m-%d %H:%M}",
        created_at=now,
        created_by=_user(actor),
        purpose=segment.purpose,
        contact_channel=segment.contact_channel,
        rules=segment_rules(segment),
    )
    snapshot.member_count = _insert_members(snapshot, segment)
    snapshot.save(update_fields=["member_count"])
    return snapshot


def _journal(*, actor: Any, counts: Any, **target: Any) -> SegmentExport:
    return SegmentExport.objects.create(
        exported_by=_user(actor),
        exported_at=timezone.now(),
        row_count=counts.reachable,
        excluded_count=counts.excluded,
        **target,
    )


@transaction.atomic
def segment_export(*, segment: Segment, actor: Any) -> Export:
    """Journal the export, then the CSV lines of the members who may be contacted."""
    journal = _journal(
        actor=actor,
        counts=segment_counts(segment),
        segment=segment,
        label=_("Segment “%(name)s”") % {"name": segment.name},
        purpose=segment.purpose,
        contact_channel=segment.contact_channel,
    )
    rows = export_rows(segment_reachable_members(segment), channel=segment.contact_channel)
    return Export(journal=journal, lines=csv_lines(rows, channel=segment.contact_channel))


@transaction.atomic
def snapshot_export(*, snapshot: SegmentSnapshot, actor: Any) -> Export:
    """As segment_export, for frozen members; consent is checked as it stands now."""
    journal = _journal(
        actor=actor,
        counts=snapshot_counts(snapshot),
        segment_id=snapshot.segment_id,
        snapshot=snapshot,
        label=_("Snapshot “%(name)s”") % {"name": snapshot.name},
        purpose=snapshot.purpose,
        contact_channel=snapshot.contact_channel,
    )
    rows = export_rows(snapshot_reachable_members(snapshot), channel=snapshot.contact_channel)
    return Export(journal=journal, lines=csv_lines(rows, channel=snapshot.contact_channel))
