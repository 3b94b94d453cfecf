"""Store and web orders with their lines, click & collect pickups, and returns.

Amounts follow the rule of `journeys.ingest`: a line's total is unit price × quantity − its
discount; an order's subtotal is the sum of its line totals, and its total is subtotal +
shipping − `discount_total`, the order-level discount (here a loyalty voucher). Prices include
French VAT (20 %), reported in `tax_total`.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User

from clienteling.demo import catalogue
from clienteling.demo.calendar import at, in_store_moment, local_day, online_moment, random_moment
from clienteling.demo.profiles import CustomerPlan
from clienteling.demo.world import DemoWorld, Step
from journeys.models import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Pickup,
    PickupStatus,
    PickupStatusChange,
    Return,
    ReturnLine,
    ReturnStatus,
)
from journeys.pickup_codes import new_pickup_code
from journeys.services import DEFAULT_PICKUP_DAYS
from omni.models import Channel, Product, Store

CENT = Decimal("0.01")
FREE_SHIPPING_FROM = Decimal("150.00")
SHIPPING_FEE = Decimal("6.90")
LOYALTY_VOUCHER = Decimal("20.00")
PICKUP_STATUS_TO_ORDER_STATUS = {
    PickupStatus.PLACED: OrderStatus.CONFIRMED,
    PickupStatus.PREPARING: OrderStatus.CONFIRMED,
    PickupStatus.READY: OrderStatus.CONFIRMED,
    PickupStatus.COLLECTED: OrderStatus.COMPLETED,
    PickupStatus.EXPIRED: OrderStatus.CANCELLED,
    PickupStatus.CANCELLED: OrderStatus.CANCELLED,
}
# One click & collect order per pickup status, so the pickup desk always shows each of them.
SHOWCASE_PICKUPS = (
    (PickupStatus.PLACED, timedelta(hours=3)),
    (PickupStatus.PREPARING, timedelta(hours=20)),
    (PickupStatus.READY, timedelta(hours=50)),
    (PickupStatus.COLLECTED, timedelta(days=12)),
    (PickupStatus.EXPIRED, timedelta(days=25)),
    (PickupStatus.CANCELLED, timedelta(days=5)),
)


@dataclass
class PlacedOrder:
    order: Order
    lines: list[OrderLine]
    plan: CustomerPlan
    pickup_status: str = ""


def build_orders(world: DemoWorld, plans: list[CustomerPlan]) -> list[PlacedOrder]:
    rng = world.rng("orders")
    placed = [
        _order(world, rng, plan, placed_at, store, channel)
        for plan in plans
        for placed_at, store, channel in _order_occasions(world, rng, plan)
    ]
    placed += _showcase_pickup_orders(world, rng, plans)
    world.insert([placed_order.order for placed_order in placed])
    world.insert([line for placed_order in placed for line in placed_order.lines])
    return placed


def _order_occasions(
    world: DemoWorld, rng: random.Random, plan: CustomerPlan
) -> list[tuple[datetime, Store | None, str]]:
    """When, where and through which channel each of the customer's orders was placed."""
    last_day = min(plan.active_until, world.now - timedelta(days=1))
    occasions = []
    for _number in range(plan.order_count):
        day = local_day(random_moment(rng, plan.since, last_day))
        online = plan.home_store is None or rng.random() < plan.web_share
        if online:
            occasions.append((online_moment(rng, day), plan.home_store, Channel.WEB))
        else:
            store = _store_visited(world, rng, plan)
            occasions.append(
                (in_store_moment(rng, world.hours[store.pk], day), store, Channel.STORE)
            )
    return occasions


def _store_visited(world: DemoWorld, rng: random.Random, plan: CustomerPlan) -> Store:
    """Her own store mostly; now and then another one (a trip to Paris, a gift)."""
    if plan.home_store is not None and rng.random() < 0.85:
        return plan.home_store
    stores = [
        store
        for store in world.stores.values()
        if plan.likes_beauty or store.kind != Store.Kind.INSTITUTE
    ]
    return rng.choice(stores)


def _order(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    placed_at: datetime,
    store: Store | None,
    channel: str,
    *,
    pickup_status: str = "",
) -> PlacedOrder:
    in_store = channel == Channel.STORE
    if not in_store and not pickup_status and store is not None and rng.random() < 0.3:
        pickup_status = _pickup_status(rng, world.now - placed_at)
    order = Order(
        customer=plan.customer,
        channel=channel,
        placed_at=placed_at,
        store=store if in_store or pickup_status else None,
        currency="EUR",
        created_at=placed_at,
    )
    if in_store:
        _make_store_sale(world, rng, order, store)
    else:
        _make_web_order(world, rng, order, pickup_status)
    lines = _lines(world, rng, plan, order)
    _total(rng, order, lines)
    return PlacedOrder(order=order, lines=lines, plan=plan, pickup_status=pickup_status)


