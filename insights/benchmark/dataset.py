"""A large, realistic and reproducible dataset for the benchmarks (PostgreSQL only).

Everything is written by set-based `INSERT … SELECT FROM generate_series` statements on the
migrated schema (nothing in it is dropped or altered). Randomness is a hash of the row number
(`hashint8extended(n, salt)`, see `sql.py`), so a rerun with the same sizes and anchor day
writes exactly the same rows. Orders are spread over the three years before the anchor day
(default: today, UTC) and numbered in time order; each has one to four lines from the catalogue
(`catalogue.py`) and its total is the sum of its lines. Customers have weighted French and
foreign names, emails and phones in their real shapes (`names.py`, `people.py`); 15 % of them
keep a wishlist. A few heavy customers (`heavy.py`) have 20,000+ timeline items each, on top of
the requested orders. The search's vocabulary of name words is refreshed at the end, as its
nightly job would.

Histories are inserted in time order, as a live database receives them. Run by a superuser, the
inserts skip the per-row foreign-key triggers and every foreign key is checked afterwards with
one anti-join (`foreign_key_violations`).

The generator records what it made in a marker table, `bench_dataset` (sizes, anchor, heavy and
empty profile ids, see `read_marker`). It refuses a database that holds customers but no marker
unless `reset=True`; before generating it empties the retail tables (customers, stores, products
and everything that references them, through `TRUNCATE … CASCADE`) and deletes the benchmark
associates' users and services.

The per-customer metrics, lifecycle stages and stage history are computed here in SQL with the
rules and thresholds of `journeys.models.LifecycleSettings` and the definitions of
`journeys.lifecycle.metrics`, so that the aggregates have realistic input without depending on
`journeys.lifecycle` (the tests check that both agree).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, transaction

from customers.current_consents import BACKFILL as CURRENT_CONSENTS_FILL
from customers.name_words import name_words_refresh
from insights.benchmark import heavy
from journeys.pickup_codes import PICKUP_CODE_ALPHABET, PICKUP_CODE_LENGTH
from omni.benchmark import people
from omni.benchmark.catalogue import (
    CATEGORIES,
    LETTER_SIZES,
    PRODUCT_COUNT,
    SHOE_SIZES,
    SIZE_CHARTS,
    catalogue_parameters,
)
from omni.benchmark.names import Pool, name_pools, pool_parameters
from omni.benchmark.sql import cumulative_case, expand, text_array
from segments.facts import FACTS as SEGMENT_FACTS
from segments.facts import FILL as SEGMENT_FACTS_FILL

BENCH_USER_PREFIX = "bench-"
MARKER_TABLE = "bench_dataset"
SPAN_DAYS = 1095  # three years of orders
STORE_COUNT = 20
ASSOCIATES_PER_STORE = 5
HEAVY_CUSTOMERS = 3
# Customers with a wishlist, among those identified (an unknown contact has none).
WISHLIST_PERMILLE = 180
# Wishlist items step through the catalogue by this stride: prime to PRODUCT_COUNT, so that a
# wishlist's items (fewer than PRODUCT_COUNT) are distinct products.
WISHLIST_STRIDE = 97
# Pickup codes scramble the order id by this multiplier: prime to 31^8, the number of codes,
# and near 0.618 × 31^8 so that consecutive orders get codes far apart.
PICKUP_CODE_MULTIPLIER = 527_115_402_953

REGIONS = (
    ("Île-de-France", ("Paris", "Versailles", "Boulogne-Billancourt", "Saint-Denis")),
    ("Auvergne-Rhône-Alpes", ("Lyon", "Grenoble", "Annecy")),
    ("Provence-Alpes-Côte d'Azur", ("Marseille", "Nice", "Aix-en-Provence", "Toulon")),
    ("Nouvelle-Aquitaine", ("Bordeaux", "Biarritz", "Limoges")),
    ("Occitanie", ("Toulouse", "Montpellier", "Nîmes")),
    ("Hauts-de-France", ("Lille", "Amiens", "Arras")),
)
ASSOCIATE_FIRST_NAMES = ("Camille", "Léa", "Inès", "Chloé", "Manon", "Sarah", "Julie", "Hugo")
TICKET_KINDS = ("repair", "exchange", "refund", "complaint", "question", "warranty")
TICKET_SUBJECTS = (
    "Couture décousue",
    "Échange de taille",
    "Demande de remboursement",
    "Article reçu abîmé",
    "Question sur l'entretien",
    "Fermoir cassé sous garantie",
)

# Tables emptied before a generation: TRUNCATE … CASCADE follows every foreign key to them.
RESET_TABLES = ("customers_customer", "omni_store", "omni_product", SEGMENT_FACTS)

# Tables whose ids are written explicitly; their identity sequences are moved past them.
EXPLICIT_ID_TABLES = (
    "omni_store",
    "omni_product",
    "customers_customer",
    "journeys_order",
    "journeys_orderline",
    "journeys_pickup",
    "journeys_aftersalesticket",
    "journeys_wishlist",
)

COUNTED_TABLES = (
    ("stores", "omni_store"),
    ("associates", "clienteling_associate"),
    ("products", "omni_product"),
    ("customers", "customers_customer"),
    ("name_words", "customers_nameword"),
    ("consents", "customers_consent"),
    ("orders", "journeys_order"),
    ("order_lines", "journeys_orderline"),
    ("pickups", "journeys_pickup"),
    ("returns", "journeys_return"),
    ("after_sales_tickets", "journeys_aftersalesticket"),
    ("ticket_status_changes", "journeys_aftersalesstatuschange"),
    ("touchpoints", "journeys_touchpoint"),
    ("wishlists", "journeys_wishlist"),
    ("wishlist_items", "journeys_wishlistitem"),
    ("notes", "clienteling_note"),
    ("appointments", "clienteling_appointment"),
    ("customer_metrics", "journeys_customermetrics"),
    ("stage_changes", "journeys_lifecyclestagechange"),
)

# Every table the generator writes (their foreign keys are checked at the end).
WRITTEN_TABLES = (
    *(table for _label, table in COUNTED_TABLES),
    "journeys_aftersalesstatuschange",
    "omni_service",
    "omni_store_services",
)

TEMP_TABLES = (
    "bench_cust",
    "bench_orders",
    "bench_m",
    "bench_stage",
    "bench_assoc",
    "bench_channel_figures",
    "bench_store_figures",
    "bench_top_categories",
    *people.TEMP_TABLES,
)


class BenchmarkRefusedError(Exception):
    """The database is not one the generator may fill."""


@dataclass
class GenerationReport:
    timings: list[tuple[str, float]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Profiles for the customer 360 benchmark: the deepest histories, and one with none.
    heavy_customer_ids: list[int] = field(default_factory=list)
    empty_customer_id: int | None = None

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


@dataclass(frozen=True)
class DatasetMarker:
    """What `bench_dataset` records about the generated dataset."""

    customers: int
    orders: int
    heavy_customers: int
    anchor: datetime
    heavy_customer_ids: list[int]
    empty_customer_id: int | None
    completed_at: datetime | None


def _channel(permille: str) -> str:
    """Order channels: store 55 %, web 25 %, app 10 %, phone 4 %, marketplace 4 %, social 2 %."""
    return (
        f"(CASE WHEN {permille} < 550 THEN 'store' WHEN {permille} < 800 THEN 'web' "
        f"WHEN {permille} < 900 THEN 'app' WHEN {permille} < 940 THEN 'phone' "
        f"WHEN {permille} < 980 THEN 'marketplace' ELSE 'social' END)"
    )


def _touchpoint_channel(permille: str) -> str:
    return (
        f"(CASE WHEN {permille} < 250 THEN 'social' WHEN {permille} < 600 THEN 'web' "
        f"WHEN {permille} < 800 THEN 'email' WHEN {permille} < 900 THEN 'app' ELSE 'store' END)"
    )


def _line_product(slot: str) -> str:
    """A line's product: 55 % in the customer's favourite category (`fav`), the rest in any;
    within a category a few bestsellers sell most (a squared uniform favours low ranks)."""
    category = (
        f"(CASE WHEN PM({slot}, 32) < 550 THEN fav "
        f"ELSE 1 + mod(H({slot}, 33), {len(CATEGORIES)}) END)"
    )
    return (
        f"((%(category_starts)s::int[])[{category}] + floor("
        f"(%(category_sizes)s::int[])[{category}] * power(U({slot}, 34), 2))::int)"
    )


def _line_quantity(slot: str) -> str:
    return f"(CASE WHEN PM({slot}, 35) < 900 THEN 1 WHEN PM({slot}, 35) < 980 THEN 2 ELSE 3 END)"


def _size(product: str, customer: str) -> str:
    """The customer's own size in the product's size chart ('' for beauty and accessories)."""
    charts = {
        chart: cumulative_case(
            f"PM({customer}, {salt})", [(share, f"'{size}'") for size, share in SIZE_CHARTS[chart]]
        )
        for chart, salt in ((LETTER_SIZES, 36), (SHOE_SIZES, 37))
    }
    return (
        f"(CASE (%(product_size_charts)s::int[])[{product}] "
        f"WHEN {LETTER_SIZES} THEN {charts[LETTER_SIZES]} "
        f"WHEN {SHOE_SIZES} THEN {charts[SHOE_SIZES]} ELSE '' END)"
    )


def is_benchmark_database() -> bool:
    """True when the generator made this database (its marker table exists) or it has no
    customers at all."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL OR NOT EXISTS (SELECT 1 FROM customers_customer)",
            [MARKER_TABLE],
        )
        return cursor.fetchone()[0]


