"""Segment rules: which operators each field accepts, how values parse, what each rule filters.

Each rule compiles to a `Q` over SegmentFacts (one narrow row per live customer, kept by the
database: segments/facts.py): plain lookups on its columns and the preferred store, and
`Exists` subqueries for what it does not copy (preferences), so a whole segment is one query
whatever its rules, without DISTINCT (a tag rule first looks up its tag's ids). Customers
without metrics yet (no purchase computed) count as 0 purchases and never bought: their facts
say so.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import (
    ConsentPurpose,
    ContactChannel,
    LifecycleStage,
    LoyaltyTier,
    Preference,
    Tag,
)
from omni.models import Channel, Store


class RuleField(models.TextChoices):
    LIFECYCLE_STAGE = "lifecycle_stage", _("Lifecycle stage")
    CHANNEL = "channel", _("Purchase channel used")
    CHANNEL_COUNT = "channel_count", _("Number of purchase channels")
    TOTAL_SPENT = "total_spent", _("Total spent")
    ORDER_COUNT = "order_count", _("Number of purchases")
    LAST_PURCHASE = "last_purchase", _("Last purchase")
    PREFERRED_STORE = "preferred_store", _("Preferred store")
    STORE_REGION = "store_region", _("Region of the preferred store")
    FAVOURITE_CATEGORY = "favourite_category", _("Favourite category")
    FAVOURITE_BRAND = "favourite_brand", _("Favourite brand")
    SIZE = "size", _("Size")
    CONSENT = "consent", _("Consent")
    TAG = "tag", _("Tag")
    LOYALTY_TIER = "loyalty_tier", _("Loyalty tier")


class RuleOperator(models.TextChoices):
    IN = "in", _("is one of")
    NOT_IN = "not_in", _("is none of")
    INCLUDES = "includes", _("includes")
    EXCLUDES = "excludes", _("does not include")
    GTE = "gte", _("≥")
    LTE = "lte", _("≤")
    EQUALS = "eq", _("=")
    WITHIN_DAYS = "within_days", _("within the last N days")
    BEFORE_DAYS = "before_days", _("more than N days ago")
    NEVER = "never", _("never")
    CONTAINS = "contains", _("contains")
    GRANTED = "granted", _("currently granted")
    NOT_GRANTED = "not_granted", _("not currently granted")
    HAS = "has", _("has")
    HAS_NOT = "has_not", _("has not")


Operator = RuleOperator
SIZE_KIND = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _required(value: str) -> str:
    if not value.strip():
        raise ValidationError(_("Enter a value."))
    return value.strip()


def _choices(choices: type[models.TextChoices], message: Any) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        items = _split(value)
        if not items:
            raise ValidationError(_("Enter at least one value."))
        unknown = [item for item in items if item not in choices.values]
        if unknown:
            raise ValidationError(
                message,
                params={"values": ", ".join(unknown), "known": ", ".join(choices.values)},
            )
        return items

    return parse


def _whole_number(value: str) -> int:
    try:
        number = int(_required(value))
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a whole number."), params={"value": value}
        ) from None
    if number < 0:
        raise ValidationError(_("Enter a number of zero or more."))
    return number


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(_required(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not an amount."), params={"value": value}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError(_("Enter an amount of zero or more."))
    return amount


def _no_value(value: str) -> None:
    if value.strip():
        raise ValidationError(_("This operator takes no value; leave it empty."))


def _non_empty_list(message: Any) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        items = _split(value)
        if not items:
            raise ValidationError(message)
        return items

    return parse


def _known_in_stores(lookup: str, message: Any, param: str) -> Callable[[list[str]], None]:
    """Check that every value is some store's `lookup` (code, region)."""

    def check(values: list[str]) -> None:
        stores = Store.objects.filter(**{f"{lookup}__in": values})
        known = set(stores.values_list(lookup, flat=True))
        unknown = [value for value in values if value not in known]
        if unknown:
            raise ValidationError(message, params={param: ", ".join(unknown)})

    return check


_store_codes = _non_empty_list(_("Enter at least one store code."))
_check_store_codes = _known_in_stores("code", _("Unknown store code: %(codes)s."), "codes")
_regions = _non_empty_list(_("Enter at least one region."))
_check_regions = _known_in_stores("region", _("No store is in the region: %(regions)s."), "regions")


def _text(value: str) -> str:
    text = _required(value)
    if '"' in text or "\\" in text:
        raise ValidationError(_("Quotes and backslashes are not allowed here."))
    return text


