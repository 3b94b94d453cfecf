"""The demo's head-office triggers: one of each kind, with the parameters a retailer would pick.

`build_demo_triggers()` is idempotent: a trigger that exists under its name is left as head
office may have changed it. Consents asked match the ones the demo customers give (e-mail
for advice and satisfaction, SMS for marketing). Event triggers look back a week: the demo's
history is dated relative to the seed, so a freshly seeded database has a few recent events.
The wishlist triggers fire from their second run on (the first one notes prices and stock).
"""

from typing import Any

from django.db import transaction

from clienteling.models import Trigger, TriggerKind, TriggerSettings
from customers.models import ConsentPurpose, ContactChannel

ADVICE_BY_EMAIL = {
    "consent_purpose": ConsentPurpose.PERSONALISED_ADVICE,
    "consent_channel": ContactChannel.EMAIL,
}

DEMO_TRIGGERS: tuple[dict[str, Any], ...] = (
    {"name": "Wishlist item back in stock", "kind": TriggerKind.WISHLIST_BACK_IN_STOCK},
    {
        "name": "Wishlist price drop (15 % or more)",
        "kind": TriggerKind.WISHLIST_PRICE_DROP,
        "minimum_price_drop_percent": 15,
        "sends_event": True,
        "consent_purpose": ConsentPurpose.MARKETING,
        "consent_channel": ContactChannel.EMAIL,
    },
    {
        "name": "Abandoned cart: the favourite associate calls",
        "kind": TriggerKind.CART_ABANDONED_FAVOURITE_ASSOCIATE,
        "lookback_hours": 168,
    },
    {
        "name": "Satisfaction call after a closed ticket",
        "kind": TriggerKind.TICKET_CLOSED_SATISFACTION,
        "lookback_hours": 168,
        "task_due_in_days": 1,
        "consent_purpose": ConsentPurpose.SATISFACTION,
        "consent_channel": ContactChannel.EMAIL,
    },
    {
        "name": "Birthday in the coming week",
        "kind": TriggerKind.BIRTHDAY_SOON,
        "days_ahead": 7,
        "consent_purpose": ConsentPurpose.MARKETING,
        "consent_channel": ContactChannel.SMS,
    },
    {
        "name": "Lapsed gold and VIP customers",
        "kind": TriggerKind.LAPSED_VIP,
        "loyalty_tiers": ["gold", "vip"],
        "task_due_in_days": 2,
    },
    {
        "name": "Follow-up after an appointment",
        "kind": TriggerKind.APPOINTMENT_COMPLETED_FOLLOW_UP,
        "lookback_hours": 168,
        "task_due_in_days": 1,
    },
)


@transaction.atomic
def build_demo_triggers() -> list[Trigger]:
    """Create the demo triggers and the contact cap (2 contacts a week) if missing."""
    TriggerSettings.load()
    triggers = []
    for values in DEMO_TRIGGERS:
        defaults = {**ADVICE_BY_EMAIL, **values}
        name = defaults.pop("name")
        trigger, created = Trigger.objects.get_or_create(name=name, defaults=defaults)
        if created:
            trigger.full_clean()
        triggers.append(trigger)
    return triggers
