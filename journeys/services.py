"""Writes on what customers do: order status, pickups, SAV tickets, wishlists, returns."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Customer
from journeys import outbound
from journeys.lifecycle.services import lifecycle_refresh_queue
from journeys.models import (
    AfterSalesMessage,
    AfterSalesStatusChange,
    AfterSalesTicket,
    Order,
    OrderLine,
    OrderStatusChange,
    Pickup,
    PickupStatusChange,
    Return,
    ReturnLine,
    Touchpoint,
    Wishlist,
    WishlistItem,
)
from journeys.pickup_codes import new_pickup_code, normalize_pickup_code
from journeys.ticket_references import ticket_reference_new
from omni.errors import DomainError
from omni.models import Channel, Product, Store
from omni.state_machines import StateMachine, apply_transition

OrderStatus, PickupStatus, TicketStatus = Order.Status, Pickup.Status, AfterSalesTicket.Status

ORDER_WORKFLOW = StateMachine(
    label=gettext_lazy("order"),
    transitions={
        OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
        OrderStatus.CONFIRMED: frozenset({OrderStatus.FULFILLED, OrderStatus.CANCELLED}),
        OrderStatus.FULFILLED: frozenset({OrderStatus.COMPLETED}),
    },
)
PICKUP_WORKFLOW = StateMachine(
    label=gettext_lazy("pickup"),
    transitions={
        PickupStatus.PLACED: frozenset({PickupStatus.PREPARING, PickupStatus.CANCELLED}),
        PickupStatus.PREPARING: frozenset({PickupStatus.READY, PickupStatus.CANCELLED}),
        PickupStatus.READY: frozenset(
            {PickupStatus.COLLECTED, PickupStatus.EXPIRED, PickupStatus.CANCELLED}
        ),
    },
)
_TICKET_ACTIVE = (
    TicketStatus.OPEN,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_CUSTOMER,
    TicketStatus.READY,
)
TICKET_WORKFLOW = StateMachine(
    label=gettext_lazy("after-sales ticket"),
    transitions={
        TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED}),
        TicketStatus.IN_PROGRESS: frozenset(
            {TicketStatus.WAITING_CUSTOMER, TicketStatus.READY, TicketStatus.CANCELLED}
        ),
        TicketStatus.WAITING_CUSTOMER: frozenset(
            {TicketStatus.IN_PROGRESS, TicketStatus.READY, TicketStatus.CANCELLED}
        ),
        TicketStatus.READY: frozenset({TicketStatus.CLOSED, TicketStatus.IN_PROGRESS}),
    },
)
DEFAULT_PICKUP_DAYS = 10
CENT, CENTS_ZERO = Decimal("0.01"), Decimal("0.00")
TICKET_SLA_DAYS = {
    AfterSalesTicket.Kind.QUESTION: 2,
    AfterSalesTicket.Kind.COMPLAINT: 3,
    AfterSalesTicket.Kind.REFUND: 5,
    AfterSalesTicket.Kind.EXCHANGE: 7,
    AfterSalesTicket.Kind.REPAIR: 21,
    AfterSalesTicket.Kind.WARRANTY: 21,
}


# Orders ------------------------------------------------------------------------------------


def order_set_status(*, order: Order, status: str, actor: Any, note: str = "") -> Order:
    moved = apply_transition(
        order,
        machine=ORDER_WORKFLOW,
        target=status,
        actor=actor,
        history_model=OrderStatusChange,
        note=note,
    )
    # After the transition's own commit (or with the caller's transaction), as every queue is.
    lifecycle_refresh_queue(customer_ids=[moved.customer_id])
    return moved


def orders_mark_changed(*, order_ids: Iterable[int]) -> None:
    """Move the orders' `updated_at`: their pickup or returns changed, which readers of orders
    see with them (the API's `updated_since` feed shows an order with its pickup and returns)."""
    Order.objects.filter(pk__in=set(order_ids)).update(updated_at=timezone.now())


# Pickups (click & collect) -----------------------------------------------------------------


def order_customer_propagate(*, order: Order) -> None:
    """Give the order's pickup and returns its (new) customer: they carry a copy of it so that
    a customer's pickups and returns are read by index (see `Return.customer`)."""
    for model in (Pickup, Return):
        model.objects.filter(order=order).exclude(customer_id=order.customer_id).update(
            customer_id=order.customer_id, updated_at=timezone.now()
        )


def pickup_create(
    *, order: Order, store: Store, actor: Any = None, pickup_by: datetime.date | None = None
) -> Pickup:
    """Open the click & collect pickup of `order` in `store` (one per order)."""
    if not store.offers_click_and_collect:
        raise DomainError(_("%(store)s does not offer click & collect.") % {"store": store})
    if order.status == OrderStatus.CANCELLED:
        raise DomainError(
            _("The order is cancelled: it has nothing to collect."), code="order_cancelled"
        )
    if Pickup.objects.filter(order=order).exists():
        raise DomainError(_("This order already has a pickup."))
    try:
        with transaction.atomic():
            pickup = Pickup.objects.create(
                order=order,
                customer_id=order.customer_id,
                store=store,
                code=new_pickup_code(),
                pickup_by=pickup_by,
            )
            orders_mark_changed(order_ids=[order.pk])
    except IntegrityError as error:
        raise DomainError(_("This order already has a pickup.")) from error
    return pickup


def pickup_start_preparing(*, pickup: Pickup, actor: Any) -> Pickup:
    return _pickup_move(pickup, PickupStatus.PREPARING, actor)


def pickup_mark_ready(*, pickup: Pickup, actor: Any) -> Pickup:
    """The parcel is on the shelf: the collection window starts now."""
    now = timezone.now()
    collect_by = pickup.pickup_by or (
        timezone.localdate(now) + datetime.timedelta(days=DEFAULT_PICKUP_DAYS)
    )
    return _pickup_move(
        pickup, PickupStatus.READY, actor, changes={"ready_at": now, "pickup_by": collect_by}
    )


def pickup_hand_over(*, pickup: Pickup, code: str, actor: Any) -> Pickup:
    """Give the parcel to the customer who shows the right code."""
    if normalize_pickup_code(code) != pickup.code:
        raise DomainError(_("This code does not match the pickup."), code="wrong_code")
    if pickup.status == PickupStatus.READY and _is_past_collection_date(pickup):
        raise DomainError(
            _("This pickup passed its collection date (%(date)s); check with the manager.")
            % {"date": pickup.pickup_by},
            code="pickup_expired",
        )
    return _pickup_move(
        pickup,
        PickupStatus.COLLECTED,
        actor,
        changes={"collected_at": timezone.now(), "collected_by": _user_or_none(actor)},
    )


def pickup_cancel(*, pickup: Pickup, actor: Any, reason: str = "") -> Pickup:
    return _pickup_move(
        pickup, PickupStatus.CANCELLED, actor, note=reason, changes={"cancelled_at": timezone.now()}
    )


def pickup_expire(*, pickup: Pickup, actor: Any = None) -> Pickup:
    if not _is_past_collection_date(pickup):
        raise DomainError(_("This pickup can still be collected until %s.") % pickup.pickup_by)
    return _pickup_move(pickup, PickupStatus.EXPIRED, actor)


def _is_past_collection_date(pickup: Pickup) -> bool:
    return pickup.pickup_by is not None and pickup.pickup_by < timezone.localdate()


# Moves that need an order still standing: a cancelled order's parcel is never made ready.
_MOVES_OF_A_LIVE_ORDER = frozenset({PickupStatus.PREPARING, PickupStatus.READY})


def _pickup_move(
    pickup: Pickup, target: str, actor: Any, *, note: str = "", changes: dict | None = None
) -> Pickup:
    with transaction.atomic():
        # The order first, as its writers do (order, then pickup): its status is read under
        # the lock a cancellation takes, and its `updated_at` moves with the pickup.
        order_status = (
            Order.objects.select_for_update()
            .filter(pk=pickup.order_id)
            .values_list("status", flat=True)
            .get()
        )
        if target in _MOVES_OF_A_LIVE_ORDER and order_status == OrderStatus.CANCELLED:
            raise DomainError(
                _("The order is cancelled: its pickup cannot be prepared or made ready."),
                code="order_cancelled",
            )
        moved = apply_transition(
            pickup,
            machine=PICKUP_WORKFLOW,
            target=target,
            actor=actor,
            history_model=PickupStatusChange,
            note=note,
            changes=changes,
        )
        orders_mark_changed(order_ids=[moved.order_id])
        outbound.pickup_status_notify(moved)
    return moved


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# After-sales tickets (SAV) -----------------------------------------------------------------


def ticket_open(
    *,
    customer: Customer,
    kind: str,
    subject: str,
    channel: str,
    actor: Any,
    store: Store | None = None,
    description: str = "",
    order_line: OrderLine | None = None,
    product: Product | None = None,
) -> AfterSalesTicket:
    if kind not in AfterSalesTicket.Kind.values:
        raise DomainError(_("Unknown ticket kind “%s”.") % kind)
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel “%s”.") % channel)
    if not subject.strip():
        raise DomainError(_("Say in a few words what the ticket is about."))
    if order_line is not None and order_line.order.customer_id != customer.pk:
        raise DomainError(_("This order line belongs to another customer."))
    ticket = AfterSalesTicket.objects.create(
        reference=ticket_reference_new(),
        customer=customer,
        kind=kind,
        subject=subject.strip(),
        description=description,
        channel_opened=channel,
        store=store,
        order=order_line.order if order_line else None,
        order_line=order_line,
        product=product or (order_line.product if order_line else None),
        opened_by=_user_or_none(actor),
        sla_due_at=timezone.now() + datetime.timedelta(days=TICKET_SLA_DAYS[kind]),
    )
    lifecycle_refresh_queue(customer_ids=[customer.pk])
    return ticket


def ticket_transition(
    *, ticket: AfterSalesTicket, status: str, actor: Any, note: str = ""
) -> AfterSalesTicket:
    changes = {}
    if status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        changes["closed_at"] = timezone.now()
    if status == TicketStatus.CLOSED and note:
        changes["resolution"] = note
    with transaction.atomic():
        moved = apply_transition(
            ticket,
            machine=TICKET_WORKFLOW,
            target=status,
            actor=actor,
            history_model=AfterSalesStatusChange,
            note=note,
            changes=changes,
        )
        outbound.ticket_status_notify(moved)
    return moved


def ticket_add_message(
    *,
    ticket: AfterSalesTicket,
    body: str,
    actor: Any,
    channel: str = Channel.STORE,
    from_customer: bool = False,
    is_internal: bool = False,
) -> AfterSalesMessage:
    if not body.strip():
        raise DomainError(_("The message is empty."))
    if ticket.status not in _TICKET_ACTIVE:
        raise DomainError(_("This ticket is closed; open a new one."))
    return AfterSalesMessage.objects.create(
        ticket=ticket,
        author=_user_or_none(actor),
        from_customer=from_customer,
        channel=channel,
        body=body.strip(),
        is_internal=is_internal,
        sent_at=timezone.now(),
    )


# Wishlists ---------------------------------------------------------------------------------


def wishlist_add_item(
    *,
    customer: Customer,
    product: Product,
    channel: str,
    actor: Any = None,
    store: Store | None = None,
    size: str = "",
    note: str = "",
) -> WishlistItem:
    wishlist, _created = Wishlist.objects.get_or_create(customer=customer, name="Wishlist")
    if WishlistItem.objects.filter(
        wishlist=wishlist, product=product, size=size, removed_at__isnull=True
    ).exists():
        raise DomainError(_("This product is already on the wishlist."))
    item = WishlistItem.objects.create(
        wishlist=wishlist,
        customer=customer,
        product=product,
        size=size,
        note=note,
        added_at=timezone.now(),
        added_via=channel,
        added_at_store=store,
        added_by=_user_or_none(actor),
    )
    lifecycle_refresh_queue(customer_ids=[customer.pk])
    return item


def wishlist_remove_item(*, item: WishlistItem, channel: str, actor: Any = None) -> WishlistItem:
    if item.removed_at is not None:
        raise DomainError(_("This item was already removed."))
    item.removed_at = timezone.now()
    item.removed_via = channel
    item.save(update_fields=["removed_at", "removed_via"])
    return item


# Returns -----------------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def return_record(
    *,
    order: Order,
    lines: list[tuple[OrderLine, int]],
    channel: str,
    actor: Any,
    store: Store | None = None,
    reason: str = "",
    source: str = "omni",
    external_reference: str | None = None,
    shipping_refund: Decimal = CENTS_ZERO,
    adjustment: Decimal = CENTS_ZERO,
    adjustment_reason: str = "",
) -> Return:
    """Take goods back, in any channel: a web order may be returned in a store.

    The refund is the lines' share of what was paid for them, plus the shipping refunded and
    an adjustment (a goodwill gesture, positive; or less paid back than the lines, negative),
    each of which may also come alone, without lines.
    """
    _check_refund_parts(
        order=order,
        has_lines=bool(lines),
        shipping_refund=shipping_refund,
        adjustment=adjustment,
        adjustment_reason=adjustment_reason,
    )
    line_refunds = _line_refunds(order, lines)
    lines_amount = sum((amount for _line, _quantity, amount in line_refunds), CENTS_ZERO)
    if lines_amount + shipping_refund + adjustment < 0:
        raise DomainError(_("The adjustment takes back more than the lines and shipping."))
    parent = Return.objects.create(
        order=order,
        customer_id=order.customer_id,
        source=source,
        external_reference=external_reference or f"R-{order.pk}-{new_pickup_code()}",
        channel=channel,
        store=store,
        returned_at=timezone.now(),
        reason=reason,
        refund_amount=lines_amount + shipping_refund + adjustment,
        shipping_refund=shipping_refund,
        adjustment=adjustment,
        adjustment_reason=adjustment_reason.strip(),
        currency=order.currency,
        processed_by=_user_or_none(actor),
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(parent=parent, order_line=line, quantity=quantity, refund_amount=amount)
        for line, quantity, amount in line_refunds
    )
    orders_mark_changed(order_ids=[order.pk])
    lifecycle_refresh_queue(customer_ids=[order.customer_id])
    return parent