def _make_store_sale(world: DemoWorld, rng: random.Random, order: Order, store: Store) -> None:
    prefix = catalogue.STORE_SPECS[store.code].receipt_prefix
    order.source = "pos"
    order.external_reference = f"{prefix}-{world.next_number('receipt'):07d}"
    order.status = OrderStatus.COMPLETED
    order.fulfilment = Fulfilment.IN_STORE
    order.sold_by = rng.choice(world.team(store)).user
    order.updated_at = order.source_updated_at = order.placed_at


def _make_web_order(world: DemoWorld, rng: random.Random, order: Order, pickup_status: str) -> None:
    order.source = "shopify"
    order.external_reference = f"SH-{1_000_000 + world.next_number('web-order')}"
    if pickup_status:
        order.fulfilment = Fulfilment.CLICK_AND_COLLECT
        order.status = PICKUP_STATUS_TO_ORDER_STATUS[pickup_status]
    else:
        order.fulfilment = Fulfilment.SHIPPING
        order.status = _shipping_status(rng, world.now - order.placed_at)
    order.updated_at = order.source_updated_at = min(
        order.placed_at + timedelta(hours=rng.randint(1, 72)), world.now
    )


def _shipping_status(rng: random.Random, age: timedelta) -> str:
    if rng.random() < 0.03:
        return OrderStatus.CANCELLED
    if age < timedelta(days=1):
        return OrderStatus.CONFIRMED
    return OrderStatus.FULFILLED if age < timedelta(days=4) else OrderStatus.COMPLETED


def _pickup_status(rng: random.Random, age: timedelta) -> str:
    """How far a click & collect order got, given how long ago it was placed."""
    if age < timedelta(hours=8):
        return PickupStatus.PLACED
    if age < timedelta(hours=30):
        return PickupStatus.PREPARING
    if age < timedelta(days=8):
        statuses = (PickupStatus.READY, PickupStatus.COLLECTED, PickupStatus.CANCELLED)
        return rng.choices(statuses, weights=(45, 45, 10))[0]
    if age < timedelta(days=14):
        return rng.choices((PickupStatus.COLLECTED, PickupStatus.CANCELLED), weights=(90, 10))[0]
    statuses = (PickupStatus.COLLECTED, PickupStatus.EXPIRED, PickupStatus.CANCELLED)
    return rng.choices(statuses, weights=(86, 7, 7))[0]


def _lines(
    world: DemoWorld, rng: random.Random, plan: CustomerPlan, order: Order
) -> list[OrderLine]:
    assortment = world.products_for(plan.persona, plan.gender)
    if order.store is not None and order.store.kind == Store.Kind.INSTITUTE:
        assortment = [product for product in assortment if product.department == "beauty"]
    count = rng.choices((1, 2, 3), weights=(70, 24, 6))[0]
    on_sale = order.placed_at.month in (1, 7)
    return [
        _line(rng, plan, order, number, product, on_sale)
        for number, product in enumerate(rng.sample(assortment, min(count, len(assortment))), 1)
    ]


def _line(
    rng: random.Random,
    plan: CustomerPlan,
    order: Order,
    number: int,
    product: Product,
    on_sale: bool,
) -> OrderLine:
    quantity = (
        rng.choices((1, 2, 3), weights=(80, 15, 5))[0] if product.department == "beauty" else 1
    )
    gross = product.price * quantity
    discount = Decimal(0)
    if rng.random() < (0.45 if on_sale else 0.08):
        discount = (gross * rng.choice((10, 20, 30)) / 100).quantize(CENT)
    return OrderLine(
        order=order,
        line_number=number,
        product=product,
        sku=product.sku,
        name=product.name,
        size=_size(rng, plan, product),
        quantity=quantity,
        unit_price=product.price,
        discount=discount,
        total=gross - discount,
    )


def _size(rng: random.Random, plan: CustomerPlan, product: Product) -> str:
    """Her own size, except for the odd gift; the shade for make-up."""
    group = product.attributes.get("size_group")
    if group:
        own = plan.sizes.get(group)
        return own if own and rng.random() < 0.9 else rng.choice(product.attributes["sizes"])
    shades = product.attributes.get("shades")
    if shades:
        return plan.shade if plan.shade in shades and rng.random() < 0.8 else rng.choice(shades)
    return ""


