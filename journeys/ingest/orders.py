"""Idempotent upsert of orders coming from any channel system (API, webhooks, sync jobs).

An order is known by (source, external reference). Replaying the same payload changes nothing;
a payload older than what is stored (by the source's own updated-at) is ignored; concurrent
deliveries of one new order create it once.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.identity import InboundCustomer, customer_resolve
from journeys.lifecycle.services import lifecycle_refresh_queue
from journeys.models import Fulfilment, Order, OrderLine, OrderStatusChange, Pickup, ReturnLine
from journeys.services import order_customer_propagate, pickup_cancel, pickup_create
from omni.errors import DomainError
from omni.models import Channel, Product, Store

Outcome = Literal["created", "updated", "unchanged", "stale"]
CENT = Decimal("0.01")
ACTIVE_PICKUP_STATUSES = (Pickup.Status.PLACED, Pickup.Status.PREPARING, Pickup.Status.READY)


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    unit_price: Decimal
    name: str = ""
    discount: Decimal = Decimal("0")
    size: str = ""


@dataclass(frozen=True)
class OrderInput:
    source: str
    external_reference: str
    channel: str
    placed_at: datetime.datetime
    lines: tuple[LineInput, ...]
    currency: str = "EUR"
    status: str = Order.Status.CONFIRMED
    fulfilment: str = Fulfilment.SHIPPING
    customer: InboundCustomer | None = None
    store_code: str | None = None
    shipping_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    # False when unit prices, shipping and discounts are before tax (a US shop, a B2B
    # price list): the tax is then added to the total. Shopify `taxes_included`,
    # WooCommerce `prices_include_tax`.
    prices_include_tax: bool = True
    source_updated_at: datetime.datetime | None = None
    require_known_products: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpsertResult:
    order: Order
    outcome: Outcome


def _validate(data: OrderInput) -> None:
    problems = []
    if not data.source.strip() or not data.external_reference.strip():
        problems.append(_("An order needs a source and a reference."))
    if data.channel not in Channel.values:
        problems.append(_("Unknown channel “%s”.") % data.channel)
    if data.status not in Order.Status.values:
        problems.append(_("Unknown order status “%s”.") % data.status)
    if data.fulfilment not in Fulfilment.values:
        problems.append(_("Unknown fulfilment “%s”.") % data.fulfilment)
    if timezone.is_naive(data.placed_at):
        problems.append(_("The order time needs a time zone."))
    if not data.lines:
        problems.append(_("An order needs at least one line."))
    for amount in (data.shipping_total, data.discount_total, data.tax_total):
        if amount < 0:
            problems.append(_("Amounts cannot be negative."))
    for number, line in enumerate(data.lines, start=1):
        if line.quantity <= 0:
            problems.append(_("Line %s: the quantity must be positive.") % number)
        if line.unit_price < 0 or line.discount < 0:
            problems.append(_("Line %s: amounts cannot be negative.") % number)
        if line.discount > line.unit_price * line.quantity:
            problems.append(_("Line %s: the discount exceeds the line amount.") % number)
    if problems:
        raise DomainError(" ".join(problems), code="invalid")


def _lookup_store(data: OrderInput) -> Store | None:
    if not data.store_code:
        if data.fulfilment == Fulfilment.CLICK_AND_COLLECT:
            raise DomainError(_("A click & collect order needs a store."), code="unknown_store")
        return None
    store = Store.objects.filter(code=data.store_code).first()
    if store is None:
        raise DomainError(_("Unknown store “%s”.") % data.store_code, code="unknown_store")
    return store


def _lookup_products(data: OrderInput) -> dict[str, Product]:
    skus = {line.sku for line in data.lines}
    products = {product.sku: product for product in Product.objects.filter(sku__in=skus)}
    missing = sorted(skus - products.keys())
    if missing and data.require_known_products:
        raise DomainError(
            _("Unknown product SKU: %s.") % ", ".join(missing), code="unknown_product"
        )
    return products


def _line_rows(data: OrderInput, products: dict[str, Product]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(data.lines, start=1):
        product = products.get(line.sku)
        total = (line.unit_price * line.quantity - line.discount).quantize(CENT)
        rows.append(
            {
                "line_number": number,
                "product": product,
                "sku": line.sku,
                "name": line.name or (product.name if product else line.sku),
                "size": line.size,
                "quantity": line.quantity,
                "unit_price": line.unit_price.quantize(CENT),
                "discount": line.discount.quantize(CENT),
                "total": total,
            }
        )
    return rows


def _order_fields(data: OrderInput, store: Store | None, lines: list[dict]) -> dict[str, Any]:
    subtotal = sum((row["total"] for row in lines), Decimal("0"))
    total = subtotal + data.shipping_total - data.discount_total
    if not data.prices_include_tax:
        total += data.tax_total
    if total < 0:
        raise DomainError(_("The order total cannot be negative."), code="invalid")
    return {
        "channel": data.channel,
        "status": data.status,
        "placed_at": data.placed_at,
        "currency": data.currency,
        "subtotal": subtotal.quantize(CENT),
        "discount_total": data.discount_total.quantize(CENT),
        "shipping_total": data.shipping_total.quantize(CENT),
        "tax_total": data.tax_total.quantize(CENT),
        "total": total.quantize(CENT),
        "store": store,
        "fulfilment": data.fulfilment,
        "source_updated_at": data.source_updated_at,
    }


def order_upsert(data: OrderInput, *, actor: Any = None) -> UpsertResult:
    """Create or update the order `data` describes; see the module docstring for guarantees."""
    _validate(data)
    store = _lookup_store(data)
    products = _lookup_products(data)
    lines = _line_rows(data, products)
    fields = _order_fields(data, store, lines)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _write(data, fields, lines, actor)
        except IntegrityError:
            # Another delivery created the same order first: go again and update it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _is_stale(order: Order, data: OrderInput) -> bool:
    stored, incoming = order.source_updated_at, data.source_updated_at
    return stored is not None and incoming is not None and incoming < stored


def _write(data: OrderInput, fields: dict, lines: list[dict], actor: Any) -> UpsertResult:
    order = (
        Order.objects.select_for_update()
        .filter(source=data.source, external_reference=data.external_reference)
        .first()
    )
    if order is not None and _is_stale(order, data):
        return UpsertResult(order, "stale")
    customer = customer_resolve(data.customer).customer if data.customer else None
    if order is None:
        order = Order.objects.create(
            source=data.source,
            external_reference=data.external_reference,
            customer=customer,
            **fields,
        )
        OrderLine.objects.bulk_create(OrderLine(order=order, **row) for row in lines)
        _sync_pickup(order, actor)
        lifecycle_refresh_queue(customer_ids=[order.customer_id])
        return UpsertResult(order, "created")
    previous_customer_id = order.customer_id
    changed = _update_order(order, fields, customer, actor)
    changed |= _update_lines(order, lines)
    if changed:
        _sync_pickup(order, actor)
        # Her stage (and the previous owner's, when the order moved) follows the order.
        lifecycle_refresh_queue(customer_ids=[order.customer_id, previous_customer_id])
    return UpsertResult(order, "updated" if changed else "unchanged")


def _update_order(order: Order, fields: dict, customer: Any, actor: Any) -> bool:
    changed = [name for name, value in fields.items() if getattr(order, name) != value]
    if customer is not None and order.customer_id != customer.pk:
        order.customer = customer
        changed.append("customer")
    if not changed:
        return False
    previous_status = order.status
    for name in changed:
        if name != "customer":
            setattr(order, name, fields[name])
    order.save(update_fields=[*changed, "updated_at"])
    if "customer" in changed:
        order_customer_propagate(order=order)
    if order.status != previous_status:
        # The channel system is the authority on its orders: record, do not refuse.
        OrderStatusChange.objects.create(
            subject=order,
            from_status=previous_status,
            to_status=order.status,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            changed_at=timezone.now(),
            note=_("Reported by %s") % order.source,
        )
    return True


def _update_lines(order: Order, rows: list[dict]) -> bool:
    existing = {line.line_number: line for line in order.lines.all()}
    changed = False
    for row in rows:
        line = existing.pop(row["line_number"], None)
        if line is None:
            OrderLine.objects.create(order=order, **row)
            changed = True
        elif any(getattr(line, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(line, name, value)
            line.save()
            changed = True
    returned = set(
        ReturnLine.objects.filter(order_line__in=existing.values()).values_list(
            "order_line_id", flat=True
        )
    )
    for line in existing.values():
        # Lines with a return stay: the return must keep pointing at what was bought.
        if line.pk not in returned:
            line.delete()
            changed = True
    return changed


def _sync_pickup(order: Order, actor: Any) -> None:
    if order.fulfilment != Fulfilment.CLICK_AND_COLLECT or order.store is None:
        return
    pickup = Pickup.objects.filter(order=order).first()
    if pickup is None and order.status != Order.Status.CANCELLED:
        pickup_create(order=order, store=order.store, actor=actor)
    elif (
        pickup is not None
        and order.status == Order.Status.CANCELLED
        and pickup.status in ACTIVE_PICKUP_STATUSES
    ):
        pickup_cancel(pickup=pickup, actor=actor, reason=_("Order cancelled upstream"))
