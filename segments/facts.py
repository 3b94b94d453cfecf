"""Segment facts (segments.SegmentFacts): one narrow row per live customer with everything a
segment rule or a "may be contacted" check filters on, kept by the database itself.

Counting a segment at 1,000,000 customers used to join the profiles (wide rows: names, search
columns, 21 indexes) to their metrics and probe each member's current consents: 0.4–1.3 s on two
cores. One scan of this table answers the same counts without a join. Every path that writes
what it copies (the tablet, the admin, the API one by one or in batches, the history import,
the lifecycle refresh, webhooks, merges, erasure, a DBA's SQL) goes through the source tables,
so triggers on them refresh the rows of the customers they touched:

- `customers_customer`: stage, loyalty tier, preferred store, whether she has an email or a
  phone, and whether she is live (a merged or erased profile has no row);
- `journeys_customermetrics`: purchases, amount spent, channels, last purchase (a customer
  without metrics has 0 purchases and never bought, as the rules say);
- `customers_currentconsent` (itself kept from the consent ledger): the purpose × channel pairs
  granted now, as ",marketing:email,newsletter:email,";
- `customers_address`: whether she has a postal address;
- `customers_customer_tags`: the ids of her tags, as ",3,17," (a tag's name is looked up
  when a rule is compiled, so renaming a tag changes no row).

On PostgreSQL the triggers run once per statement over its transition rows (a batch of 1,000 is
one refresh), and a refresh rewrites only rows whose facts changed; on SQLite once per row.
A TRUNCATE of a source table (the demo's reset, the benchmark's generation) refills the table.
"""

from omni.migration_operations import TriggerKeptTable
from omni.transactions import KEPT_TABLES_DEFERRED

FACTS = "segments_segmentfacts"
CUSTOMERS = "customers_customer"
METRICS = "journeys_customermetrics"
CURRENT_CONSENTS = "customers_currentconsent"
ADDRESSES = "customers_address"
TAGGINGS = "customers_customer_tags"
PENDING = "segments_facts_pending"  # a temporary table: customers a deferred block changed

COLUMNS = (
    "customer_id",
    "lifecycle_stage",
    "loyalty_tier",
    "preferred_store_id",
    "order_count",
    "total_spent",
    "channel_count",
    "channels",
    "last_order_at",
    "granted",
    "has_email",
    "has_phone",
    "has_address",
    "tags",
)
_UPDATED = COLUMNS[1:]
_LIVE = "c.merged_into_id IS NULL AND c.erased_at IS NULL"


def _select(granted_list: str, tag_list: str) -> str:
    """What a customer's row holds, read from the sources (`c` the customer, `m` her metrics)."""
    return f"""
SELECT c.id, c.lifecycle_stage, c.loyalty_tier, c.preferred_store_id,
       COALESCE(m.order_count, 0), COALESCE(m.total_spent, 0), COALESCE(m.channel_count, 0),
       COALESCE(m.channels, ''), m.last_order_at,
       COALESCE((SELECT ',' || {granted_list} || ','
                 FROM {CURRENT_CONSENTS} AS cc WHERE cc.customer_id = c.id AND cc.granted), ''),
       COALESCE(c.email, '') <> '', COALESCE(c.phone, '') <> '',
       EXISTS (SELECT 1 FROM {ADDRESSES} AS a WHERE a.customer_id = c.id),
       COALESCE((SELECT ',' || {tag_list} || ','
                 FROM {TAGGINGS} AS t WHERE t.customer_id = c.id), '')
FROM {CUSTOMERS} AS c LEFT JOIN {METRICS} AS m ON m.customer_id = c.id"""


