"""One timeline across channels: orders, returns, wishlist, SAV, pickups, appointments,
touchpoints, notes and lifecycle stage changes, newest first, a page at a time.

Each source is read with its own indexed query, limited to one page past a cursor, then the
sources are merged in Python: a page costs one query per source whatever the history size.
The cursor is the last item's (time, kind, id), so equal timestamps never skip or repeat.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clienteling.models import Appointment, Note
from customers.models import Customer, LifecycleStage
from journeys.lifecycle.reasons import reason_display
from journeys.models import (
    AfterSalesTicket,
    LifecycleStageChange,
    Order,
    Pickup,
    Return,
    Touchpoint,
    WishlistItem,
)
from omni.models import Channel

PAGE_SIZE = 20


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    pk: int
    occurred_at: datetime.datetime
    channel: str
    title: str
    detail: str = ""
    status: str = ""
    order_id: int | None = None
    amount: Decimal | None = None
    currency: str = ""

    @property
    def key(self) -> tuple[datetime.datetime, int, int]:
        return (self.occurred_at, KIND_RANK[self.kind], self.pk)

    @property
    def channel_label(self) -> str:
        return str(dict(Channel.choices).get(self.channel, self.channel))


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    time_field: str
    # The channel field filtered on; None for events that always happen in store.
    channel_field: str | None
    queryset: Callable[[Customer], QuerySet]
    to_item: Callable[[Model], TimelineItem]
    # Without a channel field: happens in store (kept by a store filter) or in no channel.
    in_store: bool = True


def _order_item(order: Order) -> TimelineItem:
    where = order.store.name if order.store else order.get_channel_display()
    return TimelineItem(
        kind="order",
        pk=order.pk,
        occurred_at=order.placed_at,
        channel=order.channel,
        title=_("Order %(reference)s") % {"reference": order.external_reference},
        detail=where,
        status=order.get_status_display(),
        order_id=order.pk,
        amount=order.total,
        currency=order.currency,
    )


def _return_item(parent: Return) -> TimelineItem:
    return TimelineItem(
        kind="return",
        pk=parent.pk,
        occurred_at=parent.returned_at,
        channel=parent.channel,
        title=_("Return on order %(reference)s") % {"reference": parent.order.external_reference},
        detail=parent.reason,
        status=parent.get_status_display(),
        order_id=parent.order_id,
        amount=parent.refund_amount,
        currency=parent.currency,
    )


def _wishlist_item(item: WishlistItem) -> TimelineItem:
    return TimelineItem(
        kind="wishlist",
        pk=item.pk,
        occurred_at=item.added_at,
        channel=item.added_via,
        title=_("Added to wishlist: %(product)s") % {"product": item.product.name},
        detail=item.size and _("Size %(size)s") % {"size": item.size},
        status=_("Removed") if item.removed_at else "",
    )


def _ticket_item(ticket: AfterSalesTicket) -> TimelineItem:
    return TimelineItem(
        kind="ticket",
        pk=ticket.pk,
        occurred_at=ticket.created_at,
        channel=ticket.channel_opened,
        title=f"{ticket.reference} · {ticket.get_kind_display()}",
        detail=ticket.subject,
        status=ticket.get_status_display(),
    )


def _pickup_item(pickup: Pickup) -> TimelineItem:
    return TimelineItem(
        kind="pickup",
        pk=pickup.pk,
        occurred_at=pickup.created_at,
        channel=Channel.STORE,
        title=_("Click & collect at %(store)s") % {"store": pickup.store.name},
        detail=_("Order %(reference)s") % {"reference": pickup.order.external_reference},
        status=pickup.get_status_display(),
        order_id=pickup.order_id,
    )


def _appointment_item(appointment: Appointment) -> TimelineItem:
    return TimelineItem(
        kind="appointment",
        pk=appointment.pk,
        occurred_at=appointment.starts_at,
        channel=Channel.STORE,
        title=str(appointment.service),
        detail=f"{appointment.store.name} · {appointment.associate}",
        status=appointment.get_status_display(),
    )


def _touchpoint_item(touchpoint: Touchpoint) -> TimelineItem:
    subject = touchpoint.product.name if touchpoint.product else ""
    where = touchpoint.store.name if touchpoint.store else ""
    return TimelineItem(
        kind="touchpoint",
        pk=touchpoint.pk,
        occurred_at=touchpoint.occurred_at,
        channel=touchpoint.channel,
        title=touchpoint.get_kind_display(),
        detail=" · ".join(part for part in (subject, where) if part),
    )


def _note_item(note: Note) -> TimelineItem:
    author = note.author.get_full_name() if note.author else ""
    return TimelineItem(
        kind="note",
        pk=note.pk,
        occurred_at=note.created_at,
        channel=Channel.STORE,
        title=note.body,
        detail=" · ".join(part for part in (author, note.store.name if note.store else "") if part),
    )


STAGE_LABELS = dict(LifecycleStage.choices)


def _stage_item(change: LifecycleStageChange) -> TimelineItem:
    moves = {
        "from": STAGE_LABELS.get(change.from_stage, "—"),
        "to": STAGE_LABELS.get(change.to_stage, ""),
    }
    return TimelineItem(
        kind="stage",
        pk=change.pk,
        occurred_at=change.changed_at,
        channel="",
        title=_("Stage: %(from)s → %(to)s") % moves,
        detail=reason_display(change.reason),
        status=change.get_trigger_display(),
    )


SOURCES = (
    Source(
        "order",
        gettext_lazy("Orders"),
        "placed_at",
        "channel",
        lambda customer: Order.objects.filter(customer=customer).select_related("store"),
        _order_item,
    ),
    Source(
        "return",
        gettext_lazy("Returns"),
        "returned_at",
        "channel",
        lambda customer: Return.objects.filter(order__customer=customer).select_related("order"),
        _return_item,
    ),
    Source(
        "wishlist",
        gettext_lazy("Wishlist"),
        "added_at",
        "added_via",
        lambda customer: WishlistItem.objects.filter(wishlist__customer=customer).select_related(
            "product"
        ),
        _wishlist_item,
    ),
    Source(
        "ticket",
        gettext_lazy("After-sales"),
        "created_at",
        "channel_opened",
        lambda customer: AfterSalesTicket.objects.filter(customer=customer),
        _ticket_item,
    ),
    Source(
        "pickup",
        gettext_lazy("Click & collect"),
        "created_at",
        None,
        lambda customer: Pickup.objects.filter(order__customer=customer).select_related(
            "store", "order"
        ),
        _pickup_item,
    ),
    Source(
        "appointment",
        gettext_lazy("Appointments"),
        "starts_at",
        None,
        lambda customer: Appointment.objects.filter(
            customer=customer, starts_at__lte=timezone.now()
        ).select_related("store", "service", "associate__user"),
        _appointment_item,
    ),
    Source(
        "touchpoint",
        gettext_lazy("Interactions"),
        "occurred_at",
        "channel",
        lambda customer: Touchpoint.objects.filter(customer=customer).select_related(
            "store", "product"
        ),
        _touchpoint_item,
    ),
    Source(
        "note",
        gettext_lazy("Notes"),
        "created_at",
        None,
        lambda customer: Note.objects.filter(customer=customer).select_related("author", "store"),
        _note_item,
    ),
    Source(
        "stage",
        gettext_lazy("Lifecycle stage"),
        "changed_at",
        None,
        lambda customer: LifecycleStageChange.objects.filter(customer=customer),
        _stage_item,
        in_store=False,
    ),
)
KIND_RANK = {source.kind: rank for rank, source in enumerate(SOURCES)}
KIND_CHOICES = [(source.kind, source.label) for source in SOURCES]


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime.datetime
    kind: str
    pk: int

    def encode(self) -> str:
        return f"{self.occurred_at.isoformat()}~{self.kind}~{self.pk}"

    @classmethod
    def decode(cls, value: str) -> "Cursor | None":
        try:
            moment, kind, pk = value.split("~")
            cursor = cls(datetime.datetime.fromisoformat(moment), kind, int(pk))
        except ValueError:
            return None
        valid = cursor.kind in KIND_RANK and timezone.is_aware(cursor.occurred_at)
        return cursor if valid else None


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    next_cursor: str | None


def _after_cursor(source: Source, cursor: Cursor | None) -> Q:
    """Items strictly older than the cursor in (time, kind rank, id) order."""
    if cursor is None:
        return Q()
    older = Q(**{f"{source.time_field}__lt": cursor.occurred_at})
    same_time = Q(**{source.time_field: cursor.occurred_at})
    rank, cursor_rank = KIND_RANK[source.kind], KIND_RANK[cursor.kind]
    if rank < cursor_rank:
        return older | same_time
    if rank == cursor_rank:
        return older | (same_time & Q(pk__lt=cursor.pk))
    return older


def _selected_sources(kinds: Iterable[str], channels: Iterable[str]) -> list[tuple[Source, Q]]:
    kinds, channels = set(kinds), set(channels)
    selected = []
    for source in SOURCES:
        if kinds and source.kind not in kinds:
            continue
        if not channels:
            selected.append((source, Q()))
        elif source.channel_field:
            selected.append((source, Q(**{f"{source.channel_field}__in": channels})))
        elif source.in_store and Channel.STORE in channels:
            selected.append((source, Q()))
    return selected


def customer_timeline(
    customer: Customer,
    *,
    cursor: Cursor | None = None,
    kinds: Iterable[str] = (),
    channels: Iterable[str] = (),
    page_size: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of the timeline, optionally limited to some kinds and channels."""
    candidates: list[TimelineItem] = []
    for source, channel_filter in _selected_sources(kinds, channels):
        rows = (
            source.queryset(customer)
            .filter(channel_filter, _after_cursor(source, cursor))
            .order_by(f"-{source.time_field}", "-pk")[: page_size + 1]
        )
        candidates.extend(source.to_item(row) for row in rows)
    if cursor is not None:
        # SQLite compares stored times as text, and Now() writes fewer decimals than Python:
        # the exact order is re-checked here so the boundary item never comes back.
        boundary = (cursor.occurred_at, KIND_RANK[cursor.kind], cursor.pk)
        candidates = [item for item in candidates if item.key < boundary]
    candidates.sort(key=lambda item: item.key, reverse=True)
    items = candidates[:page_size]
    more = len(candidates) > page_size
    next_cursor = (
        Cursor(items[-1].occurred_at, items[-1].kind, items[-1].pk).encode() if more else None
    )
    return TimelinePage(items=items, next_cursor=next_cursor)
