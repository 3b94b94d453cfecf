"""Shopify's and WooCommerce's own order export CSVs, turned into batch API order records.

Shopify (admin → Orders → Export): one row per line item; the order's columns (Email,
Financial Status, Subtotal, Shipping, Taxes, Total, Discount Amount, Created at...) are on its
first row, `Name` (#1001) is repeated on the next. Its `Id` column, when present, is the order
id the webhooks use, so an exported order and a webhook meet on the same reference.

WooCommerce (the Customer/Order/Coupon export, one row per item): `order_id`, `order_date`,
`status`, `order_currency`, `shipping_total`, `shipping_tax_total`, `tax_total`,
`order_total`, `billing_*`, `item_sku`, `item_name`, `item_quantity`, `item_subtotal`
(before coupons, before tax), `item_total` (after coupons). Its dates carry no time zone: the
shop's zone is given to the import (`--time-zone`).

Money stays as the shop shows it: Shopify's discounts are order-wide (`Discount Amount`),
and its taxes are added to the total when the export's total says so (prices before tax);
WooCommerce's item amounts are before tax, its coupons a discount on each line.
"""

import datetime
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from journeys.history_import.models import HistoryKind
from journeys.history_import.readers import Row, UnreadableRecordError, problem
from journeys.integrations.woocommerce import STATUSES as WOOCOMMERCE_STATUSES
from journeys.models import Fulfilment, Order
from omni.models import Channel

ZERO = Decimal("0")
SHOPIFY_REQUIRED = ("Name", "Created at", "Lineitem quantity", "Lineitem price", "Lineitem sku")
WOOCOMMERCE_REQUIRED = ("order_id", "order_date", "item_sku", "item_quantity", "item_subtotal")


def amount(row: Row, column: str) -> Decimal:
    text = (row.get(column) or "").strip().replace(",", "")
    if not text:
        return ZERO
    try:
        return Decimal(text)
    except InvalidOperation as error:
        message = _("“%(value)s” is not an amount.") % {"value": text}
        raise problem(message, column) from error


def quantity(row: Row, column: str) -> int:
    text = (row.get(column) or "").strip()
    try:
        return int(text)
    except ValueError as error:
        raise problem(_("“%(value)s” is not a quantity.") % {"value": text}, column) from error


def split_name(full_name: str) -> dict[str, str]:
    first, _space, last = full_name.strip().partition(" ")
    return {name: value for name, value in (("first_name", first), ("last_name", last)) if value}


def customer_part(email: str, phone: str, names: dict[str, str]) -> dict[str, Any] | None:
    """The order's customer, by email or phone (what an export knows of her), or no one."""
    keys = {name: value.strip() for name, value in (("email", email), ("phone", phone)) if value}
    if not any(keys.values()):
        return None
    return {**keys, **names}


def check_columns(columns: Sequence[str], required: Sequence[str]) -> None:
    missing = [name for name in required if name not in columns]
    if missing:
        raise UnreadableRecordError(
            {"header": [_("Missing columns: %(names)s.") % {"names": ", ".join(missing)}]}
        )