def _total(rng: random.Random, order: Order, lines: list[OrderLine]) -> None:
    order.subtotal = sum((line.total for line in lines), Decimal(0))
    has_card = order.customer.loyalty_number is not None
    voucher = has_card and order.subtotal > 2 * LOYALTY_VOUCHER and rng.random() < 0.06
    order.discount_total = LOYALTY_VOUCHER if voucher else Decimal(0)
    ships = order.fulfilment == Fulfilment.SHIPPING
    order.shipping_total = (
        SHIPPING_FEE if ships and order.subtotal < FREE_SHIPPING_FROM else Decimal(0)
    )
    order.total = order.subtotal + order.shipping_total - order.discount_total
    order.tax_total = (order.total / 6).quantize(CENT)  # 20 % VAT included: total × 20/120


def _showcase_pickup_orders(
    world: DemoWorld, rng: random.Random, plans: list[CustomerPlan]
) -> list[PlacedOrder]:
    """Recent click & collect orders in every pickup status, at the flagship where the demo's
    scenario runs (so its desk has parcels to prepare and one ready); the ready one is Claire's."""
    candidates = [plan for plan in plans if not plan.hero and plan.home_store and plan.shops_online]
    at_flagship = [plan for plan in candidates if plan.home_store.code == catalogue.FLAGSHIP]
    heroes = {plan.hero: plan for plan in plans if plan.hero}
    showcase = []
    for status, age in SHOWCASE_PICKUPS:
        if status == PickupStatus.READY:
            plan = heroes[catalogue.CLAIRE]
        else:
            plan = rng.choice(at_flagship or candidates) if candidates else heroes["helene"]
        placed_at = world.now - age
        showcase.append(
            _order(world, rng, plan, placed_at, plan.home_store, Channel.WEB, pickup_status=status)
        )
    return showcase


def build_pickups(world: DemoWorld, placed: list[PlacedOrder]) -> list[Pickup]:
    rng = world.rng("pickups")
    codes: set[str] = set()
    pickups, history = [], []
    for placed_order in placed:
        if placed_order.pickup_status:
            pickup, changes = _pickup(world, rng, placed_order, _unique_code(codes))
            pickups.append(pickup)
            history += changes
    world.insert(pickups)
    world.insert(history)
    return pickups


def _unique_code(codes: set[str]) -> str:
    """Codes stay unguessable (secrets), as in production; only their uniqueness is ours."""
    code = new_pickup_code()
    while code in codes:
        code = new_pickup_code()
    codes.add(code)
    return code


def _pickup(
    world: DemoWorld, rng: random.Random, placed_order: PlacedOrder, code: str
) -> tuple[Pickup, list[PickupStatusChange]]:
    order, status = placed_order.order, placed_order.pickup_status
    team = [associate.user for associate in world.team(order.store)]
    pickup = Pickup(
        order=order,
        customer_id=order.customer_id,
        store=order.store,
        status=status,
        code=code,
        created_at=order.placed_at,
    )
    steps = _pickup_steps(world, rng, pickup, status, team)
    pickup.updated_at = steps[-1][2] if steps else order.placed_at
    history = [
        PickupStatusChange(
            subject=pickup,
            from_status=before,
            to_status=after,
            changed_at=moment,
            actor=actor,
            note=note,
        )
        for before, after, moment, actor, note in steps
    ]
    return pickup, history


def _pickup_steps(
    world: DemoWorld, rng: random.Random, pickup: Pickup, status: str, team: list[User]
) -> list[Step]:
    """The transitions that led to `status`: (from, to, when, who, note)."""
    placed_at = pickup.created_at
    if status == PickupStatus.PLACED:
        return []
    if status == PickupStatus.CANCELLED:
        pickup.cancelled_at = placed_at + timedelta(hours=rng.uniform(0.5, 7))
        note = "Annulée par la cliente sur le site"
        return [(PickupStatus.PLACED, status, pickup.cancelled_at, None, note)]
    preparing_at = placed_at + timedelta(hours=rng.uniform(0.5, 6))
    steps = [(PickupStatus.PLACED, PickupStatus.PREPARING, preparing_at, rng.choice(team), "")]
    if status == PickupStatus.PREPARING:
        return steps
    pickup.ready_at = preparing_at + timedelta(hours=rng.uniform(1, 18))
    pickup.pickup_by = local_day(pickup.ready_at) + timedelta(days=DEFAULT_PICKUP_DAYS)
    steps.append(
        (PickupStatus.PREPARING, PickupStatus.READY, pickup.ready_at, rng.choice(team), "")
    )
    if status == PickupStatus.COLLECTED:
        latest = min(pickup.ready_at + timedelta(days=6), world.now - timedelta(minutes=30))
        pickup.collected_at = random_moment(rng, pickup.ready_at + timedelta(hours=2), latest)
        pickup.collected_by = rng.choice(team)
        steps.append((PickupStatus.READY, status, pickup.collected_at, pickup.collected_by, ""))
    elif status == PickupStatus.EXPIRED:
        expired_at = at(pickup.pickup_by + timedelta(days=1), time(7, 0))
        steps.append((PickupStatus.READY, status, expired_at, None, "Délai de retrait dépassé"))
    return steps


