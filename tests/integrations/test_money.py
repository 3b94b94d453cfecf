"""Money from the shops, known answers: the real samples and orders computed by hand.

Every order goes through the real webhook endpoint and the connector; every total below is
written out, computed by hand from the payload, so that a change in how a figure is read shows.
"""

import copy
from decimal import Decimal
from typing import Any

import pytest

from journeys.models import Order, Return
from tests.integrations.conftest import payload, shopify_order, woocommerce_order
from tests.integrations.fake_shop import FakeShop

pytestmark = pytest.mark.django_db


def _money(shop: str, presentment: str | None = None, currency: str = "EUR") -> dict[str, Any]:
    other = "USD" if currency == "EUR" else "EUR"
    return {
        "shop_money": {"amount": shop, "currency_code": currency},
        "presentment_money": {"amount": presentment or shop, "currency_code": other},
    }


def _figures(order: Order) -> tuple[Decimal, ...]:
    return (
        order.subtotal,
        order.shipping_total,
        order.discount_total,
        order.tax_total,
        order.total,
    )


def _lines(order: Order) -> list[tuple[str, int, Decimal]]:
    return list(order.lines.order_by("line_number").values_list("sku", "quantity", "total"))


def _return_lines(refund: Return) -> list[tuple[str, int, Decimal]]:
    return list(
        refund.lines.order_by("order_line__line_number").values_list(
            "order_line__sku", "quantity", "refund_amount"
        )
    )


def _parts(refund: Return) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (refund.refund_amount, refund.lines_amount, refund.shipping_refund, refund.adjustment)


# Shopify --------------------------------------------------------------------------------------


def _shopify_line(sku: str, price: str, quantity: int, discount: str = "0.00") -> dict[str, Any]:
    allocations = [{"amount": discount, "amount_set": _money(discount)}] if discount else []
    return {
        "id": abs(hash(sku)) % 10**9,
        "sku": sku,
        "name": sku.title(),
        "price": price,
        "price_set": _money(price),
        "quantity": quantity,
        "total_discount": "0.00",
        "discount_allocations": allocations,
    }


def _shopify_order(**changes: Any) -> dict[str, Any]:
    """A plain Shopify order in EUR, no discount, shipping or tax, to change per test."""
    order = shopify_order(
        id=5001,
        name="#5001",
        currency="EUR",
        refunds=[],
        shipping_lines=[],
        total_shipping_price_set=_money("0.00"),
        total_discounts="0.00",
        total_discounts_set=_money("0.00"),
        original_total_duties_set=None,
        original_total_additional_fees_set=None,
    )
    order.update(changes)
    return order


def test_shopify_sample_order_adds_its_tax_to_prices_before_tax(send, shopify_shop) -> None:
    # taxes_included false: 3 × 199.00 - TENOFF 10.00 shared out on the lines, + 11.94 tax.
    send.shopify("orders/create", shopify_order(refunds=[]))

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("587.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("11.94"),
        Decimal("598.94"),
    )
    assert order.currency == "USD"
    assert _lines(order) == [
        ("IPOD2008GREEN", 1, Decimal("195.66")),
        ("IPOD2008RED", 1, Decimal("195.67")),
        ("IPOD2008BLACK", 1, Decimal("195.67")),
    ]


def test_shopify_taxes_included_keeps_the_tax_inside_and_counts_a_shipping_discount(
    send, shopify_shop
) -> None:
    # 2 × 120.00 TTC - 24.00 (10 % code) + 6.00 shipping - 6.00 (free-shipping code) = 216.00,
    # of which 36.00 VAT (20 %), already in the prices.
    shipping = {
        "title": "Colissimo",
        "price": "6.00",
        "price_set": _money("6.00"),
        "discount_allocations": [{"amount": "6.00", "amount_set": _money("6.00")}],
    }
    send.shopify(
        "orders/create",
        _shopify_order(
            taxes_included=True,
            line_items=[_shopify_line("SCARF", "120.00", 2, discount="24.00")],
            shipping_lines=[shipping],
            total_shipping_price_set=_money("6.00"),
            total_discounts="30.00",
            total_discounts_set=_money("30.00"),
            total_tax="36.00",
            total_tax_set=_money("36.00"),
            total_price="216.00",
            total_price_set=_money("216.00"),
        ),
    )

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("216.00"),
        Decimal("6.00"),
        Decimal("6.00"),
        Decimal("36.00"),
        Decimal("216.00"),
    )


