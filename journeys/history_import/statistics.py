"""Table statistics kept up to date while an import fills the tables.

PostgreSQL plans the writers' lookups (the stored orders a chunk names, the customers its keys
match) from table statistics, which a bulk load outdates faster than autovacuum's autoanalyze
follows (and never when it is off). Measured at 425,000 orders: the stored-orders lookup of a
chunk of 1,000, planned for a source the statistics thought empty, read every order of the
source (275 ms, growing with the table) instead of the unique index (1.4 ms after ANALYZE).
So the import analyses the tables it writes after 1, 4, 16, 64... chunks: a handful of
ANALYZEs (a few hundred ms each) for a whole import.
"""

from django.db import connection
from django.db.models import Model

from customers.models import Address, Consent, Customer, ExternalIdentity, Preference
from journeys.history_import.models import HistoryKind
from journeys.models import Order, OrderLine, Pickup, Return, ReturnLine

WRITTEN_TABLES: dict[str, tuple[type[Model], ...]] = {
    HistoryKind.CUSTOMERS: (Customer, ExternalIdentity, Address, Preference, Consent),
    HistoryKind.ORDERS: (Order, OrderLine, Customer, ExternalIdentity),
    HistoryKind.RETURNS: (Return, ReturnLine),
    HistoryKind.PICKUPS: (Pickup,),
}
GROWTH = 4


def statistics_due(chunks_written: int) -> bool:
    """After the 1st, 4th, 16th, 64th... chunk: each time the import may have multiplied the
    rows it added."""
    due = 1
    while due < chunks_written:
        due *= GROWTH
    return due == chunks_written


def statistics_refresh(kind: str) -> None:
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table) for model in WRITTEN_TABLES[kind]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
