"""Segment facts follow their sources whatever writes them (issue 13: a segment's live count in
one scan): after every kind of write, the table holds exactly what a fill from scratch gives,
and counts read from it agree with the same rules checked on the profiles themselves."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from customers.factories import AddressFactory, ConsentFactory, CustomerFactory
from customers.models import Address, Consent, CurrentConsent, Customer, LifecycleStage
from customers.services import customer_merge
from journeys.models import CustomerMetrics
from omni.factories import StoreFactory, UserFactory
from omni.transactions import kept_tables_deferred
from privacy.erasure import Door, customer_erase
from segments.factories import TagFactory
from segments.facts import COLUMNS, FACTS, FILL
from segments.models import SegmentFacts
from segments.selectors import (
    counts_of,
    facts_matching,
    live_customers,
    members_matching,
    reachable,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def stored() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {FACTS} ORDER BY customer_id")
        return [_comparable(row) for row in cursor.fetchall()]


def from_scratch() -> list[tuple[Any, ...]]:
    """What the table must hold: the fill's own SELECT, run now on the sources."""
    select = FILL[connection.vendor].split(")", 1)[1]  # drop "INSERT INTO … (columns)"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({select}) AS fresh ORDER BY 1")
        return [_comparable(row) for row in cursor.fetchall()]


