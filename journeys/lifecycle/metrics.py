"""Set-based reads of everything the stage and `CustomerMetrics` need, for a batch of customers.

A batch costs six queries whatever its size (customers with their identification flags,
orders, refunds per order, touchpoints, categories bought, store names); the figures are then
folded in Python.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from customers.models import Customer, ExternalIdentity, Preference
from journeys.lifecycle.rules import CustomerFacts
from journeys.models import AfterSalesTicket, Order, OrderLine, Return, Touchpoint, WishlistItem
from omni.models import Channel, Store

PURCHASE_STATUSES = (Order.Status.CONFIRMED, Order.Status.FULFILLED, Order.Status.COMPLETED)
PATH_MAX_LENGTH = 255
TOP_CATEGORIES = 3
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CustomerRow:
    pk: int
    stage: str
    loyalty_number: str | None
    loyalty_tier: str
    has_account: bool
    has_preference: bool
    has_wishlist: bool
    has_ticket: bool


@dataclass(frozen=True)
class Purchase:
    """One order (any status: `purchases()` keeps those that count as a purchase)."""

    pk: int
    placed_at: datetime.datetime
    channel: str
    total: Decimal
    status: str
    store_id: int | None


@dataclass
class Activity:
    """One customer's orders, refunds, touchpoints and categories bought, as read for a batch."""

    orders: list[Purchase] = field(default_factory=list)
    refunded_by_order: dict[int, Decimal] = field(default_factory=dict)
    return_count: int = 0
    touchpoints: list[tuple[datetime.datetime, int, str]] = field(default_factory=list)
    last_store_visit_at: datetime.datetime | None = None
    quantity_by_category: dict[str, int] = field(default_factory=dict)


def customers_filter(field: str, customer_ids: Sequence[int]) -> Q:
    """`field` among these (sorted) ids: a range when they are dense, as in the nightly walk
    (an index range scan instead of a long IN list; rows of others are dropped in Python)."""
    if not customer_ids:
        return Q(**{f"{field}__in": []})
    low, high = customer_ids[0], customer_ids[-1]
    if high - low < 2 * len(customer_ids):
        return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__in": customer_ids})


def customer_rows(customer_ids: Sequence[int], *, now: datetime.datetime) -> list[CustomerRow]:
    """The batch's live (not merged) customers with what identified them by `now`."""
    customer = OuterRef("pk")
    identities = ExternalIdentity.objects.filter(customer=customer, created_at__lte=now)
    wishes = WishlistItem.objects.filter(wishlist__customer=customer, added_at__lte=now)
    rows = (
        Customer.objects.filter(customers_filter("pk", customer_ids), merged_into__isnull=True)
        .annotate(
            has_account=Exists(identities),
            has_preference=Exists(
                Preference.objects.filter(customer=customer, created_at__lte=now)
            ),
            has_wishlist=Exists(wishes),
            has_ticket=Exists(
                AfterSalesTicket.objects.filter(customer=customer, created_at__lte=now)
            ),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "lifecycle_stage",
            "loyalty_number",
            "loyalty_tier",
            "has_account",
            "has_preference",
            "has_wishlist",
            "has_ticket",
        )
    )
    wanted = set(customer_ids)
    return [CustomerRow(*row) for row in rows if row[0] in wanted]


def batch_activity(customer_ids: Sequence[int], *, now: datetime.datetime) -> dict[int, Activity]:
    """Orders, refunds and touchpoints of the batch up to `now` (the nightly run's "now" is the
    present, so this cuts nothing; the demo replays past nights with it)."""
    activity: dict[int, Activity] = defaultdict(Activity)
    orders = (
        Order.objects.filter(customers_filter("customer_id", customer_ids), placed_at__lte=now)
        .order_by()
        .values_list("customer_id", "pk", "placed_at", "channel", "total", "status", "store_id")
    )
    for customer_id, *values in orders:
        activity[customer_id].orders.append(Purchase(*values))
    refunds = (
        Return.objects.filter(
            customers_filter("order__customer_id", customer_ids), returned_at__lte=now
        )
        .exclude(status=Return.Status.REJECTED)
        .values_list("order__customer_id", "order_id")
        .annotate(refunded=Sum("refund_amount"), returns=Count("pk"))
        .order_by()
    )
    for customer_id, order_id, refunded, returns in refunds:
        activity[customer_id].refunded_by_order[order_id] = refunded or ZERO
        activity[customer_id].return_count += returns
    touchpoints = (
        Touchpoint.objects.filter(
            customers_filter("customer_id", customer_ids), occurred_at__lte=now
        )
        .order_by()
        .values_list("customer_id", "occurred_at", "pk", "channel", "kind")
    )
    for customer_id, occurred_at, pk, channel, kind in touchpoints:
        done = activity[customer_id]
        done.touchpoints.append((occurred_at, pk, channel))
        if kind == Touchpoint.Kind.STORE_VISIT:
            done.last_store_visit_at = max(occurred_at, done.last_store_visit_at or occurred_at)
    _add_categories(activity, customer_ids, now=now)
    return activity


