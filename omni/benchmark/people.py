"""Who the benchmark customers are: names, emails and phones, drawn in SQL from `names.py`.

One temporary table, `bench_person`, holds each customer's locale, names, email and phone; the
customers step reads it. Draws are weighted: each pool's cumulative weights are an array, and
`width_bucket` (a binary search) turns a uniform hash of the customer id into a position in
the pool, joined to the name there (`bench_name`).
Emails are built from the names in the shapes people choose (jean.dupont@, jdupont@,
jean.dupont85@…) on a realistic domain mix; a duplicate takes a ".2", ".3"… suffix, in id
order, which no base address ends with, so the unique index holds. Phones are E.164, as
`customers.normalization.normalize_phone` stores them, with random-looking digits from ranges
that `phonenumbers` accepts as mobiles or landlines.
"""

import itertools

from omni.benchmark.names import LOCALES, Pool
from omni.benchmark.sql import cumulative_case, text_array

PHONE_PERMILLE = 600
EMAIL_MISSING_PERMILLE = 80
FEMALE_PERMILLE = 720
COMPOUND_SURNAME_PERMILLE = 30
# A customer with a foreign name: a phone of that country 1 time in 4; French ones: 1.5 %
# Swiss or Belgian (cross-border). About 5 % of the phones are foreign.
FOREIGN_PHONE_PERMILLE = 250
CROSS_BORDER_PERMILLE = 15
DOMESTIC_LOCALES = ("fr_FR", "fr_DZ")
# Birth dates (customers step) and the years people put in their addresses.
BIRTH_DATE_SQL = "date '1950-01-01' + mod(H(c.id, 44), 365 * 55)"


def _prefixes(start: str, next_digits: str) -> tuple[str, ...]:
    return tuple(start + digit for digit in next_digits)


# (prefixes, random digits after the prefix): every number is valid for `phonenumbers`.
FRENCH_MOBILE_6 = (_prefixes("+336", "01245678"), 7)
FRENCH_MOBILE_7 = (_prefixes("+337", "345678"), 7)
# 01-05 geographic, 09 VoIP; the second digit avoids the overseas and unassigned ranges.
FRENCH_LANDLINE = (tuple(f"+33{a}{b}" for a in "123459" for b in "13478"), 7)
CROSS_BORDER = (_prefixes("+417", "56789") + _prefixes("+324", "6789"), 7)
FOREIGN_PHONES = {
    "en_GB": (_prefixes("+447", "458"), 8),
    "en_IE": (_prefixes("+3538", "35679"), 7),
    "de_DE": (
        ("+49151", "+49152", "+49157", "+49160", "+49162", "+49170", "+49171", "+49176"),
        8,
    ),
    "it_IT": (_prefixes("+393", "23456789"), 8),
    "es_ES": (("+346",), 8),
    "pt_PT": (_prefixes("+3519", "1236"), 7),
    "nl_NL": (_prefixes("+316", "12345"), 7),
}

# (permille of the addresses, local part): f/l are the first and last name slugs, yy two
# digits of the birth year.
EMAIL_FORMS = (
    (330, "f || '.' || l"),
    (120, "left(f, 1) || l"),
    (150, "f || '.' || l || yy"),
    (50, "f || '_' || l"),
    (80, "l || '.' || f"),
    (100, "f || l"),
    (70, "left(f, 1) || '.' || l"),
    (60, "f || l || yy"),
    (40, "f || '-' || l"),
)


def _locale_case() -> str:
    choices = [(locale.permille, f"'{locale.code}'") for locale in LOCALES]
    return cumulative_case("PM(c.id, 110)", choices)


def _phone_number(plan: tuple[tuple[str, ...], int], salt: int) -> str:
    prefixes, digits = plan
    prefix = f"({text_array(prefixes)})[1 + mod(H(id, {salt}), {len(prefixes)})]"
    return f"{prefix} || lpad(mod(H(id, {salt + 1}), {10**digits})::text, {digits}, '0')"


def _phone_sql() -> str:
    foreign = " ".join(
        f"WHEN '{locale}' THEN {_phone_number(plan, 125)}"
        for locale, plan in FOREIGN_PHONES.items()
    )
    return f"""CASE
        WHEN PM(id, 42) >= {PHONE_PERMILLE} THEN NULL
        WHEN locale NOT IN {DOMESTIC_LOCALES} AND PM(id, 121) < {FOREIGN_PHONE_PERMILLE}
            THEN CASE locale {foreign} END
        WHEN PM(id, 122) < {CROSS_BORDER_PERMILLE} THEN {_phone_number(CROSS_BORDER, 127)}
        WHEN PM(id, 123) < 720 THEN {_phone_number(FRENCH_MOBILE_6, 129)}
        WHEN PM(id, 123) < 900 THEN {_phone_number(FRENCH_MOBILE_7, 131)}
        ELSE {_phone_number(FRENCH_LANDLINE, 133)} END"""


