"""One timeline across channels: orders, returns, wishlist, SAV, pickups, appointments,
touchpoints, notes and lifecycle stage changes, newest first, a page at a time.

Each source is an indexed query on (customer, time) limited to one page past a cursor, its rows
shaped alike (kind, id, time, channel, amount, order, and a JSON object of what its line
shows). The sources are glued with UNION ALL, so that a page costs ONE query whatever the
history size and the number of sources; the rows are then merged in Python. The cursor is the
last item's (time, kind, id), so equal timestamps never skip or repeat.
"""

import datetime
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clienteling.models import Appointment, AppointmentStatus, Note
from customers.models import Customer, LifecycleStage
from journeys.lifecycle.reasons import reason_display
from journeys.models import (
    AfterSalesTicket,
    LifecycleStageChange,
    LifecycleTrigger,
    Order,
    OrderLine,
    OrderStatus,
    Pickup,
    PickupStatus,
    Return,
    ReturnStatus,
    TicketKind,
    TicketStatus,
    Touchpoint,
    TouchpointKind,
    WishlistItem,
)
from omni.models import Channel
from omni.queries import union_all_rows

PAGE_SIZE = 20
CENT = Decimal("0.01")
ROW_FIELDS = (
    "row_kind",
    "row_pk",
    "row_at",
    "row_channel",
    "row_amount",
    "row_order",
    "row_payload",
)
STAGE_LABELS = dict(LifecycleStage.choices)
CHANNEL_LABELS = dict(Channel.choices)


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
    # Orders only: where it was bought, and what (its lines), for "Recent purchases".
    store: str = ""
    lines: str = ""

    @property
    def key(self) -> tuple[datetime.datetime, int, int]:
        return (self.occurred_at, KIND_RANK[self.kind], self.pk)

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))


@dataclass(frozen=True)
class Row:
    """One source row as the union query returns it."""

    kind: str
    pk: int
    occurred_at: datetime.datetime
    channel: str
    amount: Decimal | None
    order_id: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Source:
    kind: str
    label: Any
    time_field: str
    # The channel field filtered on; None for events that always happen in store (or nowhere).
    channel_field: str | None
    queryset: Callable[[Customer], QuerySet]
    # What the line shows, read by the same query: names → expressions (a JSON object).
    payload: Callable[[], dict[str, Any]]
    to_item: Callable[[Row], TimelineItem]
    # Without a channel field: happens in store (kept by a store filter) or in no channel.
    in_store: bool = True
    amount_field: str | None = None
    order_field: str | None = None

    def row_channel(self) -> Any:
        if self.channel_field:
            return F(self.channel_field)
        return Value(Channel.STORE if self.in_store else "", output_field=CharField())


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _person(prefix: str) -> dict[str, F]:
    return {
        "first_name": F(f"{prefix}__first_name"),
        "last_name": F(f"{prefix}__last_name"),
        "username": F(f"{prefix}__username"),
    }


def _person_name(data: dict[str, Any]) -> str:
    """What `User.get_full_name()` says, else the username (as `Associate.__str__`)."""
    full = f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
    return full or (data.get("username") or "")


# The sources: what each reads, and how a row becomes a line --------------------------------


def _order_lines() -> Subquery:
    """ "Dress (38), Scarf": the order's lines in one string, for "Recent purchases"."""
    line = Case(
        When(size="", then=F("name")),
        default=Concat("name", Value(" ("), "size", Value(")")),
        output_field=CharField(),
    )
    # SQLite before 3.44 cannot order inside an aggregate; there the lines come in the order
    # they were written, which is theirs.
    ordered = connection.features.supports_aggregate_order_by_clause
    in_line_order = {"order_by": "line_number"} if ordered else {}
    summary = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(summary=StringAgg(line, delimiter=Value(", "), **in_line_order))
        .values("summary")
    )
    return Subquery(summary[:1])


def _order_payload() -> dict[str, Any]:
    return {
        "reference": F("external_reference"),
        "store": F("store__name"),
        "status": F("status"),
        "currency": F("currency"),
        "lines": _order_lines(),
    }


def _order_item(row: Row) -> TimelineItem:
    data = row.data
    store = data["store"] or ""
    return TimelineItem(
        kind="order",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=row.channel,
        title=_("Order %(reference)s") % {"reference": data["reference"]},
        detail=store or str(CHANNEL_LABELS.get(row.channel, row.channel)),
        status=_label(OrderStatus, data["status"]),
        order_id=row.pk,
        amount=row.amount,
        currency=data["currency"],
        store=store,
        lines=data["lines"] or "",
    )