_POSTGRESQL_GRANTED = (
    "string_agg(cc.purpose || ':' || cc.channel, ',' ORDER BY cc.purpose, cc.channel)"
)
_SQLITE_GRANTED = "group_concat(cc.purpose || ':' || cc.channel, ',')"
_POSTGRESQL_TAGS = "string_agg(t.tag_id::text, ',' ORDER BY t.tag_id)"
_SQLITE_TAGS = "group_concat(t.tag_id, ',')"
_POSTGRESQL_SELECT = _select(_POSTGRESQL_GRANTED, _POSTGRESQL_TAGS)
_SQLITE_SELECT = _select(_SQLITE_GRANTED, _SQLITE_TAGS)

_POSTGRESQL_COLUMNS = ", ".join(COLUMNS)
_POSTGRESQL_CHANGED = (
    f"({', '.join(f'facts.{column}' for column in _UPDATED)}) "
    f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{column}' for column in _UPDATED)})"
)

# What of a profile and of her metrics the facts copy: an update that changes none of it (a
# new name, a bumped updated_at, a metrics row recomputed to the same figures) refreshes nothing.
_CUSTOMER_FACTS = (
    "{row}.lifecycle_stage, {row}.loyalty_tier, {row}.preferred_store_id, "
    "COALESCE({row}.email, '') <> '', COALESCE({row}.phone, '') <> '', "
    "{row}.merged_into_id IS NULL, {row}.erased_at IS NULL"
)
_METRICS_FACTS = (
    "{row}.order_count, {row}.total_spent, {row}.channel_count, {row}.channels, {row}.last_order_at"
)
_SQLITE_CUSTOMER_COLUMNS = (
    "lifecycle_stage, loyalty_tier, preferred_store_id, email, phone, merged_into_id, erased_at"
)
_SQLITE_METRICS_COLUMNS = (
    "customer_id, order_count, total_spent, channel_count, channels, last_order_at"
)


def _changed(key: str, facts: str) -> str:
    """Ids of an UPDATE's rows whose copied values changed, or whose key came or went."""
    return f"""
        SELECT n.{key} FROM new_rows AS n JOIN old_rows AS o ON o.{key} = n.{key}
        WHERE ({facts.format(row="n")}) IS DISTINCT FROM ({facts.format(row="o")})
        UNION (SELECT {key} FROM new_rows EXCEPT SELECT {key} FROM old_rows)
        UNION (SELECT {key} FROM old_rows EXCEPT SELECT {key} FROM new_rows)"""


def _refreshing(function: str, ids: str) -> str:
    """A statement trigger's function: refresh the customers `ids` selects, if any; within
    `omni.transactions.kept_tables_deferred`, note them for one refresh at its end instead."""
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := ARRAY({ids});
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN NULL;
    END IF;
    IF current_setting('{KEPT_TABLES_DEFERRED}', true) = 'on' THEN
        IF to_regclass('pg_temp.{PENDING}') IS NULL THEN
            CREATE TEMPORARY TABLE {PENDING} (customer_id bigint NOT NULL);
        END IF;
        INSERT INTO pg_temp.{PENDING} SELECT unnest(ids);
    ELSE
        PERFORM segments_facts_refresh(ids);
    END IF;
    RETURN NULL;
END $$;"""


# The end of a deferred block: the customers noted (this session's, this transaction's: a
# block that failed took its notes with it) refreshed at once.
FLUSH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION segments_facts_flush() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF to_regclass('pg_temp.{PENDING}') IS NULL THEN
        RETURN;
    END IF;
    ids := ARRAY(SELECT DISTINCT customer_id FROM pg_temp.{PENDING} ORDER BY 1);
    DELETE FROM pg_temp.{PENDING};
    IF cardinality(ids) > 0 THEN
        PERFORM segments_facts_refresh(ids);
    END IF;
END $$;
"""
FLUSH = "SELECT segments_facts_flush()"

