"""The baseline of the batch API: the same records written the ideal way, in raw SQL.

One transaction per batch: the records' customers, orders and lines are COPied into three
temporary tables, then merged into the same tables the API writes (customers and their
external identities, orders, order lines) by one set-based statement each:
`INSERT … SELECT … ON CONFLICT … DO UPDATE … WHERE (stored) IS DISTINCT FROM (sent)`, so that an
unchanged row is not rewritten and an older update (by `source_updated_at`) is ignored.

It does what any writer of these rows must do and nothing more: amounts are computed from the
lines as the API computes them, customers are found by their identity in the source, products
and stores by code. No per-record results, no status history, no lifecycle refresh: the floor
the API is measured against, not a second implementation of it.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from customers.models import Customer, MatchKey

CUSTOMER_STAGE = "bench_baseline_customer"
ORDER_STAGE = "bench_baseline_order"
LINE_STAGE = "bench_baseline_line"
CENT = Decimal("0.01")

STAGES = {
    CUSTOMER_STAGE: (
        "source text, external_id text, email text, first_name text, last_name text, phone text"
    ),
    ORDER_STAGE: (
        "source text, external_reference text, customer_source text, customer_external_id "
        "text, channel text, status text, placed_at timestamptz, currency text, subtotal "
        "numeric, discount_total numeric, shipping_total numeric, tax_total numeric, total "
        "numeric, store_code text, fulfilment text, source_updated_at timestamptz"
    ),
    LINE_STAGE: (
        "source text, external_reference text, line_number integer, sku text, quantity "
        "integer, unit_price numeric, discount numeric, total numeric"
    ),
}

ORDER_VALUES = (
    "customer_id",
    "channel",
    "status",
    "placed_at",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "store_id",
    "fulfilment",
    "source_updated_at",
)
LINE_VALUES = ("product_id", "sku", "name", "size", "quantity", "unit_price", "discount", "total")


def _defaults() -> dict[str, Any]:
    """What a new profile holds in the columns the records do not carry (the model's defaults)."""
    names = ("loyalty_tier", "preferred_language", "acquisition_channel", "lifecycle_stage")
    return {name: Customer._meta.get_field(name).get_default() for name in names}


def _customer_row(customer: dict[str, Any]) -> tuple:
    return (
        customer["source"],
        customer["external_id"],
        customer.get("email"),
        customer.get("first_name", ""),
        customer.get("last_name", ""),
        customer.get("phone"),
    )


def _order_rows(record: dict[str, Any]) -> tuple[tuple, list[tuple]]:
    lines = []
    subtotal = Decimal(0)
    for number, line in enumerate(record["lines"], start=1):
        unit_price, discount = Decimal(line["unit_price"]), Decimal(line.get("discount", "0"))
        total = (unit_price * line["quantity"] - discount).quantize(CENT)
        subtotal += total
        key = (record["source"], record["external_reference"])
        lines.append((*key, number, line["sku"], line["quantity"], unit_price, discount, total))
    shipping = Decimal(record.get("shipping_total", "0"))
    discount_total = Decimal(record.get("discount_total", "0"))
    tax = Decimal(record.get("tax_total", "0"))
    total = subtotal + shipping - discount_total
    if not record.get("prices_include_tax", True):
        total += tax
    customer = record.get("customer") or {}
    order = (
        record["source"],
        record["external_reference"],
        customer.get("source"),
        customer.get("external_id"),
        record["channel"],
        record["status"],
        record["placed_at"],
        record["currency"],
        subtotal,
        discount_total,
        shipping,
        tax,
        total,
        record.get("store"),
        record["fulfilment"],
        record.get("source_updated_at"),
    )
    return order, lines


def _copy(cursor: Any, table: str, rows: Sequence[Sequence[Any]]) -> None:
    # Emptied first, as the API's stages are: inside a longer transaction (tests) the rows of
    # the previous batch are still there.
    cursor.execute(f"DELETE FROM {table}")
    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _merge_customers(cursor: Any) -> None:
    defaults = _defaults()
    columns = ", ".join(defaults)
    placeholders = ", ".join(["%s"] * len(defaults))
    cursor.execute(
        f"""
        INSERT INTO customers_customer (created_at, updated_at, first_name, last_name, email,
            phone, {columns})
        SELECT DISTINCT ON (s.email) now(), now(), s.first_name, s.last_name, s.email, s.phone,
            {placeholders}
        FROM {CUSTOMER_STAGE} AS s
        WHERE NOT EXISTS (SELECT 1 FROM customers_externalidentity AS e
                          WHERE e.source = s.source AND e.external_id = s.external_id)
        ON CONFLICT (email) WHERE email IS NOT NULL DO UPDATE SET
            first_name = excluded.first_name, last_name = excluded.last_name,
            phone = excluded.phone, updated_at = excluded.updated_at
        WHERE (customers_customer.first_name, customers_customer.last_name,
               customers_customer.phone)
            IS DISTINCT FROM (excluded.first_name, excluded.last_name, excluded.phone)
        """,
        list(defaults.values()),
    )
    cursor.execute(
        f"""
        INSERT INTO customers_externalidentity (customer_id, source, external_id, matched_on,
            created_at, last_seen_at)
        SELECT DISTINCT ON (s.source, s.external_id) c.id, s.source, s.external_id, %s,
            now(), now()
        FROM {CUSTOMER_STAGE} AS s JOIN customers_customer AS c ON c.email = s.email
        WHERE NOT EXISTS (SELECT 1 FROM customers_externalidentity AS e
                          WHERE e.source = s.source AND e.external_id = s.external_id)
        ON CONFLICT (source, external_id) DO NOTHING
        """,
        [MatchKey.NEW_PROFILE],
    )


def _merge_orders(cursor: Any) -> None:
    columns = ", ".join(ORDER_VALUES)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in ORDER_VALUES)
    stored = ", ".join(f"journeys_order.{name}" for name in ORDER_VALUES)
    sent = ", ".join(f"excluded.{name}" for name in ORDER_VALUES)
    cursor.execute(
        f"""
        INSERT INTO journeys_order (created_at, updated_at, source, external_reference,
            {columns})
        SELECT now(), now(), o.source, o.external_reference, e.customer_id, o.channel, o.status,
            o.placed_at, o.currency, o.subtotal, o.discount_total, o.shipping_total,
            o.tax_total, o.total, st.id, o.fulfilment, o.source_updated_at
        FROM {ORDER_STAGE} AS o
        LEFT JOIN customers_externalidentity AS e
            ON e.source = o.customer_source AND e.external_id = o.customer_external_id
        LEFT JOIN omni_store AS st ON st.code = o.store_code
        ON CONFLICT (source, external_reference) DO UPDATE SET {assignments},
            updated_at = excluded.updated_at
        WHERE ({stored}) IS DISTINCT FROM ({sent})
            AND (journeys_order.source_updated_at IS NULL
                 OR excluded.source_updated_at >= journeys_order.source_updated_at)
        """
    )


