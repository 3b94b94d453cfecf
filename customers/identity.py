"""Identity resolution: which profile an inbound customer (API, webhook, booking, tablet) is.

Keys are tried strongest first: the id in the source system, then the normalised email, then
the phone, then the loyalty number. The first key that designates exactly one profile wins and
is recorded (explainable matches). Keys that designate *another* profile are never merged
silently: they become duplicate suggestions for a person to review.

A batch is resolved in a few queries whatever its size (`customers_resolve`): every profile its
keys designate is read at once, the records are decided in order against what the batch has
learnt so far (a customer sent twice in one batch gets one profile), and what they create or
complete is written set-based. `customer_resolve` is the same for one customer.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, DuplicateSuggestion, ExternalIdentity, MatchKey
from customers.normalization import normalize_email, normalize_phone
from customers.services import PROFILE_FIELDS
from omni.errors import DomainError
from omni.staging import instances_insert

KEY_ORDER = (MatchKey.EXTERNAL_ID, MatchKey.EMAIL, MatchKey.PHONE, MatchKey.LOYALTY_NUMBER)
# Profiles a shared key may designate that are considered (a phone can be shared widely).
MAX_PROFILES_PER_KEY = 5
# Keys whose values are unique among profiles: a value another profile holds is not copied.
UNIQUE_KEYS = ("email", "loyalty_number")


@dataclass(frozen=True)
class InboundCustomer:
    """What a channel system knows about a customer. Empty values are simply not used."""

    source: str = ""
    external_id: str = ""
    email: str | None = None
    phone: str | None = None
    loyalty_number: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass
class Resolution:
    customer: Customer
    created: bool
    matched_on: str
    conflicts: list[Customer] = field(default_factory=list)
    # Set when resolving added to a known profile: blanks filled or a new identity linked.
    completed: bool = False


@dataclass(frozen=True)
class _Keys:
    email: str | None
    phone: str | None
    loyalty_number: str | None


def _normalised_keys(inbound: InboundCustomer) -> _Keys:
    try:
        email = normalize_email(inbound.email)
    except ValidationError as error:
        raise DomainError(_("Invalid email: %s") % inbound.email, code="invalid_email") from error
    try:
        phone = normalize_phone(inbound.phone)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="invalid_phone") from error
    loyalty = (inbound.loyalty_number or "").strip() or None
    return _Keys(email=email, phone=phone, loyalty_number=loyalty)


def _identity_key(inbound: InboundCustomer) -> tuple[str, str] | None:
    if inbound.source and inbound.external_id:
        return (inbound.source, str(inbound.external_id))
    return None


class _Known:
    """Every profile the batch's keys designate, and what the batch adds as it goes: records
    later in the batch see the profiles and identities earlier ones created."""

    def __init__(self) -> None:
        self.identities: dict[tuple[str, str], Customer] = {}
        self.live: dict[str, dict[str, list[Customer]]] = {
            "email": defaultdict(list),
            "phone": defaultdict(list),
            "loyalty_number": defaultdict(list),
        }
        self.taken: dict[str, set[str]] = {name: set() for name in UNIQUE_KEYS}

    def add(self, customer: Customer) -> None:
        for name, profiles in self.live.items():
            value = getattr(customer, name)
            if value and customer.merged_into_id is None and customer not in profiles[value]:
                profiles[value].append(customer)
        for name in UNIQUE_KEYS:
            if getattr(customer, name):
                self.taken[name].add(getattr(customer, name))

    def found(self, inbound: InboundCustomer, keys: _Keys) -> dict[str, list[Customer]]:
        found: dict[str, list[Customer]] = {}
        identity = _identity_key(inbound)
        if identity in self.identities:
            found[MatchKey.EXTERNAL_ID] = [self.identities[identity]]
        for key, name in (
            (MatchKey.EMAIL, "email"),
            (MatchKey.PHONE, "phone"),
            (MatchKey.LOYALTY_NUMBER, "loyalty_number"),
        ):
            value = getattr(keys, name)
            if value:
                found[key] = self.live[name].get(value, [])[:MAX_PROFILES_PER_KEY]
        return found


def _load(inbounds: Sequence[InboundCustomer], keys: Sequence[_Keys]) -> _Known:
    """Read, in two queries (plus one per level of merges), every profile the keys designate."""
    known = _Known()
    by_source: dict[str, set[str]] = defaultdict(set)
    for inbound in inbounds:
        if identity := _identity_key(inbound):
            by_source[identity[0]].add(identity[1])
    identity_rows: list[tuple[str, str, int]] = []
    if by_source:
        condition = Q()
        for source, external_ids in by_source.items():
            condition |= Q(source=source, external_id__any=external_ids)
        identity_rows = list(
            ExternalIdentity.objects.filter(condition).values_list(
                "source", "external_id", "customer_id"
            )
        )
    values = {name: {getattr(key, name) for key in keys} - {None} for name in known.live}
    ids = {customer_id for _source, _id, customer_id in identity_rows}
    if connection.vendor == "postgresql":
        profiles = {
            customer.pk: customer
            for customer in Customer.objects.filter(pk__any=ids | _ids_by_keys(values))
        }
    else:
        condition = Q(pk__in=ids)
        for name in UNIQUE_KEYS:
            if values[name]:
                condition |= Q(**{f"{name}__in": values[name]})
        if values["phone"]:
            condition |= Q(phone__in=values["phone"], merged_into__isnull=True)
        profiles = {customer.pk: customer for customer in Customer.objects.filter(condition)}
    _load_survivors(profiles)
    for customer in sorted(profiles.values(), key=lambda customer: customer.pk):
        known.add(customer)
    for source, external_id, customer_id in identity_rows:
        known.identities[(source, external_id)] = _live(profiles, profiles[customer_id])
    return known


def _ids_by_keys(values: dict[str, set[str]]) -> set[int]:
    """The profiles holding these emails, loyalty numbers or phones, each key probed on its
    own b-tree index. (`email IN (…) OR phone IN (…)` may be planned on the trigram indexes
    the search uses, which also answer `=`: seconds per batch on a young table; a join of the
    keys to the table was planned as a hash join over every profile, 2 s per batch of 1,000
    at 155,000 profiles. The subquery's OFFSET 0 keeps it a probe per key.)"""
    table = Customer._meta.db_table
    parts, params = [], []
    for name in (*UNIQUE_KEYS, "phone"):
        if values[name]:
            column = Customer._meta.get_field(name).column
            live = " AND c.merged_into_id IS NULL" if name == "phone" else ""
            parts.append(
                f"SELECT found.id FROM unnest(%s::text[]) AS k(value) CROSS JOIN LATERAL "
                f"(SELECT c.id FROM {table} AS c WHERE c.{column} = k.value{live} OFFSET 0) "
                "AS found"
            )
            params.append(sorted(values[name]))
    if not parts:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        return {row[0] for row in cursor.fetchall()}


def _load_survivors(profiles: dict[int, Customer]) -> None:
    """Add the profiles merged ones were merged into (a merge can itself be merged)."""
    missing = {c.merged_into_id for c in profiles.values() if c.merged_into_id} - profiles.keys()
    while missing:
        for customer in Customer.objects.filter(pk__in=missing):
            profiles[customer.pk] = customer
        missing = {c.merged_into_id for c in profiles.values() if c.merged_into_id}
        missing -= profiles.keys()


def _live(profiles: dict[int, Customer], customer: Customer) -> Customer:
    """Follow merges to the profile in use."""
    while customer.merged_into_id is not None:
        customer = profiles[customer.merged_into_id]
    return customer


def _choose(found: dict[str, list[Customer]]) -> tuple[Customer | None, str]:
    for key in KEY_ORDER:
        profiles = found.get(key, [])
        if len(profiles) == 1:
            return profiles[0], key
    return None, MatchKey.NEW_PROFILE


def _new_profile(inbound: InboundCustomer, keys: _Keys) -> Customer:
    profile = {name: value for name, value in inbound.profile.items() if name in PROFILE_FIELDS}
    customer = Customer(
        **profile, email=keys.email, phone=keys.phone, loyalty_number=keys.loyalty_number
    )
    # A store given as a loaded Store exists: checking it again would cost a query a profile.
    loaded = [name for name, value in profile.items() if hasattr(value, "_meta")]
    try:
        customer.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DomainError(
            "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items()),
            code="invalid",
        ) from error
    return customer


def _fill_blanks(customer: Customer, inbound: InboundCustomer, keys: _Keys, known: _Known) -> set:
    """Complete the profile with what it lacks; never overwrite what a person entered. Returns
    the fields completed."""
    changed = set()
    for name in ("email", "phone", "loyalty_number"):
        value = getattr(keys, name)
        taken = name in UNIQUE_KEYS and value in known.taken[name]
        if value and not getattr(customer, name) and not taken:
            setattr(customer, name, value)
            changed.add(name)
    for name, value in inbound.profile.items():
        if name in PROFILE_FIELDS and value not in (None, "") and not getattr(customer, name):
            setattr(customer, name, value)
            changed.add(name)
    if changed:
        known.add(customer)
    return changed


class _Batch:
    """The records of one batch decided in order, and the writes they call for."""

    def __init__(self, known: _Known) -> None:
        self.known = known
        self.created: list[Customer] = []
        self.completed: dict[int, tuple[Customer, set[str]]] = {}
        self.identities: list[tuple[Customer, str, str, str]] = []
        self.suggestions: list[tuple[Customer, Customer, list[str], str]] = []

    def resolve(self, inbound: InboundCustomer, keys: _Keys) -> Resolution:
        found = self.known.found(inbound, keys)
        customer, matched_on = _choose(found)
        created, completed = customer is None, False
        if customer is None:
            customer = _new_profile(inbound, keys)
            self.created.append(customer)
            self.known.add(customer)
        elif changed := _fill_blanks(customer, inbound, keys, self.known):
            completed = True
            if customer.pk is not None:
                self.completed.setdefault(id(customer), (customer, set()))[1].update(changed)
        identity = _identity_key(inbound)
        if identity and matched_on != MatchKey.EXTERNAL_ID:
            self.identities.append((customer, *identity, matched_on))
            self.known.identities[identity] = customer
            completed = completed or not created
        conflicts = self._conflicts(customer, found, inbound, matched_on)
        return Resolution(customer, created, matched_on, conflicts, completed)

    def _conflicts(
        self, customer: Customer, found: dict[str, list[Customer]], inbound: Any, key: str
    ) -> list[Customer]:
        others = {id(p): p for profiles in found.values() for p in profiles if p is not customer}
        if not others:
            return []
        reason = _("Seen from %(source)s, attached by %(key)s") % {
            "source": inbound.source or "omni",
            "key": key,
        }
        for other in others.values():
            keys_shared = [name for name, profiles in found.items() if other in profiles]
            self.suggestions.append((customer, other, keys_shared, reason))
        return list(others.values())

    def write(self) -> None:
        now = timezone.now()
        instances_insert(Customer, self.created)
        by_fields: dict[tuple[str, ...], list[Customer]] = defaultdict(list)
        for customer, fields in self.completed.values():
            customer.updated_at = now
            by_fields[tuple(sorted(fields))].append(customer)
        for fields, customers in by_fields.items():
            Customer.objects.bulk_update(customers, [*fields, "updated_at"])
        instances_insert(
            ExternalIdentity,
            [
                ExternalIdentity(
                    customer=customer, source=source, external_id=external_id, matched_on=matched_on
                )
                for customer, source, external_id, matched_on in self.identities
            ],
        )
        duplicates_suggest(self.suggestions)


def duplicates_suggest(
    pairs: Iterable[tuple[Customer, Customer, Iterable[str], str]],
) -> None:
    """Record that these profiles may be one person (customer, other, keys matched, reason):
    a new suggestion per pair, or its keys added to the open one (see `duplicate_suggest`)."""
    wanted: dict[tuple[int, int], tuple[set[str], str]] = {}
    for customer, other, keys, reason in pairs:
        if customer.pk == other.pk:
            continue
        pair = (min(customer.pk, other.pk), max(customer.pk, other.pk))
        wanted.setdefault(pair, (set(), reason))[0].update(keys)
    if not wanted:
        return
    existing = {
        (suggestion.customer_id, suggestion.other_id): suggestion
        for suggestion in DuplicateSuggestion.objects.filter(
            customer_id__in={first for first, _ in wanted},
            other_id__in={second for _, second in wanted},
        )
    }
    new, grown = [], []
    for pair, (keys, reason) in wanted.items():
        suggestion = existing.get(pair)
        if suggestion is None:
            new.append(
                DuplicateSuggestion(
                    customer_id=pair[0], other_id=pair[1], matched_on=sorted(keys), reason=reason
                )
            )
        elif suggestion.status == DuplicateSuggestion.Status.OPEN:
            merged = sorted(set(suggestion.matched_on) | keys)
            if merged != suggestion.matched_on:
                suggestion.matched_on = merged
                grown.append(suggestion)
    DuplicateSuggestion.objects.bulk_create(new)
    DuplicateSuggestion.objects.bulk_update(grown, ["matched_on"])


def _resolve_batch(inbounds: Sequence[InboundCustomer]) -> list[Resolution | DomainError]:
    keys: list[_Keys | DomainError] = []
    for inbound in inbounds:
        try:
            keys.append(_normalised_keys(inbound))
        except DomainError as error:
            keys.append(error)
    valid = [index for index, key in enumerate(keys) if isinstance(key, _Keys)]
    batch = _Batch(_load([inbounds[index] for index in valid], [keys[index] for index in valid]))
    results: list[Resolution | DomainError] = list(keys)  # errors stay in place
    for index in valid:
        try:
            results[index] = batch.resolve(inbounds[index], keys[index])
        except DomainError as error:
            results[index] = error
    batch.write()
    return results


def customers_resolve(inbounds: Sequence[InboundCustomer]) -> list[Resolution | DomainError]:
    """Find or create the profile of each inbound customer, in order; a DomainError in place of
    a resolution is a customer refused (invalid email or phone...), which writes nothing.

    Safe when two deliveries race: the unique constraints on email, loyalty number and
    (source, external id) make the loser fail; it then resolves again and finds the winner's
    profiles.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _resolve_batch(inbounds)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def customer_resolve(inbound: InboundCustomer) -> Resolution:
    """Find or create the profile for `inbound` (see `customers_resolve`)."""
    resolution = customers_resolve([inbound])[0]
    if isinstance(resolution, DomainError):
        raise resolution
    return resolution


def customer_find_duplicates(
    *, email: str | None = None, phone: str | None = None, loyalty_number: str | None = None
) -> list[tuple[Customer, list[str]]]:
    """Profiles that share a key with what is being typed, and which keys: for warnings."""
    inbound = InboundCustomer(email=email, phone=phone, loyalty_number=loyalty_number)
    keys = _normalised_keys(inbound)
    by_customer: dict[int, tuple[Customer, list[str]]] = {}
    for key, profiles in _load([inbound], [keys]).found(inbound, keys).items():
        for profile in profiles:
            by_customer.setdefault(profile.pk, (profile, []))[1].append(str(key))
    return list(by_customer.values())
