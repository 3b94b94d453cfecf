"""A person's values as they can appear in text: what erasure looks for and redacts.

Her values are read from every profile that is hers (the one erased and those merged into it):
names, email, phone, birth date, loyalty number, shop ids and address lines. A phone is found
whatever its spelling (+33 6 12 34 56 78, 06.12.34.56.78, 0033612345678); other values whatever
their case; JSON stored with its non-ASCII characters escaped ("H\\u00e9l\\u00e8ne") too.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import phonenumbers

REDACTED = "[erased]"
# In a JSON document that names her (a shop's order or customer), these keys hold her data
# whatever their value: Shopify's and WooCommerce's address, contact and client fields.
PERSONAL_KEYS = frozenset(
    {
        *("first_name", "last_name", "name", "email", "phone", "company"),
        *("address1", "address2", "address_1", "address_2", "zip", "postcode", "city"),
        *("latitude", "longitude", "browser_ip", "ip_address", "customer_ip_address"),
        *("customer_user_agent", "note", "customer_note", "contact_email", "billing_email"),
    }
)
SEPARATOR = r"[\s.\-/]*"
MINIMUM_LENGTH = 3


@dataclass
class PersonValues:
    """`strong`: values that identify her on their own (email, phone, full name, shop ids),
    used to find rows that name no customer; `all`: every value of hers, redacted in the rows
    found and in the rows about her."""

    strong: set[str] = field(default_factory=set)
    weak: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)

    def add_profile(self, profile: dict[str, Any]) -> None:
        first, last = (profile.get("first_name") or "").strip(), (profile.get("last_name") or "")
        last = last.strip()
        if first and last:
            self.strong |= {f"{first} {last}", f"{last} {first}"}
        self.weak |= {value for value in (first, last) if value}
        for name in ("email", "loyalty_number"):
            if profile.get(name):
                self.strong.add(str(profile[name]))
        if profile.get("phone"):
            self.phones.add(profile["phone"])
        if profile.get("birth_date"):
            birth = profile["birth_date"]
            self.strong |= {birth.isoformat(), birth.strftime("%d/%m/%Y")}

    def add_identity(self, external_id: str) -> None:
        if external_id and len(external_id) >= MINIMUM_LENGTH:
            self.strong.add(external_id)

    def add_address(self, address: dict[str, Any]) -> None:
        for name in ("recipient", "line1", "line2"):
            if address.get(name):
                self.weak.add(address[name])
        if address.get("phone"):
            self.phones.add(address["phone"])

    def may_appear_in(self, value: Any) -> bool:
        """A cheap test before the expression is compiled: could `value` quote her (one of her
        values as a substring, her phone's digits, a personal key of a shop's JSON)?"""
        if value is None or value in ("", b"", [], {}):
            return False
        if isinstance(value, dict | list):
            if isinstance(value, dict) and any(
                key in PERSONAL_KEYS and item not in (None, "", [], {})
                for key, item in value.items()
            ):
                return True
            items = value.values() if isinstance(value, dict) else value
            return any(self.may_appear_in(item) for item in items)
        if isinstance(value, bytes | memoryview):
            value = bytes(value).decode("utf-8", errors="replace")
        text = str(value).casefold()
        if any(term.casefold() in text for term in self._terms):
            return True
        digits = re.sub(r"\D", "", text)
        return any(national in digits for national in self._nationals)

    @cached_property
    def _terms(self) -> list[str]:
        values = {*self.strong, *self.weak}
        texts = {text for value in values for text in (value, _json_escaped(value))}
        return [text for text in texts if len(text) >= MINIMUM_LENGTH]

    @cached_property
    def _nationals(self) -> list[str]:
        return [parts[1] for phone in self.phones if (parts := _national(phone))]

    @property
    def empty(self) -> bool:
        return not (self.strong or self.weak or self.phones)

    def search_terms(self, *, weak: bool = False) -> list[str]:
        """Substrings a stored text holding her strong values (and her names, with `weak`)
        contains: the database filter."""
        terms = set()
        for value in self.strong | (self.weak if weak else set()):
            terms |= {value, _json_escaped(value)}
        for phone in self.phones:
            terms |= {phone, *_phone_spellings(phone)}
        return sorted(term for term in terms if len(term) >= MINIMUM_LENGTH)

    def pattern(self, *, strong_only: bool = False) -> re.Pattern[str] | None:
        """One expression matching any of her values (the weak ones too unless strong_only)."""
        values = set(self.strong) if strong_only else {*self.strong, *self.weak}
        texts = {text for value in values for text in (value, _json_escaped(value))}
        parts = [_word(re.escape(text)) for text in texts if len(text) >= MINIMUM_LENGTH]
        parts += [_phone_pattern(phone) for phone in self.phones]
        parts = [part for part in parts if part]
        if not parts:
            return None
        # Longest first, so that "Marie Dupont" is redacted whole rather than word by word.
        parts.sort(key=len, reverse=True)
        return re.compile("|".join(parts), re.IGNORECASE)


def redact(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` with every match replaced, through JSON lists and objects (keys too)."""
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, bytes | memoryview):
        return redact_bytes(bytes(value), pattern)
    if isinstance(value, list):
        return [redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {
            redact(key, pattern): (
                REDACTED
                if key in PERSONAL_KEYS and item not in (None, "", [], {})
                else redact(item, pattern)
            )
            for key, item in value.items()
        }
    if isinstance(value, int | float) and not isinstance(value, bool):
        return REDACTED if pattern.fullmatch(str(value)) else value
    return value


def redact_bytes(body: bytes, pattern: re.Pattern[str]) -> bytes:
    """A stored raw body: as JSON when it is (numbers that are her ids included), else text."""
    text = body.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except ValueError:
        return pattern.sub(REDACTED, text).encode()
    redacted = redact(document, pattern)
    if redacted == document:
        return body
    return json.dumps(redacted, ensure_ascii=False).encode()


def matches(value: Any, pattern: re.Pattern[str]) -> bool:
    return redact(value, pattern) != value


def _word(escaped: str) -> str:
    """Not inside a longer word or number: "Marie" is not found in "Mariette"."""
    return rf"(?<![\w@.+]){escaped}(?![\w@])"


def _json_escaped(value: str) -> str:
    return json.dumps(value)[1:-1]


def _national(phone: str) -> tuple[str, str] | None:
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    return str(number.country_code), str(number.national_number)


def _phone_spellings(phone: str) -> set[str]:
    parts = _national(phone)
    if parts is None:
        return {phone}
    code, national = parts
    return {f"+{code}{national}", f"00{code}{national}", f"0{national}", national}


def _phone_pattern(phone: str) -> str:
    parts = _national(phone)
    if parts is None:
        return _word(re.escape(phone))
    code, national = parts
    digits = SEPARATOR.join(national)
    prefix = rf"(?:(?:\+|00){SEPARATOR}{code}{SEPARATOR}(?:\(0\){SEPARATOR})?|0{SEPARATOR})?"
    return rf"(?<![\d+]){prefix}{digits}(?!\d)"


def profile_values(profiles: Iterable[dict[str, Any]]) -> PersonValues:
    values = PersonValues()
    for profile in profiles:
        values.add_profile(profile)
    return values
