"""WooCommerce: webhook topics, payloads → Omni inputs, and the REST API v3 client.

Webhook bodies of order.* and customer.* are the REST objects; *.deleted bodies are {"id": N}.
Money values are strings; `*_gmt` dates carry no offset and are UTC. Local pickup is a
`shipping_lines` entry whose `method_id` is local_pickup or pickup_location.

Money: WooCommerce keeps every amount before tax (line `subtotal` before coupons and `total`
after them, `shipping_total`, fee totals), with its tax beside it (`subtotal_tax`,
`total_tax`, `shipping_tax`), whatever `prices_include_tax` says about how prices were entered.
Omni keeps the prices as the shop shows them: with their tax when `prices_include_tax`
(amounts plus their tax), before tax otherwise (the order's `total_tax` then added to the
total). Coupons are already in the lines (`subtotal` - `total`), so `discount_total` is not
counted again; a fee is a line of its own, a negative fee an order-level discount; the order's
`total` is the total Omni keeps (journeys/integrations/totals.py).

Refunds: an order lists its refunds as id, total and reason only. Those not recorded yet are
read in full from the shop (GET orders/<id>/refunds): their lines (negative quantities and
amounts, before tax, with `_refunded_item_id`), shipping lines and fee lines. A refund the shop
no longer lists in full is recorded as an adjustment without lines, as the shop described it.
"""

import datetime
import html
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
from journeys.integrations.upstream import (
    RefundInput,
    RefundLineInput,
    upstream_refunds_recorded,
)
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

PAGE_SIZE = 100
PICKUP_METHOD_IDS = {"local_pickup", "pickup_location"}
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_ID_HEADER = "X-WC-Webhook-Delivery-ID"
EVENT_ID_HEADER = ""
KEPT_HEADER_PREFIX = "x-wc-webhook-"
TOPIC_ACTIONS = {
    "order.created": "order",
    "order.updated": "order",
    "order.deleted": "order_deleted",
    "order.restored": "order",
    "customer.created": "customer",
    "customer.updated": "customer",
    "customer.deleted": "customer_deleted",
}
STATUSES = {
    "pending": Order.Status.PENDING,
    "on-hold": Order.Status.PENDING,
    "checkout-draft": Order.Status.PENDING,
    "processing": Order.Status.CONFIRMED,
    "completed": Order.Status.COMPLETED,
    # Refunds are recorded as returns: the sale itself was completed.
    "refunded": Order.Status.COMPLETED,
    "cancelled": Order.Status.CANCELLED,
    "failed": Order.Status.CANCELLED,
    "trash": Order.Status.CANCELLED,
}


def gmt_time(payload: dict[str, Any], field: str) -> datetime.datetime | None:
    return aware_time(payload.get(f"{field}_gmt"), naive_means_utc=True)


def is_pickup(payload: dict[str, Any]) -> bool:
    return any(
        str(line.get("method_id") or "").split(":", 1)[0] in PICKUP_METHOD_IDS
        for line in payload.get("shipping_lines") or []
    )


def _size(item: dict[str, Any]) -> str:
    for meta in item.get("meta_data") or []:
        if meta.get("key") in ("size", "pa_size") and isinstance(meta.get("value"), str):
            return meta["value"][:20]
    return ""


def _sku(item: dict[str, Any]) -> str:
    sku = (
        item.get("sku")
        or f"woocommerce-product-{item.get('variation_id') or item.get('product_id')}"
    )
    return str(sku)[:64]


def _with_tax(amount: object, tax: object, *, include: bool) -> Decimal:
    return money(amount) + money(tax) if include else money(amount)


def _line(item: dict[str, Any], *, include_tax: bool) -> LineInput:
    quantity = int(item["quantity"])
    if quantity <= 0:
        raise DomainError(_("A line has no quantity."), code="invalid")
    before_discounts = _with_tax(
        item.get("subtotal"), item.get("subtotal_tax"), include=include_tax
    )
    after_discounts = _with_tax(item.get("total"), item.get("total_tax"), include=include_tax)
    return LineInput(
        sku=_sku(item),
        quantity=quantity,
        unit_price=before_discounts / quantity,
        name=html.unescape(str(item.get("name") or ""))[:200],
        discount=max(before_discounts - after_discounts, ZERO),
        size=_size(item),
    )


def _fees(payload: dict[str, Any], *, include_tax: bool) -> list[tuple[str, Decimal]]:
    return [
        (
            html.unescape(str(fee.get("name") or "")) or _("Fee"),
            _with_tax(fee.get("total"), fee.get("total_tax"), include=include_tax),
        )
        for fee in payload.get("fee_lines") or []
    ]


