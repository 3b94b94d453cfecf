"""Shopify: webhook topics, payloads → Omni inputs, and the Admin REST API (2026-07) client.

Webhook bodies of orders/* and customers/* are the REST objects themselves; orders/delete and
customers/delete carry only {"id": ...}. Ids exceed 2^53 and are kept as strings. Pickup in
store is `delivery_method.method_type` "pickup" in webhooks and "pick_up" in REST.

Money, in the shop's currency (the plain fields and `shop_money`; the customer's presentment
currency is not converted to it, nor it to anything):
- a line is its `price` × quantity less its `discount_allocations`, where Shopify shares out
  every discount aimed at lines, order-wide codes included;
- shipping is `total_shipping_price_set` (before discounts); the discounts allocated to
  shipping lines, and any part of `total_discounts` allocated to nothing, are the order's
  discount;
- prices include tax when `taxes_included`; otherwise `total_tax` is added to the total;
- duties and additional fees are lines of their own, and `total_price` is the total Omni keeps
  (see journeys/integrations/totals.py for what makes up a difference).

A refund is its refunded lines (`subtotal`, plus `total_tax` when prices are before tax), the
shipping it refunds (`refund_shipping_lines`, or `order_adjustments` of kind shipping_refund,
whose amounts are negative), and its other order adjustments (a refund discrepancy: negative
amounts are money given back). Its successful refund transactions in the same currency say
what was paid back; when they differ from the rest, the difference is recorded as a refund
discrepancy (upstream.refund_parts).
"""

import dataclasses
import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from customers.identity import InboundCustomer
from journeys.ingest import LineInput, OrderInput
from journeys.integrations.http import TIMEOUT, request_with_retries
from journeys.integrations.models import ShopIntegration
from journeys.integrations.totals import Charge, as_the_shop_charged
from journeys.integrations.upstream import RefundInput, RefundLineInput
from journeys.integrations.values import (
    ZERO,
    aware_time,
    external_id,
    money,
    usable_email,
    usable_phone,
)
from journeys.models import Fulfilment, Order
from omni.errors import DomainError
from omni.models import Channel

API_VERSION = "2026-07"
PAGE_SIZE = 250
PICKUP_METHOD_TYPES = {"pickup", "pick_up"}
SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
DELIVERY_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
KEPT_HEADER_PREFIX = "x-shopify-"
# What each topic means for Omni (see journeys/integrations/inbox.py).
TOPIC_ACTIONS = {
    "orders/create": "order",
    "orders/updated": "order",
    "orders/cancelled": "order",
    "orders/delete": "order_deleted",
    "refunds/create": "refund",
    "customers/create": "customer",
    "customers/update": "customer",
    "customers/delete": "customer_deleted",
    # Shopify's mandatory data protection webhooks (journeys/integrations/redaction.py).
    "customers/redact": "customer_redact",
    "shop/redact": "shop_redact",
    "customers/data_request": "customer_data_request",  # privacy.DataRequest, for the DPO
    "fulfillments/create": "fulfillment",
    "fulfillment_orders/line_items_prepared_for_pickup": "pickup_ready",
}


# Payloads → inputs ---------------------------------------------------------------------------


def _status(payload: dict[str, Any]) -> str:
    if payload.get("cancelled_at"):
        return Order.Status.CANCELLED
    if payload.get("fulfillment_status") == "fulfilled":
        return Order.Status.COMPLETED if payload.get("closed_at") else Order.Status.FULFILLED
    if payload.get("financial_status") == "pending":
        return Order.Status.PENDING
    return Order.Status.CONFIRMED


def _method_types(payload: dict[str, Any]) -> set[str]:
    """Delivery method types wherever a payload version puts them."""
    holders = [payload, *(payload.get("shipping_lines") or [])]
    holders += payload.get("fulfillment_orders") or []
    return {
        str((holder.get("delivery_method") or {}).get("method_type", "")).lower()
        for holder in holders
        if isinstance(holder, dict)
    }


def is_pickup(payload: dict[str, Any]) -> bool:
    return bool(_method_types(payload) & PICKUP_METHOD_TYPES)


