"""The demo tags and segments: meaningful members, and a second run changes nothing."""

import pytest

from clienteling.demo import catalogue
from clienteling.demo.segments import build_demo_segments
from clienteling.demo.world import explicit_timestamps
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Tag
from omni.factories import StoreFactory
from omni.models import Store
from segments.models import Segment, SegmentRule, SegmentSnapshot
from segments.selectors import segment_counts, segment_members
from tests.segments.conftest import metrics_for

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    return (
        sorted(Tag.objects.values_list("name", "customers")),
        sorted(Segment.objects.values_list("pk", "name", "purpose", "contact_channel")),
        sorted(SegmentRule.objects.values_list("segment__name", "group", "field", "value")),
        SegmentSnapshot.objects.count(),
    )


def test_demo_segments_are_meaningful_and_idempotent(store: Store) -> None:
    StoreFactory(code=catalogue.INSTITUTE, region="Île-de-France")
    vip = CustomerFactory(loyalty_tier="vip", preferred_store=store)
    metrics_for(vip, order_count=6, total_spent=3000, channels=["store", "web"])
    ConsentFactory(customer=vip, purpose="personalised_advice")
    spender = CustomerFactory(loyalty_tier="gold")
    metrics_for(spender, order_count=3, total_spent=2500, channels=["store"])
    CustomerFactory.create_batch(40)
    with explicit_timestamps():  # as inside the seed
        build_demo_segments()
    first = _state()
    build_demo_segments()
    assert _state() == first
    assert len(first[1]) == 6
    paris_vips = Segment.objects.get(name="Omnichannel VIPs — Paris")
    assert list(segment_members(paris_vips)) == [vip]
    assert segment_counts(paris_vips).reachable == 1
    snapshot = SegmentSnapshot.objects.get()
    assert (snapshot.segment, snapshot.member_count) == (paris_vips, 1)
    no_consent = Segment.objects.get(name="High spenders without consent")
    counts = segment_counts(no_consent)
    assert (counts.members, counts.reachable) == (2, 0)
    assert Tag.objects.get(name="Press").customers.count() == 4