def _add_categories(
    activity: dict[int, Activity], customer_ids: Sequence[int], *, now: datetime.datetime
) -> None:
    """Quantities bought per category, over the lines of orders not cancelled."""
    lines = (
        OrderLine.objects.filter(
            customers_filter("order__customer_id", customer_ids),
            order__placed_at__lte=now,
            product__isnull=False,
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .values_list("order__customer_id", "product__category")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    for customer_id, category, quantity in lines:
        activity[customer_id].quantity_by_category[category] = quantity


def _is_fully_refunded(purchase: Purchase, refunded: dict[int, Decimal]) -> bool:
    amount = refunded.get(purchase.pk, ZERO)
    return amount > 0 and amount >= purchase.total


def purchases(activity: Activity) -> list[Purchase]:
    """Her purchases, oldest first: orders confirmed, fulfilled or completed, and not fully
    refunded."""
    kept = [
        order
        for order in activity.orders
        if order.status in PURCHASE_STATUSES
        and not _is_fully_refunded(order, activity.refunded_by_order)
    ]
    return sorted(kept, key=lambda order: (order.placed_at, order.pk))


def _collapse(channels: list[str]) -> list[str]:
    return [
        channel
        for index, channel in enumerate(channels)
        if index == 0 or channels[index - 1] != channel
    ]


def first_purchase_path(activity: Activity, first: Purchase | None) -> str:
    if first is None:
        return ""
    before = sorted(point for point in activity.touchpoints if point[0] < first.placed_at)
    steps = _collapse([channel for _time, _pk, channel in before] + [first.channel])
    path = ">".join(steps)
    while len(path) > PATH_MAX_LENGTH:
        steps = steps[1:]
        path = ">".join(steps)
    return path


def orders_by_channel(activity: Activity) -> dict[str, dict[str, object]]:
    """Orders not cancelled (pending included) per channel: how many, for how much."""
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for order in activity.orders:
        if order.status != Order.Status.CANCELLED:
            counts[order.channel] += 1
            totals[order.channel] += order.total
    return {
        channel: {"orders": counts[channel], "total": f"{totals[channel]:.2f}"}
        for channel in sorted(counts)
    }


def last_store_visit(activity: Activity) -> datetime.datetime | None:
    """Her latest order in a store (whatever became of it) or recorded store visit."""
    moments = [order.placed_at for order in activity.orders if order.channel == Channel.STORE]
    if activity.last_store_visit_at is not None:
        moments.append(activity.last_store_visit_at)
    return max(moments, default=None)


def most_visited_store(activity: Activity, store_names: dict[int, str]) -> int | None:
    """The store of most of her store orders (ties: by store name)."""
    counts: dict[int, int] = defaultdict(int)
    for order in activity.orders:
        if order.channel == Channel.STORE and order.store_id is not None:
            counts[order.store_id] += 1
    ranked = sorted(counts, key=lambda pk: (-counts[pk], store_names.get(pk, ""), pk))
    return ranked[0] if ranked else None


def top_categories(activity: Activity) -> list[str]:
    quantities = activity.quantity_by_category
    ranked = sorted(quantities, key=lambda category: (-quantities[category], category))
    return ranked[:TOP_CATEGORIES]


def store_names() -> dict[int, str]:
    """Every store's name (a retailer has hundreds, not millions), for tie-breaks."""
    return dict(Store.objects.values_list("pk", "name"))


def metrics_values(
    activity: Activity, bought: list[Purchase], names: dict[int, str]
) -> dict[str, object]:
    """The `CustomerMetrics` fields for one customer (see the package docstring)."""
    first = bought[0] if bought else None
    channels = sorted({order.channel for order in bought})
    last_touch = max((point[0] for point in activity.touchpoints), default=None)
    return {
        "order_count": len(bought),
        "total_spent": sum((order.total for order in bought), ZERO),
        "total_refunded": sum(activity.refunded_by_order.values(), ZERO),
        "return_count": activity.return_count,
        "first_order_at": first.placed_at if first else None,
        "last_order_at": bought[-1].placed_at if bought else None,
        "first_order_channel": first.channel if first else "",
        "channels": f",{','.join(channels)}," if channels else "",
        "channel_count": len(channels),
        "first_purchase_path": first_purchase_path(activity, first),
        "touchpoint_count": len(activity.touchpoints),
        "last_touchpoint_at": last_touch,
        "orders_by_channel": orders_by_channel(activity),
        "last_store_visit_at": last_store_visit(activity),
        "most_visited_store_id": most_visited_store(activity, names),
        "top_categories": top_categories(activity),
    }


def customer_facts(
    row: CustomerRow,
    activity: Activity,
    bought: list[Purchase],
    window_start: datetime.datetime,
) -> CustomerFacts:
    return CustomerFacts(
        purchase_count=len(bought),
        recent_purchase_count=sum(1 for order in bought if order.placed_at >= window_start),
        first_purchase_at=bought[0].placed_at if bought else None,
        last_purchase_at=bought[-1].placed_at if bought else None,
        loyalty_tier=row.loyalty_tier,
        has_loyalty_number=bool(row.loyalty_number),
        has_account=row.has_account,
        has_profile_data=row.has_preference,
        has_interaction=bool(activity.touchpoints)
        or row.has_wishlist
        or row.has_ticket
        # Any order placed by then (`batch_activity` reads them all): an EXISTS per customer
        # here read the scattered orders of the batch a second time.
        or bool(activity.orders),
    )