def build_returns(world: DemoWorld, placed: list[PlacedOrder]) -> None:
    """Some orders come back, web orders mostly to a store; each hero has one such return."""
    rng = world.rng("returns")
    returned = [placed_order for placed_order in placed if _is_returned(world, rng, placed_order)]
    returned += _hero_web_orders_returned_in_store(world, placed)
    returns, lines = [], []
    for placed_order in returned:
        parent, parent_lines = _return(world, rng, placed_order)
        returns.append(parent)
        lines += parent_lines
    world.insert(returns)
    world.insert(lines)


def _returnable(world: DemoWorld, placed_order: PlacedOrder) -> bool:
    order = placed_order.order
    return order.status == OrderStatus.COMPLETED and order.placed_at < world.now - timedelta(days=5)


def _is_returned(world: DemoWorld, rng: random.Random, placed_order: PlacedOrder) -> bool:
    if placed_order.plan.hero or not _returnable(world, placed_order):
        return False
    return rng.random() < (0.1 if placed_order.order.channel == Channel.WEB else 0.03)


def _hero_web_orders_returned_in_store(
    world: DemoWorld, placed: list[PlacedOrder]
) -> list[PlacedOrder]:
    chosen: dict[str, PlacedOrder] = {}
    for placed_order in placed:
        hero = placed_order.plan.hero
        if (
            hero
            and hero not in chosen
            and placed_order.order.channel == Channel.WEB
            and placed_order.order.placed_at < world.now - timedelta(days=30)
            and _returnable(world, placed_order)
        ):
            chosen[hero] = placed_order
    return list(chosen.values())


def _return(
    world: DemoWorld, rng: random.Random, placed_order: PlacedOrder
) -> tuple[Return, list[ReturnLine]]:
    order, plan = placed_order.order, placed_order.plan
    store = order.store or plan.home_store
    in_store = store is not None and (
        bool(plan.hero) or order.channel == Channel.STORE or rng.random() < 0.7
    )
    latest = min(order.placed_at + timedelta(days=25), world.now - timedelta(hours=2))
    returned_at = random_moment(rng, order.placed_at + timedelta(days=3), latest)
    if in_store:
        returned_at = min(
            in_store_moment(rng, world.hours[store.pk], local_day(returned_at)), latest
        )
    status = _return_status(rng, world.now - returned_at, plan.hero)
    parent = Return(
        order=order,
        customer_id=order.customer_id,
        source="pos" if in_store else "shopify",
        external_reference=f"RET-{world.next_number('return'):07d}",
        channel=Channel.STORE if in_store else Channel.WEB,
        store=store if in_store else None,
        status=status,
        returned_at=returned_at,
        reason=rng.choice(catalogue.RETURN_REASONS),
        processed_by=rng.choice(world.team(store)).user if in_store else None,
        created_at=returned_at,
        source_updated_at=returned_at,
    )
    lines = _return_lines(rng, placed_order, parent, refunded=status != ReturnStatus.REJECTED)
    parent.refund_amount = sum((line.refund_amount for line in lines), Decimal(0))
    return parent, lines


def _return_status(rng: random.Random, age: timedelta, hero: str) -> str:
    if age < timedelta(days=3):
        return ReturnStatus.RECEIVED
    if not hero and rng.random() < 0.05:
        return ReturnStatus.REJECTED
    return ReturnStatus.REFUNDED


def _return_lines(
    rng: random.Random, placed_order: PlacedOrder, parent: Return, *, refunded: bool
) -> list[ReturnLine]:
    chosen = rng.sample(placed_order.lines, rng.randint(1, len(placed_order.lines)))
    lines = []
    for line in sorted(chosen, key=lambda order_line: order_line.line_number):
        quantity = rng.randint(1, line.quantity)
        refund = (line.total * quantity / line.quantity).quantize(CENT) if refunded else Decimal(0)
        lines.append(
            ReturnLine(parent=parent, order_line=line, quantity=quantity, refund_amount=refund)
        )
    return lines