def check_database(*, reset: bool) -> None:
    if connection.vendor != "postgresql":
        raise BenchmarkRefusedError(
            f"The benchmark dataset needs PostgreSQL; this database is "
            f"{connection.vendor}. Set DATABASE_URL=postgres://… to a PostgreSQL database."
        )
    if not reset and not is_benchmark_database():
        raise BenchmarkRefusedError(
            "This database holds customers that are not benchmark customers (it has no "
            f"{MARKER_TABLE} table); the generator would erase them. Use a dedicated database, "
            "or pass --reset-benchmark to empty the retail tables first."
        )


def read_marker() -> DatasetMarker | None:
    """The generated dataset's description, or None when this is not a benchmark database."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(
            f"SELECT customers, orders, heavy_customers, anchor, heavy_customer_ids, "
            f"empty_customer_id, completed_at FROM {MARKER_TABLE}"
        )
        row = cursor.fetchone()
    return DatasetMarker(*row[:4], list(row[4]), *row[5:]) if row else None


def dataset_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for label, table in COUNTED_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # fixed table names
            counts[label] = cursor.fetchone()[0]
    return counts


def _lifecycle_thresholds() -> dict[str, Any]:
    from journeys.models import LifecycleSettings

    settings = LifecycleSettings.objects.filter(pk=1).first() or LifecycleSettings()
    return {
        "retention_min": settings.retention_min_orders,
        "loyalty_min": settings.loyalty_min_orders,
        "loyalty_months": settings.loyalty_window_months,
        "loyalty_tiers": [str(tier) for tier in settings.loyalty_tiers or []],
        "lapsed_months": settings.lapsed_after_months,
    }


def _parameters(
    customers: int, orders: int, heavy_customers: int, anchor_day: date, pools: list[Pool]
) -> dict[str, Any]:
    return {
        "customers": customers,
        "orders": orders,
        "heavy": heavy_customers,
        "anchor": datetime(anchor_day.year, anchor_day.month, anchor_day.day, tzinfo=UTC),
        "span": SPAN_DAYS,
        "stores": STORE_COUNT,
        "per_store": ASSOCIATES_PER_STORE,
        "products": PRODUCT_COUNT,
        "user_prefix": BENCH_USER_PREFIX,
        **heavy.heavy_parameters(heavy.HEAVY),
        **pool_parameters(pools),
        **catalogue_parameters(),
        **_lifecycle_thresholds(),
    }


def _may_skip_triggers(cursor: Any) -> bool:
    """Only a superuser may turn the foreign-key triggers off (session_replication_role)."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    return cursor.fetchone()[0]


def _run_step(
    cursor: Any, statements: list[str], params: dict[str, Any], *, skip_triggers: bool
) -> float:
    """One step in one transaction. Inserting generated rows, a superuser skips the per-row
    foreign-key triggers (two thirds of the time of a bulk insert); `foreign_key_violations`
    checks every foreign key in one anti-join each once all is written."""
    started = time.perf_counter()
    with transaction.atomic():
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # The LATERAL generate_series make estimates huge: JIT would compile every statement
        # (a second each) and save nothing measurable even at full scale.
        cursor.execute("SET LOCAL jit = off")
        if skip_triggers:
            cursor.execute("SET LOCAL session_replication_role = replica")
        for statement in statements:
            cursor.execute(expand(statement), params)
        if skip_triggers:  # inside a caller's transaction (tests) SET LOCAL outlives the step
            cursor.execute("SET LOCAL session_replication_role = origin")
    return time.perf_counter() - started


_FOREIGN_KEYS = """
    SELECT child.relname, child_column.attname, parent.relname, parent_column.attname
    FROM pg_constraint k
    JOIN pg_class child ON child.oid = k.conrelid
    JOIN pg_class parent ON parent.oid = k.confrelid
    JOIN pg_attribute child_column
        ON child_column.attrelid = k.conrelid AND child_column.attnum = k.conkey[1]
    JOIN pg_attribute parent_column
        ON parent_column.attrelid = k.confrelid AND parent_column.attnum = k.confkey[1]
    WHERE k.contype = 'f' AND child.relname = ANY(%s)
    ORDER BY 1, 2
"""


def foreign_key_violations() -> list[str]:
    """Every foreign key of the generated tables that a row breaks ("table.column → table")."""
    broken = []
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_KEYS, [list(WRITTEN_TABLES)])
        for child, column, parent, parent_column in cursor.fetchall():
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {child} c WHERE c.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{parent_column} = c.{column}))"
            )  # names from the catalogue
            if cursor.fetchone()[0]:
                broken.append(f"{child}.{column} → {parent}")
    return broken


def _check_foreign_keys() -> float:
    started = time.perf_counter()
    broken = foreign_key_violations()
    if broken:
        raise RuntimeError("Generated rows break foreign keys: " + ", ".join(broken))
    return time.perf_counter() - started


def _record_profiles(cursor: Any, report: GenerationReport, customers: int, heavy: int) -> None:
    """The heavy customers' ids and a customer without any history, kept in the marker."""
    report.heavy_customer_ids = list(range(customers + 1, customers + heavy + 1))
    cursor.execute("SELECT min(id) FROM customers_customer WHERE lifecycle_stage = 'reach'")
    report.empty_customer_id = cursor.fetchone()[0]
    cursor.execute(
        f"UPDATE {MARKER_TABLE} SET heavy_customer_ids = %s, empty_customer_id = %s, "
        "completed_at = now()",
        [report.heavy_customer_ids, report.empty_customer_id],
    )


def _vacuum(cursor: Any) -> float:
    """As autovacuum would in production (it may be off): visibility map and hint bits set,
    so that index-only scans and reads do not pay for a fresh bulk load."""
    started = time.perf_counter()
    for _label, table in COUNTED_TABLES:
        cursor.execute(f"VACUUM {table}")
    return time.perf_counter() - started


