"""The fast path of batch validation: the plain forms of each value, read as DRF reads them.

DRF validates a three-line order in about 0.6 ms, nearly all of it in its generic field
machinery: more than half a second for a batch of 1,000, longer than writing it. A record's
fast reader (e.g. `journeys.api.orders.order_record_read`) uses the functions below, which
accept only the common, unambiguous forms of a value and return exactly what the DRF field
would (same type, same default, same normalisation). Anything else, and every invalid value,
raises `Unsure`: the record then goes through its DRF serializer, which accepts the rarer
forms and words the errors as always. So the fast path never refuses and never decides
differently; `tests/api/test_fast_records.py` holds both readers to the same answers.
"""

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime

CENT = Decimal("0.01")
# MONEY (12 digits, 2 decimals, not negative) written plainly: "12", "12.5", "12.50".
_MONEY_TEXT = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
_MONEY_LIMIT = 10**10
_SURROGATES = re.compile("[\ud800-\udfff]")


class Unsure(Exception):  # noqa: N818 - not an error: "let DRF decide"
    """The value is not in a form the fast path reads: the serializer decides."""


MISSING = object()


def mapping(value: Any) -> Mapping[str, Any]:
    # A JSON object is a dict: checked first, as isinstance of an ABC costs a microsecond.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise Unsure
    return value


def text(value: Any, *, max_length: int, blank: bool = False, null: bool = False) -> str | None:
    """A CharField (trim_whitespace) with `allow_blank=blank, allow_null=null`."""
    if value is None:
        if null:
            return None
        raise Unsure
    if type(value) is not str:
        raise Unsure  # DRF also takes numbers, as their text: rare, left to it
    stripped = value.strip()
    if not stripped:
        if blank:
            return ""
        raise Unsure
    if len(stripped) > max_length or "\x00" in stripped:
        raise Unsure
    if not stripped.isascii() and _SURROGATES.search(stripped):
        raise Unsure
    return stripped


def matching(value: Any, pattern: re.Pattern[str], *, max_length: int) -> str:
    """A RegexField (Django's RegexValidator searches the pattern anywhere in the text)."""
    checked = text(value, max_length=max_length)
    if checked is None or not pattern.search(checked):
        raise Unsure
    return checked


def integer(value: Any, *, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise Unsure
    return value


def money(value: Any) -> Decimal:
    """A DecimalField(**MONEY): quantized to the cent."""
    if type(value) is int:
        if not 0 <= value < _MONEY_LIMIT:
            raise Unsure
        return Decimal(value).quantize(CENT)
    if type(value) is float:
        value = str(value)  # as DRF reads it
    if type(value) is not str or not _MONEY_TEXT.fullmatch(value):
        raise Unsure
    return Decimal(value).quantize(CENT)


def money_or(value: Any, default: Decimal) -> Decimal:
    """A DecimalField(**MONEY, default=...): the default is given as it is, not quantized."""
    return default if value is MISSING else money(value)


def choice(value: Any, choices: frozenset[str]) -> str:
    if type(value) is not str or value not in choices:
        raise Unsure
    return value


def boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise Unsure
    return value


def aware_datetime(value: Any, *, null: bool = False) -> datetime.datetime | None:
    """An AwareDateTimeField: ISO 8601 with its offset, in UTC."""
    if value is None and null:
        return None
    if type(value) is not str:
        raise Unsure
    try:
        parsed = parse_datetime(value)
    except ValueError:
        raise Unsure from None
    if parsed is None or parsed.utcoffset() is None:
        raise Unsure
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise Unsure from None