def _size(value: str) -> tuple[str, str]:
    kind, separator, size = _required(value).partition("=")
    kind, size = kind.strip().lower(), size.strip()
    if not separator or not size or not SIZE_KIND.match(kind):
        raise ValidationError(
            _("Write the size as kind=size, for example shoes=38 or tops=M."),
        )
    return kind, size


def _consent(value: str) -> tuple[str, str]:
    purpose, separator, channel = _required(value).partition(":")
    purpose, channel = purpose.strip(), channel.strip()
    if not separator or purpose not in ConsentPurpose.values:
        raise ValidationError(
            _("Write purpose:channel with a purpose among %(purposes)s, e.g. marketing:email."),
            params={"purposes": ", ".join(ConsentPurpose.values)},
        )
    if channel not in ContactChannel.values:
        raise ValidationError(
            _("Unknown contact channel “%(channel)s”; use one of %(channels)s."),
            params={"channel": channel, "channels": ", ".join(ContactChannel.values)},
        )
    return purpose, channel


def _check_tag(name: str) -> None:
    if not Tag.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("Unknown tag “%(tag)s”."), params={"tag": name})


def _channel(value: str) -> str:
    channel = _required(value)
    if channel not in Channel.values:
        raise ValidationError(
            _("Unknown channel “%(channel)s”; use one of %(channels)s."),
            params={"channel": channel, "channels": ", ".join(Channel.values)},
        )
    return channel


@dataclass(frozen=True)
class FieldSpec:
    operators: tuple[str, ...]
    parse: Callable[[str], Any]
    # (operator, parsed value) → Q over SegmentFacts
    compile: Callable[[str, Any], Q]
    # Checks the parsed value against the database (known store codes...) when a rule is saved.
    check: Callable[[Any], None] | None = None


def _list_rule(lookup: str) -> Callable[[str, Any], Q]:
    def compile_rule(operator: str, values: list[str]) -> Q:
        matches = Q(**{f"{lookup}__in": values})
        if operator == Operator.IN:
            return matches
        # "none of" includes customers without a value (no preferred store...).
        return ~matches | Q(**{f"{lookup}__isnull": True})

    return compile_rule


def _compare(lookup: str) -> Callable[[str, Any], Q]:
    """≥ ≤ = on a metric (0 for a customer without metrics)."""

    def compile_rule(operator: str, number: Any) -> Q:
        return Q(**{f"{lookup}__{operator if operator != Operator.EQUALS else 'exact'}": number})

    return compile_rule


def _channel_rule(operator: str, channel: str) -> Q:
    used = Q(channels__contains=f",{channel},")
    return used if operator == Operator.INCLUDES else ~used


def _last_purchase_rule(operator: str, days: int | None) -> Q:
    if operator == Operator.NEVER:
        return Q(last_order_at__isnull=True)
    cutoff = timezone.now() - timedelta(days=days or 0)
    if operator == Operator.WITHIN_DAYS:
        return Q(last_order_at__gte=cutoff)
    return Q(last_order_at__lt=cutoff)


def _json_text(text: str) -> str:
    """`text` as it appears inside the stored JSON (SQLite keeps it ASCII-escaped)."""
    return json.dumps(text, ensure_ascii=connection.vendor == "sqlite")[1:-1]


def _her_preference(**lookup: Any) -> Q:
    return Q(Exists(Preference.objects.filter(customer_id=OuterRef("customer_id"), **lookup)))


def _favourite_rule(lookup: str) -> Callable[[str, Any], Q]:
    def compile_rule(operator: str, text: str) -> Q:
        return _her_preference(**{f"{lookup}__icontains": _json_text(text)})

    return compile_rule


def _size_rule(operator: str, kind_and_size: tuple[str, str]) -> Q:
    kind, size = kind_and_size
    return _her_preference(**{f"sizes__{kind}__iexact": size})


def granted_now(purpose: str, channel: str) -> Q:
    """Over SegmentFacts: her current consent for purpose × channel (the consent ledger's
    latest entry, kept in customers.CurrentConsent by triggers) grants it."""
    return Q(granted__contains=f",{purpose}:{channel},")


def _consent_rule(operator: str, purpose_and_channel: tuple[str, str]) -> Q:
    granted = granted_now(*purpose_and_channel)
    return granted if operator == Operator.GRANTED else ~granted


def _tag_rule(operator: str, name: str) -> Q:
    """Her tags' ids are in her facts: the name is looked up now (a tag unknown by then is
    held by nobody)."""
    tag_ids = Tag.objects.filter(name__iexact=name).values_list("pk", flat=True)
    tagged = Q(pk__in=[])
    for tag_id in tag_ids:
        tagged |= Q(tags__contains=f",{tag_id},")
    return tagged if operator == Operator.HAS else ~tagged