# Every trigger function (CREATE OR REPLACE: migration 0003 installs them again, able to defer).
TRIGGER_FUNCTIONS = FLUSH_FUNCTION + "".join(
    (
        _refreshing("segments_facts_of_new_rows", "SELECT DISTINCT customer_id FROM new_rows"),
        _refreshing("segments_facts_of_old_rows", "SELECT DISTINCT customer_id FROM old_rows"),
        # A merge moves rows to the kept profile: both customers change.
        _refreshing(
            "segments_facts_of_changed_rows",
            "SELECT customer_id FROM old_rows UNION SELECT customer_id FROM new_rows",
        ),
        _refreshing("segments_facts_of_new_customers", "SELECT id FROM new_rows"),
        _refreshing("segments_facts_of_updated_customers", _changed("id", _CUSTOMER_FACTS)),
        _refreshing("segments_facts_of_updated_metrics", _changed("customer_id", _METRICS_FACTS)),
    )
)

# A refresh of the customers whose ids are in the array `ids`: rows of profiles no longer live
# go, the others are written when (and only when) their facts changed. Rows are written in id
# order, so that two transactions refreshing the same customers lock them in the same order.
POSTGRESQL_INSTALL = f"""
CREATE FUNCTION segments_facts_refresh(ids bigint[]) RETURNS void LANGUAGE sql
-- A thousand rows' refresh is costed high enough for JIT compilation: 76 ms of compiling
-- for 30 ms of work (measured at 1,000,000 customers).
SET jit = off AS $$
DELETE FROM {FACTS} AS facts WHERE facts.customer_id = ANY(ids) AND NOT EXISTS (
    SELECT 1 FROM {CUSTOMERS} AS c WHERE c.id = facts.customer_id AND {_LIVE});
INSERT INTO {FACTS} AS facts ({_POSTGRESQL_COLUMNS})
{_POSTGRESQL_SELECT}
WHERE c.id = ANY(ids) AND {_LIVE}
ORDER BY c.id
ON CONFLICT (customer_id) DO UPDATE
SET ({", ".join(_UPDATED)}) = ({", ".join(f"EXCLUDED.{column}" for column in _UPDATED)})
WHERE {_POSTGRESQL_CHANGED};
$$;

{TRIGGER_FUNCTIONS}
CREATE FUNCTION segments_facts_of_deleted_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {FACTS} AS facts USING old_rows WHERE facts.customer_id = old_rows.id;
    RETURN NULL;
END $$;
CREATE FUNCTION segments_facts_refill() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
    -- Not TRUNCATE: the table may be one of the statement's own (TRUNCATE a, facts CASCADE).
    DELETE FROM {FACTS};
    INSERT INTO {FACTS} ({_POSTGRESQL_COLUMNS}) {_POSTGRESQL_SELECT} WHERE {_LIVE};
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER segments_facts_insert AFTER INSERT ON {table}
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {on_insert}();
CREATE TRIGGER segments_facts_update AFTER UPDATE ON {table}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION {on_update}();
CREATE TRIGGER segments_facts_delete AFTER DELETE ON {table}
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {on_delete}();
CREATE TRIGGER segments_facts_truncate AFTER TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION segments_facts_refill();
"""
    for table, on_insert, on_update, on_delete in (
        (
            CUSTOMERS,
            "segments_facts_of_new_customers",
            "segments_facts_of_updated_customers",
            "segments_facts_of_deleted_customers",
        ),
        (
            METRICS,
            "segments_facts_of_new_rows",
            "segments_facts_of_updated_metrics",
            "segments_facts_of_old_rows",
        ),
        *(
            (
                source,
                "segments_facts_of_new_rows",
                "segments_facts_of_changed_rows",
                "segments_facts_of_old_rows",
            )
            for source in (CURRENT_CONSENTS, ADDRESSES, TAGGINGS)
        ),
    )
)

