"""Orders as channel systems send them (API, webhooks, sync jobs, history import): the inputs,
their rules, and the amounts computed from them. `journeys.ingest.batch` writes them.
"""

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from customers.identity import InboundCustomer
from journeys.models import Fulfilment, Order, Pickup
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


_CHANNELS = frozenset(Channel.values)
_STATUSES = frozenset(Order.Status.values)
_FULFILMENTS = frozenset(Fulfilment.values)


def _validate(data: OrderInput) -> None:
    problems = []
    if not data.source.strip() or not data.external_reference.strip():
        problems.append(_("An order needs a source and a reference."))
    if data.channel not in _CHANNELS:
        problems.append(_("Unknown channel “%s”.") % data.channel)
    if data.status not in _STATUSES:
        problems.append(_("Unknown order status “%s”.") % data.status)
    if data.fulfilment not in _FULFILMENTS:
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


class KnownProduct(NamedTuple):
    """What an order line takes from the catalogue."""

    pk: int
    name: str


@dataclass(frozen=True)
class References:
    """The stores and products a batch names, read once for all its orders."""

    stores: dict[str, Store]
    products: dict[str, KnownProduct]

    @classmethod
    def load(cls, orders: Iterable[OrderInput]) -> "References":
        codes, skus = set(), set()
        for data in orders:
            if data.store_code:
                codes.add(data.store_code)
            skus.update(line.sku for line in data.lines)
        stores = Store.objects.filter(code__any=codes) if codes else Store.objects.none()
        known = _catalogue.get()
        products = {sku: known[sku] for sku in skus & known.keys()} if known is not None else {}
        if missing := skus - products.keys():
            rows = Product.objects.filter(sku__any=missing).values_list("sku", "id", "name")
            found = {sku: KnownProduct(pk, name) for sku, pk, name in rows}
            products.update(found)
            if known is not None:
                known.update(found)
        return cls(stores={store.code: store for store in stores}, products=products)


# The products already read by this import (see `catalogue_kept`); None: read for each batch.
_catalogue: ContextVar[dict[str, KnownProduct] | None] = ContextVar("catalogue", default=None)


@contextmanager
def catalogue_kept(products: dict[str, KnownProduct]) -> Iterator[None]:
    """Within this block, the products read by a batch are kept in `products` for the next
    batches (a history import: 1,500 of the catalogue's products read again for every chunk
    of 1,000 orders). A product renamed meanwhile keeps its former name for the lines sent
    without one; one deleted fails its chunk, which a rerun writes."""
    token = _catalogue.set(products)
    try:
        yield
    finally:
        _catalogue.reset(token)


@dataclass(frozen=True)
class PreparedOrder:
    """An order checked and computed, ready to be staged: its row's fields and its lines."""

    data: OrderInput
    store: Store | None
    fields: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def key(self) -> tuple[str, str]:
        return (self.data.source, self.data.external_reference)


def order_prepare(data: OrderInput, references: References) -> PreparedOrder:
    """Check `data` against the rules and the references, and compute its amounts; raises a
    DomainError saying what is wrong."""
    _validate(data)
    store = _store(data, references)
    lines = _line_rows(data, _products(data, references))
    return PreparedOrder(data, store, _order_fields(data, store, lines), lines)


def _store(data: OrderInput, references: References) -> Store | None:
    if not data.store_code:
        if data.fulfilment == Fulfilment.CLICK_AND_COLLECT:
            raise DomainError(_("A click & collect order needs a store."), code="unknown_store")
        return None
    store = references.stores.get(data.store_code)
    if store is None:
        raise DomainError(_("Unknown store “%s”.") % data.store_code, code="unknown_store")
    return store


def _products(data: OrderInput, references: References) -> dict[str, KnownProduct]:
    known = references.products
    missing = sorted({line.sku for line in data.lines if line.sku not in known})
    if missing and data.require_known_products:
        raise DomainError(
            _("Unknown product SKU: %s.") % ", ".join(missing), code="unknown_product"
        )
    return references.products


def _line_rows(data: OrderInput, products: dict[str, KnownProduct]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(data.lines, start=1):
        product = products.get(line.sku)
        total = (line.unit_price * line.quantity - line.discount).quantize(CENT)
        rows.append(
            {
                "line_number": number,
                "product_id": product.pk if product else None,
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
        "store_id": store.pk if store else None,
        "fulfilment": data.fulfilment,
        "source_updated_at": data.source_updated_at,
    }