def _refresh_name_words() -> float:
    """The search's vocabulary of name words, as its nightly job would leave it."""
    started = time.perf_counter()
    name_words_refresh()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_nameword")
    return time.perf_counter() - started


def _note(report: GenerationReport, log: Callable[[str], None], label: str, seconds: float) -> None:
    report.timings.append((label, seconds))
    log(f"  {label:<44} {seconds:8.1f} s")


def _run_steps(
    cursor: Any,
    planned: list[tuple[str, list[str]]],
    params: dict[str, Any],
    report: GenerationReport,
    log: Callable[[str], None],
    starting: Callable[[str], object],
) -> None:
    fast = _may_skip_triggers(cursor)
    for label, statements in planned:
        starting(label)
        skip = fast and statements is not _RESET  # the reset deletes users: keep the checks
        _note(report, log, label, _run_step(cursor, statements, params, skip_triggers=skip))
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    if fast:
        starting("foreign keys checked")
        _note(report, log, "foreign keys checked", _check_foreign_keys())
    starting("name vocabulary")
    _note(report, log, "name vocabulary (name_words_refresh)", _refresh_name_words())


def generate_dataset(
    *,
    customers: int = 1_000_000,
    orders: int = 5_000_000,
    heavy_customers: int = HEAVY_CUSTOMERS,
    anchor: date | None = None,
    reset: bool = False,
    log: Callable[[str], None] = print,
    step: Callable[[str, int], object] | None = None,
) -> GenerationReport:
    """Fill the database with the benchmark dataset; returns the time of each step, the counts
    and the profiles to time (heavy customers, an empty one). The heavy customers' orders come
    on top of `orders`. `step` is told each step's label as it starts, with how many steps
    there are at most (a command's progress bar)."""
    if customers < 1 or orders < 1 or heavy_customers < 0:
        raise BenchmarkRefusedError("Customers and orders must be at least 1.")
    check_database(reset=reset)
    anchor_day = anchor or datetime.now(UTC).date()
    pools = name_pools()
    params = _parameters(customers, orders, heavy_customers, anchor_day, pools)
    report = GenerationReport()
    log(
        f"Generating {customers:,} customers (+{heavy_customers} heavy) and {orders:,} orders "
        f"up to {anchor_day} on {connection.settings_dict.get('NAME')}"
    )
    planned = steps(pools)
    # The SQL steps, then the foreign keys' check, the name vocabulary and VACUUM.
    most = len(planned) + 3

    def starting(label: str) -> None:
        if step is not None:
            step(label, most)

    with connection.cursor() as cursor:
        _run_steps(cursor, planned, params, report, log, starting)
        _record_profiles(cursor, report, customers, heavy_customers)
        if not connection.in_atomic_block:
            starting("VACUUM")
            _note(report, log, "VACUUM", _vacuum(cursor))
    report.counts = dataset_counts()
    log(f"  {'total':<44} {report.total_seconds:8.1f} s")
    return report


# ---------------------------------------------------------------------------------------------
# The steps. Parameters: %(customers)s, %(orders)s, %(anchor)s (midnight UTC of the anchor day)…
# ---------------------------------------------------------------------------------------------

