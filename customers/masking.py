"""How much of a customer's contact details a reader is shown: one rule for the tablet and the API.

A store manager sees them in full. A store associate sees them in full only when the customer
agreed to personalised advice (on any channel); otherwise her email and phone are masked, her
addresses withheld, and her birthday shown without the year. Integrations (API clients) read
what their scopes allow, in full.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from customers.models import ConsentPurpose
from customers.normalization import format_phone_for_display

MASK = "•••"


class ConsentDecision(Protocol):
    purpose: str
    granted: bool


@dataclass(frozen=True)
class ContactReader:
    """Who reads: `sees_everything` for store managers (and integrations, which read what
    their scopes allow)."""

    sees_everything: bool

    def masks_for(self, current_consents: Iterable[ConsentDecision]) -> bool:
        """Whether this reader is shown the masked details of a customer whose decisions in
        force (one per purpose and channel) are `current_consents`."""
        return not self.sees_everything and not agreed_to_personal_advice(current_consents)


ASSOCIATE_READER = ContactReader(sees_everything=False)


def agreed_to_personal_advice(current_consents: Iterable[ConsentDecision]) -> bool:
    return any(
        entry.granted
        for entry in current_consents
        if entry.purpose == ConsentPurpose.PERSONALISED_ADVICE
    )


def current_decisions(ledger: Iterable[Any]) -> list[Any]:
    """The decision in force per (purpose, channel) of a ledger read oldest first."""
    current: dict[tuple[str, str], Any] = {}
    for entry in ledger:
        current[(entry.purpose, entry.channel)] = entry
    return list(current.values())


def mask_email(email: str | None) -> str | None:
    """claire.martin@example.fr → c•••@example.fr"""
    if not email:
        return email
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{MASK}@{domain}"


def mask_phone(phone: str | None) -> str | None:
    """+33612345678 → •• •• •• 56 78 (the last four digits, as the customer would say them)."""
    if not phone:
        return phone
    shown = format_phone_for_display(phone)
    return "•• •• •• " + shown[-5:] if len(shown) > 5 else "••••"


def birthday_without_year(birth_date: datetime.date | None) -> str | None:
    """The day and month only, in the ISO 8601 form without a year: --MM-DD."""
    return None if birth_date is None else birth_date.strftime("--%m-%d")


# What an associate is shown of an address she may not see: where, not who or which door.
ADDRESS_WITHHELD_FIELDS = ("recipient", "line1", "line2", "postal_code")


def mask_address(address: dict[str, Any]) -> dict[str, Any]:
    """An address as rendered for the API, with who and where withheld and the phone masked."""
    masked = {**address, **{name: "" for name in ADDRESS_WITHHELD_FIELDS if name in address}}
    if "phone" in masked:
        masked["phone"] = mask_phone(masked["phone"]) or ""
    return masked