def _line_refunds(
    order: Order, lines: list[tuple[OrderLine, int]]
) -> list[tuple[OrderLine, int, Decimal]]:
    """Each line returned with what it refunds, once checked that it can be returned."""
    refunds = []
    for line, quantity in lines:
        _check_returnable(order=order, line=line, quantity=quantity)
        refunds.append((line, quantity, _line_share(order, line, quantity)))
    return refunds


def order_tax_is_added(order: Order) -> bool:
    """Whether the order's prices were before tax (the tax added to its total), as recorded.

    The order keeps its figures, not the flag it came with (`OrderInput.prices_include_tax`):
    its total is its lines, shipping and discounts, plus the tax when the tax was added.
    """
    before_tax = order.subtotal + order.shipping_total - order.discount_total
    return bool(order.tax_total) and order.total == before_tax + order.tax_total


def _line_share(order: Order, line: OrderLine, quantity: int) -> Decimal:
    """What `quantity` of the line was paid (its discount shared out), to the cent; with its
    share of the order's tax (in proportion to its amount) when the tax was added on top."""
    share = line.total / line.quantity * quantity
    taxed_base = order.subtotal + order.shipping_total - order.discount_total
    if order_tax_is_added(order) and taxed_base > 0:
        share += order.tax_total * share / taxed_base
    return share.quantize(CENT)