# Operators that stand alone ("never bought"): the value must be left empty.
NO_VALUE_OPERATORS = (Operator.NEVER,)
LIST_OPERATORS = (Operator.IN, Operator.NOT_IN)
COMPARISONS = (Operator.GTE, Operator.LTE, Operator.EQUALS)
FIELDS: dict[str, FieldSpec] = {
    RuleField.LIFECYCLE_STAGE: FieldSpec(
        LIST_OPERATORS,
        _choices(LifecycleStage, _("Unknown stage: %(values)s (known: %(known)s).")),
        _list_rule("lifecycle_stage"),
    ),
    RuleField.CHANNEL: FieldSpec((Operator.INCLUDES, Operator.EXCLUDES), _channel, _channel_rule),
    RuleField.CHANNEL_COUNT: FieldSpec(COMPARISONS, _whole_number, _compare("channel_count")),
    RuleField.TOTAL_SPENT: FieldSpec(
        (Operator.GTE, Operator.LTE),
        _amount,
        _compare("total_spent"),
    ),
    RuleField.ORDER_COUNT: FieldSpec(COMPARISONS, _whole_number, _compare("order_count")),
    RuleField.LAST_PURCHASE: FieldSpec(
        (Operator.WITHIN_DAYS, Operator.BEFORE_DAYS, Operator.NEVER),
        _whole_number,
        _last_purchase_rule,
    ),
    RuleField.PREFERRED_STORE: FieldSpec(
        LIST_OPERATORS, _store_codes, _list_rule("preferred_store__code"), _check_store_codes
    ),
    RuleField.STORE_REGION: FieldSpec(
        LIST_OPERATORS, _regions, _list_rule("preferred_store__region"), _check_regions
    ),
    RuleField.FAVOURITE_CATEGORY: FieldSpec(
        (Operator.CONTAINS,), _text, _favourite_rule("favourite_categories")
    ),
    RuleField.FAVOURITE_BRAND: FieldSpec(
        (Operator.CONTAINS,), _text, _favourite_rule("favourite_brands")
    ),
    RuleField.SIZE: FieldSpec((Operator.EQUALS,), _size, _size_rule),
    RuleField.CONSENT: FieldSpec((Operator.GRANTED, Operator.NOT_GRANTED), _consent, _consent_rule),
    RuleField.TAG: FieldSpec((Operator.HAS, Operator.HAS_NOT), _required, _tag_rule, _check_tag),
    RuleField.LOYALTY_TIER: FieldSpec(
        LIST_OPERATORS,
        _choices(LoyaltyTier, _("Unknown loyalty tier: %(values)s (known: %(known)s).")),
        _list_rule("loyalty_tier"),
    ),
}


def rule_value_parse(*, field: str, operator: str, value: str, check: bool = True) -> Any:
    """The rule's value parsed for its field and operator; ValidationError with a clear message.

    `check` also looks the value up in the database (store codes, regions, tags exist)."""
    spec = FIELDS.get(field)
    if spec is None:
        raise ValidationError(_("Unknown field “%(field)s”."), params={"field": field})
    if operator not in spec.operators:
        raise ValidationError(
            _("“%(operator)s” does not apply to %(field)s; use %(operators)s."),
            params={
                "operator": RuleOperator(operator).label
                if operator in Operator.values
                else operator,
                "field": RuleField(field).label,
                "operators": ", ".join(str(Operator(name).label) for name in spec.operators),
            },
        )
    if operator in NO_VALUE_OPERATORS:
        _no_value(value or "")
        return None
    parsed = spec.parse(value or "")
    if check and spec.check is not None:
        spec.check(parsed)
    return parsed


def rule_condition(*, field: str, operator: str, value: str) -> Q:
    """The condition one rule puts on customers' facts (a Q over SegmentFacts)."""
    parsed = rule_value_parse(field=field, operator=operator, value=value, check=False)
    return FIELDS[field].compile(operator, parsed)


def rules_condition(rules: list[dict[str, Any]]) -> Q | None:
    """Groups ANDed inside, ORed together; None when there is no rule (nobody matches)."""
    groups: dict[int, Q] = {}
    for rule in sorted(rules, key=lambda rule: rule["group"]):
        condition = rule_condition(
            field=rule["field"], operator=rule["operator"], value=rule["value"]
        )
        group = rule["group"]
        groups[group] = groups[group] & condition if group in groups else condition
    combined: Q | None = None
    for condition in groups.values():
        combined = condition if combined is None else combined | condition
    return combined
