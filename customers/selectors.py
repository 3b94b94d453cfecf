"""Reads on customers, shaped for pages and endpoints."""

from customers.models import Consent, Customer


def consent_current_states(customer: Customer) -> dict[tuple[str, str], Consent]:
    """The decision in force per (purpose, contact channel): the latest ledger entry wins."""
    states: dict[tuple[str, str], Consent] = {}
    entries = (
        Consent.objects.filter(customer=customer)
        .select_related("recorded_by", "collected_at_store")
        .order_by("recorded_at", "id")
    )
    for entry in entries:
        states[(entry.purpose, entry.channel)] = entry
    return states
