"""Reads on segments: members, who may be contacted, counts, and snapshot members."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from customers.models import Address, ContactChannel, Customer
from omni.transactions import without_jit
from segments.models import (
    Segment,
    SegmentFacts,
    SegmentRule,
    SegmentSnapshot,
    SegmentSnapshotMember,
)
from segments.rules import granted_now, rules_condition


@dataclass(frozen=True)
class SegmentCounts:
    members: int
    reachable: int

    @property
    def excluded(self) -> int:
        return self.members - self.reachable


def live_customers() -> QuerySet[Customer]:
    """Profiles a segment may hold: not merged into another, not erased."""
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def segment_rules(segment: Segment) -> list[dict[str, Any]]:
    """The segment's rules as plain data (uses prefetched rules when there are)."""
    return [rule.as_frozen() for rule in segment.rules.all()]


def facts_matching(rules: list[dict[str, Any]]) -> QuerySet[SegmentFacts]:
    """The facts of the customers the rules select (only live customers have facts)."""
    condition = rules_condition(rules)
    facts = SegmentFacts.objects.all()
    return facts.none() if condition is None else facts.filter(condition)


def members_matching(rules: list[dict[str, Any]]) -> QuerySet[Customer]:
    chosen = facts_matching(rules)
    return live_customers().filter(pk__in=chosen.values("customer_id"))


def segment_members(segment: Segment) -> QuerySet[Customer]:
    """The segment's members now: one query whatever their number (a tag rule first looks its
    tag up)."""
    return members_matching(segment_rules(segment))


def snapshot_members(snapshot: SegmentSnapshot) -> QuerySet[Customer]:
    """The frozen members that still exist as live profiles."""
    frozen = SegmentSnapshotMember.objects.filter(snapshot=snapshot, customer=OuterRef("pk"))
    return live_customers().filter(Exists(frozen))


def facts_may_be_contacted(*, purpose: str, channel: str) -> Q:
    """Over SegmentFacts: her current consent covers purpose × channel and she has the contact
    data of the channel (an email, a phone, a postal address; an app notification goes to her
    account)."""
    contact_data = {
        ContactChannel.EMAIL: Q(has_email=True),
        ContactChannel.SMS: Q(has_phone=True),
        ContactChannel.PHONE: Q(has_phone=True),
        ContactChannel.POST: Q(has_address=True),
    }
    return granted_now(purpose, channel) & contact_data.get(channel, Q())


def reachable(members: QuerySet[Customer], *, purpose: str, channel: str) -> QuerySet[Customer]:
    """Members who may be contacted now (their facts say so: the one definition counts, lists
    and exports share)."""
    may_be_contacted = SegmentFacts.objects.filter(
        facts_may_be_contacted(purpose=purpose, channel=channel), customer=OuterRef("pk")
    )
    return members.filter(Exists(may_be_contacted))


def segment_reachable_members(segment: Segment) -> QuerySet[Customer]:
    return reachable(
        segment_members(segment), purpose=segment.purpose, channel=segment.contact_channel
    )


def snapshot_reachable_members(snapshot: SegmentSnapshot) -> QuerySet[Customer]:
    """Consent is checked again now: it may have been withdrawn since the snapshot."""
    return reachable(
        snapshot_members(snapshot), purpose=snapshot.purpose, channel=snapshot.contact_channel
    )


def counts_of(facts: QuerySet[SegmentFacts], *, purpose: str, channel: str) -> SegmentCounts:
    """Members, and how many of them may be contacted, in one scan of their facts."""
    may_be_contacted = facts_may_be_contacted(purpose=purpose, channel=channel)
    with without_jit():
        figures = facts.aggregate(
            members=Count("pk"), reachable=Count("pk", filter=may_be_contacted)
        )
    return SegmentCounts(members=figures["members"], reachable=figures["reachable"])


def segment_counts(segment: Segment) -> SegmentCounts:
    return counts_of(
        facts_matching(segment_rules(segment)),
        purpose=segment.purpose,
        channel=segment.contact_channel,
    )


def snapshot_counts(snapshot: SegmentSnapshot) -> SegmentCounts:
    return SegmentCounts(
        members=snapshot_members(snapshot).count(),
        reachable=snapshot_reachable_members(snapshot).count(),
    )


def member_list(members: QuerySet[Customer]) -> QuerySet[Customer]:
    """Members with what the member list shows, in one query per page."""
    return members.select_related("metrics", "preferred_store").order_by(
        "last_name", "first_name", "id"
    )


def export_rows(members: QuerySet[Customer], *, channel: str) -> QuerySet[Customer]:
    """Members with the contact data of `channel`, for a streamed export in id order."""
    rows = members.select_related("preferred_store").order_by("id")
    if channel == ContactChannel.POST:
        addresses = Address.objects.order_by("-is_default", "id")
        rows = rows.prefetch_related(Prefetch("addresses", queryset=addresses))
    return rows


def segments_with_rules() -> QuerySet[Segment]:
    return Segment.objects.prefetch_related(
        Prefetch("rules", queryset=SegmentRule.objects.order_by("group", "id"))
    )