def customer_input(payload: dict[str, Any], integration: ShopIntegration) -> InboundCustomer:
    billing = payload.get("billing") or {}
    return InboundCustomer(
        source=integration.source,
        external_id=external_id(payload.get("id")),
        email=usable_email(payload.get("email") or billing.get("email")),
        phone=usable_phone(billing.get("phone"), country=billing.get("country")),
        profile={
            "first_name": (payload.get("first_name") or billing.get("first_name") or "")[:80],
            "last_name": (payload.get("last_name") or billing.get("last_name") or "")[:80],
        },
    )


def _order_customer(
    payload: dict[str, Any], integration: ShopIntegration
) -> InboundCustomer | None:
    billing = payload.get("billing") or {}
    customer_id = payload.get("customer_id") or 0
    if customer_id:
        return customer_input({"id": customer_id, "billing": billing}, integration)
    email = usable_email(billing.get("email"))
    if email is None:
        return None
    return InboundCustomer(
        email=email,
        phone=usable_phone(billing.get("phone"), country=billing.get("country")),
        profile={
            "first_name": (billing.get("first_name") or "")[:80],
            "last_name": (billing.get("last_name") or "")[:80],
        },
    )


def order_input(payload: dict[str, Any], integration: ShopIntegration) -> OrderInput:
    placed_at = gmt_time(payload, "date_created")
    if placed_at is None:
        raise DomainError(_("The order has no creation date."), code="invalid")
    pickup = is_pickup(payload)
    store = integration.pickup_store
    include_tax = bool(payload.get("prices_include_tax"))
    fees = _fees(payload, include_tax=include_tax)
    data = OrderInput(
        source=integration.source,
        external_reference=external_id(payload.get("id")),
        channel=Channel.WEB,
        placed_at=placed_at,
        lines=tuple(
            _line(item, include_tax=include_tax) for item in payload.get("line_items") or []
        ),
        currency=payload.get("currency") or settings.OMNI_DEFAULT_CURRENCY,
        status=STATUSES.get(payload.get("status") or "", Order.Status.CONFIRMED),
        fulfilment=Fulfilment.CLICK_AND_COLLECT if pickup else Fulfilment.SHIPPING,
        customer=_order_customer(payload, integration),
        store_code=store.code if pickup and store else None,
        shipping_total=_with_tax(
            payload.get("shipping_total"), payload.get("shipping_tax"), include=include_tax
        ),
        # Negative fees are what plugins use for order-wide discounts.
        discount_total=sum((-amount for _name, amount in fees if amount < 0), ZERO),
        tax_total=money(payload.get("total_tax")),
        prices_include_tax=include_tax,
        source_updated_at=gmt_time(payload, "date_modified"),
        require_known_products=False,
        extra={"number": payload.get("number") or ""},
    )
    return as_the_shop_charged(
        data,
        shop_total=money(payload["total"]) if payload.get("total") not in (None, "") else None,
        charges=[Charge("woocommerce-fee", name, amount) for name, amount in fees],
        sku_prefix="woocommerce",
    )


def order_refunds(payload: dict[str, Any], integration: ShopIntegration) -> list[RefundInput]:
    """The refunds the order lists that Omni has not recorded yet, read in full from the shop
    (WooCommerce sends no refund webhook, and the order lists only their id and total)."""
    listed = {external_id(refund.get("id")): refund for refund in payload.get("refunds") or []}
    recorded = upstream_refunds_recorded(integration=integration, references=list(listed))
    waiting = {
        reference: refund for reference, refund in listed.items() if reference not in recorded
    }
    if not waiting:
        return []
    order_id = external_id(payload.get("id"))
    with WooCommerceClient(integration) as client:
        in_full = {
            external_id(refund.get("id")): refund for refund in client.order_refunds(order_id)
        }
    return [
        refund_input(in_full[reference], order_id=order_id)
        if reference in in_full
        else _listed_refund_input(summary, payload)
        for reference, summary in waiting.items()
    ]


