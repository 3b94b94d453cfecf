"""Inbound customers from channel systems (API, webhooks, sync): one profile, never a duplicate.

`customer_upsert` resolves the profile with `customer_resolve` (external id → email → phone →
loyalty number), then records what the channel sent along: preferences, addresses and consent
decisions. Replaying the same payload changes nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.identity import InboundCustomer, Resolution, customer_resolve
from customers.models import Address, Customer, Preference
from customers.selectors import consent_current_states
from customers.services import consent_record
from omni.errors import DomainError
from omni.models import Channel
from omni.records import RecordResult, record_failure

PREFERENCE_FIELDS = ("sizes", "favourite_brands", "favourite_categories", "skin_type", "attributes")
ADDRESS_KEY_FIELDS = ("kind", "line1", "postal_code", "city", "country")


@dataclass(frozen=True)
class ConsentInput:
    purpose: str
    channel: str
    granted: bool
    wording_version: str
    proof: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerInput:
    inbound: InboundCustomer
    collected_via: str = Channel.WEB
    preferences: dict[str, Any] | None = None
    addresses: tuple[dict[str, Any], ...] = ()
    consents: tuple[ConsentInput, ...] = ()


def preference_update(*, customer: Customer, actor: Any = None, **fields: Any) -> Preference:
    """Set the given preference fields (sizes, brands...), creating the preferences if needed."""
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown preference fields: %s") % ", ".join(sorted(unknown)))
    preference, _created = Preference.objects.get_or_create(customer=customer)
    changed = [name for name, value in fields.items() if getattr(preference, name) != value]
    for name in changed:
        setattr(preference, name, fields[name])
    if changed:
        preference.save(update_fields=[*changed, "updated_at"])
    return preference


def address_record(*, customer: Customer, actor: Any = None, **fields: Any) -> Address:
    """Add an address unless the profile already has it (same kind, street, postcode, city)."""
    key = {name: fields.get(name, "") for name in ADDRESS_KEY_FIELDS if name in fields}
    existing = Address.objects.filter(customer=customer, **key).first()
    if existing is not None:
        return existing
    if fields.get("is_default"):
        Address.objects.filter(
            customer=customer, kind=fields.get("kind", Address.Kind.HOME)
        ).update(is_default=False)
    return Address.objects.create(customer=customer, **fields)


def _record_consents(customer: Customer, data: CustomerInput, actor: Any) -> None:
    """Append a ledger entry only where the decision (or the wording shown) changed."""
    current = consent_current_states(customer)
    for consent in data.consents:
        state = current.get((consent.purpose, consent.channel))
        if state is not None and (state.granted, state.wording_version) == (
            consent.granted,
            consent.wording_version,
        ):
            continue
        consent_record(
            customer=customer,
            purpose=consent.purpose,
            channel=consent.channel,
            granted=consent.granted,
            collected_via=data.collected_via,
            wording_version=consent.wording_version,
            proof={**consent.proof, "source": data.inbound.source},
            actor=actor,
        )


@transaction.atomic
def customer_upsert(data: CustomerInput, *, actor: Any = None) -> Resolution:
    """Resolve (or create) the profile `data` describes and record what came with it."""
    resolution = customer_resolve(data.inbound)
    customer = resolution.customer
    if data.preferences:
        preference_update(customer=customer, actor=actor, **data.preferences)
    for address in data.addresses:
        address_record(customer=customer, actor=actor, **address)
    _record_consents(customer, data, actor)
    return resolution


def customers_write(
    inputs: Sequence[CustomerInput | RecordResult], *, actor: Any = None
) -> list[RecordResult]:
    """Write every CustomerInput of `inputs` (the batch API, the history import); a
    RecordResult given in its place (a record that failed validation) is passed through, so
    results keep the positions of the records. Side effects are queued once, after the commit."""
    results: list[RecordResult] = []
    with transaction.atomic():
        for index, data in enumerate(inputs):
            if isinstance(data, RecordResult):
                results.append(data)
                continue
            try:
                with transaction.atomic():
                    resolution = customer_upsert(data, actor=actor)
            except (DomainError, IntegrityError, DataError) as error:
                results.append(record_failure(index, error))
                continue
            outcome = "created" if resolution.created else "updated"
            results.append(RecordResult(index, outcome, resolution.customer.pk))
    return results
