"""An order's figures from a shop, made to add up to what the shop says the customer paid.

Omni keeps an order as its lines (each after its own discounts), shipping, order-level
discounts and tax; its total is lines + shipping - discounts, plus the tax when the prices
were before tax (`OrderInput.prices_include_tax` False). Shops also charge what Omni has no
field for (Shopify duties and additional fees, WooCommerce fees) and round taxes their own way.
The shop's total is the authority, since it is what the customer paid; so:

- a charge the shop names becomes a line of its own, without a product (e.g. "Duties");
- a remainder charged but not itemised by the shop becomes an "Other charges" line;
- a remainder the shop did not charge (its total is below its own figures) becomes an
  order-level discount.

Either way the stored total is the shop's, and the breakdown still adds up to it.
"""

import dataclasses
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from journeys.ingest import LineInput, OrderInput
from journeys.integrations.values import CENT, ZERO


@dataclasses.dataclass(frozen=True)
class Charge:
    """Something the shop charged beside lines, shipping and tax."""

    sku: str
    name: str
    amount: Decimal


def omni_total(data: OrderInput) -> Decimal:
    """The total Omni stores for `data` (as `order_upsert` computes it)."""
    lines = sum(
        ((line.unit_price * line.quantity - line.discount).quantize(CENT) for line in data.lines),
        ZERO,
    )
    total = lines + data.shipping_total - data.discount_total
    return total if data.prices_include_tax else total + data.tax_total


def _charge_line(charge: Charge) -> LineInput:
    return LineInput(sku=charge.sku[:64], quantity=1, unit_price=charge.amount, name=charge.name)


def as_the_shop_charged(
    data: OrderInput,
    *,
    shop_total: Decimal | None,
    charges: Iterable[Charge] = (),
    sku_prefix: str,
) -> OrderInput:
    """`data` with the shop's own charges as lines, and its total made the shop's."""
    positive = [charge for charge in charges if charge.amount > 0]
    data = dataclasses.replace(data, lines=(*data.lines, *map(_charge_line, positive)))
    if shop_total is None:
        return data
    gap = shop_total.quantize(CENT) - omni_total(data)
    if gap < 0:
        return dataclasses.replace(data, discount_total=data.discount_total - gap)
    if gap > 0:
        other = Charge(f"{sku_prefix}-other-charges", _("Other charges"), gap)
        return dataclasses.replace(data, lines=(*data.lines, _charge_line(other)))
    return data
