"""The dashboards' reads: each function runs one query on one aggregate table.

KPI definitions (also shown on the dashboard, see `DEFINITIONS`):
- revenue: total of purchases (orders neither pending nor cancelled), by currency.
- channel-switching rate: repeat purchases made in another channel than the customer's previous
  purchase / repeat purchases.
- click & collect share of web orders: web purchases collected in store / web purchases.
- web orders returned in store: web purchases with a return made in a store / web purchases.
- monthly retention: customers who bought in month M-1 and again in month M / customers who
  bought in month M-1; over a period the months are pooled (sum of the numerators / sum of the
  denominators). Repeat-purchase rate: customers with 2+ purchases in a month / buyers of it.
- omnichannel customer: purchased through 2+ channels (whole history); single-channel otherwise.
- click & collect lead time: average hours from the order to "ready" and to the collection;
  no-show rate: expired pickups / (collected + expired pickups).
- SAV SLA compliance: tickets closed before their due date / tickets closed (tickets counted
  on the day they were opened).
- associate-influenced sales: purchases with a "sold or influenced by" associate / revenue.
- cohort retention: share of the customers acquired (first purchase) in a month and channel who
  bought again N months later.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Model, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format

from insights.aggregates import index_of_month, month_end, month_of_index
from insights.forms import InsightsFilters
from insights.models import (
    DAILY_TO_MONTHLY,
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

DAILY_BUCKETS_UP_TO_DAYS = 62
COHORT_MONTHS = 12
SALES_COUNTS = (
    "orders",
    "customer_orders",
    "first_orders",
    "repeat_orders",
    "channel_switch_orders",
    "click_and_collect_orders",
    "returned_orders",
    "returned_in_store_orders",
    "influenced_orders",
)


def ratio(numerator: Any, denominator: Any) -> Decimal | None:
    """A percentage with one decimal, or None when the denominator is zero."""
    if not denominator:
        return None
    return (Decimal(numerator or 0) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Buckets:
    """The time axis of the charts: days for short periods, months otherwise."""

    monthly: bool
    starts: list[datetime.date]

    def label(self, day: datetime.date) -> str:
        # "N": the month's abbreviation of the language ("févr. 2026", "Feb. 2026").
        return date_format(day, "N Y" if self.monthly else "d/m")

    @property
    def labels(self) -> list[str]:
        return [self.label(day) for day in self.starts]

    def expression(self, field: str = "day") -> Any:
        return TruncMonth(field) if self.monthly else F(field)

    def series(self, values: dict[datetime.date, Any]) -> list[Any]:
        return [values.get(day) for day in self.starts]


def buckets_for(filters: InsightsFilters) -> Buckets:
    if filters.days <= DAILY_BUCKETS_UP_TO_DAYS:
        days = [filters.start + datetime.timedelta(days=n) for n in range(filters.days)]
        return Buckets(monthly=False, starts=days)
    return Buckets(monthly=True, starts=months_between(filters.start, filters.end))


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    indexes = range(index_of_month(start), index_of_month(end) + 1)
    return [month_of_index(index) for index in indexes]


def _as_date(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def scoped(
    queryset: QuerySet,
    filters: InsightsFilters,
    *,
    day_field: str = "day",
    channel_field: str | None = "channel",
    first_day: datetime.date | None = None,
) -> QuerySet:
    """Rows of the period, store, region and (when the table has one) channel of the filters."""
    queryset = queryset.filter(
        **{f"{day_field}__gte": first_day or filters.start, f"{day_field}__lte": filters.end}
    )
    if filters.store is not None:
        queryset = queryset.filter(store=filters.store)
    if filters.region:
        queryset = queryset.filter(region=filters.region)
    if filters.channel and channel_field:
        queryset = queryset.filter(**{channel_field: filters.channel})
    return queryset


def sources(
    daily: type[Model], filters: InsightsFilters, *, channel_field: str | None = "channel"
) -> list[QuerySet]:
    """Where the period's rows are: for long periods (monthly buckets) the monthly rollup holds
    the whole months, the daily table the days before and after them; else the daily table."""
    daily_rows = scoped(daily.objects, filters, channel_field=channel_field)
    if filters.days <= DAILY_BUCKETS_UP_TO_DAYS:
        return [daily_rows]
    start, end = filters.start, filters.end
    first_whole = start if start.day == 1 else month_end(start) + datetime.timedelta(days=1)
    last_whole = end if end == month_end(end) else end.replace(day=1) - datetime.timedelta(days=1)
    if first_whole > last_whole:
        return [daily_rows]
    monthly = scoped(DAILY_TO_MONTHLY[daily].objects, filters, channel_field=channel_field)
    monthly = monthly.filter(day__gte=first_whole, day__lte=last_whole)
    edges = Q()
    if start < first_whole:
        edges |= Q(day__lt=first_whole)
    if end > last_whole:
        edges |= Q(day__gt=last_whole)
    return [monthly, daily_rows.filter(edges)] if edges else [monthly]


def grouped(
    daily: type[Model],
    filters: InsightsFilters,
    *,
    fields: tuple[str, ...] = (),
    expressions: dict[str, Any] | None = None,
    sums: dict[str, Any],
    channel_field: str | None = "channel",
    where: Q | None = None,
) -> list[dict[str, Any]]:
    """Rows grouped by `fields` and `expressions`, with `sums`, merged across `sources()`."""
    expressions = expressions or {}
    keys = (*fields, *expressions)
    merged: dict[tuple, dict[str, Any]] = {}
    for queryset in sources(daily, filters, channel_field=channel_field):
        rows = (
            queryset.filter(where or Q()).values(*fields, **expressions).annotate(**sums).order_by()
        )
        for row in rows:
            for name in expressions:
                row[name] = _as_date(row[name])
            key = tuple(row[name] for name in keys)
            if key not in merged:
                merged[key] = row
                continue
            for name in sums:
                if row[name] is not None:
                    merged[key][name] = (merged[key][name] or 0) + row[name]
    return list(merged.values())


# Sales --------------------------------------------------------------------------------------


def sales_totals(filters: InsightsFilters) -> dict[str, Any]:
    """Counts over the period, revenue per currency (largest first) and the web-order figures."""
    web = Q(channel="web")
    rows = grouped(
        SalesDaily,
        filters,
        fields=("currency",),
        sums={
            "revenue": Sum("revenue"),
            "influenced_revenue": Sum("influenced_revenue"),
            "web_orders": Sum("orders", filter=web),
            "web_click_and_collect": Sum("click_and_collect_orders", filter=web),
            "web_returned_in_store": Sum("returned_in_store_orders", filter=web),
            **{name: Sum(name) for name in SALES_COUNTS},
        },
    )
    rows.sort(key=lambda row: (-(row["revenue"] or 0), row["currency"]))
    totals: dict[str, Any] = defaultdict(int)
    for row in rows:
        for name, value in row.items():
            if name not in ("currency", "revenue", "influenced_revenue"):
                totals[name] += value or 0
    totals["revenues"] = [(row["currency"], row["revenue"]) for row in rows]
    main = rows[0] if rows else {"currency": "EUR", "revenue": 0, "influenced_revenue": 0}
    totals["currency"] = main["currency"]
    totals["revenue"] = main["revenue"] or 0
    totals["influenced_revenue"] = main["influenced_revenue"] or 0
    return dict(totals)


def revenue_by_channel(
    filters: InsightsFilters, buckets: Buckets, currency: str
) -> dict[str, list[Any]]:
    rows = grouped(
        SalesDaily,
        filters,
        fields=("channel",),
        expressions={"bucket": buckets.expression()},
        sums={"revenue": Sum("revenue")},
        where=Q(currency=currency),
    )
    rows.sort(key=lambda row: row["channel"])
    by_channel: dict[str, dict[datetime.date, Any]] = defaultdict(dict)
    for row in rows:
        by_channel[row["channel"]][row["bucket"]] = row["revenue"]
    return {channel: buckets.series(values) for channel, values in by_channel.items()}


def returns_matrix(filters: InsightsFilters) -> list[dict[str, Any]]:
    """Returns by channel of the order × channel of the return (channel filter: the order's)."""
    rows = grouped(
        ReturnsDaily,
        filters,
        fields=("order_channel", "return_channel"),
        sums={"returns": Sum("returns")},
        channel_field="order_channel",
    )
    return sorted(rows, key=lambda row: (row["order_channel"], row["return_channel"]))


# Lifecycle ----------------------------------------------------------------------------------


def stage_snapshot(filters: InsightsFilters) -> tuple[datetime.date | None, dict[str, int]]:
    """Customers by stage on the last snapshot taken on or before the end of the period."""
    last_day = StageDaily.objects.filter(day__lte=filters.end).order_by("-day").values("day")[:1]
    rows = scoped(StageDaily.objects, filters, channel_field=None, first_day=datetime.date.min)
    rows = (
        rows.filter(day=Subquery(last_day))
        .values("day", "stage")
        .annotate(customers=Sum("customers"))
        .order_by()
    )
    counts, day = {}, None
    for row in rows:
        day = row["day"]
        counts[row["stage"]] = row["customers"]
    return day, counts


def stage_entries(filters: InsightsFilters, buckets: Buckets) -> dict[str, list[Any]]:
    """Customers entering each stage, per bucket."""
    rows = grouped(
        StageTransitionDaily,
        filters,
        fields=("to_stage",),
        expressions={"bucket": buckets.expression()},
        sums={"changes": Sum("changes")},
        channel_field=None,
    )
    by_stage: dict[str, dict[datetime.date, Any]] = defaultdict(dict)
    for row in rows:
        by_stage[row["to_stage"]][row["bucket"]] = row["changes"]
    return {stage: buckets.series(values) for stage, values in by_stage.items()}


def retention_by_profile(filters: InsightsFilters) -> dict[str, Any]:
    """Monthly retention and repeat-purchase rates per profile, and the period's pooled rates."""
    months = months_between(filters.start, filters.end)
    rows = (
        scoped(
            RetentionMonthly.objects,
            filters,
            day_field="month",
            channel_field=None,
            first_day=months[0],
        )
        .values("month", "profile")
        .annotate(
            buyers=Sum("buyers"),
            repeat_buyers=Sum("repeat_buyers"),
            previous_buyers=Sum("previous_buyers"),
            retained=Sum("retained"),
        )
        .order_by("month")
    )
    monthly: dict[str, dict[datetime.date, dict]] = defaultdict(dict)
    pooled: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        monthly[row["profile"]][row["month"]] = row
        for name in ("buyers", "repeat_buyers", "previous_buyers", "retained"):
            pooled[row["profile"]][name] += row[name] or 0
    return {"months": months, "monthly": monthly, "pooled": pooled}


# Operations ---------------------------------------------------------------------------------


PICKUP_SUMS = ("pickups", "ready", "ready_seconds", "collected", "collected_seconds", "expired")
TICKET_SUMS = ("opened", "closed", "closed_within_sla")


def pickups_by_bucket(filters: InsightsFilters, buckets: Buckets) -> dict[datetime.date, dict]:
    rows = grouped(
        PickupDaily,
        filters,
        expressions={"bucket": buckets.expression()},
        sums={name: Sum(name) for name in PICKUP_SUMS},
    )
    return {row["bucket"]: row for row in rows}


def tickets_by_bucket(filters: InsightsFilters, buckets: Buckets) -> dict[datetime.date, dict]:
    rows = grouped(
        TicketDaily,
        filters,
        expressions={"bucket": buckets.expression()},
        sums={name: Sum(name) for name in TICKET_SUMS},
    )
    return {row["bucket"]: row for row in rows}


def top_associates(filters: InsightsFilters, currency: str, limit: int = 10) -> list[dict]:
    """The associates with the most influenced revenue, with their names."""
    rows = grouped(
        AssociateSalesDaily,
        filters,
        fields=("associate_id",),
        sums={"orders": Sum("orders"), "revenue": Sum("revenue")},
        where=Q(currency=currency),
    )
    rows = sorted(rows, key=lambda row: (-row["revenue"], row["associate_id"]))[:limit]
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=[row["associate_id"] for row in rows])
    }
    return [{**row, "name": names.get(row["associate_id"], "?")} for row in rows]


