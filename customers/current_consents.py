"""The current consents (customers.CurrentConsent) kept by the database itself from the ledger.

Every path that writes the ledger (the tablet, the admin, the API one by one or in batches, the
history import, webhooks, the demo, a DBA's SQL) goes through its table, so triggers on it keep
each (customer, purpose, channel)'s latest entry, ordered by (recorded_at, id) as the ledger is
read. On PostgreSQL the triggers run once per statement over its rows (a batch of 1,000 is one
upsert); on SQLite once per row. An entry older than the current one changes nothing; deleting
or changing ledger entries (erasure, a correction) recomputes their keys from what remains.
"""

from omni.migration_operations import TriggerKeptTable

LEDGER = "customers_consent"
CURRENT = "customers_currentconsent"
COLUMNS = "customer_id, purpose, channel, granted, recorded_at, consent_id"

_POSTGRESQL_UPSERT = f"""
INSERT INTO {CURRENT} ({COLUMNS})
SELECT DISTINCT ON (customer_id, purpose, channel)
       customer_id, purpose, channel, granted, recorded_at, id
FROM {{rows}}
ORDER BY customer_id, purpose, channel, recorded_at DESC, id DESC
ON CONFLICT (customer_id, purpose, channel) DO UPDATE
SET granted = EXCLUDED.granted, recorded_at = EXCLUDED.recorded_at,
    consent_id = EXCLUDED.consent_id
WHERE ({CURRENT}.recorded_at, {CURRENT}.consent_id)
    < (EXCLUDED.recorded_at, EXCLUDED.consent_id)
"""


def _postgresql_recompute(keys: str) -> str:
    """Drop the current rows of these keys and take each key's latest remaining entry."""
    remaining = (
        f"(SELECT ledger.* FROM {LEDGER} AS ledger JOIN ({keys}) AS keys "
        "USING (customer_id, purpose, channel)) AS remaining"
    )
    return f"""
DELETE FROM {CURRENT} AS current USING ({keys}) AS keys
WHERE current.customer_id = keys.customer_id AND current.purpose = keys.purpose
  AND current.channel = keys.channel;
{_POSTGRESQL_UPSERT.format(rows=remaining)};
"""


_OLD_KEYS = "SELECT DISTINCT customer_id, purpose, channel FROM old_rows"
# A merge moves entries to the kept profile: both the old and the new keys change.
_CHANGED_KEYS = (
    "SELECT customer_id, purpose, channel FROM old_rows "
    "UNION SELECT customer_id, purpose, channel FROM new_rows"
)

POSTGRESQL_INSTALL = f"""
CREATE FUNCTION customers_current_consent_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_POSTGRESQL_UPSERT.format(rows="new_rows")};
RETURN NULL;
END $$;
CREATE FUNCTION customers_current_consent_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_postgresql_recompute(_OLD_KEYS)}
RETURN NULL;
END $$;
CREATE FUNCTION customers_current_consent_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{_postgresql_recompute(_CHANGED_KEYS)}
RETURN NULL;
END $$;
CREATE TRIGGER customers_current_consent_insert AFTER INSERT ON {LEDGER}
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION customers_current_consent_insert();
CREATE TRIGGER customers_current_consent_delete AFTER DELETE ON {LEDGER}
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
EXECUTE FUNCTION customers_current_consent_deleted();
CREATE TRIGGER customers_current_consent_update AFTER UPDATE ON {LEDGER}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION customers_current_consent_updated();
"""

POSTGRESQL_REMOVE = f"""
DROP TRIGGER IF EXISTS customers_current_consent_insert ON {LEDGER};
DROP TRIGGER IF EXISTS customers_current_consent_delete ON {LEDGER};
DROP TRIGGER IF EXISTS customers_current_consent_update ON {LEDGER};
DROP FUNCTION IF EXISTS customers_current_consent_insert();
DROP FUNCTION IF EXISTS customers_current_consent_deleted();
DROP FUNCTION IF EXISTS customers_current_consent_updated();
"""


def _sqlite_recompute(row: str) -> str:
    key = f"customer_id = {row}.customer_id AND purpose = {row}.purpose AND channel = {row}.channel"
    return f"""
    DELETE FROM {CURRENT} WHERE {key};
    INSERT INTO {CURRENT} ({COLUMNS})
    SELECT customer_id, purpose, channel, granted, recorded_at, id FROM {LEDGER}
    WHERE {key} ORDER BY recorded_at DESC, id DESC LIMIT 1;"""


SQLITE_INSTALL = [
    f"""CREATE TRIGGER customers_current_consent_insert AFTER INSERT ON {LEDGER} BEGIN
    INSERT INTO {CURRENT} ({COLUMNS})
    VALUES (NEW.customer_id, NEW.purpose, NEW.channel, NEW.granted, NEW.recorded_at, NEW.id)
    ON CONFLICT (customer_id, purpose, channel) DO UPDATE
    SET granted = excluded.granted, recorded_at = excluded.recorded_at,
        consent_id = excluded.consent_id
    WHERE ({CURRENT}.recorded_at, {CURRENT}.consent_id)
        < (excluded.recorded_at, excluded.consent_id);
    END""",
    f"""CREATE TRIGGER customers_current_consent_delete AFTER DELETE ON {LEDGER} BEGIN
    {_sqlite_recompute("OLD")}
    END""",
    f"""CREATE TRIGGER customers_current_consent_update AFTER UPDATE ON {LEDGER} BEGIN
    {_sqlite_recompute("OLD")}
    {_sqlite_recompute("NEW")}
    END""",
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS customers_current_consent_insert",
    "DROP TRIGGER IF EXISTS customers_current_consent_delete",
    "DROP TRIGGER IF EXISTS customers_current_consent_update",
]

# The ledger as it stands, for the first fill (the latest entry of each key).
BACKFILL = {
    "postgresql": _POSTGRESQL_UPSERT.format(rows=LEDGER),
    "sqlite": f"""
INSERT INTO {CURRENT} ({COLUMNS})
SELECT customer_id, purpose, channel, granted, recorded_at, id FROM (
    SELECT *, ROW_NUMBER() OVER (
        PARTITION BY customer_id, purpose, channel ORDER BY recorded_at DESC, id DESC
    ) AS position FROM {LEDGER}
) WHERE position = 1
""",
}


CURRENT_CONSENTS_TABLE = TriggerKeptTable(
    table=CURRENT,
    fill=BACKFILL,
    postgresql_install=POSTGRESQL_INSTALL,
    postgresql_remove=POSTGRESQL_REMOVE,
    sqlite_install=SQLITE_INSTALL,
    sqlite_remove=SQLITE_REMOVE,
)
# For the migrations.
current_consents_install = CURRENT_CONSENTS_TABLE.install
current_consents_remove = CURRENT_CONSENTS_TABLE.remove
