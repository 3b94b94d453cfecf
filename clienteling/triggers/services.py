"""Running the triggers: each candidate becomes one TriggerFiring, a contact or a recorded skip.

A firing is decided under a lock on the customer's row, so that two runs at once neither act
twice on one event (the dedupe key is also unique in the database) nor pass the contact cap
together. Checks, in order: the customer still exists as herself (not erased, not merged),
her consent for the trigger's purpose and channel (current state of the ledger), a store to
hand the task to, then the contact cap (TriggerSettings: at most K contacts per customer in
P days, all triggers together). Skips are recorded with their reason; they do not count
towards the cap.

Task placement: an imposed assignee (the associate who held the appointment, the favourite
associate for an abandoned cart) takes it in her store. Otherwise the task goes to the
customer's preferred store, else the store concerned (the ticket's), else her favourite
associate's store; it is assigned to her favourite associate when she works there, else left
unassigned for the store manager to dispatch.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clienteling.models import (
    CONTACT_OUTCOMES,
    DAILY_TRIGGER_KINDS,
    Associate,
    FiringOutcome,
    Task,
    Trigger,
    TriggerFiring,
    TriggerKind,
    TriggerSettings,
)
from clienteling.triggers.candidates import CANDIDATE_READERS, Candidate
from clienteling.triggers.favourites import BATCH_SIZE, favourite_associates
from customers.models import ConsentPurpose, ContactChannel, Customer
from customers.selectors import consent_current_states
from journeys.outbound import customer_trigger_fired_notify
from omni.errors import DomainError

logger = logging.getLogger(__name__)

TASK_REASONS = {
    TriggerKind.WISHLIST_BACK_IN_STOCK: Task.Reason.WISHLIST,
    TriggerKind.WISHLIST_PRICE_DROP: Task.Reason.WISHLIST,
    TriggerKind.CART_ABANDONED_FAVOURITE_ASSOCIATE: Task.Reason.CART_ABANDONED,
    TriggerKind.TICKET_CLOSED_SATISFACTION: Task.Reason.SATISFACTION,
    TriggerKind.BIRTHDAY_SOON: Task.Reason.BIRTHDAY,
    TriggerKind.LAPSED_VIP: Task.Reason.WIN_BACK,
    TriggerKind.APPOINTMENT_COMPLETED_FOLLOW_UP: Task.Reason.APPOINTMENT_FOLLOW_UP,
}
FREQUENT_TRIGGER_KINDS = tuple(kind for kind in TriggerKind if kind not in DAILY_TRIGGER_KINDS)


def triggers_evaluate(*, kinds: Iterable[str], now: datetime.datetime | None = None) -> Counter:
    """Run every active trigger of `kinds`; returns how many firings ended in each outcome."""
    outcomes: Counter = Counter()
    for trigger in Trigger.objects.filter(is_active=True, kind__in=list(kinds)).order_by("pk"):
        outcomes.update(trigger_run(trigger=trigger, now=now))
    return outcomes


def trigger_run(
    *, trigger: Trigger, actor: Any = None, now: datetime.datetime | None = None
) -> Counter:
    """Evaluate one trigger now and act on each new event; returns the count per outcome.

    Safe to run twice or concurrently: an event already handled is not handled again.
    """
    if not trigger.is_active:
        raise DomainError(_("“%(trigger)s” is not active.") % {"trigger": trigger})
    now = now or timezone.now()
    outcomes: Counter = Counter()
    # One transaction: the wishlist snapshot moves on only with the firings it caused.
    with transaction.atomic():
        candidates = _new_candidates(trigger, CANDIDATE_READERS[trigger.kind](trigger, now))
        customers = Customer.objects.in_bulk({candidate.customer_id for candidate in candidates})
        favourites = favourite_associates(
            [c.customer_id for c in candidates if c.assignee is None and trigger.creates_task]
        )
        cap = TriggerSettings.load()
        # Customers are locked in one order by every run: concurrent runs cannot deadlock.
        for candidate in sorted(candidates, key=lambda candidate: candidate.customer_id):
            outcome = _fire(
                trigger,
                candidate,
                customers[candidate.customer_id],
                favourites.get(candidate.customer_id),
                cap,
                now,
            )
            if outcome is not None:
                outcomes[outcome] += 1
        Trigger.objects.filter(pk=trigger.pk).update(last_run_at=now)
    summary = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(outcomes.items()))
    logger.info("Trigger %s run by %s: %s", trigger.pk, actor or "schedule", summary or "nothing")
    return outcomes


def _new_candidates(trigger: Trigger, candidates: list[Candidate]) -> list[Candidate]:
    """Drop the events already handled (earlier runs) and repeats within this run."""
    customer_ids = sorted({candidate.customer_id for candidate in candidates})
    handled: set[tuple[int, str]] = set()
    for start in range(0, len(customer_ids), BATCH_SIZE):
        handled.update(
            TriggerFiring.objects.filter(
                trigger=trigger, customer_id__in=customer_ids[start : start + BATCH_SIZE]
            ).values_list("customer_id", "dedupe_key")
        )
    fresh = []
    for candidate in candidates:
        key = (candidate.customer_id, candidate.dedupe_key)
        if key not in handled:
            handled.add(key)
            fresh.append(candidate)
    return fresh


def _fire(
    trigger: Trigger,
    candidate: Candidate,
    customer: Customer,
    favourite: Associate | None,
    cap: TriggerSettings,
    now: datetime.datetime,
) -> str | None:
    try:
        with transaction.atomic():
            # Serialises the firings of one customer: the cap and the dedupe check hold.
            list(Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk"))
            already = TriggerFiring.objects.filter(
                trigger=trigger, customer=customer, dedupe_key=candidate.dedupe_key
            )
            if already.exists():
                return None
            firing = _decide(trigger, candidate, customer, favourite, cap, now)
            firing.save()
            return firing.outcome
    except IntegrityError:
        return None  # Another run recorded this event in between.


def _decide(
    trigger: Trigger,
    candidate: Candidate,
    customer: Customer,
    favourite: Associate | None,
    cap: TriggerSettings,
    now: datetime.datetime,
) -> TriggerFiring:
    firing = TriggerFiring(
        trigger=trigger,
        customer=customer,
        fired_for_customer_id=customer.pk,
        dedupe_key=candidate.dedupe_key,
        fired_at=now,
        context=candidate.context,
    )
    store_id, assignee = _task_placement(candidate, customer, favourite)
    skip = _skip_reason(trigger, customer, store_id, cap, now)
    if skip is not None:
        firing.outcome, firing.detail = skip
        return firing
    if trigger.creates_task:
        firing.task = _task_create(trigger, candidate, customer, store_id, assignee, now)
    if trigger.sends_event:
        firing.deliveries = _event_send(trigger, candidate, customer)
    firing.outcome, firing.detail = _contact_outcome(trigger, firing, candidate)
    return firing


def _task_placement(
    candidate: Candidate, customer: Customer, favourite: Associate | None
) -> tuple[int | None, Associate | None]:
    if candidate.assignee is not None:
        return candidate.assignee.store_id, candidate.assignee
    store_id = (
        customer.preferred_store_id
        or candidate.store_id
        or (favourite.store_id if favourite else None)
    )
    assignee = favourite if favourite is not None and favourite.store_id == store_id else None
    return store_id, assignee


def _skip_reason(
    trigger: Trigger,
    customer: Customer,
    store_id: int | None,
    cap: TriggerSettings,
    now: datetime.datetime,
) -> tuple[str, str] | None:
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return FiringOutcome.SKIPPED_CUSTOMER_GONE, _("Erased, or merged into another profile.")
    consent = consent_current_states(customer).get(
        (trigger.consent_purpose, trigger.consent_channel)
    )
    if consent is None or not consent.granted:
        return FiringOutcome.SKIPPED_NO_CONSENT, _("No consent to %(purpose)s by %(channel)s.") % {
            "purpose": ConsentPurpose(trigger.consent_purpose).label,
            "channel": ContactChannel(trigger.consent_channel).label,
        }
    if trigger.creates_task and store_id is None:
        return FiringOutcome.SKIPPED_NO_ASSIGNEE, _(
            "No preferred store nor favourite associate to give the task to."
        )
    contacts = TriggerFiring.objects.filter(
        customer=customer,
        outcome__in=CONTACT_OUTCOMES,
        fired_at__gt=now - datetime.timedelta(days=cap.contact_cap_days),
    ).count()
    if contacts >= cap.contact_cap:
        return FiringOutcome.SKIPPED_CAP, _(
            "Already %(count)s contacts in the last %(days)s days (at most %(cap)s)."
        ) % {"count": contacts, "days": cap.contact_cap_days, "cap": cap.contact_cap}
    return None


def _task_create(
    trigger: Trigger,
    candidate: Candidate,
    customer: Customer,
    store_id: int,
    assignee: Associate | None,
    now: datetime.datetime,
) -> Task:
    return Task.objects.create(
        store_id=store_id,
        assignee=assignee,
        customer=customer,
        reason=TASK_REASONS[trigger.kind],
        title=candidate.title[:200],
        details=candidate.details,
        due_on=timezone.localdate(now) + datetime.timedelta(days=trigger.task_due_in_days),
    )


def _event_send(trigger: Trigger, candidate: Candidate, customer: Customer) -> int:
    return customer_trigger_fired_notify(
        customer_id=customer.pk,
        trigger={
            "id": trigger.pk,
            "name": trigger.name,
            "kind": trigger.kind,
            "consent": {"purpose": trigger.consent_purpose, "channel": trigger.consent_channel},
        },
        context={**candidate.context, "event": candidate.dedupe_key, "title": candidate.title},
    )


def _contact_outcome(
    trigger: Trigger, firing: TriggerFiring, candidate: Candidate
) -> tuple[str, str]:
    if firing.task is not None and firing.deliveries:
        return FiringOutcome.TASK_AND_EVENT, candidate.title[:300]
    if firing.task is not None:
        return FiringOutcome.TASK_CREATED, candidate.title[:300]
    if firing.deliveries:
        return FiringOutcome.EVENT_SENT, candidate.title[:300]
    return FiringOutcome.SKIPPED_NO_RECEIVER, _(
        "No active outbound webhook takes customer.trigger_fired."
    )