def refund_input(refund: dict[str, Any], *, order_id: str) -> RefundInput:
    """A refund object (GET orders/<id>/refunds): amounts are negative, before tax."""
    refunded_at = gmt_time(refund, "date_created")
    if refunded_at is None:
        raise DomainError(_("The refund has no date."), code="invalid")
    shipping_lines = refund.get("shipping_lines") or []
    fees = [(str(fee.get("name") or ""), fee) for fee in refund.get("fee_lines") or []]
    fee_amount = sum(
        (abs(money(fee.get("total"))) + abs(money(fee.get("total_tax"))) for _name, fee in fees),
        ZERO,
    )
    return RefundInput(
        external_reference=external_id(refund.get("id")),
        order_reference=order_id,
        refunded_at=refunded_at,
        amount=abs(money(refund.get("amount"))),
        reason=str(refund.get("reason") or ""),
        lines=tuple(
            RefundLineInput(
                sku=_sku(item),
                quantity=abs(int(item.get("quantity") or 0)),
                amount=abs(money(item.get("total"))),
                tax=abs(money(item.get("total_tax"))),
            )
            for item in refund.get("line_items") or []
        ),
        shipping=sum((abs(money(line.get("total"))) for line in shipping_lines), ZERO),
        shipping_tax=sum((abs(money(line.get("total_tax"))) for line in shipping_lines), ZERO),
        adjustment=fee_amount,
        adjustment_reason=_("fees: %s") % ", ".join(name or _("Fee") for name, _fee in fees)
        if fees
        else "",
        # Amounts before tax, whatever the shop's setting: the tax is always added.
        prices_include_tax=False,
    )


def _listed_refund_input(summary: dict[str, Any], payload: dict[str, Any]) -> RefundInput:
    """A refund the shop lists on the order but no longer gives in full: its amount alone."""
    amount = abs(money(summary.get("total")))
    return RefundInput(
        external_reference=external_id(summary.get("id")),
        order_reference=external_id(payload.get("id")),
        refunded_at=gmt_time(payload, "date_modified") or gmt_time(payload, "date_created"),
        amount=amount,
        reason=str(summary.get("reason") or summary.get("refund") or ""),
        adjustment=amount,
        adjustment_reason=_("refund without detail from the shop"),
    )


def record_id(payload: dict[str, Any]) -> str:
    return external_id(payload.get("id"))


def updated_at(payload: dict[str, Any]) -> str | None:
    return payload.get("date_modified_gmt")


def is_ping(body: bytes) -> bool:
    """WooCommerce checks a new webhook's URL with an unsigned `webhook_id=N` form post."""
    name, _, value = body.partition(b"=")
    return name == b"webhook_id" and value.isdigit()


# REST API v3 ---------------------------------------------------------------------------------


def _gmt_text(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _changed_since(record: dict[str, Any], moment: datetime.datetime) -> bool:
    modified = gmt_time(record, "date_modified")
    return modified is None or modified >= moment


class WooCommerceClient:
    def __init__(
        self, integration: ShopIntegration, *, transport: httpx.BaseTransport | None = None
    ):
        self.client = httpx.Client(
            base_url=f"{integration.base_url.rstrip('/')}/wp-json/wc/v3/",
            auth=(integration.api_key, integration.api_secret),
            headers={"Accept": "application/json"},
            timeout=TIMEOUT,
            transport=transport,
        )

    def __enter__(self) -> "WooCommerceClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()

    def order_refunds(self, order_id: str) -> list[dict[str, Any]]:
        """The order's refunds in full, every page of them."""
        refunds: list[dict[str, Any]] = []
        page, last_page = 1, 1
        while page <= last_page:
            response = request_with_retries(
                self.client,
                "GET",
                f"orders/{order_id}/refunds",
                params={"per_page": PAGE_SIZE, "page": page},
            )
            last_page = int(response.headers.get("X-WP-TotalPages") or 1)
            refunds += response.json()
            page += 1
        return refunds

    def pages(
        self, resource: str, *, changed_since: datetime.datetime | None
    ) -> Iterator[list[dict]]:
        """Pages of `resource` ("orders" or "customers"), by page number up to X-WP-TotalPages.

        Orders are filtered by the server (modified_after, GMT); the customers endpoint has no
        such filter, so customers are filtered here.
        """
        params: dict[str, Any] = {"per_page": PAGE_SIZE, "order": "asc"}
        if resource == "orders":
            params.update(orderby="modified", dates_are_gmt="true")
            if changed_since:
                params["modified_after"] = _gmt_text(changed_since)
        else:
            params.update(orderby="id", role="all")
        page, last_page = 1, 1
        while page <= last_page:
            response = request_with_retries(
                self.client, "GET", resource, params={**params, "page": page}
            )
            last_page = int(response.headers.get("X-WP-TotalPages") or 1)
            records = response.json()
            if resource == "customers" and changed_since:
                records = [r for r in records if _changed_since(r, changed_since)]
            yield records
            page += 1
