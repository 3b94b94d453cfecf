"""The current consents follow the ledger whatever writes it (issue 13: "may be contacted" in one
probe): each (customer, purpose, channel) holds its latest entry by (recorded_at, id); older
entries arriving late change nothing; deleting or moving entries recomputes their keys."""

import datetime
import random

import pytest
from django.db import connection
from django.utils import timezone

from customers.current_consents import BACKFILL, CURRENT
from customers.factories import ConsentFactory, ConsentWordingFactory, CustomerFactory
from customers.models import Consent, CurrentConsent, Customer

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def current() -> dict[tuple[int, str, str], tuple[bool, int]]:
    return {
        (row.customer_id, row.purpose, row.channel): (row.granted, row.consent_id)
        for row in CurrentConsent.objects.all()
    }


def latest_in_ledger() -> dict[tuple[int, str, str], tuple[bool, int]]:
    """What the current table must say, read from the ledger in Python."""
    latest: dict[tuple[int, str, str], Consent] = {}
    for entry in Consent.objects.all():
        key = (entry.customer_id, entry.purpose, entry.channel)
        kept = latest.get(key)
        if kept is None or (entry.recorded_at, entry.pk) > (kept.recorded_at, kept.pk):
            latest[key] = entry
    return {key: (entry.granted, entry.pk) for key, entry in latest.items()}


def at(minutes: int) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=minutes)


def test_the_latest_decision_is_current_and_a_late_older_one_changes_nothing() -> None:
    customer = CustomerFactory()
    granted = ConsentFactory(customer=customer, granted=True, recorded_at=at(0))
    assert current() == {(customer.pk, "marketing", "email"): (True, granted.pk)}
    withdrawn = ConsentFactory(customer=customer, granted=False, recorded_at=at(10))
    assert current()[(customer.pk, "marketing", "email")] == (False, withdrawn.pk)
    ConsentFactory(customer=customer, granted=True, recorded_at=at(5))  # older, arrives late
    assert current()[(customer.pk, "marketing", "email")] == (False, withdrawn.pk)
    tie = ConsentFactory(customer=customer, granted=True, recorded_at=at(10))
    assert current()[(customer.pk, "marketing", "email")] == (True, tie.pk), "later entry wins"


def test_a_batch_written_in_one_statement_keeps_each_keys_latest() -> None:
    customers = CustomerFactory.create_batch(3)
    wording = ConsentWordingFactory(purpose="newsletter", version="2026-01")
    entries = [
        Consent(
            customer=customer,
            purpose="newsletter",
            channel=channel,
            granted=granted,
            recorded_at=at(minute),
            collected_via="web",
            wording=wording,
            wording_version="2026-01",
        )
        for customer in customers
        for channel in ("email", "sms")
        for minute, granted in ((3, True), (1, False), (2, False))
    ]
    Consent.objects.bulk_create(entries)
    assert current() == latest_in_ledger()
    assert {granted for granted, _entry in current().values()} == {True}


def test_deleting_entries_falls_back_to_what_remains() -> None:
    customer = CustomerFactory()
    first = ConsentFactory(customer=customer, granted=True, recorded_at=at(0))
    last = ConsentFactory(customer=customer, granted=False, recorded_at=at(1))
    last.delete()
    assert current() == {(customer.pk, "marketing", "email"): (True, first.pk)}
    first.delete()
    assert current() == {}


def test_entries_moved_to_another_profile_recompute_both() -> None:
    absorbed, kept = CustomerFactory(), CustomerFactory()
    ConsentFactory(customer=kept, granted=False, recorded_at=at(0))
    moved = ConsentFactory(customer=absorbed, granted=True, recorded_at=at(5))
    Consent.objects.filter(customer=absorbed).update(customer=kept)  # as a merge does
    assert current() == {(kept.pk, "marketing", "email"): (True, moved.pk)}


def test_random_writes_always_agree_with_the_ledger() -> None:
    rng = random.Random(7)
    customers = CustomerFactory.create_batch(4)
    for step in range(60):
        if rng.random() < 0.2 and Consent.objects.exists():
            Consent.objects.filter(
                pk=rng.choice(list(Consent.objects.values_list("pk", flat=True)))
            ).delete()
        else:
            ConsentFactory(
                customer=rng.choice(customers),
                purpose=rng.choice(["marketing", "newsletter"]),
                channel=rng.choice(["email", "sms"]),
                granted=rng.random() < 0.5,
                recorded_at=at(rng.randint(0, 20)),
                wording__version=f"v{step}",
                wording_version=f"v{step}",
            )
        assert current() == latest_in_ledger(), step


def test_the_first_fill_gives_what_the_triggers_keep() -> None:
    for customer in CustomerFactory.create_batch(3):
        for minute in (4, 2, 9):
            ConsentFactory(customer=customer, granted=minute != 9, recorded_at=at(minute))
    kept = current()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CURRENT}")
        cursor.execute(BACKFILL[connection.vendor])
    assert current() == kept == latest_in_ledger()


def test_an_erased_customer_takes_her_current_consents_with_her() -> None:
    customer = CustomerFactory()
    ConsentFactory(customer=customer)
    Customer.objects.filter(pk=customer.pk).delete()
    assert not CurrentConsent.objects.exists()
