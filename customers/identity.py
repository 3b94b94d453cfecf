"""Identity resolution: which profile an inbound customer (API, webhook, booking, tablet) is.

Keys are tried strongest first: the id in the source system, then the normalised email, then
the phone, then the loyalty number. The first key that designates exactly one profile wins and
is recorded (explainable matches). Keys that designate *another* profile are never merged
silently: they become duplicate suggestions for a person to review.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.models import Customer, ExternalIdentity, MatchKey
from customers.normalization import normalize_email, normalize_phone
from customers.services import PROFILE_FIELDS, duplicate_suggest
from omni.errors import DomainError


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


def _live(customer: Customer) -> Customer:
    """Follow merges to the profile in use."""
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    return customer


def _candidates(inbound: InboundCustomer, keys: _Keys) -> dict[str, list[Customer]]:
    """Every profile each key designates (a phone can be shared, so it may be several)."""
    found: dict[str, list[Customer]] = {}
    if inbound.source and inbound.external_id:
        identity = (
            ExternalIdentity.objects.select_related("customer")
            .filter(source=inbound.source, external_id=str(inbound.external_id))
            .first()
        )
        if identity:
            found[MatchKey.EXTERNAL_ID] = [_live(identity.customer)]
    lookups = (
        (MatchKey.EMAIL, "email", keys.email),
        (MatchKey.PHONE, "phone", keys.phone),
        (MatchKey.LOYALTY_NUMBER, "loyalty_number", keys.loyalty_number),
    )
    for key, field_name, value in lookups:
        if value:
            profiles = Customer.objects.filter(**{field_name: value}, merged_into__isnull=True)
            found[key] = list(profiles[:5])
    return found


def customer_find_duplicates(
    *, email: str | None = None, phone: str | None = None, loyalty_number: str | None = None
) -> list[tuple[Customer, list[str]]]:
    """Profiles that share a key with what is being typed, and which keys: for warnings."""
    keys = _normalised_keys(
        InboundCustomer(email=email, phone=phone, loyalty_number=loyalty_number)
    )
    by_customer: dict[int, tuple[Customer, list[str]]] = {}
    for key, profiles in _candidates(InboundCustomer(), keys).items():
        for profile in profiles:
            by_customer.setdefault(profile.pk, (profile, []))[1].append(str(key))
    return list(by_customer.values())


def _choose(found: dict[str, list[Customer]]) -> tuple[Customer | None, str]:
    for key in (MatchKey.EXTERNAL_ID, MatchKey.EMAIL, MatchKey.PHONE, MatchKey.LOYALTY_NUMBER):
        profiles = found.get(key, [])
        if len(profiles) == 1:
            return profiles[0], key
    return None, MatchKey.NEW_PROFILE


def _fill_blanks(customer: Customer, inbound: InboundCustomer, keys: _Keys) -> None:
    """Complete the profile with what it lacks; never overwrite what a person entered."""
    changed = []
    for field_name in ("email", "phone", "loyalty_number"):
        value = getattr(keys, field_name)
        if value and not getattr(customer, field_name):
            taken = (
                field_name != "phone" and Customer.objects.filter(**{field_name: value}).exists()
            )
            if not taken:
                setattr(customer, field_name, value)
                changed.append(field_name)
    for field_name, value in inbound.profile.items():
        if (
            field_name in PROFILE_FIELDS
            and value not in (None, "")
            and not getattr(customer, field_name)
        ):
            setattr(customer, field_name, value)
            changed.append(field_name)
    if changed:
        customer.save(update_fields=[*changed, "updated_at"])


def _create_profile(inbound: InboundCustomer, keys: _Keys) -> Customer:
    profile = {name: value for name, value in inbound.profile.items() if name in PROFILE_FIELDS}
    customer = Customer(
        **profile, email=keys.email, phone=keys.phone, loyalty_number=keys.loyalty_number
    )
    try:
        customer.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DomainError(
            "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items()),
            code="invalid",
        ) from error
    customer.save()
    return customer


def _resolve_once(inbound: InboundCustomer, keys: _Keys) -> Resolution:
    found = _candidates(inbound, keys)
    customer, matched_on = _choose(found)
    created = customer is None
    if customer is None:
        customer = _create_profile(inbound, keys)
    else:
        _fill_blanks(customer, inbound, keys)
    if inbound.source and inbound.external_id and matched_on != MatchKey.EXTERNAL_ID:
        ExternalIdentity.objects.create(
            customer=customer,
            source=inbound.source,
            external_id=str(inbound.external_id),
            matched_on=matched_on,
        )
    conflicts = {
        profile.pk: profile
        for profiles in found.values()
        for profile in profiles
        if profile.pk != customer.pk
    }
    for other in conflicts.values():
        keys_shared = [key for key, profiles in found.items() if other in profiles]
        duplicate_suggest(
            customer=customer,
            other=other,
            matched_on=keys_shared,
            reason=_("Seen from %(source)s, attached by %(key)s")
            % {"source": inbound.source or "omni", "key": matched_on},
        )
    return Resolution(customer, created, matched_on, list(conflicts.values()))


def customer_resolve(inbound: InboundCustomer) -> Resolution:
    """Find or create the profile for `inbound`; safe when two deliveries race.

    The unique constraints on email, loyalty number and (source, external id) make the
    loser of a race fail; it then resolves again and finds the winner's profile.
    """
    keys = _normalised_keys(inbound)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _resolve_once(inbound, keys)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