_SOURCES = (CUSTOMERS, METRICS, CURRENT_CONSENTS, ADDRESSES, TAGGINGS)
_EVENTS = ("insert", "update", "delete", "truncate")
_FUNCTIONS = (
    "segments_facts_of_new_rows()",
    "segments_facts_of_old_rows()",
    "segments_facts_of_changed_rows()",
    "segments_facts_of_new_customers()",
    "segments_facts_of_updated_customers()",
    "segments_facts_of_updated_metrics()",
    "segments_facts_of_deleted_customers()",
    "segments_facts_refill()",
    "segments_facts_flush()",
    "segments_facts_refresh(bigint[])",
)
POSTGRESQL_REMOVE = "".join(
    f"DROP TRIGGER IF EXISTS segments_facts_{event} ON {table};\n"
    for table in _SOURCES
    for event in _EVENTS
) + "".join(f"DROP FUNCTION IF EXISTS {function};\n" for function in _FUNCTIONS)


_SQLITE_CHANGED = (
    f"({', '.join(f'{FACTS}.{column}' for column in _UPDATED)}) "
    f"IS NOT ({', '.join(f'excluded.{column}' for column in _UPDATED)})"
)


def _sqlite_refresh(customer_id: str) -> str:
    """One customer's row refreshed (inside a trigger: `customer_id` is NEW.x or OLD.x), written
    only when a fact changed."""
    return f"""
    DELETE FROM {FACTS} WHERE customer_id = {customer_id} AND NOT EXISTS (
        SELECT 1 FROM {CUSTOMERS} AS c WHERE c.id = {customer_id} AND {_LIVE});
    INSERT INTO {FACTS} ({", ".join(COLUMNS)})
    {_SQLITE_SELECT} WHERE c.id = {customer_id} AND {_LIVE}
    ON CONFLICT (customer_id) DO UPDATE
    SET ({", ".join(_UPDATED)}) = ({", ".join(f"excluded.{column}" for column in _UPDATED)})
    WHERE {_SQLITE_CHANGED};"""


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, key, copied in (
        (CUSTOMERS, "id", _SQLITE_CUSTOMER_COLUMNS),
        (METRICS, "customer_id", _SQLITE_METRICS_COLUMNS),
        (CURRENT_CONSENTS, "customer_id", ""),
        (ADDRESSES, "customer_id", ""),
        (TAGGINGS, "customer_id", ""),
    ):
        of_columns = f"OF {copied} " if copied else ""
        statements += [
            f"""CREATE TRIGGER segments_facts_{table}_insert AFTER INSERT ON {table} BEGIN
            {_sqlite_refresh(f"NEW.{key}")}
            END""",
            f"""CREATE TRIGGER segments_facts_{table}_update AFTER UPDATE {of_columns}ON {table}
            BEGIN
            {_sqlite_refresh(f"OLD.{key}")}
            {_sqlite_refresh(f"NEW.{key}")}
            END""",
            f"""CREATE TRIGGER segments_facts_{table}_delete AFTER DELETE ON {table} BEGIN
            {_sqlite_refresh(f"OLD.{key}")}
            END""",
        ]
    return statements


SQLITE_INSTALL = _sqlite_triggers()
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS segments_facts_{table}_{event}"
    for table in _SOURCES
    for event in ("insert", "update", "delete")
]

# Every live customer's row, from the sources as they stand (the first fill; the benchmark's
# generation, which writes with triggers off).
FILL = {
    vendor: f"INSERT INTO {FACTS} ({_POSTGRESQL_COLUMNS}) {select} WHERE {_LIVE}"
    for vendor, select in (("postgresql", _POSTGRESQL_SELECT), ("sqlite", _SQLITE_SELECT))
}


SEGMENT_FACTS = TriggerKeptTable(
    table=FACTS,
    fill=FILL,
    postgresql_install=POSTGRESQL_INSTALL,
    postgresql_remove=POSTGRESQL_REMOVE,
    sqlite_install=SQLITE_INSTALL,
    sqlite_remove=SQLITE_REMOVE,
)
# For the migrations.
segment_facts_install = SEGMENT_FACTS.install
segment_facts_remove = SEGMENT_FACTS.remove
