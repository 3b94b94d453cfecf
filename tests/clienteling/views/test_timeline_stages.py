"""Lifecycle stage changes on the tablet: a "stage" entry on the 360 timeline (from → to, why),
the stage with "since" in the profile header, filters, and bounded queries."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.models import Associate
from clienteling.selectors.timeline import KIND_CHOICES, Cursor, customer_timeline
from customers.models import Customer, LifecycleStage
from journeys.factories import OrderFactory
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import LifecycleStageChange, LifecycleTrigger

pytestmark = pytest.mark.django_db


def _moves(customer: Customer, count: int) -> None:
    """`count` alternating stage changes, the latest into retention."""
    now = timezone.now()
    stages = [LifecycleStage.CONVERSION, LifecycleStage.RETENTION] * count
    LifecycleStageChange.objects.bulk_create(
        LifecycleStageChange(
            customer=customer,
            from_stage=stages[number - 1] if number else LifecycleStage.ACQUISITION,
            to_stage=stages[number],
            changed_at=now - datetime.timedelta(days=count - number),
            reason=f"reason {number}",
            trigger=LifecycleTrigger.NIGHTLY,
        )
        for number in range(count)
    )
    Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=stages[count - 1])


def test_a_stage_change_appears_on_the_timeline_with_its_reason(
    associate_client: Client, customer: Customer, htmx: dict
) -> None:
    for days in (40, 20):
        OrderFactory(customer=customer, placed_at=timezone.now() - datetime.timedelta(days=days))
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger=LifecycleTrigger.EVENT)

    response = associate_client.get(reverse("clienteling:customer", args=[customer.pk]))
    timeline_url = reverse("clienteling:customer_timeline", args=[customer.pk])
    timeline = associate_client.get(timeline_url, **htmx)  # loaded as it comes into view

    html = response.content.decode() + timeline.content.decode()
    assert "kind-stage" in html
    assert "Stage: Reach → Retention" in html
    assert "Repeat customer: 2 purchases" in html
    assert "New activity" in html  # the trigger
    today = timezone.localdate().strftime("%-d %b %Y")
    assert f"<small>since {today}</small>" in html  # the header: stage and since when


def test_the_header_shows_no_since_before_any_change(
    associate_client: Client, customer: Customer
) -> None:
    html = associate_client.get(reverse("clienteling:customer", args=[customer.pk])).text
    assert "Reach" in html
    assert "<small>since" not in html


def test_stage_entries_can_be_chosen_and_are_left_out_by_a_channel_filter(
    associate_client: Client, customer: Customer, htmx: dict
) -> None:
    _moves(customer, 3)
    OrderFactory(customer=customer, channel="web")
    assert ("stage", "Lifecycle stage") in [(kind, str(label)) for kind, label in KIND_CHOICES]
    timeline_url = reverse("clienteling:customer_timeline", args=[customer.pk])

    only_stages = associate_client.get(timeline_url, {"kind": "stage"}, **htmx).text
    assert only_stages.count("kind-stage") == 3
    assert "kind-order" not in only_stages
    by_channel = associate_client.get(timeline_url, {"channel": ["web", "store"]}, **htmx).text
    assert "kind-stage" not in by_channel
    assert "kind-order" in by_channel


def test_stage_entries_page_like_the_rest(customer: Customer) -> None:
    _moves(customer, 25)
    first = customer_timeline(customer, kinds=["stage"], page_size=10)
    assert [item.detail for item in first.items] == [f"reason {n}" for n in range(24, 14, -1)]
    seen = list(first.items)
    page = first
    while page.next_cursor:
        page = customer_timeline(
            customer, kinds=["stage"], cursor=Cursor.decode(page.next_cursor), page_size=10
        )
        seen.extend(page.items)
    assert len(seen) == 25
    assert len({item.pk for item in seen}) == 25


def test_the_profile_and_timeline_queries_do_not_grow_with_stage_changes(
    associate_client: Client,
    long_history_customer: Customer,
    htmx: dict,
    django_assert_max_num_queries: object,
) -> None:
    _moves(long_history_customer, 60)
    profile_url = reverse("clienteling:customer", args=[long_history_customer.pk])
    timeline_url = reverse("clienteling:customer_timeline", args=[long_history_customer.pk])
    with django_assert_max_num_queries(34):  # type: ignore[operator]
        assert associate_client.get(profile_url).status_code == 200
    page = customer_timeline(long_history_customer)
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        response = associate_client.get(timeline_url, {"before": page.next_cursor}, **htmx)
    assert response.status_code == 200


def test_a_french_speaking_associate_reads_the_reason_in_french(
    associate_client: Client, associate: Associate, customer: Customer
) -> None:
    for days in (40, 20):
        OrderFactory(customer=customer, placed_at=timezone.now() - datetime.timedelta(days=days))
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger=LifecycleTrigger.EVENT)
    assert LifecycleStageChange.objects.get().reason == "Repeat customer: 2 purchases"
    associate.preferred_language = "fr"
    associate.save(update_fields=["preferred_language"])

    html = associate_client.get(reverse("clienteling:customer", args=[customer.pk])).text

    assert "Client régulier : 2 achats" in html
    assert "Repeat customer" not in html