def test_shopify_duties_are_a_line_and_the_tax_is_added(send, shopify_shop) -> None:
    # 50.00 + 10.00 shipping + 5.20 tax on top + 7.50 duties = 72.70.
    send.shopify(
        "orders/create",
        _shopify_order(
            currency="USD",
            taxes_included=False,
            line_items=[_shopify_line("BOOTS", "50.00", 1)],
            total_shipping_price_set=_money("10.00", currency="USD"),
            total_tax="5.20",
            total_tax_set=_money("5.20", currency="USD"),
            original_total_duties_set=_money("7.50", currency="USD"),
            total_price="72.70",
            total_price_set=_money("72.70", currency="USD"),
        ),
    )

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("57.50"),
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("5.20"),
        Decimal("72.70"),
    )
    assert _lines(order) == [("BOOTS", 1, Decimal("50.00")), ("shopify-duties", 1, Decimal("7.50"))]


def test_shopify_order_in_another_presentment_currency_keeps_the_shops_money(
    send, shopify_shop
) -> None:
    # The customer paid in USD (108.00); the shop's books, and Omni, are in EUR (100.00).
    line = _shopify_line("TRENCH", "100.00", 1)
    line["price_set"] = _money("100.00", "108.00")
    send.shopify(
        "orders/create",
        _shopify_order(
            currency="EUR",
            presentment_currency="USD",
            taxes_included=True,
            line_items=[line],
            total_tax="16.67",
            total_tax_set=_money("16.67", "18.00"),
            total_price="100.00",
            total_price_set=_money("100.00", "108.00"),
        ),
    )

    order = Order.objects.get()
    assert (order.currency, order.total, order.tax_total) == (
        "EUR",
        Decimal("100.00"),
        Decimal("16.67"),
    )


def test_shopify_sample_refund_whose_transactions_differ_from_its_lines_shows_the_difference(
    send, shopify_shop
) -> None:
    # The sample refunds two lines (195.66 + 3.98 tax, 195.67 + 3.98 tax = 399.29) while its
    # transaction paid back 209.00: the 190.29 not paid back is a refund discrepancy.
    send.shopify("orders/create", shopify_order())

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("209.00"),
        Decimal("399.29"),
        Decimal("0.00"),
        Decimal("-190.29"),
    )
    assert _return_lines(refund) == [
        ("IPOD2008GREEN", 1, Decimal("199.65")),
        ("IPOD2008BLACK", 1, Decimal("199.64")),
    ]
    assert "refund discrepancy" in refund.adjustment_reason
    assert refund.currency == "USD"


def _refund(**changes: Any) -> dict[str, Any]:
    refund: dict[str, Any] = {
        "id": 7001,
        "order_id": 5001,
        "processed_at": "2026-11-03T10:00:00+01:00",
        "note": "",
        "refund_line_items": [],
        "refund_shipping_lines": [],
        "order_adjustments": [],
        "transactions": [],
    }
    refund.update(changes)
    return refund


def _refund_line(sku: str, subtotal: str, tax: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "quantity": quantity,
        "subtotal": subtotal,
        "subtotal_set": _money(subtotal),
        "total_tax": tax,
        "total_tax_set": _money(tax),
        "line_item": {"sku": sku},
    }


def _paid(amount: str, currency: str = "EUR") -> list[dict[str, Any]]:
    return [{"kind": "refund", "status": "success", "amount": amount, "currency": currency}]


@pytest.fixture
def coat_order(send, shopify_shop) -> Order:
    """399.00 before tax + 15.95 tax + 12.00 shipping before tax + 0.96 tax = 427.91."""
    send.shopify(
        "orders/create",
        _shopify_order(
            taxes_included=False,
            line_items=[_shopify_line("COAT", "399.00", 1)],
            total_shipping_price_set=_money("12.00"),
            total_tax="16.91",
            total_tax_set=_money("16.91"),
            total_price="427.91",
            total_price_set=_money("427.91"),
        ),
    )
    order = Order.objects.get()
    assert order.total == Decimal("427.91")
    return order


def test_a_refund_paid_short_of_its_lines_keeps_them_and_shows_the_discrepancy(
    send, coat_order
) -> None:
    # The coat's line comes to 414.95 with its tax; the shop paid back 85.00.
    send.shopify(
        "refunds/create",
        _refund(
            refund_line_items=[_refund_line("COAT", "399.00", "15.95")],
            transactions=_paid("85.00"),
        ),
    )

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("85.00"),
        Decimal("414.95"),
        Decimal("0.00"),
        Decimal("-329.95"),
    )
    assert _return_lines(refund) == [("COAT", 1, Decimal("414.95"))]
    assert "refund discrepancy: 85.00 paid back for 414.95" in refund.adjustment_reason


