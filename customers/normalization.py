"""Contact normalisation: the one place that decides what an email or a phone number is."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalize_email(value: str | None) -> str | None:
    """Trim and lower-case an email; empty becomes None. Raises ValidationError if invalid."""
    if value is None:
        return None
    email = value.strip().lower()
    if not email:
        return None
    validate_email(email)
    return email


def normalize_phone(value: str | None, *, region: str | None = None) -> str | None:
    """Return the number in E.164 (+33612345678); empty becomes None.

    Accepts the forms people type (06 12 34 56 78, +33 6 12 34 56 78, 0033 6...), reading
    national numbers in `region` (default: OMNI_DEFAULT_PHONE_REGION).
    """
    if value is None or not value.strip():
        return None
    raw = value.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region or settings.OMNI_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="invalid_phone",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_for_display(e164: str | None) -> str:
    """+33612345678 → '06 12 34 56 78' for a French number, international form otherwise."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    if phonenumbers.region_code_for_number(number) == settings.OMNI_DEFAULT_PHONE_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