def _comparable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Booleans as booleans (SQLite answers 0/1), amounts as Decimals, consents as sets."""
    values = dict(zip(COLUMNS, row, strict=True))
    for flag in ("has_email", "has_phone", "has_address"):
        values[flag] = bool(values[flag])
    values["total_spent"] = Decimal(str(values["total_spent"])).quantize(Decimal("0.01"))
    values["granted"] = frozenset(filter(None, values["granted"].split(",")))
    return tuple(values.values())


def facts_of(customer: Customer) -> SegmentFacts | None:
    return SegmentFacts.objects.filter(customer_id=customer.pk).first()


def assert_in_step() -> None:
    assert stored() == from_scratch()


def test_a_new_profile_has_facts_that_follow_her_changes() -> None:
    store = StoreFactory()
    customer = CustomerFactory(phone="")
    facts = facts_of(customer)
    assert facts is not None
    assert (facts.lifecycle_stage, facts.order_count, facts.total_spent) == ("reach", 0, 0)
    assert (facts.has_email, facts.has_phone, facts.has_address, facts.granted) == (
        True,
        False,
        False,
        "",
    )
    customer.lifecycle_stage = LifecycleStage.LOYALTY
    customer.loyalty_tier = "gold"
    customer.preferred_store = store
    customer.phone = "+33612345678"
    customer.email = None
    customer.save()
    facts = facts_of(customer)
    assert facts is not None
    assert (facts.lifecycle_stage, facts.loyalty_tier, facts.preferred_store_id) == (
        "loyalty",
        "gold",
        store.pk,
    )
    assert (facts.has_email, facts.has_phone) == (False, True)
    assert_in_step()


def test_metrics_consents_and_addresses_are_copied_and_removed() -> None:
    customer = CustomerFactory()
    metrics = CustomerMetrics.objects.create(
        customer=customer,
        order_count=3,
        total_spent=Decimal("412.50"),
        channels=",store,web,",
        channel_count=2,
        last_order_at=NOW,
    )
    ConsentFactory(customer=customer, purpose="marketing", channel="email", granted=True)
    ConsentFactory(customer=customer, purpose="newsletter", channel="sms", granted=True)
    address = AddressFactory(customer=customer)
    facts = facts_of(customer)
    assert facts is not None
    assert (facts.order_count, facts.total_spent, facts.channels, facts.channel_count) == (
        3,
        Decimal("412.50"),
        ",store,web,",
        2,
    )
    assert set(facts.granted.strip(",").split(",")) == {"marketing:email", "newsletter:sms"}
    assert facts.has_address
    assert_in_step()

    ConsentFactory(
        customer=customer,
        purpose="marketing",
        channel="email",
        granted=False,
        recorded_at=timezone.now() + datetime.timedelta(minutes=1),  # after the grant above
    )
    metrics.order_count = 4
    metrics.save()
    address.delete()
    facts = facts_of(customer)
    assert facts is not None
    assert (facts.granted, facts.order_count, facts.has_address) == (",newsletter:sms,", 4, False)
    metrics.delete()
    facts = facts_of(customer)
    assert facts is not None
    assert (facts.order_count, facts.total_spent, facts.last_order_at) == (0, 0, None)
    assert_in_step()


def test_tags_are_copied_as_ids_and_a_rename_keeps_the_rule_true() -> None:
    vip, press = TagFactory(name="VIP"), TagFactory(name="Press")
    customer, other = CustomerFactory.create_batch(2)
    customer.tags.add(vip, press)
    other.tags.add(press)
    facts = facts_of(customer)
    assert facts is not None
    assert set(facts.tags.strip(",").split(",")) == {str(vip.pk), str(press.pk)}
    rules = [{"group": 1, "field": "tag", "operator": "has", "value": "vip"}]
    assert list(facts_matching(rules).values_list("customer_id", flat=True)) == [customer.pk]
    vip.name = "Very important"
    vip.save()
    assert not facts_matching(rules).exists(), "nobody holds a tag named VIP any more"
    rules[0]["value"] = "very important"
    assert facts_matching(rules).count() == 1
    customer.tags.remove(vip)
    assert not facts_matching(rules).exists()
    not_press = [{"group": 1, "field": "tag", "operator": "has_not", "value": "Press"}]
    assert not facts_matching(not_press).exists()
    press.delete()
    assert facts_matching(not_press).count() == 2
    assert_in_step()


def test_merged_erased_and_deleted_profiles_have_no_facts() -> None:
    survivor, absorbed, erased, deleted = CustomerFactory.create_batch(4)
    for customer in (survivor, absorbed, erased, deleted):
        AddressFactory(customer=customer)
    ConsentFactory(customer=absorbed, purpose="newsletter", channel="email", granted=True)
    customer_merge(survivor=survivor, absorbed=absorbed, actor=UserFactory())
    customer_erase(customer=erased, door=Door.ADMIN)
    deleted.delete()
    assert set(SegmentFacts.objects.values_list("customer_id", flat=True)) == {survivor.pk}
    facts = facts_of(survivor)
    assert facts is not None
    assert ",newsletter:email," in facts.granted, "the absorbed profile's consent moved to her"
    assert_in_step()


def test_writes_of_many_rows_in_one_statement_refresh_each_customer() -> None:
    customers = CustomerFactory.create_batch(5)
    Customer.objects.filter(pk__in=[c.pk for c in customers[:3]]).update(
        lifecycle_stage=LifecycleStage.RETENTION
    )
    CustomerMetrics.objects.bulk_create(
        CustomerMetrics(customer=customer, order_count=number, total_spent=number * 10)
        for number, customer in enumerate(customers, start=1)
    )
    Address.objects.bulk_create(
        Address(customer=customer, line1="1 rue de Rivoli", postal_code="75001", city="Paris")
        for customer in customers[::2]
    )
    stages = dict(SegmentFacts.objects.values_list("customer_id", "lifecycle_stage"))
    assert stages == {
        customer.pk: "retention" if number < 3 else "reach"
        for number, customer in enumerate(customers)
    }
    assert_in_step()
    Address.objects.filter(customer__in=customers).delete()
    CustomerMetrics.objects.filter(customer__in=customers).update(order_count=9)
    assert set(SegmentFacts.objects.values_list("order_count", "has_address")) == {(9, False)}
    assert_in_step()


def test_emptying_the_sources_at_once_empties_or_refills_the_facts() -> None:
    """The demo's reset and the benchmark's generation TRUNCATE on PostgreSQL: the facts are
    refilled from what remains (SQLite has no TRUNCATE: its DELETE runs the row triggers)."""
    customers = CustomerFactory.create_batch(3)
    CustomerMetrics.objects.bulk_create(
        CustomerMetrics(customer=customer, order_count=2) for customer in customers
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE journeys_customermetrics")
    else:
        CustomerMetrics.objects.all().delete()
    assert set(SegmentFacts.objects.values_list("order_count", flat=True)) == {0}
    assert SegmentFacts.objects.count() == 3
    assert_in_step()


def rows_written_by(write: Any) -> int:
    """Rows of the facts table that `write` rewrote: on PostgreSQL by where their versions lie
    (ctid: a rewritten row is a new version), on SQLite by the changes the connection
    counts (its triggers' included)."""
    customers = Customer.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT customer_id, ctid::text FROM {FACTS}")
            before = dict(cursor.fetchall())
            written = write()
            cursor.execute(f"SELECT customer_id, ctid::text FROM {FACTS}")
            after = dict(cursor.fetchall())
        return sum(after[key] != version for key, version in before.items())
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        (before,) = cursor.fetchone()
        written = write()
        cursor.execute("SELECT total_changes()")
        (after,) = cursor.fetchone()
    assert Customer.objects.count() == customers
    return after - before - written


def refreshes_run_by(write: Any) -> int:
    """How many times `write` ran the PostgreSQL refresh (the function statistics of the
    transaction), or on SQLite the facts rows it rewrote (its triggers run per row)."""
    if connection.vendor != "postgresql":
        return rows_written_by(write)
    count = (
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
        "WHERE funcname = 'segments_facts_refresh'"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'all'")
        cursor.execute(count)
        (before,) = cursor.fetchone()
        write()
        cursor.execute(count)
        (after,) = cursor.fetchone()
    return after - before


def test_a_write_that_changes_no_fact_leaves_the_rows_alone() -> None:
    customers = CustomerFactory.create_batch(3)
    CustomerMetrics.objects.bulk_create(
        CustomerMetrics(customer=customer, order_count=1) for customer in customers
    )
    ids = [customer.pk for customer in customers]
    chosen = Customer.objects.filter(pk__in=ids)
    renamed = rows_written_by(lambda: chosen.update(first_name="Renée"))
    assert renamed == 0, "a change of name is not a fact: no row rewritten"
    assert refreshes_run_by(lambda: chosen.update(last_name="Martin")) == 0
    metrics = CustomerMetrics.objects.filter(customer__in=ids)
    assert refreshes_run_by(lambda: metrics.update(total_refunded=5)) == 0, "not a fact"
    assert refreshes_run_by(lambda: metrics.update(order_count=2)) > 0
    promoted = rows_written_by(lambda: chosen.filter(pk=ids[0]).update(loyalty_tier="gold"))
    assert promoted == 1
    assert_in_step()


def profiles_that_may_be_contacted(members: Any, channel: str) -> Any:
    """The rule read on the profiles themselves, independently of the facts."""
    consented = CurrentConsent.objects.filter(
        customer=OuterRef("pk"), purpose="marketing", channel=channel, granted=True
    )
    contact = {
        "email": Q(email__isnull=False) & ~Q(email=""),
        "sms": Q(phone__isnull=False) & ~Q(phone=""),
        "post": Q(Exists(Address.objects.filter(customer=OuterRef("pk")))),
    }.get(channel, Q())
    return members.filter(Exists(consented)).filter(contact)


RULE_SETS = [
    [{"group": 1, "field": "total_spent", "operator": "gte", "value": "100"}],
    [{"group": 1, "field": "consent", "operator": "not_granted", "value": "marketing:email"}],
    [{"group": 1, "field": "channel", "operator": "excludes", "value": "web"}],
    [
        {"group": 1, "field": "lifecycle_stage", "operator": "not_in", "value": "loyalty"},
        {"group": 2, "field": "last_purchase", "operator": "never", "value": ""},
    ],
    [{"group": 1, "field": "order_count", "operator": "lte", "value": "1"}],
    [
        {"group": 1, "field": "tag", "operator": "has", "value": "VIP"},
        {"group": 2, "field": "tag", "operator": "has_not", "value": "VIP"},
        {"group": 2, "field": "total_spent", "operator": "gte", "value": "100"},
    ],
]


@pytest.mark.parametrize("channel", ["email", "sms", "post", "push"])
@pytest.mark.parametrize("rules", RULE_SETS)
def test_counts_from_the_facts_agree_with_the_profiles(
    rules: list[dict[str, Any]], channel: str
) -> None:
    """Who may be contacted, from the facts (counts and `reachable`), is who her profile, her
    current consents and her addresses say may be."""
    people = [
        CustomerFactory(
            phone="+33600000001" if number % 2 else "",
            email=None if number == 4 else f"p{number}@example.fr",
        )
        for number in range(6)
    ]
    for number, customer in enumerate(people):
        if number % 3:
            CustomerMetrics.objects.create(
                customer=customer,
                order_count=number,
                total_spent=number * 40,
                channels=",web," if number % 2 else ",store,",
                last_order_at=NOW,
            )
        if number in (1, 2, 4, 5):
            ConsentFactory(customer=customer, purpose="marketing", channel=channel, granted=True)
        if number in (0, 2, 5):
            AddressFactory(customer=customer)
    Consent.objects.filter(customer=people[5]).update(granted=False)
    vip = TagFactory(name="VIP")
    for customer in people[::3]:
        customer.tags.add(vip)
    counts = counts_of(facts_matching(rules), purpose="marketing", channel=channel)
    members = members_matching(rules)
    assert counts.members == members.count()
    assert counts.reachable == reachable(members, purpose="marketing", channel=channel).count()
    assert counts.reachable == profiles_that_may_be_contacted(members, channel).count()
    assert 0 < counts.members <= live_customers().count()


def test_a_deferred_block_refreshes_the_facts_once_at_its_end() -> None:
    """Batches (customers, orders, the lifecycle) write a customer in several statements; within
    `kept_tables_deferred` the facts are refreshed once, when the block ends, not per statement
    (on PostgreSQL; SQLite's per-row triggers keep them as they go)."""
    customers = CustomerFactory.create_batch(3)
    ids = [customer.pk for customer in customers]
    postgresql = connection.vendor == "postgresql"

    def batch() -> None:
        with kept_tables_deferred():
            CustomerMetrics.objects.bulk_create(
                CustomerMetrics(customer_id=pk, order_count=2, total_spent=50) for pk in ids
            )
            Customer.objects.filter(pk__in=ids).update(lifecycle_stage=LifecycleStage.CONVERSION)
            Address.objects.create(customer=customers[0], line1="2 rue Cler", city="Paris")
            with kept_tables_deferred():  # a nested block ends with the outermost
                Customer.objects.filter(pk=ids[1]).update(loyalty_tier="gold")
            inside = set(SegmentFacts.objects.values_list("lifecycle_stage", flat=True))
            assert inside == ({"reach"} if postgresql else {"conversion"})

    if postgresql:
        assert refreshes_run_by(batch) == 1
    else:
        batch()
    assert set(SegmentFacts.objects.values_list("lifecycle_stage", "order_count")) == {
        ("conversion", 2)
    }
    assert facts_of(customers[0]).has_address
    assert facts_of(customers[1]).loyalty_tier == "gold"
    assert_in_step()


def test_a_deferred_block_that_fails_leaves_the_facts_and_nothing_pending() -> None:
    customer = CustomerFactory()

    def failing_batch() -> None:
        with kept_tables_deferred():
            Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=LifecycleStage.LOYALTY)
            raise RuntimeError("the batch failed")

    with pytest.raises(RuntimeError):
        failing_batch()
    assert facts_of(customer).lifecycle_stage == "reach"
    # The next block refreshes only what it wrote itself; the failed one's notes are gone.
    with kept_tables_deferred():
        Customer.objects.filter(pk=customer.pk).update(loyalty_tier="silver")
    assert (facts_of(customer).lifecycle_stage, facts_of(customer).loyalty_tier) == (
        "reach",
        "silver",
    )
    assert_in_step()
    # Outside a block, each statement refreshes at once again.
    Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=LifecycleStage.RETENTION)
    assert facts_of(customer).lifecycle_stage == "retention"