def _amount(holder: dict[str, Any], field: str) -> Decimal:
    """A money field in the shop's currency: `<field>_set.shop_money`, or the plain field."""
    shop_money = (holder.get(f"{field}_set") or {}).get("shop_money") or {}
    return money(shop_money["amount"] if "amount" in shop_money else holder.get(field))


def _allocated(holder: dict[str, Any]) -> Decimal:
    return sum((_amount(a, "amount") for a in holder.get("discount_allocations") or []), ZERO)


def _sku(item: dict[str, Any]) -> str:
    sku = item.get("sku") or f"shopify-variant-{item.get('variant_id') or item.get('id')}"
    return str(sku)[:64]


def _line(item: dict[str, Any]) -> LineInput:
    quantity = int(item["quantity"])
    unit_price = _amount(item, "price")
    discount = _allocated(item) or _amount(item, "total_discount")
    return LineInput(
        sku=_sku(item),
        quantity=quantity,
        unit_price=unit_price,
        name=str(item.get("name") or item.get("title") or "")[:200],
        discount=min(discount, unit_price * quantity),
    )


def _shipping_total(payload: dict[str, Any]) -> Decimal:
    """Shipping before its discounts (they are counted with the order's discounts)."""
    shop_money = ((payload.get("total_shipping_price_set") or {}).get("shop_money")) or {}
    if "amount" in shop_money:
        return money(shop_money["amount"])
    return sum((_amount(line, "price") for line in payload.get("shipping_lines") or []), ZERO)


def _order_discount(payload: dict[str, Any], lines: tuple[LineInput, ...]) -> Decimal:
    """Discounts the lines do not carry: those on shipping, and any allocated to nothing."""
    on_shipping = sum((_allocated(line) for line in payload.get("shipping_lines") or []), ZERO)
    on_lines = sum((line.discount for line in lines), ZERO)
    unallocated = _amount(payload, "total_discounts") - on_lines - on_shipping
    return on_shipping + max(unallocated, ZERO)


def _charges(payload: dict[str, Any]) -> list[Charge]:
    return [
        Charge("shopify-duties", _("Duties"), _amount(payload, "original_total_duties")),
        Charge(
            "shopify-additional-fees",
            _("Additional fees"),
            _amount(payload, "original_total_additional_fees"),
        ),
    ]


def _country(payload: dict[str, Any]) -> str | None:
    for key in ("billing_address", "shipping_address", "default_address"):
        address = payload.get(key) or {}
        if address.get("country_code"):
            return address["country_code"]
    return None


def customer_input(payload: dict[str, Any], integration: ShopIntegration) -> InboundCustomer:
    """A customers/* body, or the customer embedded in an order."""
    country = _country(payload)
    return InboundCustomer(
        source=integration.source,
        external_id=external_id(payload.get("id")),
        email=usable_email(payload.get("email")),
        phone=usable_phone(payload.get("phone"), country=country),
        profile={
            "first_name": (payload.get("first_name") or "")[:80],
            "last_name": (payload.get("last_name") or "")[:80],
        },
    )


def _order_customer(
    payload: dict[str, Any], integration: ShopIntegration
) -> InboundCustomer | None:
    customer = payload.get("customer") or {}
    if customer.get("id"):
        inbound = customer_input(
            {"default_address": payload.get("billing_address"), **customer}, integration
        )
        if inbound.email or not payload.get("email"):
            return inbound
        return dataclasses.replace(inbound, email=usable_email(payload["email"]))
    email = usable_email(payload.get("email") or payload.get("contact_email"))
    if email is None:
        return None  # A guest order with no contact: the order stands on its own.
    billing = payload.get("billing_address") or {}
    return InboundCustomer(
        email=email,
        phone=usable_phone(payload.get("phone"), country=_country(payload)),
        profile={
            "first_name": (billing.get("first_name") or "")[:80],
            "last_name": (billing.get("last_name") or "")[:80],
        },
    )