def _return_payload() -> dict[str, Any]:
    return {
        "reference": F("order__external_reference"),
        "reason": F("reason"),
        "status": F("status"),
        "currency": F("currency"),
    }


def _return_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="return",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=row.channel,
        title=_("Return on order %(reference)s") % {"reference": data["reference"]},
        detail=data["reason"],
        status=_label(ReturnStatus, data["status"]),
        order_id=row.order_id,
        amount=row.amount,
        currency=data["currency"],
    )


def _wishlist_payload() -> dict[str, Any]:
    removed = ExpressionWrapper(Q(removed_at__isnull=False), output_field=BooleanField())
    return {"product": F("product__name"), "size": F("size"), "removed": removed}


def _wishlist_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="wishlist",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=row.channel,
        title=_("Added to wishlist: %(product)s") % {"product": data["product"]},
        detail=data["size"] and _("Size %(size)s") % {"size": data["size"]},
        status=_("Removed") if data["removed"] else "",
    )


def _ticket_payload() -> dict[str, Any]:
    return {
        "reference": F("reference"),
        "kind": F("kind"),
        "subject": F("subject"),
        "status": F("status"),
    }


def _ticket_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="ticket",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=row.channel,
        title=f"{data['reference']} · {_label(TicketKind, data['kind'])}",
        detail=data["subject"],
        status=_label(TicketStatus, data["status"]),
    )


def _pickup_payload() -> dict[str, Any]:
    return {
        "store": F("store__name"),
        "reference": F("order__external_reference"),
        "status": F("status"),
    }


def _pickup_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="pickup",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=Channel.STORE,
        title=_("Click & collect at %(store)s") % {"store": data["store"]},
        detail=_("Order %(reference)s") % {"reference": data["reference"]},
        status=_label(PickupStatus, data["status"]),
        order_id=row.order_id,
    )


def _appointment_payload() -> dict[str, Any]:
    return {
        "service": F("service__name"),
        "store": F("store__name"),
        "status": F("status"),
        **_person("associate__user"),
    }


def _appointment_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="appointment",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=Channel.STORE,
        title=data["service"],
        detail=f"{data['store']} · {_person_name(data)}",
        status=_label(AppointmentStatus, data["status"]),
    )


def _touchpoint_payload() -> dict[str, Any]:
    return {"kind": F("kind"), "product": F("product__name"), "store": F("store__name")}


def _touchpoint_item(row: Row) -> TimelineItem:
    data = row.data
    return TimelineItem(
        kind="touchpoint",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=row.channel,
        title=_label(TouchpointKind, data["kind"]),
        detail=" · ".join(part for part in (data["product"], data["store"]) if part),
    )


def _note_payload() -> dict[str, Any]:
    return {"body": F("body"), "store": F("store__name"), **_person("author")}


def _note_item(row: Row) -> TimelineItem:
    data = row.data
    author = f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
    return TimelineItem(
        kind="note",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel=Channel.STORE,
        title=data["body"],
        detail=" · ".join(part for part in (author, data["store"]) if part),
    )


def _stage_payload() -> dict[str, Any]:
    return {
        "from": F("from_stage"),
        "to": F("to_stage"),
        "reason": F("reason"),
        "trigger": F("trigger"),
    }


def _stage_item(row: Row) -> TimelineItem:
    data = row.data
    moves = {"from": STAGE_LABELS.get(data["from"], "—"), "to": STAGE_LABELS.get(data["to"], "")}
    return TimelineItem(
        kind="stage",
        pk=row.pk,
        occurred_at=row.occurred_at,
        channel="",
        title=_("Stage: %(from)s → %(to)s") % moves,
        detail=reason_display(data["reason"]),
        status=_label(LifecycleTrigger, data["trigger"]),
    )