class ShopifyCsvMapper:
    def __init__(self, kind: str, *, source: str = "shopify", **_options: Any) -> None:
        if kind != HistoryKind.ORDERS:
            raise ValueError(_("Shopify's export CSV holds orders."))
        self.source = source

    def check_header(self, columns: Sequence[str]) -> None:
        check_columns(columns, SHOPIFY_REQUIRED)

    def group_key(self, row: Row) -> object:
        return row.get("Name", "")

    def to_record(self, rows: list[Row]) -> dict[str, Any]:
        first = rows[0]
        shipping, taxes = amount(first, "Shipping"), amount(first, "Taxes")
        subtotal, total = amount(first, "Subtotal"), amount(first, "Total")
        record: dict[str, Any] = {
            "source": self.source,
            "external_reference": (first.get("Id") or first["Name"]).strip(),
            "channel": Channel.STORE if first.get("Source") == "pos" else Channel.WEB,
            "status": self._status(first),
            "fulfilment": Fulfilment.IN_STORE if first.get("Source") == "pos" else None,
            "placed_at": self._time(first["Created at"]),
            "currency": first.get("Currency") or None,
            "shipping_total": shipping,
            "tax_total": taxes,
            "discount_total": amount(first, "Discount Amount"),
            # Subtotal is after discounts; a total that adds the taxes means prices before tax.
            "prices_include_tax": not taxes or total != subtotal + shipping + taxes,
            "customer": customer_part(
                first.get("Email", ""),
                first.get("Phone") or first.get("Billing Phone", ""),
                split_name(first.get("Billing Name", "")),
            ),
            "lines": [self._line(row) for row in rows],
        }
        return {name: value for name, value in record.items() if value is not None}

    @staticmethod
    def _line(row: Row) -> dict[str, Any]:
        return {
            "sku": row["Lineitem sku"].strip(),
            "name": row.get("Lineitem name", "")[:200],
            "quantity": quantity(row, "Lineitem quantity"),
            "unit_price": amount(row, "Lineitem price"),
        }

    @staticmethod
    def _status(row: Row) -> str:
        if row.get("Cancelled at"):
            return Order.Status.CANCELLED
        if row.get("Fulfillment Status") == "fulfilled":
            return Order.Status.FULFILLED
        if row.get("Financial Status") == "pending":
            return Order.Status.PENDING
        return Order.Status.CONFIRMED

    @staticmethod
    def _time(text: str) -> str:
        """Shopify writes "2024-03-01 10:15:42 +0100"."""
        try:
            return datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S %z").isoformat()
        except ValueError as error:
            message = _("“%(value)s” is not a time like 2024-03-01 10:15:42 +0100.")
            raise problem(message % {"value": text}, "Created at") from error


class WooCommerceCsvMapper:
    def __init__(
        self, kind: str, *, source: str = "woocommerce", time_zone: str = "", **_options: Any
    ) -> None:
        if kind != HistoryKind.ORDERS:
            raise ValueError(_("WooCommerce's export CSV holds orders."))
        if not time_zone:
            raise ValueError(
                _("WooCommerce exports times without a zone: give the shop's --time-zone.")
            )
        self.source = source
        self.zone = zoneinfo.ZoneInfo(time_zone)

    def check_header(self, columns: Sequence[str]) -> None:
        check_columns(columns, WOOCOMMERCE_REQUIRED)

    def group_key(self, row: Row) -> object:
        return row.get("order_id", "")

    def to_record(self, rows: list[Row]) -> dict[str, Any]:
        first = rows[0]
        taxes = amount(first, "tax_total") + amount(first, "shipping_tax_total")
        record: dict[str, Any] = {
            "source": self.source,
            "external_reference": first["order_id"].strip(),
            "channel": Channel.WEB,
            "status": WOOCOMMERCE_STATUSES.get(first.get("status", ""), Order.Status.CONFIRMED),
            "placed_at": self._time(first["order_date"]),
            "currency": first.get("order_currency") or None,
            "shipping_total": amount(first, "shipping_total"),
            "tax_total": taxes,
            # Item amounts are before tax: the tax is added to the total.
            "prices_include_tax": False,
            "customer": customer_part(
                first.get("billing_email", ""),
                first.get("billing_phone", ""),
                {
                    name: first[column].strip()
                    for name, column in (
                        ("first_name", "billing_first_name"),
                        ("last_name", "billing_last_name"),
                    )
                    if first.get(column, "").strip()
                },
            ),
            "lines": [self._line(row) for row in rows],
        }
        return {name: value for name, value in record.items() if value is not None}

    @staticmethod
    def _line(row: Row) -> dict[str, Any]:
        count = quantity(row, "item_quantity")
        before_coupons = amount(row, "item_subtotal")
        after_coupons = amount(row, "item_total") if row.get("item_total") else before_coupons
        return {
            "sku": row["item_sku"].strip(),
            "name": row.get("item_name", "")[:200],
            "quantity": count,
            "unit_price": (before_coupons / count).quantize(Decimal("0.01")) if count else ZERO,
            "discount": max(before_coupons - after_coupons, ZERO),
        }

    def _time(self, text: str) -> str:
        try:
            moment = datetime.datetime.fromisoformat(text.strip())
        except ValueError as error:
            message = _("“%(value)s” is not a time like 2024-03-01 10:15:42.")
            raise problem(message % {"value": text}, "order_date") from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.isoformat()