def order_input(payload: dict[str, Any], integration: ShopIntegration) -> OrderInput:
    lines = tuple(_line(item) for item in payload.get("line_items") or [])
    pos = payload.get("source_name") == "pos"
    pickup = is_pickup(payload)
    store = integration.pickup_store
    placed_at = aware_time(payload.get("created_at") or payload.get("processed_at"))
    if placed_at is None:
        raise DomainError(_("The order has no creation date."), code="invalid")
    data = OrderInput(
        source=integration.source,
        external_reference=external_id(payload.get("id")),
        channel=Channel.STORE if pos else Channel.WEB,
        placed_at=placed_at,
        lines=lines,
        currency=payload.get("currency") or settings.OMNI_DEFAULT_CURRENCY,
        status=_status(payload),
        fulfilment=Fulfilment.CLICK_AND_COLLECT
        if pickup
        else (Fulfilment.IN_STORE if pos else Fulfilment.SHIPPING),
        customer=_order_customer(payload, integration),
        store_code=store.code if pickup and store else None,
        shipping_total=_shipping_total(payload),
        discount_total=_order_discount(payload, lines),
        tax_total=_amount(payload, "total_tax"),
        prices_include_tax=bool(payload.get("taxes_included")),
        source_updated_at=aware_time(payload.get("updated_at")),
        require_known_products=False,
        extra={"name": payload.get("name") or ""},
    )
    says_its_total = "total_price" in payload or "total_price_set" in payload
    return as_the_shop_charged(
        data,
        shop_total=_amount(payload, "total_price") if says_its_total else None,
        charges=_charges(payload),
        sku_prefix="shopify",
    )


def _refund_currency(refund: dict[str, Any]) -> str:
    """The shop's currency, which the refund's amounts are in ("" when it does not say)."""
    holders = [
        *((item.get("subtotal_set") or {}) for item in refund.get("refund_line_items") or []),
        *((item.get("amount_set") or {}) for item in refund.get("order_adjustments") or []),
        *(
            (item.get("subtotal_amount_set") or {})
            for item in refund.get("refund_shipping_lines") or []
        ),
    ]
    for holder in holders:
        currency = (holder.get("shop_money") or {}).get("currency_code")
        if currency:
            return currency
    return ""


def _paid_back(refund: dict[str, Any], currency: str) -> tuple[Decimal | None, str]:
    """What the successful refund transactions paid back, and in which currency; None when
    there are none in the refund's currency (a transaction in the customer's currency)."""
    paid = [
        item
        for item in refund.get("transactions") or []
        if item.get("kind") == "refund"
        and item.get("status") in (None, "success")
        and (not currency or not item.get("currency") or item.get("currency") == currency)
    ]
    if not paid:
        return None, currency
    currency = currency or next((item["currency"] for item in paid if item.get("currency")), "")
    return sum((money(item.get("amount")) for item in paid), ZERO), currency