_RESET = [
    # Inside a longer transaction (tests), check the deferred foreign keys of earlier writes
    # now: TRUNCATE refuses a table with pending trigger events.
    "SET CONSTRAINTS ALL IMMEDIATE",
    "TRUNCATE " + ", ".join(RESET_TABLES) + " RESTART IDENTITY CASCADE",
    "DELETE FROM auth_user WHERE starts_with(username, %(user_prefix)s)",
    "DELETE FROM omni_service WHERE starts_with(code, 'bench-')",
    "DELETE FROM customers_nameword",  # the words of the customers just truncated
    *(f"DROP TABLE IF EXISTS {table}" for table in TEMP_TABLES),
    # The marker first: a generation that fails half-way can be run again.
    f"""
    CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (
        customers integer NOT NULL, orders integer NOT NULL, heavy_customers integer NOT NULL,
        anchor timestamptz NOT NULL, heavy_customer_ids integer[] NOT NULL DEFAULT '{{}}',
        empty_customer_id integer, started_at timestamptz NOT NULL, completed_at timestamptz
    )
    """,
    f"DELETE FROM {MARKER_TABLE}",
    f"""
    INSERT INTO {MARKER_TABLE} (customers, orders, heavy_customers, anchor, started_at)
    VALUES (%(customers)s, %(orders)s, %(heavy)s, %(anchor)s, now())
    """,
]


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _store_rows() -> str:
    rows = []
    number = 0
    while number < STORE_COUNT:
        for region, cities in REGIONS:
            city = cities[(number // len(REGIONS)) % len(cities)]
            number += 1
            if number > STORE_COUNT:
                break
            kind = "flagship" if number <= len(REGIONS) else "boutique"
            rows.append(
                f"({number}, 'bench-{number:02d}', '{_quoted(city)} {number:02d}', '{kind}', "
                f"'{_quoted(city)}', '{_quoted(region)}')"
            )
    return ",\n".join(rows)


_REFERENCE = [
    f"""
    INSERT INTO omni_store (id, created_at, updated_at, code, name, kind, address_line,
        postal_code, city, region, country, phone, email, timezone, opening_hours,
        offers_click_and_collect, is_active)
    SELECT v.id, %(anchor)s - interval '4 years', %(anchor)s - interval '4 years', v.code,
        v.name, v.kind, '', '', v.city, v.region, 'FR', '', '', 'Europe/Paris',
        '{{"monday": [["10:00", "19:00"]], "tuesday": [["10:00", "19:00"]],
          "wednesday": [["10:00", "19:00"]], "thursday": [["10:00", "19:00"]],
          "friday": [["10:00", "19:00"]], "saturday": [["10:00", "19:30"]]}}'::jsonb,
        true, true
    FROM (VALUES {_store_rows()}) AS v(id, code, name, kind, city, region)
    """.replace("{{", "{").replace("}}", "}"),
    f"""
    INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name,
        email, is_staff, is_active, date_joined)
    SELECT '!', NULL, false, %(user_prefix)s || 'associate-' || s || '-' || k,
        ({text_array(ASSOCIATE_FIRST_NAMES)})[1 + mod(s * 5 + k, {len(ASSOCIATE_FIRST_NAMES)})],
        'Store ' || s, '', false, true, %(anchor)s - interval '4 years'
    FROM generate_series(1, %(stores)s) AS s, generate_series(0, %(per_store)s - 1) AS k
    """,
    """
    CREATE TEMP TABLE bench_assoc AS
    SELECT u.id AS user_id, s AS store_id, k
    FROM generate_series(1, %(stores)s) AS s
    CROSS JOIN generate_series(0, %(per_store)s - 1) AS k
    JOIN auth_user u ON u.username = %(user_prefix)s || 'associate-' || s || '-' || k
    """,
    """
    INSERT INTO clienteling_associate (created_at, updated_at, role, preferred_language,
        is_active, store_id, user_id)
    SELECT %(anchor)s - interval '4 years', %(anchor)s - interval '4 years',
        CASE WHEN k = 0 THEN 'store_manager' ELSE 'associate' END, 'fr', true, store_id, user_id
    FROM bench_assoc
    """,
    """
    INSERT INTO omni_product (id, created_at, updated_at, sku, name, brand, department,
        category, price, currency, image_url, attributes, is_active)
    SELECT p.id, %(anchor)s - interval '4 years', %(anchor)s - interval '4 years', p.sku,
        p.name, p.brand, p.department, p.category, p.price::numeric, 'EUR', '',
        p.attributes::jsonb, true
    FROM unnest(%(product_skus)s::text[], %(product_names)s::text[],
                %(product_brands)s::text[], %(product_departments)s::text[],
                %(product_categories)s::text[], %(product_prices)s::text[],
                %(product_attributes)s::text[])
        WITH ORDINALITY AS p(sku, name, brand, department, category, price, attributes, id)
    """,
]

# One row per customer: how many orders (k, summing exactly to %(orders)s), when the first and
# the last order were placed (f and e days before the anchor), main channel, omnichannel or
# not, favourite category. Then the heavy customers, with ids and orders after the others.
_PLAN = [
    f"""
    CREATE TEMP TABLE bench_cust AS
    WITH base AS (
        SELECT n AS id,
            CASE WHEN PM(n, 1) < 350 THEN 0
                 WHEN PM(n, 2) < 450 THEN 1
                 WHEN PM(n, 2) < 700 THEN 2 + mod(H(n, 3), 2)
                 WHEN PM(n, 2) < 880 THEN 4 + mod(H(n, 3), 5)
                 ELSE 10 + mod(H(n, 3), 25) END AS w,
            -- last order: 22 %% of buyers stopped over a year ago (lapsed)
            CASE WHEN PM(n, 4) < 220 THEN 380 + mod(H(n, 5), %(span)s - 390)
                 ELSE floor(365 * power(U(n, 6), 2))::int END AS e,
            U(n, 7) AS spread,
            {_channel("PM(n, 8)")} AS channel,
            PM(n, 9) < 420 AS omni,
            CASE WHEN PM(n, 10) < 850 THEN 1 + mod(H(n, 11), %(stores)s) END AS pref,
            PM(n, 12) AS identity_draw,
            PM(n, 13) AS card_draw,
            mod(H(n, 14), 4) AS tp_draw,
            1 + mod(H(n, 15), {len(CATEGORIES)}) AS fav
        FROM generate_series(1, %(customers)s) AS n
    ), cumulated AS (
        SELECT base.*,
            sum(w) OVER (ORDER BY id) AS cum_w,
            sum(w) OVER () AS total_w
        FROM base
    ), planned AS (
        SELECT cumulated.*,
            CASE WHEN total_w = 0 THEN 0
                 ELSE floor(%(orders)s::numeric * (cum_w - w) / total_w)::bigint END AS start,
            CASE WHEN total_w = 0 THEN (CASE WHEN id = 1 THEN %(orders)s ELSE 0 END)
                 ELSE (floor(%(orders)s::numeric * cum_w / total_w)
                       - floor(%(orders)s::numeric * (cum_w - w) / total_w))::int END AS k
        FROM cumulated
    )
    SELECT id, k, start, channel, omni, pref,
        -- touchpoints: 0-3 before a buyer's first purchase, 1-3 for an identified prospect
        -- (an interaction identifies), none for an unknown contact (reach)
        CASE WHEN k > 0 THEN tp_draw WHEN identity_draw < 550 THEN 1 + mod(tp_draw, 3)
             ELSE 0 END AS tpn,
        k > 0 OR identity_draw < 550 AS identified,
        (k > 0 AND card_draw < 600) OR (k = 0 AND identity_draw < 550 AND card_draw < 400)
            AS has_card,
        e,
        CASE WHEN k <= 1 THEN e
             ELSE e + 1 + floor((%(span)s - 2 - e) * spread)::int END AS f,
        fav, false AS heavy
    FROM planned
    UNION ALL
    -- heavy customers: several orders a day, the first three years ago, the last this week
    SELECT %(customers)s + h, %(heavy_orders)s, %(orders)s + (h - 1) * %(heavy_orders)s,
        'store', true, 1 + mod(h - 1, %(stores)s), 3, true, true, mod(H(h, 16), 3),
        %(span)s - 10 - mod(H(h, 17), 20), 1 + mod(H(h, 15), {len(CATEGORIES)}), true
    FROM generate_series(1, %(heavy)s) AS h
    """,
    "ALTER TABLE bench_cust ADD PRIMARY KEY (id)",
    "ANALYZE bench_cust",
]


def _order_lines_sql() -> str:
    """Columns p1..p4 (products) and q1..q4 (quantities) of an order's possible lines."""
    return ",\n".join(
        f"{_line_product(f'draw * 4 + {line}')} AS p{line}, "
        f"{_line_quantity(f'draw * 4 + {line}')} AS q{line}"
        for line in range(1, 5)
    )


def _order_total_sql() -> str:
    """The sum of the lines' quantity × unit price (cents of each product by id)."""
    terms = [
        f"CASE WHEN line_count >= {line} "
        f"THEN q{line} * (%(product_price_cents)s::int[])[p{line}] ELSE 0 END"
        for line in range(1, 5)
    ]
    return f"round(({' + '.join(terms)}) / 100.0, 2)"


# All orders, first in a temporary table: the customers' stages depend on them. An order holds
# its lines' products and quantities as arrays; its total is their sum. Orders are drawn per
# customer (`draw`), then numbered in time order, as a live database numbers them: a
# customer's orders lie all over the table, and inserts append to the time indexes.
_ORDERS_PLAN = [
    f"""
    CREATE TEMP TABLE bench_orders AS
    WITH drawn AS (
        SELECT c.start + j AS draw, c.id AS customer_id, j, c.k, c.pref, c.heavy, c.fav,
            CASE WHEN c.heavy OR (c.omni AND PM(c.start + j, 20) < 500)
                 THEN {_channel("PM(c.start + j, 21)")}
                 ELSE c.channel END AS channel,
            %(anchor)s
                - make_interval(days => c.f + 1
                    - CASE WHEN c.k = 1 THEN 0 ELSE ((c.f - c.e) * (j - 1)) / (c.k - 1) END)
                + make_interval(hours => 9 + mod(H(c.start + j, 22), 11),
                                mins => mod(H(c.start + j, 23), 60)) AS placed_at,
            -- 1 to 4 lines, 2.3 on average
            CASE WHEN PM(c.start + j, 24) < 300 THEN 1 WHEN PM(c.start + j, 24) < 600 THEN 2
                 WHEN PM(c.start + j, 24) < 800 THEN 3 ELSE 4 END AS line_count,
            (j >= 5 AND j < c.k AND PM(c.start + j, 25) < 70) AS cancelled
        FROM bench_cust c CROSS JOIN LATERAL generate_series(1, c.k) AS j
    ), lined AS (
        SELECT drawn.*, {_order_lines_sql()}
        FROM drawn
    ), totalled AS (
        SELECT row_number() OVER (ORDER BY placed_at, draw) AS id, draw, customer_id, j, k,
            pref, heavy, channel, placed_at, cancelled,
            (ARRAY[p1, p2, p3, p4])[1:line_count] AS products,
            (ARRAY[q1, q2, q3, q4])[1:line_count] AS quantities,
            {_order_total_sql()} AS total
        FROM lined
    ), fulfilled AS (
        SELECT totalled.*,
            CASE WHEN channel = 'store' THEN 'in_store'
                 WHEN channel IN ('web', 'app')
                      AND PM(id, 26) < CASE WHEN heavy THEN %(heavy_click_and_collect)s
                                            ELSE 300 END THEN 'click_and_collect'
                 ELSE 'shipping' END AS fulfilment
        FROM totalled
    ), decided AS (
        SELECT fulfilled.*,
            CASE WHEN fulfilment = 'shipping' THEN NULL
                 WHEN pref IS NOT NULL AND PM(id, 27) < 800 THEN pref
                 ELSE 1 + mod(H(id, 28), %(stores)s) END AS store_id,
            CASE WHEN cancelled THEN 'cancelled'
                 WHEN channel = 'store' THEN 'completed'
                 WHEN placed_at > %(anchor)s - interval '3 days' THEN 'confirmed'
                 WHEN PM(id, 29) < 150 THEN 'fulfilled'
                 ELSE 'completed' END AS status,
            CASE channel WHEN 'store' THEN 'pos' WHEN 'web' THEN 'shopify' WHEN 'app' THEN 'app'
                 WHEN 'phone' THEN 'phone' WHEN 'marketplace' THEN 'marketplace'
                 ELSE 'social' END AS source,
            NOT cancelled AND placed_at < %(anchor)s - interval '30 days'
                AND PM(id, 85) < CASE WHEN heavy THEN %(heavy_returns)s
                                      WHEN channel IN ('web', 'app') THEN 150
                                      WHEN channel = 'store' THEN 50 ELSE 80 END AS returned
        FROM fulfilled
    )
    -- a purchase: neither cancelled nor fully refunded (as journeys.lifecycle counts them)
    SELECT decided.*,
        NOT cancelled AND NOT (returned AND PM(id, 83) < 850 AND PM(id, 84) < 700) AS purchase
    FROM decided
    ORDER BY placed_at, draw  -- the order of the ids, without sorting again
    """,
    "ANALYZE bench_orders",
    """
    CREATE TEMP TABLE bench_m AS
    SELECT customer_id,
        count(*) FILTER (WHERE purchase) AS cnt,
        sum(total) FILTER (WHERE purchase) AS spent,
        array_agg(placed_at ORDER BY placed_at, id) FILTER (WHERE purchase) AS dates,
        (array_agg(channel ORDER BY placed_at, id) FILTER (WHERE purchase))[1] AS first_channel,
        count(*) FILTER (WHERE purchase
            AND placed_at >= %(anchor)s - make_interval(months => %(loyalty_months)s))
            AS cnt_window,
        bool_or(channel = 'app' AND purchase) AS ch_app,
        bool_or(channel = 'marketplace' AND purchase) AS ch_marketplace,
        bool_or(channel = 'phone' AND purchase) AS ch_phone,
        bool_or(channel = 'social' AND purchase) AS ch_social,
        bool_or(channel = 'store' AND purchase) AS ch_store,
        bool_or(channel = 'web' AND purchase) AS ch_web
    FROM bench_orders
    GROUP BY customer_id
    """,
    "ALTER TABLE bench_m ADD PRIMARY KEY (customer_id)",
    """
    CREATE TEMP TABLE bench_stage AS
    WITH tiered AS (
        SELECT c.id, c.identified, m.cnt, m.dates, m.cnt_window,
            CASE WHEN NOT c.has_card THEN 'none'
                 WHEN coalesce(m.cnt, 0) >= 15 AND PM(c.id, 30) < 300 THEN 'vip'
                 WHEN coalesce(m.cnt, 0) >= 8 THEN 'gold'
                 WHEN coalesce(m.cnt, 0) >= 3 THEN 'silver'
                 ELSE 'member' END AS tier
        FROM bench_cust c LEFT JOIN bench_m m ON m.customer_id = c.id
    )
    SELECT id, tier,
        CASE WHEN coalesce(cnt, 0) = 0 THEN
                CASE WHEN identified THEN 'acquisition' ELSE 'reach' END
             WHEN dates[cardinality(dates)]
                < %(anchor)s - make_interval(months => %(lapsed_months)s) THEN 'lapsed'
             WHEN cnt_window >= %(loyalty_min)s
                OR tier = ANY(%(loyalty_tiers)s::varchar[]) THEN 'loyalty'
             WHEN cnt >= %(retention_min)s THEN 'retention'
             ELSE 'conversion' END AS stage
    FROM tiered
    """,
    "ALTER TABLE bench_stage ADD PRIMARY KEY (id)",
]

_CUSTOMERS = [
    f"""
    INSERT INTO customers_customer (id, created_at, updated_at, first_name, last_name, email,
        phone, birth_date, loyalty_number, loyalty_tier, preferred_language,
        acquisition_channel, lifecycle_stage, merged_at, erased_at, merged_into_id,
        preferred_store_id)
    SELECT c.id, created, created, p.first_name, p.last_name, p.email, p.phone,
        CASE WHEN PM(c.id, 43) < 800 THEN {people.BIRTH_DATE_SQL} END,
        CASE WHEN c.has_card THEN 'BL' || lpad(c.id::text, 10, '0') END,
        s.tier,
        CASE WHEN starts_with(p.locale, 'fr_') OR PM(c.id, 45) < 400 THEN 'fr' ELSE 'en' END,
        CASE WHEN c.k > 0 AND PM(c.id, 46) < 700 THEN c.channel
             ELSE {_touchpoint_channel("PM(c.id, 47)")} END,
        s.stage, NULL, NULL, NULL, c.pref
    FROM bench_cust c
    JOIN bench_stage s ON s.id = c.id
    JOIN bench_person p ON p.id = c.id
    CROSS JOIN LATERAL (
        SELECT %(anchor)s - make_interval(days => CASE WHEN c.k > 0
                THEN c.f + 10 + mod(H(c.id, 48), 50)
                ELSE 1 + mod(H(c.id, 49), %(span)s) END) AS created
    ) AS t
    """,
]

_CONSENTS = [
    """
    INSERT INTO customers_consent (purpose, channel, granted, recorded_at, collected_via,
        wording_version, proof, collected_at_store_id, recorded_by_id, customer_id)
    SELECT p.purpose, p.channel, PM(c.id * 8 + p.slot, 50) < p.granted_permille,
        c.created_at, CASE WHEN c.acquisition_channel IN ('email', 'sms')
                           THEN 'web' ELSE c.acquisition_channel END,
        'bench-v1', '{}'::jsonb,
        CASE WHEN c.acquisition_channel = 'store' THEN c.preferred_store_id END, NULL, c.id
    FROM customers_customer c
    CROSS JOIN (VALUES (1, 'marketing', 'email', 700, 620), (2, 'marketing', 'sms', 400, 300),
                       (3, 'newsletter', 'email', 500, 450), (4, 'satisfaction', 'email', 600, 500))
        AS p(slot, purpose, channel, asked_permille, granted_permille)
    WHERE PM(c.id * 8 + p.slot, 51) < p.asked_permille
    ORDER BY c.created_at, c.id
    """,
    # The current consents, which the ledger's triggers keep: they are off while generating.
    CURRENT_CONSENTS_FILL["postgresql"],
]

_ORDERS = [
    """
    INSERT INTO journeys_order (id, created_at, updated_at, source, external_reference, channel,
        status, placed_at, currency, subtotal, discount_total, shipping_total, tax_total, total,
        fulfilment, source_updated_at, customer_id, sold_by_id, store_id)
    SELECT o.id, o.placed_at, o.placed_at, o.source, 'B' || lpad(o.id::text, 9, '0'), o.channel,
        o.status,
        o.placed_at, 'EUR', o.total, 0, 0, round(o.total / 6, 2), o.total, o.fulfilment,
        o.placed_at, o.customer_id, a.user_id, o.store_id
    FROM bench_orders o
    LEFT JOIN bench_assoc a ON o.channel = 'store' AND PM(o.id, 60) < 400
        AND a.store_id = o.store_id AND a.k = mod(H(o.id, 61), %(per_store)s)
    """,
]

# Line ids are (order id - 1) * 4 + line number: known in advance, for the tickets' lines.
_ORDER_LINES = [
    f"""
    INSERT INTO journeys_orderline (id, line_number, sku, name, size, quantity, unit_price,
        discount, total, order_id, product_id)
    SELECT (o.id - 1) * 4 + l.number, l.number, p.sku, p.name,
        {_size("l.product", "o.customer_id")}, l.quantity, p.price, 0, l.quantity * p.price,
        o.id, l.product
    FROM bench_orders o
    CROSS JOIN LATERAL unnest(o.products, o.quantities) WITH ORDINALITY
        AS l(product, quantity, number)
    JOIN omni_product p ON p.id = l.product
    """,
]


def _pickup_code(number: str) -> str:
    """A code in the app's shape (journeys.pickup_codes), unique per number: the number times
    a multiplier prime to the count of codes, modulo that count (a bijection), written in the
    code alphabet."""
    base, length = len(PICKUP_CODE_ALPHABET), PICKUP_CODE_LENGTH
    scrambled = f"mod(({number})::numeric * {PICKUP_CODE_MULTIPLIER}, {base**length})"
    return " || ".join(
        f"substr('{PICKUP_CODE_ALPHABET}', 1 + mod(div({scrambled}, {base**position}), {base})"
        f"::int, 1)"
        for position in range(length)
    )


# Click & collect: placed → ready within 2-48 h → collected within 0-6 days, or expired.
_PICKUPS = [
    f"""
    INSERT INTO journeys_pickup (id, created_at, updated_at, status, code, ready_at, pickup_by,
        collected_at, cancelled_at, collected_by_id, order_id, store_id, customer_id)
    SELECT id, placed_at, coalesce(collected_at, ready_at, placed_at), status,
        {_pickup_code("id")}, ready_at, (ready_at + interval '7 days')::date,
        collected_at,
        CASE WHEN status = 'cancelled' THEN placed_at + interval '1 hour' END, NULL, id, store_id,
        customer_id
    FROM (
        SELECT o.id, o.placed_at, o.store_id, o.customer_id,
            CASE WHEN o.status = 'cancelled' THEN 'cancelled'
                 WHEN ready > %(anchor)s THEN 'preparing'
                 WHEN PM(o.id, 70) < 80 THEN
                    CASE WHEN ready + interval '7 days' > %(anchor)s THEN 'ready' ELSE 'expired' END
                 WHEN ready + pickup_delay > %(anchor)s THEN 'ready'
                 ELSE 'collected' END AS status,
            CASE WHEN o.status <> 'cancelled' AND ready <= %(anchor)s THEN ready END AS ready_at,
            CASE WHEN o.status <> 'cancelled' AND PM(o.id, 70) >= 80
                      AND ready + pickup_delay <= %(anchor)s
                 THEN ready + pickup_delay END AS collected_at
        FROM bench_orders o
        CROSS JOIN LATERAL (
            SELECT o.placed_at + make_interval(hours => 2 + mod(H(o.id, 71), 46)) AS ready,
                make_interval(days => mod(H(o.id, 72), 7), hours => mod(H(o.id, 73), 8))
                    AS pickup_delay
        ) AS t
        WHERE o.fulfilment = 'click_and_collect'
    ) AS p
    """,
]

# Returns: 15 % of web/app orders (40 % of those brought back to a store), 5 % of store orders.
_RETURNS = [
    """
    INSERT INTO journeys_return (created_at, updated_at, source, external_reference, channel,
        status, returned_at, reason, refund_amount, currency, source_updated_at, order_id,
        processed_by_id, store_id, customer_id)
    SELECT returned_at, returned_at, CASE WHEN channel = 'store' THEN 'pos' ELSE 'shopify' END,
        'R' || lpad(id::text, 9, '0'), channel, status, returned_at, '',
        CASE WHEN status = 'refunded' THEN refund ELSE 0 END, 'EUR', returned_at, id, NULL,
        store_id, customer_id
    FROM (
        SELECT o.id, o.customer_id,
            o.placed_at + make_interval(days => 3 + mod(H(o.id, 80), 25)) AS returned_at,
            CASE WHEN o.channel = 'store' OR PM(o.id, 81) < 400 THEN 'store'
                 ELSE o.channel END AS channel,
            CASE WHEN o.channel = 'store' THEN o.store_id
                 WHEN PM(o.id, 81) < 400 THEN coalesce(o.pref, 1 + mod(H(o.id, 82), %(stores)s))
                 END AS store_id,
            CASE WHEN PM(o.id, 83) < 850 THEN 'refunded'
                 WHEN PM(o.id, 83) < 950 THEN 'received' ELSE 'rejected' END AS status,
            CASE WHEN PM(o.id, 84) < 700 THEN o.total ELSE round(o.total / 2, 2) END AS refund
        FROM bench_orders o
        WHERE o.returned
    ) AS r
    """,
]

# SAV: 2 % of orders; SLA 5 days (14 for repairs); a quarter resolved late, 4 % cancelled.
_TICKETS = [
    f"""
    INSERT INTO journeys_aftersalesticket (id, created_at, updated_at, reference, kind, status,
        subject, description, channel_opened, sla_due_at, resolution, closed_at,
        assigned_to_id, customer_id, opened_by_id, product_id, store_id, order_id, order_line_id)
    SELECT id, opened_at, coalesce(closed_at, opened_at), 'SAV-B' || lpad(id::text, 9, '0'),
        kind, status,
        subject, '', channel_opened,
        opened_at + CASE WHEN kind = 'repair' THEN interval '14 days' ELSE interval '5 days' END,
        '', closed_at, NULL, customer_id, NULL, product_id, store_id, id, (id - 1) * 4 + 1
    FROM (
        SELECT t.*,
            CASE WHEN PM(t.id, 90) < 40 THEN 'cancelled'
                 WHEN resolved_at > %(anchor)s THEN
                    CASE WHEN PM(t.id, 91) < 400 THEN 'open' ELSE 'in_progress' END
                 ELSE 'closed' END AS status,
            CASE WHEN PM(t.id, 90) < 40 THEN least(t.opened_at + interval '1 day', %(anchor)s)
                 WHEN resolved_at > %(anchor)s THEN NULL
                 ELSE resolved_at END AS closed_at
        FROM (
            SELECT o.id, o.customer_id, o.products[1] AS product_id,
                o.placed_at + make_interval(days => mod(H(o.id, 92), 20), hours => 2) AS opened_at,
                o.placed_at + make_interval(days => mod(H(o.id, 92), 20), hours => 2)
                    + CASE WHEN PM(o.id, 93) < 750
                           THEN make_interval(days => 1 + mod(H(o.id, 94), 4))
                           ELSE make_interval(days => 5 + mod(H(o.id, 94), 11)) END
                    AS resolved_at,
                ({text_array(TICKET_KINDS)})[1 + mod(H(o.id, 95), {len(TICKET_KINDS)})] AS kind,
                ({text_array(TICKET_SUBJECTS)})[1 + mod(H(o.id, 95), {len(TICKET_KINDS)})]
                    AS subject,
                CASE WHEN o.channel IN ('store', 'web', 'phone') THEN o.channel
                     ELSE 'web' END AS channel_opened,
                coalesce(o.store_id, o.pref) AS store_id
            FROM bench_orders o
            WHERE NOT o.cancelled
                AND PM(o.id, 96) < CASE WHEN o.heavy THEN %(heavy_tickets)s ELSE 20 END
        ) AS t
        WHERE t.opened_at < %(anchor)s
    ) AS tickets
    """,
    """
    INSERT INTO journeys_aftersalesstatuschange (from_status, to_status, changed_at, note,
        actor_id, subject_id)
    SELECT 'open', 'in_progress', created_at + interval '2 hours', '', NULL::integer, id
    FROM journeys_aftersalesticket
    WHERE status <> 'open' AND created_at + interval '2 hours' <= coalesce(closed_at, %(anchor)s)
    UNION ALL
    SELECT CASE WHEN created_at + interval '2 hours' <= closed_at THEN 'in_progress'
                ELSE 'open' END,
        status, closed_at, '', NULL, id
    FROM journeys_aftersalesticket
    WHERE status IN ('closed', 'cancelled')
    """,
]

# Touchpoints: 0-3 before each buyer's first purchase (the paths), 0-3 for the others, and
# the heavy customers' thousands, inserted in time order as they would have arrived.
_TOUCHPOINTS = [
    f"""
    INSERT INTO journeys_touchpoint (channel, kind, occurred_at, source, external_id, payload,
        created_at, customer_id, product_id, store_id)
    SELECT * FROM (
        SELECT channel,
            CASE channel WHEN 'social' THEN 'social' WHEN 'email' THEN 'email_clicked'
                 WHEN 'app' THEN 'product_view' WHEN 'store' THEN 'store_visit'
                 ELSE CASE WHEN PM(slot, 100) < 150 THEN 'cart_abandoned' ELSE 'web_visit' END
                 END,
            occurred_at, 'bench', NULL::varchar, '{{}}'::jsonb, occurred_at, customer_id,
            NULL::bigint, CASE WHEN channel = 'store' THEN store_id END
        FROM (
            SELECT c.id * 4 + i AS slot, c.id AS customer_id,
                {_touchpoint_channel("PM(c.id * 4 + i, 101)")} AS channel,
                CASE WHEN c.k > 0
                     THEN %(anchor)s - make_interval(days => c.f + 1 + 2 * (c.tpn - i + 1),
                                              hours => -(10 + mod(H(c.id * 4 + i, 102), 10)))
                     ELSE cu.created_at + make_interval(hours => i) END AS occurred_at,
                coalesce(c.pref, 1 + mod(H(c.id, 103), %(stores)s)) AS store_id
            FROM bench_cust c
            JOIN customers_customer cu ON cu.id = c.id
            CROSS JOIN LATERAL generate_series(1, c.tpn) AS i
        ) AS t
        UNION ALL {heavy.TOUCHPOINTS_SELECT}
    ) AS points(channel, kind, occurred_at, source, external_id, payload, created_at,
        customer_id, product_id, store_id)
    ORDER BY occurred_at, customer_id
    """.replace("{{}}", "{}"),
]

# Wishlists: 18 % of the identified customers (15 % of all), 1-8 items (a heavy customer: a
# thousand) added since the wishlist was made, a fifth of them removed since; sizes are hers.
_WISHLISTS = [
    f"""
    INSERT INTO journeys_wishlist (id, created_at, updated_at, name, customer_id)
    SELECT c.id, made_at, made_at, 'Wishlist', c.id
    FROM bench_cust c
    JOIN customers_customer cu ON cu.id = c.id
    CROSS JOIN LATERAL (
        SELECT date_trunc('second',
            cu.created_at + (%(anchor)s - cu.created_at) * (0.6 * U(c.id, 170))) AS made_at
    ) AS t
    WHERE c.heavy OR (c.identified AND PM(c.id, 171) < {WISHLIST_PERMILLE})
    """,
    f"""
    INSERT INTO journeys_wishlistitem (size, note, added_at, added_via, removed_at, removed_via,
        added_at_store_id, added_by_id, product_id, wishlist_id, customer_id)
    SELECT {_size("product_id", "wishlist_id")}, '', added_at, via,
        CASE WHEN PM(slot, 172) < 200
             THEN date_trunc('second', added_at + (%(anchor)s - added_at) * U(slot, 173)) END,
        CASE WHEN PM(slot, 172) < 200 THEN (ARRAY['web', 'app', 'store'])[1 + mod(H(slot, 174), 3)]
             ELSE '' END,
        CASE WHEN via = 'store' THEN items.store_id END,
        CASE WHEN via = 'store' AND PM(slot, 175) < 600 THEN a.user_id END,
        product_id, wishlist_id, customer_id
    FROM (
        SELECT w.id AS wishlist_id, w.customer_id, s.slot,
            1 + mod(mod(H(w.id, 176), %(products)s) + i * {WISHLIST_STRIDE}, %(products)s)
                AS product_id,
            date_trunc('second', w.created_at
                + (%(anchor)s - w.created_at) * ((i - 1 + U(s.slot, 177)) / n.items)) AS added_at,
            CASE WHEN PM(s.slot, 178) < 500 THEN 'web' WHEN PM(s.slot, 178) < 750 THEN 'app'
                 ELSE 'store' END AS via,
            coalesce(c.pref, 1 + mod(H(s.slot, 179), %(stores)s)) AS store_id
        FROM journeys_wishlist w
        JOIN bench_cust c ON c.id = w.customer_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN c.heavy THEN %(heavy_wishes)s
                        ELSE 1 + floor(8 * power(U(w.id, 180), 1.6))::int END AS items
        ) AS n
        CROSS JOIN LATERAL generate_series(1, n.items) AS i
        CROSS JOIN LATERAL (SELECT w.id::bigint * {heavy.SLOTS} + i AS slot) AS s
    ) AS items
    LEFT JOIN bench_assoc a
        ON a.store_id = items.store_id AND a.k = mod(H(slot, 181), %(per_store)s)
    ORDER BY added_at, wishlist_id
    """,
]

# The 360 key figures (see journeys.lifecycle.metrics): orders not cancelled by channel, the
# store bought in most (ties by name) and the last store visit, the categories bought most.
_KEY_FIGURES = [
    """
    CREATE TEMP TABLE bench_channel_figures AS
    SELECT customer_id,
        jsonb_object_agg(channel, jsonb_build_object('orders', orders, 'total', total::text))
            AS by_channel
    FROM (
        SELECT customer_id, channel, count(*) AS orders, sum(total) AS total
        FROM bench_orders
        WHERE NOT cancelled AND placed_at <= %(anchor)s
        GROUP BY customer_id, channel
    ) AS per_channel
    GROUP BY customer_id
    """,
    "ALTER TABLE bench_channel_figures ADD PRIMARY KEY (customer_id)",
    """
    CREATE TEMP TABLE bench_store_figures AS
    SELECT DISTINCT ON (v.customer_id) v.customer_id, v.store_id AS most_visited_store_id,
        max(v.last_at) OVER (PARTITION BY v.customer_id) AS last_order_at
    FROM (
        SELECT customer_id, store_id, count(*) AS orders, max(placed_at) AS last_at
        FROM bench_orders WHERE channel = 'store' AND placed_at <= %(anchor)s
        GROUP BY customer_id, store_id
    ) AS v
    LEFT JOIN omni_store s ON s.id = v.store_id
    ORDER BY v.customer_id, v.store_id IS NULL, v.orders DESC, s.name, v.store_id
    """,
    "ALTER TABLE bench_store_figures ADD PRIMARY KEY (customer_id)",
    # Category numbers follow the codes' alphabetical order: ties go to the first code.
    """
    CREATE TEMP TABLE bench_top_categories AS
    SELECT customer_id,
        jsonb_agg((%(category_codes)s::text[])[category] ORDER BY rank) AS categories
    FROM (
        SELECT customer_id, category,
            row_number() OVER (PARTITION BY customer_id ORDER BY quantity DESC, category)
                AS rank
        FROM (
            SELECT o.customer_id, (%(product_category_numbers)s::int[])[l.product] AS category,
                sum(l.quantity) AS quantity
            FROM bench_orders o
            CROSS JOIN LATERAL unnest(o.products, o.quantities) AS l(product, quantity)
            WHERE NOT o.cancelled AND o.placed_at <= %(anchor)s
            GROUP BY 1, 2
        ) AS per_category
    ) AS ranked
    WHERE rank <= 3
    GROUP BY customer_id
    """,
    "ALTER TABLE bench_top_categories ADD PRIMARY KEY (customer_id)",
]

_METRICS = [
    *_KEY_FIGURES,
    """
    INSERT INTO journeys_customermetrics (customer_id, order_count, total_spent, total_refunded,
        return_count, first_order_at, last_order_at, first_order_channel, channels,
        channel_count, first_purchase_path, touchpoint_count, last_touchpoint_at, computed_at,
        orders_by_channel, last_store_visit_at, most_visited_store_id, top_categories)
    SELECT c.id, coalesce(m.cnt, 0), coalesce(m.spent, 0), coalesce(r.refunded, 0),
        coalesce(r.n, 0), m.dates[1], m.dates[cardinality(m.dates)],
        coalesce(m.first_channel, ''),
        CASE WHEN coalesce(m.cnt, 0) = 0 THEN ''
             ELSE ',' || concat_ws(',', CASE WHEN m.ch_app THEN 'app' END,
                CASE WHEN m.ch_marketplace THEN 'marketplace' END,
                CASE WHEN m.ch_phone THEN 'phone' END, CASE WHEN m.ch_social THEN 'social' END,
                CASE WHEN m.ch_store THEN 'store' END, CASE WHEN m.ch_web THEN 'web' END) || ','
             END,
        CASE WHEN coalesce(m.cnt, 0) = 0 THEN 0
             ELSE m.ch_app::int + m.ch_marketplace::int + m.ch_phone::int + m.ch_social::int
                + m.ch_store::int + m.ch_web::int END,
        CASE WHEN coalesce(m.cnt, 0) = 0 THEN ''
             WHEN t.last_channel = m.first_channel THEN t.path
             ELSE coalesce(t.path || '>', '') || m.first_channel END,
        coalesce(t.n, 0), t.last_at, %(anchor)s,
        coalesce(cf.by_channel, '{}'::jsonb), greatest(sf.last_order_at, t.last_visit_at),
        sf.most_visited_store_id, coalesce(tc.categories, '[]'::jsonb)
    FROM bench_cust c
    LEFT JOIN bench_m m ON m.customer_id = c.id
    LEFT JOIN bench_channel_figures cf ON cf.customer_id = c.id
    LEFT JOIN bench_store_figures sf ON sf.customer_id = c.id
    LEFT JOIN bench_top_categories tc ON tc.customer_id = c.id
    LEFT JOIN (
        SELECT o.customer_id, sum(r.refund_amount) AS refunded, count(*) AS n
        FROM journeys_return r JOIN bench_orders o ON o.id = r.order_id
        WHERE r.status <> 'rejected'
        GROUP BY o.customer_id
    ) AS r ON r.customer_id = c.id
    LEFT JOIN (
        SELECT customer_id, count(*) AS n, max(occurred_at) AS last_at,
            max(occurred_at) FILTER (WHERE kind = 'store_visit') AS last_visit_at,
            string_agg(channel, '>' ORDER BY occurred_at, id)
                FILTER (WHERE before_first AND channel IS DISTINCT FROM previous) AS path,
            (array_agg(channel ORDER BY occurred_at DESC, id DESC)
                FILTER (WHERE before_first))[1] AS last_channel
        FROM (
            SELECT tp.id, tp.customer_id, tp.channel, tp.kind, tp.occurred_at,
                tp.occurred_at < bm.dates[1] AS before_first,
                lag(tp.channel) OVER (PARTITION BY tp.customer_id
                                      ORDER BY tp.occurred_at, tp.id) AS previous
            FROM journeys_touchpoint tp LEFT JOIN bench_m bm ON bm.customer_id = tp.customer_id
        ) AS points
        GROUP BY customer_id
    ) AS t ON t.customer_id = c.id
    """,
]

# Stage history consistent with the stages: identified → first purchase → repeat purchase →
# loyalty or, a year (the lapsed threshold) after the last purchase, lapsed. Like every
# history, written in time order.
_STAGE_CHANGES = [
    """
    INSERT INTO journeys_lifecyclestagechange (from_stage, to_stage, changed_at, reason,
        trigger, customer_id)
    SELECT 'reach', 'acquisition', cu.created_at + interval '1 hour',
        'Identified: account or loyalty card', 'event', c.id
    FROM bench_cust c JOIN customers_customer cu ON cu.id = c.id
    WHERE c.identified
    UNION ALL
    SELECT 'acquisition', 'conversion', m.dates[1], 'First purchase', 'event', m.customer_id
    FROM bench_m m WHERE m.cnt >= 1
    UNION ALL
    SELECT 'conversion', 'retention', m.dates[%(retention_min)s],
        'Repeat purchase (' || %(retention_min)s || ' purchases)', 'event', m.customer_id
    FROM bench_m m WHERE m.cnt >= %(retention_min)s
    UNION ALL
    SELECT CASE WHEN m.cnt >= %(retention_min)s THEN 'retention' ELSE 'conversion' END,
        'loyalty',
        CASE WHEN m.cnt_window >= %(loyalty_min)s
             THEN m.dates[cardinality(m.dates) - m.cnt_window + %(loyalty_min)s]
             ELSE m.dates[cardinality(m.dates)] END,
        CASE WHEN m.cnt_window >= %(loyalty_min)s
             THEN %(loyalty_min)s || ' purchases within ' || %(loyalty_months)s || ' months'
             ELSE 'Loyalty tier' END,
        'event', m.customer_id
    FROM bench_m m JOIN bench_stage s ON s.id = m.customer_id
    WHERE s.stage = 'loyalty'
    UNION ALL
    SELECT CASE WHEN m.cnt >= %(retention_min)s THEN 'retention' ELSE 'conversion' END,
        'lapsed', m.dates[cardinality(m.dates)] + make_interval(months => %(lapsed_months)s),
        'No purchase for ' || %(lapsed_months)s || ' months', 'nightly', m.customer_id
    FROM bench_m m JOIN bench_stage s ON s.id = m.customer_id
    WHERE s.stage = 'lapsed'
    ORDER BY 3, 6
    """,
]

_FINISH = [
    *(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        for table in EXPLICIT_ID_TABLES
    ),
    *(f"ANALYZE {table}" for _, table in COUNTED_TABLES),
    f"ANALYZE {SEGMENT_FACTS}",
]


_STEPS_BEFORE_PEOPLE = [
    ("reset (truncate retail tables)", _RESET),
    ("stores, associates, products", _REFERENCE),
    ("customer plan", _PLAN),
    ("orders plan, per-customer figures, stages", _ORDERS_PLAN),
]
_STEPS_AFTER_PEOPLE = [
    ("customers", _CUSTOMERS),
    ("consents", _CONSENTS),
    ("orders", _ORDERS),
    ("order lines", _ORDER_LINES),
    ("click & collect pickups", _PICKUPS),
    ("returns", _RETURNS),
    ("after-sales tickets and status changes", _TICKETS),
    ("touchpoints", _TOUCHPOINTS),
    ("wishlists", _WISHLISTS),
    ("heavy customers' notes and appointments", [*heavy.NOTE_STEPS, *heavy.APPOINTMENT_STEPS]),
    ("customer metrics", _METRICS),
    ("lifecycle stage changes", _STAGE_CHANGES),
    # Kept by triggers, which are off while generating (or on, refreshing every write: either
    # way the fill from scratch is what they would hold).
    ("segment facts", [f"TRUNCATE {SEGMENT_FACTS}", SEGMENT_FACTS_FILL["postgresql"]]),
    ("sequences, ANALYZE", _FINISH),
]


def steps(pools: list[Pool]) -> list[tuple[str, list[str]]]:
    """The generation, step by step; each step runs in one transaction."""
    people_step = ("names, emails, phones", people.people_steps(pools))
    return [*_STEPS_BEFORE_PEOPLE, people_step, *_STEPS_AFTER_PEOPLE]


__all__ = [
    "BenchmarkRefusedError",
    "DatasetMarker",
    "GenerationReport",
    "check_database",
    "dataset_counts",
    "generate_dataset",
    "read_marker",
]
