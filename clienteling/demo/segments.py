"""Demo tags and segments for head office: run after the customers and their metrics exist.

`build_demo_segments()` is idempotent: tags are added (never duplicated), each segment is
found by name and its rules rewritten, and the demo snapshot is frozen only once.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from clienteling.demo import catalogue
from customers.models import LoyaltyTier, Tag
from segments.models import Segment, SegmentRule
from segments.selectors import live_customers
from segments.services import segment_snapshot_create

Rule = tuple[int, str, str, str]  # (group, field, operator, value)

TAGS = {
    "VIP": "Invited to private sales and previews.",
    "Press": "Journalists and influencers: check with communication before any contact.",
    "Bridal": "Preparing a wedding: bridal fittings and beauty trials.",
    "Staff": "Employees shopping with the staff discount.",
}
# Deterministic slices of the customer list (by id) that get the rarer tags.
TAG_SLICES = {"Press": (5, 9), "Bridal": (12, 20), "Staff": (30, 33)}


@dataclass(frozen=True)
class DemoSegment:
    name: str
    description: str
    purpose: str
    contact_channel: str
    rules: tuple[Rule, ...]


SEGMENTS = (
    DemoSegment(
        "Omnichannel VIPs — Paris",
        "VIP-tagged customers of Île-de-France stores who buy in two channels or more.",
        "personalised_advice",
        "email",
        (
            (1, "tag", "has", "VIP"),
            (1, "channel_count", "gte", "2"),
            (1, "store_region", "in", "Île-de-France"),
        ),
    ),
    DemoSegment(
        "Lapsed loyal customers — win back by email",
        "Lapsed customers who bought four times or more, or hold a gold or VIP card.",
        "marketing",
        "email",
        (
            (1, "lifecycle_stage", "in", "lapsed"),
            (1, "order_count", "gte", "4"),
            (2, "lifecycle_stage", "in", "lapsed"),
            (2, "loyalty_tier", "in", "gold,vip"),
        ),
    ),
    DemoSegment(
        "Web-only newsletter subscribers",
        "Customers who only ever bought on the web and read the newsletter: invite them in store.",
        "newsletter",
        "email",
        (
            (1, "channel", "includes", "web"),
            (1, "channel_count", "eq", "1"),
            (1, "consent", "granted", "newsletter:email"),
        ),
    ),
    DemoSegment(
        "Skin-care fans at the institute",
        "Customers of the Marais institute who like skincare: new facial treatments by SMS.",
        "marketing",
        "sms",
        (
            (1, "favourite_category", "contains", "Skincare"),
            (1, "preferred_store", "in", catalogue.INSTITUTE),
        ),
    ),
    DemoSegment(
        "High spenders without consent",
        "Spent 2,000 or more but never agreed to marketing emails: the export leaves them out.",
        "marketing",
        "email",
        (
            (1, "total_spent", "gte", "2000"),
            (1, "consent", "not_granted", "marketing:email"),
        ),
    ),
    DemoSegment(
        "Press and bridal guests",
        "Either tag: invitations to the spring preview, by post.",
        "marketing",
        "post",
        ((1, "tag", "has", "Press"), (2, "tag", "has", "Bridal")),
    ),
)
SNAPSHOT_OF = "Omnichannel VIPs — Paris"


def _tag_customers(tags: dict[str, Tag]) -> None:
    live = live_customers()
    tags["VIP"].customers.add(*live.filter(loyalty_tier=LoyaltyTier.VIP))
    ids = list(live.order_by("pk").values_list("pk", flat=True))
    for name, (start, end) in TAG_SLICES.items():
        tags[name].customers.add(*ids[start:end])


def _write_segment(spec: DemoSegment, author: User | None) -> Segment:
    segment, _created = Segment.objects.update_or_create(
        name=spec.name,
        defaults={
            "description": spec.description,
            "purpose": spec.purpose,
            "contact_channel": spec.contact_channel,
            "is_active": True,
        },
        create_defaults={
            "description": spec.description,
            "purpose": spec.purpose,
            "contact_channel": spec.contact_channel,
            "created_by": author,
        },
    )
    segment.rules.all().delete()
    for group, field, operator, value in spec.rules:
        rule = SegmentRule(
            segment=segment, group=group, field=field, operator=operator, value=value
        )
        rule.full_clean()
        rule.save()
    return segment


@transaction.atomic
def build_demo_segments() -> list[Segment]:
    """Tags on a few customers, six segments, and one frozen snapshot (idempotent)."""
    # Created_at is given: the seed may run this while it writes timestamps itself.
    tags = {
        name: Tag.objects.update_or_create(
            name=name,
            defaults={"description": text},
            create_defaults={"description": text, "created_at": timezone.now()},
        )[0]
        for name, text in TAGS.items()
    }
    _tag_customers(tags)
    author = User.objects.filter(username=catalogue.MARKETER_USERNAME).first()
    segments = [_write_segment(spec, author) for spec in SEGMENTS]
    frozen = next(segment for segment in segments if segment.name == SNAPSHOT_OF)
    if not frozen.snapshots.exists():
        segment_snapshot_create(segment=frozen, actor=author, name=f"{SNAPSHOT_OF} — launch")
    return segments