def _email_local_sql() -> str:
    return cumulative_case("PM(id, 124)", list(EMAIL_FORMS))


# The pools' names, by pool and position.
_POOLS = [
    """
    CREATE TEMP TABLE bench_name AS
    SELECT pool, idx, name, slug
    FROM unnest(%(pool_keys)s::text[], %(pool_indexes)s::int[], %(pool_names)s::text[],
                %(pool_slugs)s::text[])
        AS u(pool, idx, name, slug)
    """,
    "ALTER TABLE bench_name ADD PRIMARY KEY (pool, idx)",
    "ANALYZE bench_name",
]

# Each customer's locale, gender, pools and the uniform draws that pick in them.
_DRAWS = f"""
    SELECT c.id, loc.locale,
        CASE WHEN loc.locale <> 'fr_FR' AND PM(c.id, 114) < 250 THEN 'fr_FR' ELSE loc.locale END
            || CASE WHEN PM(c.id, 111) < {FEMALE_PERMILLE} THEN ':female' ELSE ':male' END
            AS first_pool,
        loc.locale || ':last' AS last_pool,
        CASE WHEN loc.locale IN {DOMESTIC_LOCALES} OR PM(c.id, 115) < 400 THEN 'domain:france'
             ELSE 'domain:abroad' END AS domain_pool,
        PM(c.id, 112) < {COMPOUND_SURNAME_PERMILLE} AS compound,
        PM(c.id, 120) >= {EMAIL_MISSING_PERMILLE} AS has_email,
        to_char({BIRTH_DATE_SQL}, 'YY') AS yy,
        U(c.id, 116) AS first_draw, U(c.id, 117) AS last_draw, U(c.id, 118) AS second_draw,
        U(c.id, 119) AS domain_draw
    FROM bench_cust c
    CROSS JOIN LATERAL (SELECT {_locale_case()} AS locale) AS loc
"""


def _bounds(pool: Pool) -> str:
    lower_bounds = list(itertools.accumulate(pool.weights, initial=0))[:-1]
    return "'{" + ",".join(str(bound) for bound in lower_bounds) + "}'::bigint[]"


def _position(pools: list[Pool], pool_column: str, draw_column: str) -> str:
    """The position a uniform draw falls on in the row's pool (width_bucket: a binary search
    of the cumulative weights). The bounds are constants of the statement: read from a table
    or a CTE, a 15,000-element array is copied for every row, a hundred times slower."""
    branches = " ".join(
        f"WHEN '{pool.key}' THEN width_bucket(floor(d.{draw_column} * {sum(pool.weights)})"
        f"::bigint, {_bounds(pool)})"
        for pool in pools
    )
    return f"(CASE d.{pool_column} {branches} END)"


def _pick(pools: list[Pool], alias: str, pool_column: str, draw_column: str) -> str:
    return f"""
        JOIN bench_name {alias} ON {alias}.pool = d.{pool_column}
            AND {alias}.idx = {_position(pools, pool_column, draw_column)}"""


def _person(pools: list[Pool]) -> str:
    return f"""
    CREATE TEMP TABLE bench_person AS
    WITH drawn AS ({_DRAWS}
    ), named AS (
        SELECT d.id, d.locale, d.has_email, d.yy, first.name AS first_name, first.slug AS f,
            CASE WHEN joined THEN last.name || '-' || second.name ELSE last.name END
                AS last_name,
            CASE WHEN joined THEN last.slug || '-' || second.slug ELSE last.slug END AS l,
            domain.name AS domain
        FROM drawn d
        {_pick(pools, "first", "first_pool", "first_draw")}
        {_pick(pools, "last", "last_pool", "last_draw")}
        {_pick(pools, "second", "last_pool", "second_draw")}
        {_pick(pools, "domain", "domain_pool", "domain_draw")}
        -- a hyphenated surname joins two plain ones ("Dupont-Moreau", not "de la Fontaine-…")
        CROSS JOIN LATERAL (
            SELECT d.compound AND last.idx <> second.idx
                AND last.name !~ '[ '']' AND second.name !~ '[ '']' AS joined
        ) AS j
    ), addressed AS (
        SELECT named.*, {_email_local_sql()} AS local_part FROM named
    )
    SELECT id, locale, first_name, last_name,
        CASE WHEN NOT has_email THEN NULL
             WHEN duplicate = 1 THEN local_part || '@' || domain
             ELSE local_part || '.' || duplicate || '@' || domain END AS email,
        {_phone_sql()} AS phone
    FROM (
        SELECT addressed.*, row_number() OVER (PARTITION BY has_email, local_part, domain
                                               ORDER BY id) AS duplicate
        FROM addressed
    ) AS deduplicated
    """


def people_steps(pools: list[Pool]) -> list[str]:
    """The statements that fill `bench_person` from these pools (see `names.name_pools`)."""
    return [*_POOLS, _person(pools), "ALTER TABLE bench_person ADD PRIMARY KEY (id)"]


TEMP_TABLES = ("bench_name", "bench_person")