SOURCES = (
    Source(
        "order",
        gettext_lazy("Orders"),
        "placed_at",
        "channel",
        lambda customer: Order.objects.filter(customer=customer),
        _order_payload,
        _order_item,
        amount_field="total",
        order_field="pk",
    ),
    Source(
        "return",
        gettext_lazy("Returns"),
        "returned_at",
        "channel",
        lambda customer: Return.objects.filter(customer=customer),
        _return_payload,
        _return_item,
        amount_field="refund_amount",
        order_field="order_id",
    ),
    Source(
        "wishlist",
        gettext_lazy("Wishlist"),
        "added_at",
        "added_via",
        lambda customer: WishlistItem.objects.filter(customer=customer),
        _wishlist_payload,
        _wishlist_item,
    ),
    Source(
        "ticket",
        gettext_lazy("After-sales"),
        "created_at",
        "channel_opened",
        lambda customer: AfterSalesTicket.objects.filter(customer=customer),
        _ticket_payload,
        _ticket_item,
    ),
    Source(
        "pickup",
        gettext_lazy("Click & collect"),
        "created_at",
        None,
        lambda customer: Pickup.objects.filter(customer=customer),
        _pickup_payload,
        _pickup_item,
        order_field="order_id",
    ),
    Source(
        "appointment",
        gettext_lazy("Appointments"),
        "starts_at",
        None,
        lambda customer: Appointment.objects.filter(
            customer=customer, starts_at__lte=timezone.now()
        ),
        _appointment_payload,
        _appointment_item,
    ),
    Source(
        "touchpoint",
        gettext_lazy("Interactions"),
        "occurred_at",
        "channel",
        lambda customer: Touchpoint.objects.filter(customer=customer),
        _touchpoint_payload,
        _touchpoint_item,
    ),
    Source(
        "note",
        gettext_lazy("Notes"),
        "created_at",
        None,
        lambda customer: Note.objects.filter(customer=customer),
        _note_payload,
        _note_item,
    ),
    Source(
        "stage",
        gettext_lazy("Lifecycle stage"),
        "changed_at",
        None,
        lambda customer: LifecycleStageChange.objects.filter(customer=customer),
        _stage_payload,
        _stage_item,
        in_store=False,
    ),
)
KIND_RANK = {source.kind: rank for rank, source in enumerate(SOURCES)}
KIND_CHOICES = [(source.kind, source.label) for source in SOURCES]
SOURCES_BY_KIND = {source.kind: source for source in SOURCES}


# Cursor, filters and the union query -------------------------------------------------------


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
    # Every row read, newest first (up to a page per source), for sections of the 360 page
    # that show the latest rows of one kind (recent purchases).
    read: list[TimelineItem] = field(default_factory=list)

    def latest(self, kind: str, count: int) -> list[TimelineItem]:
        return [item for item in self.read if item.kind == kind][:count]


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


def _source_rows(source: Source, customer: Customer, condition: Q, limit: int) -> QuerySet:
    """The source's newest `limit` rows past the cursor, shaped as `ROW_FIELDS`."""
    money = DecimalField(max_digits=12, decimal_places=2)
    return (
        source.queryset(customer)
        .filter(condition)
        .order_by(f"-{source.time_field}", "-pk")
        .annotate(
            row_kind=Value(source.kind, output_field=CharField()),
            row_pk=F("pk"),
            row_at=F(source.time_field),
            row_channel=source.row_channel(),
            row_amount=F(source.amount_field) if source.amount_field else Cast(None, money),
            row_order=F(source.order_field)
            if source.order_field
            else Cast(None, BigIntegerField()),
            row_payload=JSONObject(**source.payload()),
        )
        .values_list(*ROW_FIELDS)[:limit]
    )


def _as_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, str):  # SQLite returns stored times as text, in UTC
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _as_row(values: Sequence[Any]) -> Row:
    _source, kind, pk, occurred_at, channel, amount, order_id, payload = values
    return Row(
        kind=kind,
        pk=int(pk),
        occurred_at=_as_datetime(occurred_at),
        channel=channel or "",
        amount=None if amount is None else Decimal(str(amount)).quantize(CENT),
        order_id=None if order_id is None else int(order_id),
        data=json.loads(payload) if isinstance(payload, str) else payload,
    )


def _read_rows(customer: Customer, selected: list[tuple[Source, Q]], limit: int) -> list[Row]:
    querysets = [_source_rows(source, customer, condition, limit) for source, condition in selected]
    return [_as_row(values) for values in union_all_rows(querysets, ROW_FIELDS)]


def customer_timeline(
    customer: Customer,
    *,
    cursor: Cursor | None = None,
    kinds: Iterable[str] = (),
    channels: Iterable[str] = (),
    page_size: int = PAGE_SIZE,
) -> TimelinePage:
    """One page of the timeline, optionally limited to some kinds and channels."""
    selected = [
        (source, channel_filter & _after_cursor(source, cursor))
        for source, channel_filter in _selected_sources(kinds, channels)
    ]
    rows = _read_rows(customer, selected, page_size + 1)
    candidates = [SOURCES_BY_KIND[row.kind].to_item(row) for row in rows]
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
    return TimelinePage(items=items, next_cursor=next_cursor, read=candidates)
