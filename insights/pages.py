"""What the dashboard and the journey-analysis pages show: selectors' figures turned into charts.

Each section says which filters do not apply to it instead of silently ignoring them.
"""

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from customers.models import LifecycleStage
from insights import selectors
from insights.charts import Chart, Series
from insights.forms import InsightsFilters
from insights.models import Profile
from omni.models import Channel

SECONDS_PER_HOUR = 3600
TOP_PATHS = 15


def _channel_label(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else (value or _("unknown"))


def _stage_label(value: str) -> str:
    return str(LifecycleStage(value).label) if value in LifecycleStage.values else value


def _not_applicable(filters: InsightsFilters, *, channel: bool = False) -> str:
    """The note of a section whose rows are customers, placed by their preferred store."""
    notes = []
    if filters.store is not None or filters.region:
        notes.append(_("Store and region: the customer's preferred store."))
    if channel and filters.channel:
        notes.append(_("The channel filter does not apply to this chart."))
    return " ".join(notes)


def dashboard_context(filters: InsightsFilters) -> dict[str, Any]:
    buckets = selectors.buckets_for(filters)
    totals = selectors.sales_totals(filters)
    return {
        "totals": totals,
        "headline": _headline(totals),
        "stages": _stages_section(filters, buckets),
        "retention": _retention_section(filters),
        "revenue_chart": _revenue_chart(filters, buckets, totals),
        "pickups": _pickups_section(filters, buckets),
        "tickets": _tickets_section(filters, buckets),
        "associates": _associates_section(filters, totals),
        "cohorts": {
            "rows": [
                {**row, "channel_label": _channel_label(row["channel"])}
                for row in selectors.cohort_rows(filters)
            ],
            "offsets": list(range(selectors.COHORT_MONTHS)),
            "note": _not_applicable(filters),
        },
    }


def _headline(totals: dict[str, Any]) -> dict[str, Any]:
    return {
        "orders": totals.get("orders", 0),
        "revenues": [
            f"{number_format(revenue, decimal_pos=0, force_grouping=True)} {currency}"
            for currency, revenue in totals.get("revenues", [])
        ],
        "first_orders": totals.get("first_orders", 0),
        "repeat_share": selectors.ratio(totals.get("repeat_orders"), totals.get("customer_orders")),
    }


def _stages_section(filters: InsightsFilters, buckets: selectors.Buckets) -> dict[str, Any]:
    day, counts = selectors.stage_snapshot(filters)
    stages = LifecycleStage.values
    snapshot = Chart(
        title=_("Customers by lifecycle stage"),
        categories=[_stage_label(stage) for stage in stages],
        series=[Series(_("Customers"), [counts.get(stage, 0) for stage in stages])],
        kind="hbar",
        note="" if day else _("No snapshot of the stages was taken by the end of the period."),
    )
    entries = selectors.stage_entries(filters, buckets)
    transitions = Chart(
        title=_("Customers entering each stage"),
        categories=buckets.labels,
        series=[
            Series(_stage_label(stage), entries[stage]) for stage in stages if stage in entries
        ],
    )
    return {
        "day": day,
        "snapshot": snapshot,
        "transitions": transitions,
        "note": _not_applicable(filters, channel=True),
    }


def _retention_section(filters: InsightsFilters) -> dict[str, Any]:
    data = selectors.retention_by_profile(filters)
    months = data["months"]
    labels = [selectors.Buckets(monthly=True, starts=months).label(month) for month in months]

    def rate_series(numerator: str, denominator: str) -> list[Series]:
        return [
            Series(
                str(profile.label),
                [
                    selectors.ratio(row.get(numerator), row.get(denominator)) if row else None
                    for row in (data["monthly"][profile.value].get(month) for month in months)
                ],
            )
            for profile in Profile
        ]

    pooled = {
        profile.value: {
            "label": profile.label,
            "retention": selectors.ratio(
                data["pooled"][profile.value]["retained"],
                data["pooled"][profile.value]["previous_buyers"],
            ),
            "repeat": selectors.ratio(
                data["pooled"][profile.value]["repeat_buyers"],
                data["pooled"][profile.value]["buyers"],
            ),
            **data["pooled"][profile.value],
        }
        for profile in Profile
    }
    return {
        "pooled": pooled,
        "retention_chart": Chart(
            title=_("Monthly retention, omnichannel vs single-channel customers"),
            categories=labels,
            series=rate_series("retained", "previous_buyers"),
            kind="line",
            unit="%",
            decimals=1,
        ),
        "repeat_chart": Chart(
            title=_("Repeat-purchase rate, omnichannel vs single-channel customers"),
            categories=labels,
            series=rate_series("repeat_buyers", "buyers"),
            kind="line",
            unit="%",
            decimals=1,
        ),
        "note": _not_applicable(filters, channel=True),
    }


def _revenue_chart(
    filters: InsightsFilters, buckets: selectors.Buckets, totals: dict[str, Any]
) -> Chart:
    by_channel = selectors.revenue_by_channel(filters, buckets, totals["currency"])
    other_currencies = [currency for currency, _ in totals["revenues"][1:]]
    note = ""
    if other_currencies:
        note = _("Revenue in %(currency)s only; also sold in %(others)s.") % {
            "currency": totals["currency"],
            "others": ", ".join(other_currencies),
        }
    return Chart(
        title=_("Revenue by channel (%(currency)s)") % {"currency": totals["currency"]},
        categories=buckets.labels,
        series=[Series(_channel_label(channel), values) for channel, values in by_channel.items()],
        unit=totals["currency"],
        note=note,
    )


def _hours(seconds: Any, count: Any) -> Any:
    if not count:
        return None
    return round(seconds / count / SECONDS_PER_HOUR, 1)


def _pickups_section(filters: InsightsFilters, buckets: selectors.Buckets) -> dict[str, Any]:
    rows = selectors.pickups_by_bucket(filters, buckets)
    totals = {name: sum(row[name] or 0 for row in rows.values()) for name in selectors.PICKUP_SUMS}
    ready, collected = [], []
    for start in buckets.starts:
        row = rows.get(start) or {}
        ready.append(_hours(row.get("ready_seconds"), row.get("ready")))
        collected.append(_hours(row.get("collected_seconds"), row.get("collected")))
    return {
        "totals": totals,
        "ready_hours": _hours(totals["ready_seconds"], totals["ready"]),
        "collected_hours": _hours(totals["collected_seconds"], totals["collected"]),
        "no_show_rate": selectors.ratio(totals["expired"], totals["collected"] + totals["expired"]),
        "chart": Chart(
            title=_("Click & collect lead time (hours)"),
            categories=buckets.labels,
            series=[Series(_("Order → ready"), ready), Series(_("Order → collected"), collected)],
            kind="line",
            unit="h",
            decimals=1,
        ),
    }


def _tickets_section(filters: InsightsFilters, buckets: selectors.Buckets) -> dict[str, Any]:
    rows = selectors.tickets_by_bucket(filters, buckets)
    names = selectors.TICKET_SUMS
    totals = {name: sum(row[name] or 0 for row in rows.values()) for name in names}
    labels = (_("Opened"), _("Closed"), _("Closed within SLA"))
    return {
        "totals": totals,
        "sla_rate": selectors.ratio(totals["closed_within_sla"], totals["closed"]),
        "chart": Chart(
            title=_("SAV tickets by opening date"),
            categories=buckets.labels,
            series=[
                Series(label, [(rows.get(start) or {}).get(name) for start in buckets.starts])
                for name, label in zip(names, labels, strict=True)
            ],
        ),
    }


def _associates_section(filters: InsightsFilters, totals: dict[str, Any]) -> dict[str, Any]:
    rows = selectors.top_associates(filters, totals["currency"])
    return {
        "revenue_share": selectors.ratio(totals["influenced_revenue"], totals["revenue"]),
        "order_share": selectors.ratio(totals.get("influenced_orders"), totals.get("orders")),
        "revenue": totals["influenced_revenue"],
        "currency": totals["currency"],
        "chart": Chart(
            title=_("Top associates by influenced revenue (%(currency)s)")
            % {"currency": totals["currency"]},
            categories=[row["name"] for row in rows],
            series=[Series(_("Revenue"), [row["revenue"] for row in rows])],
            kind="hbar",
            unit=totals["currency"],
        ),
    }


def journeys_context(filters: InsightsFilters) -> dict[str, Any]:
    totals = selectors.sales_totals(filters)
    paths = selectors.first_purchase_paths(filters)
    customers = sum(row["customers"] for row in paths)
    top = [
        {**row, "share": selectors.ratio(row["customers"], customers), "steps": _steps(row)}
        for row in paths[:TOP_PATHS]
    ]
    web_note = _("Web orders only: the channel filter does not apply.") if filters.channel else ""
    return {
        "totals": totals,
        "paths": top,
        "path_customers": customers,
        "paths_chart": Chart(
            title=_("Top paths to the first purchase"),
            categories=[" → ".join(row["steps"]) for row in top],
            series=[Series(_("Customers"), [row["customers"] for row in top])],
            kind="hbar",
        ),
        "paths_note": _not_applicable(filters),
        "switching_rate": selectors.ratio(
            totals.get("channel_switch_orders"), totals.get("repeat_orders")
        ),
        "click_and_collect_share": selectors.ratio(
            totals.get("web_click_and_collect"), totals.get("web_orders")
        ),
        "returned_in_store_share": selectors.ratio(
            totals.get("web_returned_in_store"), totals.get("web_orders")
        ),
        "web_note": web_note,
        "returns": [
            {
                **row,
                "order_label": _channel_label(row["order_channel"]),
                "return_label": _channel_label(row["return_channel"]),
            }
            for row in selectors.returns_matrix(filters)
        ],
    }


def _steps(row: dict[str, Any]) -> list[str]:
    """The labels of a path's channels: "social>web" gives Social media, Web."""
    steps = [_channel_label(step) for step in row["path"].split(">") if step]
    return steps or [_("unknown")]
