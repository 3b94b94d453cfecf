"""CSV of the members a campaign may contact: identity, then the contact data of its channel."""

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers.models import ContactChannel, Customer

EXPORT_CHUNK_SIZE = 2000
# A cell starting with one of these is read as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    is_phone = text.startswith("+") and text[1:].isdigit()
    if text.startswith(FORMULA_STARTS) and not is_phone:
        return "'" + text
    return text


def _contact_header(channel: str) -> list[str]:
    if channel == ContactChannel.EMAIL:
        return [_("email")]
    if channel in (ContactChannel.SMS, ContactChannel.PHONE):
        return [_("phone")]
    if channel == ContactChannel.POST:
        return [
            _("recipient"),
            _("address"),
            _("address line 2"),
            _("postal code"),
            _("city"),
            _("country"),
        ]
    return [_("loyalty number")]


def _contact_cells(customer: Customer, channel: str) -> list[object]:
    if channel == ContactChannel.EMAIL:
        return [customer.email]
    if channel in (ContactChannel.SMS, ContactChannel.PHONE):
        return [customer.phone]
    if channel == ContactChannel.POST:
        address = next(iter(customer.addresses.all()), None)
        if address is None:
            return [""] * 6
        recipient = address.recipient or customer.full_name
        return [
            recipient,
            address.line1,
            address.line2,
            address.postal_code,
            address.city,
            address.country,
        ]
    return [customer.loyalty_number]


def header(channel: str) -> list[str]:
    identity = [_("id"), _("first name"), _("last name"), _("language"), _("lifecycle stage")]
    return [*identity, _("loyalty tier"), _("preferred store"), *_contact_header(channel)]


def row(customer: Customer, channel: str) -> list[object]:
    store = customer.preferred_store.code if customer.preferred_store else ""
    identity = [customer.pk, customer.first_name, customer.last_name, customer.preferred_language]
    stage_and_tier = [customer.lifecycle_stage, customer.loyalty_tier, store]
    return [*identity, *stage_and_tier, *_contact_cells(customer, channel)]


def csv_lines(rows: QuerySet[Customer], *, channel: str) -> Iterator[str]:
    """The CSV, line by line, reading the members in chunks (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[object]) -> str:
        writer.writerow([safe_cell(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # The byte order mark tells spreadsheet software the file is UTF-8 (accented names).
    yield "\ufeff" + line(header(channel))
    for customer in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield line(row(customer, channel))