def _check_refund_parts(
    *,
    order: Order,
    has_lines: bool,
    shipping_refund: Decimal,
    adjustment: Decimal,
    adjustment_reason: str,
) -> None:
    if not has_lines and not shipping_refund and not adjustment:
        raise DomainError(
            _("Choose at least one line to return, or refund shipping or an adjustment.")
        )
    if order.status == OrderStatus.CANCELLED:
        raise DomainError(_("A cancelled order cannot be returned."))
    if shipping_refund < 0:
        raise DomainError(_("The shipping refunded cannot be negative."))
    if adjustment and not adjustment_reason.strip():
        raise DomainError(_("Say why the refund has an adjustment."))


def _check_returnable(*, order: Order, line: OrderLine, quantity: int) -> None:
    if line.order_id != order.pk:
        raise DomainError(_("Line %s is not part of this order.") % line.line_number)
    if quantity <= 0:
        raise DomainError(_("The quantity returned must be positive."))
    already = (
        ReturnLine.objects.filter(order_line=line)
        .exclude(parent__status=Return.Status.REJECTED)
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    if already + quantity > line.quantity:
        raise DomainError(
            _("Only %(left)s of “%(name)s” can still be returned.")
            % {"left": line.quantity - already, "name": line.name}
        )


# Touchpoints -------------------------------------------------------------------------------


def touchpoint_record(
    *,
    customer: Customer,
    channel: str,
    kind: str,
    occurred_at: datetime.datetime,
    source: str = "",
    external_id: str | None = None,
    store: Store | None = None,
    product: Product | None = None,
    payload: dict | None = None,
) -> tuple[Touchpoint, bool]:
    """Record an interaction; the same (source, external id) sent again is not recorded twice.

    Returns the touchpoint and whether it was created.
    """
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel “%s”.") % channel, code="invalid")
    if kind not in Touchpoint.Kind.values:
        raise DomainError(_("Unknown touchpoint kind “%s”.") % kind, code="invalid")
    if timezone.is_naive(occurred_at):
        raise DomainError(_("The time needs a time zone."), code="invalid")
    if external_id and not source:
        raise DomainError(_("An external id needs its source."), code="invalid")
    if external_id:
        known = Touchpoint.objects.filter(source=source, external_id=external_id).first()
        if known is not None:
            return known, False
    try:
        with transaction.atomic():
            touchpoint = Touchpoint.objects.create(
                customer=customer,
                channel=channel,
                kind=kind,
                occurred_at=occurred_at,
                source=source,
                external_id=external_id or None,
                store=store,
                product=product,
                payload=payload or {},
            )
    except IntegrityError:
        # The same event delivered twice at once: the other delivery recorded it.
        return Touchpoint.objects.get(source=source, external_id=external_id), False
    lifecycle_refresh_queue(customer_ids=[customer.pk])
    return touchpoint, True