def _refund_shipping(refund: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """Shipping refunded and its tax: refund shipping lines, or shipping_refund adjustments
    (whose amounts are negative)."""
    shipping_lines = refund.get("refund_shipping_lines") or []
    adjustments = [
        item
        for item in refund.get("order_adjustments") or []
        if item.get("kind") == "shipping_refund"
    ]
    shipping = sum((_amount(item, "subtotal_amount") for item in shipping_lines), ZERO)
    tax = sum((_amount(item, "tax_amount") for item in shipping_lines), ZERO)
    shipping += sum((-_amount(item, "amount") for item in adjustments), ZERO)
    tax += sum((-_amount(item, "tax_amount") for item in adjustments), ZERO)
    return abs(shipping), abs(tax)


def _refund_adjustment(refund: dict[str, Any]) -> tuple[Decimal, str]:
    """Order adjustments other than shipping (negative amounts are money given back), and
    refunded duties and fees, with what they are."""
    parts = [
        (
            -(_amount(item, "amount") + _amount(item, "tax_amount")),
            str(item.get("reason") or item.get("kind") or ""),
        )
        for item in refund.get("order_adjustments") or []
        if item.get("kind") != "shipping_refund"
    ]
    parts.append((_amount(refund, "total_duties"), _("duties")))
    parts.append((_amount(refund, "total_additional_fees"), _("additional fees")))
    parts = [(amount, reason) for amount, reason in parts if amount]
    total = sum((amount for amount, _reason in parts), ZERO)
    return total, "; ".join(reason for _value, reason in parts if reason)


def refund_input(refund: dict[str, Any], *, prices_include_tax: bool | None = None) -> RefundInput:
    """A refunds/create body, or one of the `refunds` of an order (whose `taxes_included` says
    whether line taxes are on top; a refund alone does not say: the stored order does)."""
    refunded_at = aware_time(refund.get("processed_at") or refund.get("created_at"))
    if refunded_at is None:
        raise DomainError(_("The refund has no date."), code="invalid")
    amount, currency = _paid_back(refund, _refund_currency(refund))
    shipping, shipping_tax = _refund_shipping(refund)
    adjustment, adjustment_reason = _refund_adjustment(refund)
    lines = tuple(
        RefundLineInput(
            sku=_sku(item.get("line_item") or {"id": item.get("line_item_id")}),
            quantity=int(item.get("quantity") or 0),
            amount=_amount(item, "subtotal"),
            tax=_amount(item, "total_tax"),
        )
        for item in refund.get("refund_line_items") or []
    )
    return RefundInput(
        external_reference=external_id(refund.get("id")),
        order_reference=external_id(refund.get("order_id")),
        refunded_at=refunded_at,
        amount=amount,
        currency=currency,
        reason=refund.get("note") or "",
        lines=lines,
        shipping=shipping,
        shipping_tax=shipping_tax,
        adjustment=adjustment,
        adjustment_reason=adjustment_reason,
        prices_include_tax=prices_include_tax,
    )


def order_refunds(payload: dict[str, Any], integration: ShopIntegration) -> list[RefundInput]:
    """The refunds an order carries, in full (Shopify embeds them)."""
    taxes_included = payload.get("taxes_included")
    return [
        refund_input(
            {"order_id": payload.get("id"), **refund},
            prices_include_tax=None if taxes_included is None else bool(taxes_included),
        )
        for refund in payload.get("refunds") or []
    ]


def record_id(payload: dict[str, Any]) -> str:
    return external_id(payload.get("id"))


def fulfilment_order_reference(payload: dict[str, Any]) -> tuple[str, str | None, bool]:
    """(fulfilment order id, its order id if the payload has it, whether it is a pickup)."""
    fulfilment_order = payload.get("fulfillment_order") or payload
    method = (fulfilment_order.get("delivery_method") or {}).get("method_type")
    order_id = fulfilment_order.get("order_id")
    return (
        external_id(fulfilment_order.get("id")),
        external_id(order_id) if order_id else None,
        method is None or str(method).lower() in PICKUP_METHOD_TYPES,
    )


def updated_at(payload: dict[str, Any]) -> str | None:
    return payload.get("updated_at")


# Admin REST API ------------------------------------------------------------------------------


class ShopifyClient:
    """The calls the reconciliation pull needs: orders and customers changed since a time."""

    def __init__(
        self, integration: ShopIntegration, *, transport: httpx.BaseTransport | None = None
    ):
        self.client = httpx.Client(
            base_url=f"{integration.base_url.rstrip('/')}/admin/api/{API_VERSION}/",
            headers={
                "X-Shopify-Access-Token": integration.api_secret,
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
            transport=transport,
        )

    def __enter__(self) -> "ShopifyClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()

    def pages(
        self, resource: str, *, changed_since: datetime.datetime | None
    ) -> Iterator[list[dict]]:
        """Pages of `resource` ("orders" or "customers"), following the Link header."""
        params: dict[str, Any] | None = {"limit": PAGE_SIZE, "order": "updated_at asc"}
        if resource == "orders":
            params["status"] = "any"
        if changed_since:
            params["updated_at_min"] = changed_since.isoformat()
        url: str | None = f"{resource}.json"
        while url:
            response = request_with_retries(self.client, "GET", url, params=params)
            yield response.json()[resource]
            # page_info URLs carry their own filters; Shopify refuses others alongside them.
            # (None, not {}: httpx replaces the URL's query string with an empty mapping.)
            url, params = (response.links.get("next") or {}).get("url"), None

    def fulfilment_order(self, fulfilment_order_id: str) -> dict[str, Any]:
        response = request_with_retries(
            self.client, "GET", f"fulfillment_orders/{fulfilment_order_id}.json"
        )
        return response.json()["fulfillment_order"]
