"""Reading values from shop payloads: ids, money, dates, contact details.

Ids can exceed 2^53 (Shopify) and are kept as strings; money arrives as strings (WooCommerce)
or numbers; WooCommerce `*_gmt` dates carry no offset and are UTC.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from customers.normalization import normalize_email, normalize_phone
from omni.errors import DomainError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def external_id(value: object) -> str:
    """An id as a string; a Shopify GraphQL id (gid://shopify/Order/1) gives its number."""
    if value is None or value == "":
        raise DomainError(_("The record has no id."), code="invalid")
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("gid://") else text


def money(value: object) -> Decimal:
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise DomainError(_("“%s” is not an amount.") % value, code="invalid") from error


def aware_time(value: str | None, *, naive_means_utc: bool = False) -> datetime.datetime | None:
    """An ISO 8601 time; one without an offset is refused unless it is known to be UTC."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise DomainError(_("“%s” is not a date and time.") % value, code="invalid")
    if parsed.tzinfo is None:
        if not naive_means_utc:
            raise DomainError(_("“%s” has no time zone.") % value, code="invalid")
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def usable_email(value: str | None) -> str | None:
    """The email if it is valid; a shop's bad value must not block the order it comes with."""
    try:
        return normalize_email(value)
    except ValidationError:
        return None


def usable_phone(value: str | None, *, country: str | None = None) -> str | None:
    """The phone in E.164, read in the country of the address it came with; None if invalid."""
    try:
        return normalize_phone(value, region=(country or None))
    except ValidationError:
        return None
