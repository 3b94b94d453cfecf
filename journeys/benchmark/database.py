"""The database `bench_ingest` writes to: checked, emptied, given a catalogue, stores and an API
client, and filled with the customers and orders a shop already has.

Each run starts from empty retail tables, so that two runs are comparable: the command refuses
SQLite, and a database holding data it did not write (no marker table) unless asked to erase it.
"""

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from journeys.benchmark.baseline import baseline_write, customers_preload
from journeys.benchmark.people import PeopleDrawer
from journeys.benchmark.records import (
    BatchChain,
    Catalogue,
    CustomerReference,
    benchmark_catalogue,
    new_customer_record,
)
from omni.api.clients import api_client_create
from omni.benchmark.catalogue import products
from omni.models import ApiScope, Product, Store

MARKER_TABLE = "bench_ingest_marker"
RETAIL_TABLES = (
    "customers_customer",
    "customers_nameword",
    "omni_store",
    "omni_product",
    "journeys_order",
)
STORE_CODES = tuple(f"bench-{number:02d}" for number in range(1, 9))
PRELOAD_CHUNK = 5_000


class BenchmarkRefusedError(Exception):
    """The database is not one the benchmark may write to; the message says what to do."""


@dataclass(frozen=True)
class Preloaded:
    existing: tuple[CustomerReference, ...]
    customers: int
    orders: int
    seconds: float


def check_database(*, reset: bool) -> None:
    if connection.vendor != "postgresql":
        raise BenchmarkRefusedError(
            f"bench_ingest needs PostgreSQL (COPY, pg_stat_user_tables); this database is "
            f"{connection.vendor}. Set DATABASE_URL=postgres://… to a dedicated PostgreSQL "
            "database."
        )
    if not reset and not _is_ours():
        raise BenchmarkRefusedError(
            "This database holds customers, orders or products that bench_ingest did not write "
            f"(it has no {MARKER_TABLE} table); the benchmark empties the retail tables. Use a "
            "dedicated database, or pass --reset-benchmark to erase them."
        )


def _is_ours() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL OR NOT (EXISTS (SELECT 1 FROM customers_customer)"
            " OR EXISTS (SELECT 1 FROM journeys_order) OR EXISTS (SELECT 1 FROM omni_product))",
            [MARKER_TABLE],
        )
        return cursor.fetchone()[0]


def reset_database() -> None:
    """Empty the retail tables (and what refers to them) and mark the database as ours."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Inside a longer transaction (tests) TRUNCATE refuses tables with pending trigger
        # events: check the deferred foreign keys of earlier writes now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(RETAIL_TABLES)} RESTART IDENTITY CASCADE")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (started_at timestamptz NOT NULL)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (started_at) VALUES (now())")


def reference_data() -> Catalogue:
    """The scale dataset's catalogue (2,000 products) and a few stores."""
    Product.objects.bulk_create(
        Product(
            sku=product.sku,
            name=product.name,
            brand=product.brand,
            department=product.category.department,
            category=product.category.code,
            price=Decimal(product.price),
            attributes=product.attributes,
        )
        for product in products()
    )
    Store.objects.bulk_create(
        Store(code=code, name=f"Store {code}", city="Paris", offers_click_and_collect=True)
        for code in STORE_CODES
    )
    return benchmark_catalogue(STORE_CODES)


def api_token(name: str) -> str:
    """The raw token of a new API client with every scope (as the e-shop integration has)."""
    return api_client_create(name=name, scopes=ApiScope.values)[1]


def preload(
    *,
    customers: int,
    orders: int,
    catalogue: Catalogue,
    anchor: datetime.datetime,
    log: Callable[[str], None],
) -> Preloaded:
    """The shop's past, written the baseline's way (set-based SQL): `customers` profiles with
    their identity in the shop, then at least `orders` distinct orders in batches of 1,000 of
    the same mix as the timed ones. Returns references to the customers, which the timed
    orders name."""
    started = _now()
    drawer = PeopleDrawer("bench-ingest:existing")
    existing = []
    for first in range(0, customers, PRELOAD_CHUNK):
        records = [
            new_customer_record(f"existing-{number}", drawer.draw(number, email_tag=f".e{number}"))
            for number in range(first, min(customers, first + PRELOAD_CHUNK))
        ]
        customers_preload(records)
        existing.extend(CustomerReference(row["external_id"], row["email"]) for row in records)
    log(f"  {customers:,} customers written in {_now() - started:.1f} s")
    chain = BatchChain(
        prefix="past",
        seed="bench-ingest:past",
        existing=existing,
        catalogue=catalogue,
        anchor=anchor - datetime.timedelta(days=60),
        phone_offset=customers,
    )
    while chain.orders < orders:  # half of a batch is sent again: count distinct orders
        baseline_write(chain.next_batch(min(1000, 2 * (orders - chain.orders))))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  {chain.orders:,} orders written and the database analysed in {_now() - started:.1f} s")
    total = customers + chain.customers
    return Preloaded(tuple(existing), total, chain.orders, _now() - started)


def _now() -> float:
    return time.perf_counter()


def phone_span(preloaded: Preloaded, chains: Sequence[str]) -> dict[str, int]:
    """A phone offset per chain, past those of the preload, so that no two people share one."""
    step = 10_000_000 // (len(chains) + 1)
    return {name: preloaded.customers + step * (index + 1) for index, name in enumerate(chains)}


# What of the server's configuration bounds a bulk write (see README, "PostgreSQL settings").
SERVER_SETTINGS = (
    "shared_buffers",
    "max_wal_size",
    "checkpoint_timeout",
    "synchronous_commit",
    "autovacuum",
)


def server_settings() -> str:
    """The settings a figure depends on, as the server reports them ("shared_buffers 128MB,
    ..."), so that a figure is read with the configuration it was measured on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [list(SERVER_SETTINGS)],
        )
        found = dict(cursor.fetchall())
    return ", ".join(f"{name} {found[name]}" for name in SERVER_SETTINGS if name in found)
