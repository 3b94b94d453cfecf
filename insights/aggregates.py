"""Rebuild the aggregate tables the dashboards read, with set-based SQL.

Each table is rebuilt for a range of local days (settings.TIME_ZONE) by deleting its rows in the
range and inserting `INSERT ... SELECT` rows computed by the database: no Python loop over
orders, so that a rebuild stays workable on millions of orders. The inner queries are written
with the ORM (so that local dates, time zones and window functions compile for PostgreSQL and
SQLite alike); only the outer grouping is plain, portable SQL.

Late data: the hourly refresh rebuilds the last days; a return or a pickup update about an
older order reaches its order's day at the nightly full rebuild.

KPI definitions (shown on the dashboard too):
- purchase: an order neither pending nor cancelled (gross: an order refunded later stays a
  purchase here, returns are counted apart; journeys.lifecycle leaves fully refunded orders
  out of the stages).
- first purchase: the customer's first purchase ever; repeat purchase: any later one.
- channel switch: a repeat purchase made in another channel than the customer's previous one.
- monthly retention: customers who bought in month M-1 and again in month M / customers who
  bought in month M-1. Over a period, months are pooled (sums of numerators and denominators).
- repeat-purchase rate: customers with 2+ purchases in the month / customers who bought in it.
- omnichannel customer: purchased through 2+ channels over the whole history.
"""

import datetime
import time
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value, Window
from django.db.models.functions import (
    Cast,
    Coalesce,
    ExtractMonth,
    ExtractYear,
    Lag,
    RowNumber,
    TruncDate,
    TruncMonth,
)
from django.utils import timezone

from customers.models import Customer
from insights.models import (
    DAILY_TO_MONTHLY,
    AggregateRun,
    AssociateSalesDaily,
    CohortMonthly,
    FirstPurchaseDaily,
    PickupDaily,
    RetentionMonthly,
    ReturnsDaily,
    SalesDaily,
    StageDaily,
    StageTransitionDaily,
    TicketDaily,
)
from journeys.models import (
    AfterSalesTicket,
    CustomerMetrics,
    Fulfilment,
    LifecycleStageChange,
    Order,
    OrderStatus,
    Pickup,
    PickupStatus,
    Return,
    TicketStatus,
)
from omni.models import Channel

PURCHASE_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED, OrderStatus.COMPLETED)


class EpochSeconds(models.Func):
    """Seconds since 1970 of a datetime column, as a float, on PostgreSQL and SQLite."""

    output_field = models.FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s) * 86400.0)")


# Ranges and helpers -------------------------------------------------------------------------


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _local_day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=_zone())


def _month_index(field: str) -> models.Expression:
    """Months since year 0 of a datetime's local date: year × 12 + month - 1."""
    zone = _zone()
    return ExtractYear(field, tzinfo=zone) * 12 + ExtractMonth(field, tzinfo=zone) - 1