def _merge_lines(cursor: Any) -> None:
    columns = ", ".join(LINE_VALUES)
    assignments = ", ".join(f"{name} = excluded.{name}" for name in LINE_VALUES)
    stored = ", ".join(f"journeys_orderline.{name}" for name in LINE_VALUES)
    sent = ", ".join(f"excluded.{name}" for name in LINE_VALUES)
    cursor.execute(
        f"""
        INSERT INTO journeys_orderline (order_id, line_number, {columns})
        SELECT o.id, l.line_number, p.id, l.sku, p.name, '', l.quantity, l.unit_price,
            l.discount, l.total
        FROM {LINE_STAGE} AS l
        JOIN journeys_order AS o
            ON o.source = l.source AND o.external_reference = l.external_reference
        JOIN omni_product AS p ON p.sku = l.sku
        ON CONFLICT (order_id, line_number) DO UPDATE SET {assignments}
        WHERE ({stored}) IS DISTINCT FROM ({sent})
        """
    )


def baseline_write(records: Sequence[dict[str, Any]]) -> None:
    """Write `records` (order records of the batch API, customers inline) in one transaction."""
    customers: dict[tuple[str, str], tuple] = {}
    orders, lines = [], []
    for record in records:
        customer = record.get("customer")
        key = (customer["source"], customer["external_id"]) if customer else None
        # A customer named by several orders: her full record (names) wins over a reference.
        if customer and (key not in customers or customer.get("first_name")):
            customers[key] = _customer_row(customer)
        order, order_lines = _order_rows(record)
        orders.append(order)
        lines.extend(order_lines)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in STAGES.items():
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({columns}) ON COMMIT DELETE ROWS"
            )
        _copy(cursor, CUSTOMER_STAGE, list(customers.values()))
        _copy(cursor, ORDER_STAGE, orders)
        _copy(cursor, LINE_STAGE, lines)
        _merge_customers(cursor)
        _merge_orders(cursor)
        _merge_lines(cursor)


def customers_preload(customers: Sequence[dict[str, Any]]) -> None:
    """Write customer records (new profiles and their identities) the baseline's way: how the
    benchmark fills the database with the customers its orders name."""
    with transaction.atomic(), connection.cursor() as cursor:
        columns = STAGES[CUSTOMER_STAGE]
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {CUSTOMER_STAGE} ({columns}) "
            "ON COMMIT DELETE ROWS"
        )
        _copy(cursor, CUSTOMER_STAGE, [_customer_row(customer) for customer in customers])
        _merge_customers(cursor)