def test_a_refund_discrepancy_declared_by_the_shop_is_the_adjustment(send, coat_order) -> None:
    send.shopify(
        "refunds/create",
        _refund(
            refund_line_items=[_refund_line("COAT", "399.00", "15.95")],
            order_adjustments=[
                {
                    "kind": "refund_discrepancy",
                    "reason": "Refund discrepancy",
                    "amount": "329.95",
                    "amount_set": _money("329.95"),
                    "tax_amount": "0.00",
                }
            ],
            transactions=_paid("85.00"),
        ),
    )

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("85.00"),
        Decimal("414.95"),
        Decimal("0.00"),
        Decimal("-329.95"),
    )
    assert refund.adjustment_reason == "Refund discrepancy"


def test_a_refund_of_shipping_alone_has_no_lines(send, coat_order) -> None:
    send.shopify(
        "refunds/create",
        _refund(
            refund_shipping_lines=[
                {
                    "subtotal_amount_set": _money("12.00"),
                    "tax_amount_set": _money("0.96"),
                }
            ],
            transactions=_paid("12.96"),
        ),
    )

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("12.96"),
        Decimal("0.00"),
        Decimal("12.96"),
        Decimal("0.00"),
    )
    assert (refund.lines.count(), refund.adjustment_reason) == (0, "")


def test_a_shipping_refund_written_as_an_order_adjustment_is_shipping(send, coat_order) -> None:
    # Older refunds carry shipping as an order adjustment of kind shipping_refund (negative).
    send.shopify(
        "refunds/create",
        _refund(
            refund_line_items=[_refund_line("COAT", "399.00", "15.95")],
            order_adjustments=[
                {
                    "kind": "shipping_refund",
                    "amount": "-12.00",
                    "amount_set": _money("-12.00"),
                    "tax_amount": "-0.96",
                    "tax_amount_set": _money("-0.96"),
                }
            ],
            transactions=_paid("427.91"),
        ),
    )

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("427.91"),
        Decimal("414.95"),
        Decimal("12.96"),
        Decimal("0.00"),
    )


def test_a_goodwill_refund_without_lines_is_an_adjustment_with_its_reason(send, coat_order) -> None:
    send.shopify(
        "refunds/create",
        _refund(
            note="Parcel late",
            order_adjustments=[
                {
                    "kind": "refund_discrepancy",
                    "reason": "Goodwill gesture",
                    "amount": "-20.00",
                    "amount_set": _money("-20.00"),
                    "tax_amount": "0.00",
                }
            ],
            transactions=_paid("20.00"),
        ),
    )

    refund = Return.objects.get()
    assert _parts(refund) == (
        Decimal("20.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("20.00"),
    )
    assert (refund.adjustment_reason, refund.reason) == ("Goodwill gesture", "Parcel late")
    assert refund.order.updated_at >= refund.created_at


def test_a_refund_paid_in_the_customers_currency_is_kept_in_the_shops(send, coat_order) -> None:
    # The transaction is in the presentment currency (USD): not the shop's figure.
    send.shopify(
        "refunds/create",
        _refund(
            refund_line_items=[_refund_line("COAT", "399.00", "15.95")],
            transactions=_paid("451.60", currency="USD"),
        ),
    )

    refund = Return.objects.get()
    assert (refund.currency, refund.refund_amount, refund.adjustment) == (
        "EUR",
        Decimal("414.95"),
        Decimal("0.00"),
    )


# WooCommerce ----------------------------------------------------------------------------------


def test_woocommerce_sample_order_with_prices_before_tax_adds_the_tax(
    send, woocommerce_shop
) -> None:
    # 2 × 3.00 + 12.00 + 10.00 shipping + 1.35 tax = 29.35 (the sample's own total).
    send.woocommerce("order.created", woocommerce_order())

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("18.00"),
        Decimal("10.00"),
        Decimal("0.00"),
        Decimal("1.35"),
        Decimal("29.35"),
    )
    assert order.currency == "USD"


def _woocommerce_line(**changes: Any) -> dict[str, Any]:
    line = {
        "id": 901,
        "name": "Cashmere scarf",
        "product_id": 41,
        "variation_id": 0,
        "sku": "SCARF",
        "quantity": 2,
        "meta_data": [],
    }
    line.update(changes)
    return line


def test_woocommerce_prices_with_tax_keep_it_inside_with_coupon_and_fee(
    send, woocommerce_shop
) -> None:
    # Amounts are before tax in the payload whatever the setting; shown with their tax:
    # line 2 × 25.00 + 10.00 tax, coupon 5.00 + 1.00 tax: 54.00; gift wrap 2.50 + 0.50: 3.00;
    # shipping 5.00 + 1.00: 6.00. Total 63.00, of which 10.50 tax.
    send.woocommerce(
        "order.created",
        woocommerce_order(
            currency="EUR",
            prices_include_tax=True,
            line_items=[
                _woocommerce_line(
                    subtotal="50.00", subtotal_tax="10.00", total="45.00", total_tax="9.00"
                )
            ],
            shipping_total="5.00",
            shipping_tax="1.00",
            fee_lines=[{"name": "Gift wrap", "total": "2.50", "total_tax": "0.50"}],
            discount_total="5.00",
            total_tax="10.50",
            total="63.00",
        ),
    )

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("57.00"),
        Decimal("6.00"),
        Decimal("0.00"),
        Decimal("10.50"),
        Decimal("63.00"),
    )
    assert _lines(order) == [
        ("SCARF", 2, Decimal("54.00")),
        ("woocommerce-fee", 1, Decimal("3.00")),
    ]