def month_of_index(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def index_of_month(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def month_end(day: datetime.date) -> datetime.date:
    """The last day of day's month."""
    return month_of_index(index_of_month(day) + 1) - datetime.timedelta(days=1)


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_zone())


def _moment_range(field: str, day_from: datetime.date | None, day_to: datetime.date | None) -> Q:
    """Moments of local days day_from..day_to (inclusive) on a datetime field; index-friendly."""
    condition = Q()
    if day_from is not None:
        condition &= Q(**{f"{field}__gte": _start_of(day_from)})
    if day_to is not None:
        condition &= Q(**{f"{field}__lt": _start_of(day_to + datetime.timedelta(days=1))})
    return condition


def _day_range(field: str, day_from: datetime.date | None, day_to: datetime.date | None) -> Q:
    condition = Q()
    if day_from is not None:
        condition &= Q(**{f"{field}__gte": day_from})
    if day_to is not None:
        condition &= Q(**{f"{field}__lte": day_to})
    return condition


def _sql_day_range(
    column: str, day_from: datetime.date | None, day_to: datetime.date | None
) -> tuple[str, list]:
    clauses, params = ["1 = 1"], []
    if day_from is not None:
        clauses.append(f"{column} >= %s")
        params.append(day_from)
    if day_to is not None:
        clauses.append(f"{column} <= %s")
        params.append(day_to)
    return " AND ".join(clauses), params


def _insert(
    model: type[models.Model],
    columns: Sequence[str],
    sql: str,
    params: Sequence,
    sources: Sequence[str] | None = None,
) -> int:
    """INSERT INTO model's table (columns) SELECT sources FROM (sql); sources default to columns."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    select = ", ".join(f"src.{quote(source)}" for source in (sources or columns))
    table = quote(model._meta.db_table)
    statement = f"INSERT INTO {table} ({names}) SELECT {select} FROM ({sql}) src"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def _insert_queryset(model: type[models.Model], queryset: models.QuerySet) -> int:
    """Insert the rows of a `.values(...)` queryset whose names are the model's column names."""
    sql, params = queryset.order_by().query.sql_with_params()
    columns = [*queryset.query.values_select, *queryset.query.annotation_select]
    return _insert(model, columns, sql, params)


def _purchases() -> models.QuerySet:
    return Order.objects.filter(status__in=PURCHASE_STATUSES)


# Daily tables -------------------------------------------------------------------------------


SALES_COLUMNS = (
    "day",
    "store_id",
    "region",
    "channel",
    "currency",
    "total",
    "customer_id",
    "fulfilment",
    "sold_by_id",
    "purchase_rank",
    "previous_channel",
    "returned",
    "returned_in_store",
)


def _sales_orders(
    day_from: datetime.date | None, day_to: datetime.date | None, *, known_customers: bool
) -> models.QuerySet:
    """Purchases with their rank and previous channel for the customer (window functions).

    The window needs each customer's whole history: for known customers the query keeps every
    purchase of the customers who bought in the range (a semi-join: no OR, which PostgreSQL
    would run as a nested scan); the outer query keeps the range. Anonymous orders have no rank.
    """
    purchases = _purchases()
    if known_customers:
        purchases = purchases.filter(customer__isnull=False)
        if day_from is not None or day_to is not None:
            in_range = _purchases().filter(
                _moment_range("placed_at", day_from, day_to), customer__isnull=False
            )
            purchases = purchases.filter(customer_id__in=in_range.values("customer_id"))
        window = {"partition_by": [F("customer_id")], "order_by": [F("placed_at"), F("id")]}
        rank = Window(RowNumber(), **window)
        previous = Window(Lag("channel"), **window)
    else:
        purchases = purchases.filter(
            _moment_range("placed_at", day_from, day_to), customer__isnull=True
        )
        rank = Value(None, output_field=models.IntegerField())
        previous = Value(None, output_field=models.CharField())
    return (
        purchases.annotate(
            day=_local_day("placed_at"),
            region=Coalesce("store__region", Value("")),
            purchase_rank=rank,
            previous_channel=previous,
            returned=Exists(Return.objects.filter(order=OuterRef("pk"))),
            returned_in_store=Exists(
                Return.objects.filter(order=OuterRef("pk"), channel=Channel.STORE)
            ),
        )
        .values(*SALES_COLUMNS)
        .order_by()
    )


def _rebuild_sales(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    known_sql, known_params = _sales_orders(
        day_from, day_to, known_customers=True
    ).query.sql_with_params()
    anonymous_sql, anonymous_params = _sales_orders(
        day_from, day_to, known_customers=False
    ).query.sql_with_params()
    inner_sql = f"{known_sql} UNION ALL {anonymous_sql}"
    inner_params = (*known_params, *anonymous_params)
    where, where_params = _sql_day_range("o.day", day_from, day_to)
    known = "o.customer_id IS NOT NULL"
    sql = f"""
        SELECT o.day AS day, o.store_id AS store_id, o.region AS region, o.channel AS channel,
          o.currency AS currency, COUNT(*) AS orders, SUM(o.total) AS revenue,
          SUM(CASE WHEN {known} THEN 1 ELSE 0 END) AS customer_orders,
          SUM(CASE WHEN {known} AND o.purchase_rank = 1 THEN 1 ELSE 0 END) AS first_orders,
          SUM(CASE WHEN {known} AND o.purchase_rank > 1 THEN 1 ELSE 0 END) AS repeat_orders,
          SUM(CASE WHEN {known} AND o.purchase_rank > 1 AND o.previous_channel <> o.channel
              THEN 1 ELSE 0 END) AS channel_switch_orders,
          SUM(CASE WHEN o.fulfilment = %s THEN 1 ELSE 0 END) AS click_and_collect_orders,
          SUM(CASE WHEN o.returned THEN 1 ELSE 0 END) AS returned_orders,
          SUM(CASE WHEN o.returned_in_store THEN 1 ELSE 0 END) AS returned_in_store_orders,
          SUM(CASE WHEN o.sold_by_id IS NOT NULL THEN 1 ELSE 0 END) AS influenced_orders,
          SUM(CASE WHEN o.sold_by_id IS NOT NULL THEN o.total ELSE 0 END) AS influenced_revenue
        FROM ({inner_sql}) o
        WHERE {where}
        GROUP BY o.day, o.store_id, o.region, o.channel, o.currency
    """
    columns = [field.column for field in SalesDaily._meta.concrete_fields if field.name != "id"]
    params = [Fulfilment.CLICK_AND_COLLECT, *inner_params, *where_params]
    return _insert(SalesDaily, columns, sql, params)


def _rebuild_returns(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    queryset = (
        Return.objects.filter(_moment_range("returned_at", day_from, day_to))
        .values(
            "store_id",
            "currency",
            day=_local_day("returned_at"),
            region=Coalesce("store__region", Value("")),
            order_channel=F("order__channel"),
            return_channel=F("channel"),
        )
        .annotate(returns=Count("id"), refunded=Sum("refund_amount"))
    )
    return _insert_queryset(ReturnsDaily, queryset)


def _rebuild_pickups(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    placed = EpochSeconds("order__placed_at")
    queryset = (
        Pickup.objects.filter(_moment_range("order__placed_at", day_from, day_to))
        .values(
            "store_id",
            day=_local_day("order__placed_at"),
            region=F("store__region"),
            channel=F("order__channel"),
        )
        .annotate(
            pickups=Count("id"),
            ready=Count("id", filter=Q(ready_at__isnull=False)),
            ready_seconds=_seconds_total(EpochSeconds("ready_at") - placed, "ready_at"),
            collected=Count("id", filter=Q(collected_at__isnull=False)),
            collected_seconds=_seconds_total(EpochSeconds("collected_at") - placed, "collected_at"),
            expired=Count("id", filter=Q(status=PickupStatus.EXPIRED)),
            cancelled=Count("id", filter=Q(status=PickupStatus.CANCELLED)),
        )
    )
    return _insert_queryset(PickupDaily, queryset)


def _seconds_total(duration: models.Expression, moment_field: str) -> Cast:
    total = Sum(duration, filter=Q(**{f"{moment_field}__isnull": False}), default=0.0)
    return Cast(total, models.BigIntegerField())


def _rebuild_tickets(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    closed = Q(status=TicketStatus.CLOSED, closed_at__isnull=False)
    queryset = (
        AfterSalesTicket.objects.filter(_moment_range("created_at", day_from, day_to))
        .values(
            "store_id",
            day=_local_day("created_at"),
            region=Coalesce("store__region", Value("")),
            channel=F("channel_opened"),
        )
        .annotate(
            opened=Count("id"),
            closed=Count("id", filter=closed),
            closed_within_sla=Count("id", filter=closed & Q(closed_at__lte=F("sla_due_at"))),
        )
    )
    return _insert_queryset(TicketDaily, queryset)


def _rebuild_stage_snapshot(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    """Today's snapshot of the stages (earlier snapshots are history and are kept)."""
    today = timezone.localdate()
    if (day_from and today < day_from) or (day_to and today > day_to):
        return 0
    StageDaily.objects.filter(day=today).delete()
    queryset = (
        Customer.objects.filter(merged_into__isnull=True)
        .values(
            day=Value(today, output_field=models.DateField()),
            store_id=F("preferred_store_id"),
            region=Coalesce("preferred_store__region", Value("")),
            stage=F("lifecycle_stage"),
        )
        .annotate(customers=Count("id"))
    )
    return _insert_queryset(StageDaily, queryset)


def _rebuild_transitions(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    queryset = (
        LifecycleStageChange.objects.filter(_moment_range("changed_at", day_from, day_to))
        .values(
            "from_stage",
            "to_stage",
            day=_local_day("changed_at"),
            store_id=F("customer__preferred_store_id"),
            region=Coalesce("customer__preferred_store__region", Value("")),
        )
        .annotate(changes=Count("id"))
    )
    return _insert_queryset(StageTransitionDaily, queryset)


def _rebuild_associate_sales(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    queryset = (
        _purchases()
        .filter(_moment_range("placed_at", day_from, day_to), sold_by__isnull=False)
        .values(
            "store_id",
            "channel",
            "currency",
            day=_local_day("placed_at"),
            region=Coalesce("store__region", Value("")),
            associate_id=F("sold_by_id"),
        )
        .annotate(orders=Count("id"), revenue=Sum("total"))
    )
    return _insert_queryset(AssociateSalesDaily, queryset)


def _rebuild_first_purchases(day_from: datetime.date | None, day_to: datetime.date | None) -> int:
    queryset = (
        CustomerMetrics.objects.filter(
            _moment_range("first_order_at", day_from, day_to), first_order_at__isnull=False
        )
        .values(
            day=_local_day("first_order_at"),
            store_id=F("customer__preferred_store_id"),
            region=Coalesce("customer__preferred_store__region", Value("")),
            channel=F("first_order_channel"),
            path=F("first_purchase_path"),
        )
        .annotate(customers=Count("customer_id"))
    )
    return _insert_queryset(FirstPurchaseDaily, queryset)


DAILY_TABLES = {
    SalesDaily: _rebuild_sales,
    ReturnsDaily: _rebuild_returns,
    PickupDaily: _rebuild_pickups,
    TicketDaily: _rebuild_tickets,
    StageTransitionDaily: _rebuild_transitions,
    AssociateSalesDaily: _rebuild_associate_sales,
    FirstPurchaseDaily: _rebuild_first_purchases,
}


# Monthly rollups of the daily tables -------------------------------------------------------


def is_summed(field: models.Field) -> bool:
    """The figures of a daily row (summed in rollups); the other fields are its dimensions."""
    return isinstance(field, models.IntegerField | models.DecimalField) and not field.primary_key


def _rebuild_rollup(
    daily: type[models.Model],
    monthly: type[models.Model],
    day_from: datetime.date | None,
    day_to: datetime.date | None,
) -> int:
    """Sum the daily rows of the months overlapping the range into the monthly table."""
    months = _day_range(
        "day",
        day_from.replace(day=1) if day_from else None,
        month_end(day_to) if day_to else None,
    )
    monthly.objects.filter(months).delete()
    fields = [field for field in daily._meta.concrete_fields if not field.primary_key]
    dimensions = [field.attname for field in fields if not is_summed(field) and field.name != "day"]
    figures = [field.attname for field in fields if is_summed(field)]
    queryset = (
        daily.objects.filter(months)
        .values(*dimensions, month_start=TruncMonth("day"))
        .annotate(**{f"sum_{name}": Sum(name) for name in figures})
        .order_by()
    )
    sql, params = queryset.query.sql_with_params()
    columns = ["day", *dimensions, *figures]
    sources = ["month_start", *dimensions, *(f"sum_{name}" for name in figures)]
    return _insert(monthly, columns, sql, params, sources)


# Monthly tables -----------------------------------------------------------------------------


def _customer_months(month_from: int | None, month_to: int | None) -> models.QuerySet:
    """One row per customer and month with purchases: customer_id, month_index, purchases."""
    queryset = _purchases().filter(customer__isnull=False)
    if month_from is not None:
        queryset = queryset.filter(placed_at__gte=_start_of(month_of_index(month_from)))
    if month_to is not None:
        queryset = queryset.filter(placed_at__lt=_start_of(month_of_index(month_to + 1)))
    return (
        queryset.values("customer_id", month_index=_month_index("placed_at"))
        .annotate(purchases=Count("id"))
        .order_by()
    )


def _customer_dimensions() -> models.QuerySet:
    """Buying customers with their preferred store, region and profile (omni or single)."""
    purchase = Q(orders__status__in=PURCHASE_STATUSES)
    return (
        Customer.objects.filter(purchase)
        .values(
            customer_id=F("id"),
            store_id=F("preferred_store_id"),
            region=Coalesce("preferred_store__region", Value("")),
        )
        .annotate(channel_count=Count("orders__channel", distinct=True, filter=purchase))
        .order_by()
    )


def _first_purchases() -> models.QuerySet:
    """Each purchase with its rank for the customer; rank 1 gives the cohort (month, channel)."""
    return (
        _purchases()
        .filter(customer__isnull=False)
        .annotate(
            month_index=_month_index("placed_at"),
            purchase_rank=Window(
                RowNumber(),
                partition_by=[F("customer_id")],
                order_by=[F("placed_at").asc(), F("id").asc()],
            ),
        )
        .values("customer_id", "month_index", "channel", "purchase_rank")
        .order_by()
    )


def _months_cte(first: int, last: int) -> tuple[str, list]:
    """A `months(idx, month_start)` table of month indexes and their first days."""
    indexes = range(first, last + 1)
    rows = ", ".join("(%s, %s)" for _index in indexes)
    params = [value for index in indexes for value in (index, month_of_index(index))]
    return f"months(idx, month_start) AS (VALUES {rows})", params


def _with(*parts: tuple[str, str | models.QuerySet, list | None]) -> tuple[str, list]:
    """A WITH clause from (name, queryset or raw sql, params) parts."""
    clauses, params = [], []
    for name, source, source_params in parts:
        if isinstance(source, models.QuerySet):
            sql, query_params = source.query.sql_with_params()
            clauses.append(f"{name} AS ({sql})")
            params.extend(query_params)
        else:
            clauses.append(source)
            params.extend(source_params or [])
    return "WITH " + ", ".join(clauses), params


def _rebuild_retention(month_from: int, month_to: int) -> int:
    with_sql, params = _with(
        ("cm", _customer_months(month_from - 1, month_to), None),
        ("dims", _customer_dimensions(), None),
        ("months", *_months_cte(month_from, month_to)),
    )
    sql = f"""
        {with_sql}
        SELECT months.month_start AS month, d.store_id AS store_id, d.region AS region,
          CASE WHEN d.channel_count >= 2 THEN 'omni' ELSE 'single' END AS profile,
          SUM(t.buyer) AS buyers, SUM(t.repeat_buyer) AS repeat_buyers,
          SUM(t.previous_buyer) AS previous_buyers, SUM(t.retained) AS retained
        FROM (
          SELECT c.customer_id AS customer_id, c.month_index AS idx, 1 AS buyer,
            CASE WHEN c.purchases >= 2 THEN 1 ELSE 0 END AS repeat_buyer, 0 AS previous_buyer,
            CASE WHEN p.customer_id IS NULL THEN 0 ELSE 1 END AS retained
          FROM cm c LEFT JOIN cm p
            ON p.customer_id = c.customer_id AND p.month_index = c.month_index - 1
          UNION ALL
          SELECT p.customer_id, p.month_index + 1, 0, 0, 1, 0 FROM cm p
        ) t
        JOIN dims d ON d.customer_id = t.customer_id
        JOIN months ON months.idx = t.idx
        GROUP BY months.month_start, d.store_id, d.region,
          CASE WHEN d.channel_count >= 2 THEN 'omni' ELSE 'single' END
    """
    columns = ["month", "store_id", "region", "profile", "buyers", "repeat_buyers"]
    return _insert(RetentionMonthly, [*columns, "previous_buyers", "retained"], sql, params)


def _rebuild_cohorts(first_month: int, month_from: int, month_to: int) -> int:
    with_sql, params = _with(
        ("cm", _customer_months(month_from, month_to), None),
        ("ranked", _first_purchases(), None),
        ("dims", _customer_dimensions(), None),
        ("months", *_months_cte(first_month, month_to)),
    )
    sql = f"""
        {with_sql}
        SELECT cohort.month_start AS cohort_month, f.channel AS channel, d.store_id AS store_id,
          d.region AS region, active.month_start AS month,
          c.month_index - f.month_index AS months_since, COUNT(*) AS customers
        FROM cm c
        JOIN ranked f ON f.customer_id = c.customer_id AND f.purchase_rank = 1
        JOIN dims d ON d.customer_id = c.customer_id
        JOIN months cohort ON cohort.idx = f.month_index
        JOIN months active ON active.idx = c.month_index
        GROUP BY cohort.month_start, f.channel, d.store_id, d.region, active.month_start,
          c.month_index - f.month_index
    """
    columns = ["cohort_month", "channel", "store_id", "region", "month", "months_since"]
    return _insert(CohortMonthly, [*columns, "customers"], sql, params)


def _purchase_month_span() -> tuple[int, int] | None:
    moments = _purchases().aggregate(first=models.Min("placed_at"), last=models.Max("placed_at"))
    if moments["first"] is None:
        return None
    zone = _zone()
    first, last = (moments[key].astimezone(zone).date() for key in ("first", "last"))
    return index_of_month(first), index_of_month(last)


def _rebuild_monthly(
    day_from: datetime.date | None, day_to: datetime.date | None
) -> list[tuple[str, int, float]]:
    """Rebuild the months overlapping day_from..day_to (all months when None)."""
    started = time.monotonic()
    month_from = index_of_month(day_from) if day_from else None
    month_to = index_of_month(day_to) if day_to else None
    months = _day_range(
        "month",
        month_of_index(month_from) if month_from is not None else None,
        month_of_index(month_to) if month_to is not None else None,
    )
    for model in (RetentionMonthly, CohortMonthly):
        model.objects.filter(months).delete()
    span = _purchase_month_span()
    tables = (RetentionMonthly._meta.db_table, CohortMonthly._meta.db_table)
    if span is None:
        return [(table, 0, 0.0) for table in tables]
    first, last = span
    month_from = max(first, month_from if month_from is not None else first)
    month_to = min(last, month_to if month_to is not None else last)
    if month_from > month_to:
        return [(table, 0, 0.0) for table in tables]
    retention = _rebuild_retention(month_from, month_to)
    middle = time.monotonic()
    cohorts = _rebuild_cohorts(first, month_from, month_to)
    return [
        (tables[0], retention, middle - started),
        (tables[1], cohorts, time.monotonic() - middle),
    ]


# Entry point --------------------------------------------------------------------------------


def aggregates_rebuild_timed(
    *,
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    monthly: bool = True,
    step: Callable[[str], object] | None = None,
) -> list[tuple[str, int, float]]:
    """Rebuild the tables; return (table, rows inserted, seconds) for each. `step` is told the
    name of each of the aggregates_step_count() steps as it starts (a command's progress)."""
    starting = step or (lambda _table: None)
    started_at = timezone.now()
    results = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Window sorts and hashed subqueries over millions of orders: keep them in memory;
            # JIT compilation costs seconds per statement and gains nothing on these scans.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL jit = off")
        for model, build in DAILY_TABLES.items():
            starting(model._meta.db_table)
            started = time.monotonic()
            model.objects.filter(_day_range("day", day_from, day_to)).delete()
            rows = build(day_from, day_to)
            results.append((model._meta.db_table, rows, time.monotonic() - started))
        for daily, monthly_model in DAILY_TO_MONTHLY.items():
            starting(monthly_model._meta.db_table)
            started = time.monotonic()
            rows = _rebuild_rollup(daily, monthly_model, day_from, day_to)
            results.append((monthly_model._meta.db_table, rows, time.monotonic() - started))
        starting(StageDaily._meta.db_table)
        started = time.monotonic()
        rows = _rebuild_stage_snapshot(day_from, day_to)
        results.append((StageDaily._meta.db_table, rows, time.monotonic() - started))
        if monthly:
            starting(f"{RetentionMonthly._meta.db_table}, {CohortMonthly._meta.db_table}")
            results.extend(_rebuild_monthly(day_from, day_to))
        _record_run(started_at, day_from, day_to, results)
    return results


def aggregates_step_count(*, monthly: bool = True) -> int:
    """How many steps aggregates_rebuild_timed tells its `step` about."""
    return len(DAILY_TABLES) + len(DAILY_TO_MONTHLY) + 1 + (1 if monthly else 0)


def _record_run(
    started_at: datetime.datetime,
    day_from: datetime.date | None,
    day_to: datetime.date | None,
    results: list[tuple[str, int, float]],
) -> None:
    AggregateRun.objects.create(
        started_at=started_at,
        day_from=day_from,
        day_to=day_to,
        seconds=round(sum(seconds for _table, _rows, seconds in results), 3),
        row_counts={table: rows for table, rows, _seconds in results},
    )


def aggregates_rebuild(
    *,
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    monthly: bool = True,
) -> dict[str, int]:
    """Rebuild every aggregate table for local days day_from..day_to (None: the whole history).

    Idempotent: each table's rows in the range are deleted and inserted again, in one
    transaction. The monthly tables are rebuilt for the months overlapping the range
    (`monthly=False` skips them, for the hourly refresh). Returns rows inserted per table.
    """
    results = aggregates_rebuild_timed(day_from=day_from, day_to=day_to, monthly=monthly)
    return {table: rows for table, rows, _seconds in results}