def cohort_rows(filters: InsightsFilters) -> list[dict[str, Any]]:
    """Per acquisition month and channel: size and the share still buying 0..11 months later."""
    months = months_between(filters.start, filters.end)
    queryset = scoped(
        CohortMonthly.objects,
        filters,
        day_field="cohort_month",
        first_day=months[0],
    ).filter(months_since__lt=COHORT_MONTHS)
    cells: dict[tuple, dict[int, int]] = defaultdict(dict)
    for row in (
        queryset.values("cohort_month", "channel", "months_since")
        .annotate(customers=Sum("customers"))
        .order_by("cohort_month", "channel")
    ):
        cells[(row["cohort_month"], row["channel"])][row["months_since"]] = row["customers"]
    this_month = timezone.localdate().replace(day=1)
    return [
        _cohort_row(month, channel, active, this_month)
        for (month, channel), active in cells.items()
    ]


def _cohort_row(
    month: datetime.date, channel: str, active: dict[int, int], this_month: datetime.date
) -> dict[str, Any]:
    """Shares of the cohort active N months later; None for months still to come."""
    size = active.get(0, 0)
    elapsed = index_of_month(this_month) - index_of_month(month)
    return {
        "month": month,
        "channel": channel,
        "size": size,
        "shares": [
            ratio(active.get(offset, 0), size) if offset <= elapsed else None
            for offset in range(COHORT_MONTHS)
        ],
    }


# Journeys -----------------------------------------------------------------------------------


def first_purchase_paths(filters: InsightsFilters) -> list[dict[str, Any]]:
    """Paths to the first purchase, most frequent first (channel filter: first purchase's)."""
    rows = grouped(
        FirstPurchaseDaily, filters, fields=("path",), sums={"customers": Sum("customers")}
    )
    return sorted(rows, key=lambda row: (-row["customers"], row["path"]))
