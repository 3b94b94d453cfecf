"""Inbound customers from channel systems (API, webhooks, sync): one profile, never a duplicate.

`customers_write` (and `customer_upsert`, a batch of one) resolves the profiles with
`customers_resolve` (external id → email → phone → loyalty number), then records what the
channel sent along: preferences, addresses and consent decisions, each read and written in a
statement or two for the whole batch. Replaying the same payload changes nothing.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.consent_wordings import consent_wording_choose, consent_wordings_of_versions
from customers.identity import InboundCustomer, Resolution, customers_resolve
from customers.models import Address, Consent, ConsentWording, Customer, Preference
from customers.services import consent_check
from omni.errors import DomainError
from omni.models import ApiClient, Channel
from omni.records import RecordResult, record_failure
from omni.transactions import kept_tables_deferred

PREFERENCE_FIELDS = ("sizes", "favourite_brands", "favourite_categories", "skin_type", "attributes")
ADDRESS_KEY_FIELDS = ("kind", "line1", "postal_code", "city", "country")


@dataclass(frozen=True)
class ConsentInput:
    purpose: str
    channel: str
    granted: bool
    wording_version: str
    proof: dict[str, Any] = field(default_factory=dict)
    # The language of the wording shown; empty: the customer's, else the site's, else the only.
    language: str = ""


@dataclass(frozen=True)
class CustomerInput:
    inbound: InboundCustomer
    collected_via: str = Channel.WEB
    preferences: dict[str, Any] | None = None
    addresses: tuple[dict[str, Any], ...] = ()
    consents: tuple[ConsentInput, ...] = ()


def preference_update(*, customer: Customer, actor: Any = None, **fields: Any) -> Preference:
    """Set the given preference fields (sizes, brands...), creating the preferences if needed."""
    _check_preference_fields(fields)
    preference, _created = Preference.objects.get_or_create(customer=customer)
    changed = [name for name, value in fields.items() if getattr(preference, name) != value]
    for name in changed:
        setattr(preference, name, fields[name])
    if changed:
        preference.save(update_fields=[*changed, "updated_at"])
    return preference


def _check_preference_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(PREFERENCE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown preference fields: %s") % ", ".join(sorted(unknown)))


def customer_upsert(
    data: CustomerInput, *, actor: Any = None, api_client: ApiClient | None = None
) -> Resolution:
    """Resolve (or create) the profile `data` describes and record what came with it; raises
    a DomainError if it is refused. `api_client`: the integration that sent it, recorded as
    the author of its consent decisions."""
    with transaction.atomic():
        written = _write([(0, data)], _Author(actor, api_client))[0]
    if isinstance(written, DomainError):
        raise written
    return written.resolution


def customers_write(
    inputs: Sequence[CustomerInput | RecordResult],
    *,
    actor: Any = None,
    api_client: ApiClient | None = None,
) -> list[RecordResult]:
    """Write every CustomerInput of `inputs` (the batch API, the history import) set-based: the
    profiles resolved together (`customers_resolve`), then preferences, addresses and consent
    decisions each read and written in one or two statements for the whole batch. A
    RecordResult given in place of an input (a record that failed validation) is passed
    through, so results keep the positions of the records. Outcomes: created, updated (the
    profile or what came with it changed) or unchanged."""
    results: list[RecordResult | None] = [
        item if isinstance(item, RecordResult) else None for item in inputs
    ]
    pending = [
        (index, item) for index, item in enumerate(inputs) if isinstance(item, CustomerInput)
    ]
    author = _Author(actor, api_client)
    # Profiles, identities, consents and addresses are written in several statements: their
    # segment facts are refreshed once, at the end.
    with kept_tables_deferred():
        try:
            with transaction.atomic():
                written = _write(pending, author)
        except (IntegrityError, DataError):
            # A concurrent writer took a key first, or a value the checks let through does not
            # fit: each record alone, so that only the culprit fails.
            written = [_write_alone(index, data, author) for index, data in pending]
    for (index, _data), outcome in zip(pending, written, strict=True):
        if isinstance(outcome, (DomainError, IntegrityError, DataError)):
            results[index] = record_failure(index, outcome)
        else:
            results[index] = RecordResult(index, outcome.status, outcome.resolution.customer.pk)
    return results  # type: ignore[return-value] - every position is filled


def _write_alone(
    index: int, data: CustomerInput, author: "_Author"
) -> "_Written | DomainError | IntegrityError | DataError":
    try:
        with transaction.atomic():
            return _write([(index, data)], author)[0]
    except (IntegrityError, DataError) as error:
        return error


@dataclass(frozen=True)
class _Author:
    """Who writes: the signed-in user, or the API client of an integration."""

    actor: Any
    api_client: ApiClient | None

    @property
    def user(self) -> Any:
        return self.actor if getattr(self.actor, "is_authenticated", False) else None


@dataclass
class _Written:
    resolution: Resolution
    changed: bool = False
    # The wording of each of the record's consent decisions, in order.
    consent_wordings: tuple[ConsentWording, ...] = ()

    @property
    def status(self) -> str:
        if self.resolution.created:
            return "created"
        return "updated" if self.changed or self.resolution.completed else "unchanged"


def _write(
    pending: Sequence[tuple[int, CustomerInput]], author: _Author
) -> list[_Written | DomainError]:
    outcomes: list[_Written | DomainError | None] = []
    wordings = consent_wordings_of_versions(
        (consent.purpose, consent.wording_version)
        for _index, data in pending
        for consent in data.consents
    )
    chosen: dict[int, tuple[ConsentWording, ...]] = {}
    for position, (_index, data) in enumerate(pending):
        try:
            chosen[position] = _check(data, wordings)
        except DomainError as error:
            outcomes.append(error)
        else:
            outcomes.append(None)
    checked = [position for position, outcome in enumerate(outcomes) if outcome is None]
    resolutions = customers_resolve([pending[position][1].inbound for position in checked])
    live: list[tuple[CustomerInput, _Written]] = []
    for position, resolution in zip(checked, resolutions, strict=True):
        if isinstance(resolution, DomainError):
            outcomes[position] = resolution
            continue
        written = outcomes[position] = _Written(resolution, consent_wordings=chosen[position])
        live.append((pending[position][1], written))
    now = timezone.now()
    _write_preferences(live, now)
    _write_addresses(live)
    _write_consents(live, author, now)
    return outcomes  # type: ignore[return-value] - every position is filled


def _check(
    data: CustomerInput, wordings: dict[tuple[str, str], list[ConsentWording]]
) -> tuple[ConsentWording, ...]:
    """Raise a DomainError if the record cannot be written; the wording of each consent."""
    if data.preferences:
        _check_preference_fields(data.preferences)
    chosen = []
    for position, consent in enumerate(data.consents):
        try:
            wording = consent_wording_choose(
                wordings.get((consent.purpose, consent.wording_version.strip()), []),
                purpose=consent.purpose,
                channel=consent.channel,
                version=consent.wording_version,
                language=consent.language,
                customer_language=data.inbound.profile.get("preferred_language", ""),
            )
            consent_check(
                purpose=consent.purpose,
                channel=consent.channel,
                collected_via=data.collected_via,
                wording=wording,
            )
        except DomainError as error:
            error.field = f"consents.{position}.wording_version"
            raise
        chosen.append(wording)
    return tuple(chosen)


def _customer_ids(live: list[tuple[CustomerInput, _Written]]) -> set[int]:
    return {written.resolution.customer.pk for _data, written in live}


def _write_preferences(live: list[tuple[CustomerInput, _Written]], now: Any) -> None:
    wanted = [(data, written) for data, written in live if data.preferences]
    if not wanted:
        return
    stored = {
        preference.customer_id: preference
        for preference in Preference.objects.filter(customer_id__in=_customer_ids(wanted))
    }
    new: dict[int, Preference] = {}
    changed: dict[int, Preference] = {}
    names: set[str] = set()
    for data, written in wanted:
        customer_id = written.resolution.customer.pk
        preference = stored.get(customer_id) or new.get(customer_id)
        if preference is None:
            preference = new[customer_id] = Preference(customer_id=customer_id)
            written.changed = True
        for name, value in (data.preferences or {}).items():
            if getattr(preference, name) != value:
                setattr(preference, name, value)
                written.changed = True
                if customer_id not in new:
                    changed[customer_id] = preference
                    names.add(name)
    Preference.objects.bulk_create(new.values())
    for preference in changed.values():
        preference.updated_at = now
    if changed:
        Preference.objects.bulk_update(changed.values(), [*sorted(names), "updated_at"])


def _write_addresses(live: list[tuple[CustomerInput, _Written]]) -> None:
    """Each address added unless the profile has it already (same kind, street, postcode,
    city, country); a new default address takes the default from the others of its kind."""
    wanted = [(data, written) for data, written in live if data.addresses]
    if not wanted:
        return
    known: dict[int, list[Address]] = defaultdict(list)
    for address in Address.objects.filter(customer_id__in=_customer_ids(wanted)):
        known[address.customer_id].append(address)
    created: list[Address] = []
    undefaulted: dict[int, Address] = {}
    for data, written in wanted:
        customer_id = written.resolution.customer.pk
        for fields in data.addresses:
            key = {name: fields.get(name, "") for name in ADDRESS_KEY_FIELDS if name in fields}
            if any(_has(address, key) for address in known[customer_id]):
                continue
            if fields.get("is_default"):
                kind = fields.get("kind", Address.Kind.HOME)
                for address in known[customer_id]:
                    if address.kind == kind and address.is_default:
                        address.is_default = False
                        if address.pk is not None:
                            undefaulted[address.pk] = address
            address = Address(customer_id=customer_id, **fields)
            known[customer_id].append(address)
            created.append(address)
            written.changed = True
    if undefaulted:
        Address.objects.filter(pk__in=undefaulted).update(is_default=False)
    Address.objects.bulk_create(created)


def _has(address: Address, key: dict[str, Any]) -> bool:
    return all(getattr(address, name) == value for name, value in key.items())


def _write_consents(live: list[tuple[CustomerInput, _Written]], author: _Author, now: Any) -> None:
    """A ledger entry only where the decision (or the wording shown) changed."""
    wanted = [(data, written) for data, written in live if data.consents]
    if not wanted:
        return
    current: dict[tuple[int, str, str], tuple[bool, int | None]] = {}
    ledger = (
        Consent.objects.filter(customer_id__in=_customer_ids(wanted))
        .order_by("recorded_at", "id")
        .values_list("customer_id", "purpose", "channel", "granted", "wording_id")
    )
    for customer_id, purpose, channel, granted, wording_id in ledger:
        current[(customer_id, purpose, channel)] = (granted, wording_id)
    entries: list[Consent] = []
    for data, written in wanted:
        customer_id = written.resolution.customer.pk
        for consent, wording in zip(data.consents, written.consent_wordings, strict=True):
            decision = (consent.granted, wording.pk)
            if current.get((customer_id, consent.purpose, consent.channel)) == decision:
                continue
            current[(customer_id, consent.purpose, consent.channel)] = decision
            entries.append(
                Consent(
                    customer_id=customer_id,
                    purpose=consent.purpose,
                    channel=consent.channel,
                    granted=consent.granted,
                    recorded_at=now,
                    collected_via=data.collected_via,
                    recorded_by=author.user,
                    api_client=author.api_client,
                    wording=wording,
                    wording_version=wording.version,
                    proof={**consent.proof, "source": data.inbound.source},
                )
            )
            written.changed = True
    Consent.objects.bulk_create(entries)