def test_woocommerce_prices_before_tax_with_coupon_and_a_negative_fee(
    send, woocommerce_shop
) -> None:
    # 40.00 - 4.00 coupon = 36.00; shipping 4.90; loyalty fee -5.00 (an order discount);
    # tax 7.20 + 0.98 - 1.00 = 7.18 added: 36.00 + 4.90 - 5.00 + 7.18 = 43.08.
    send.woocommerce(
        "order.created",
        woocommerce_order(
            currency="EUR",
            prices_include_tax=False,
            line_items=[
                _woocommerce_line(
                    quantity=1,
                    subtotal="40.00",
                    subtotal_tax="8.00",
                    total="36.00",
                    total_tax="7.20",
                )
            ],
            shipping_total="4.90",
            shipping_tax="0.98",
            fee_lines=[{"name": "Loyalty discount", "total": "-5.00", "total_tax": "-1.00"}],
            discount_total="4.00",
            total_tax="7.18",
            total="43.08",
        ),
    )

    order = Order.objects.get()
    assert _figures(order) == (
        Decimal("36.00"),
        Decimal("4.90"),
        Decimal("5.00"),
        Decimal("7.18"),
        Decimal("43.08"),
    )


def test_woocommerce_total_rounded_by_the_shop_is_kept(send, woocommerce_shop) -> None:
    # Taxes rounded per line by the shop: its total is one cent above Omni's sum of parts;
    # the cent is kept as an "other charges" line so that the breakdown adds up.
    send.woocommerce("order.created", woocommerce_order(total="29.36"))

    order = Order.objects.get()
    assert order.total == Decimal("29.36")
    assert _lines(order)[-1] == ("woocommerce-other-charges", 1, Decimal("0.01"))


@pytest.fixture
def shop_with_refunds(woocommerce_shop, fake_shop: FakeShop):
    woocommerce_shop.base_url = fake_shop.base_url
    woocommerce_shop.save()
    return fake_shop


def test_woocommerce_refund_read_from_the_shop_adds_tax_to_lines_and_shipping(
    send, shop_with_refunds: FakeShop
) -> None:
    # On the sample order (prices before tax): Bar3 12.00 + 0.90 tax, shipping 10.00.
    refund = copy.deepcopy(payload("woocommerce_order_refunds_list.json")[1])
    refund.update(
        id=800,
        amount="22.90",
        reason="Damaged",
        line_items=[
            {
                "id": 950,
                "product_id": 22,
                "variation_id": 23,
                "sku": "Bar3",
                "quantity": -1,
                "subtotal": "-12.00",
                "subtotal_tax": "-0.90",
                "total": "-12.00",
                "total_tax": "-0.90",
                "meta_data": [{"key": "_refunded_item_id", "value": "316"}],
            }
        ],
        shipping_lines=[{"id": 951, "total": "-10.00", "total_tax": "0.00"}],
    )
    shop_with_refunds.woocommerce_refunds["727"] = [refund]

    send.woocommerce(
        "order.updated",
        woocommerce_order(
            date_modified_gmt="2017-03-23T10:00:00",
            refunds=[{"id": 800, "reason": "Damaged", "total": "-22.90"}],
        ),
    )

    recorded = Return.objects.get()
    assert _parts(recorded) == (
        Decimal("22.90"),
        Decimal("12.90"),
        Decimal("10.00"),
        Decimal("0.00"),
    )
    assert _return_lines(recorded) == [("Bar3", 1, Decimal("12.90"))]
    assert (recorded.reason, recorded.currency) == ("Damaged", "USD")


def test_woocommerce_refund_the_shop_no_longer_details_is_its_amount_as_an_adjustment(
    send, shop_with_refunds: FakeShop
) -> None:
    shop_with_refunds.woocommerce_refunds["727"] = []

    send.woocommerce(
        "order.updated", woocommerce_order(refunds=[{"id": 801, "reason": "", "total": "-5.00"}])
    )

    recorded = Return.objects.get()
    assert _parts(recorded) == (
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("5.00"),
    )
    assert recorded.adjustment_reason == "refund without detail from the shop"
