"""Reads behind the customer 360 page and the appointment brief.

Every function runs a fixed number of queries whatever the customer's history: aggregates
are computed by the database and lists are sliced.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clienteling.models import Appointment, Associate, Note, Task
from customers.models import Consent, ConsentPurpose, ContactChannel, Customer
from customers.normalization import format_phone_for_display
from customers.selectors import consent_current_states
from journeys.models import AfterSalesTicket, Order, OrderLine, Return, Touchpoint, WishlistItem
from journeys.services import TICKET_WORKFLOW
from omni.models import Channel

OPEN_TICKET_STATUSES = (
    AfterSalesTicket.Status.OPEN,
    AfterSalesTicket.Status.IN_PROGRESS,
    AfterSalesTicket.Status.WAITING_CUSTOMER,
    AfterSalesTicket.Status.READY,
)
UPCOMING_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
WISHLIST_SHOWN = 24
# What the button that moves a ticket to each status says.
TICKET_ACTIONS = {
    AfterSalesTicket.Status.IN_PROGRESS: _("Start work"),
    AfterSalesTicket.Status.WAITING_CUSTOMER: _("Wait for customer"),
    AfterSalesTicket.Status.READY: _("Ready for customer"),
    AfterSalesTicket.Status.CLOSED: _("Close"),
    AfterSalesTicket.Status.CANCELLED: _("Cancel ticket"),
}


def customer_for_associate(customer_id: int) -> Customer:
    """The profile (shared by every store), following merges; 404 when unknown or erased."""
    customer = (
        Customer.objects.select_related("preferred_store", "preference", "merged_into")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None or customer.erased_at is not None:
        raise Http404
    return customer


# Contact details and masking ---------------------------------------------------------------


@dataclass(frozen=True)
class ContactDetails:
    email: str
    phone: str
    birth_date: str
    masked: bool


def _mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _mask_phone(phone: str) -> str:
    shown = format_phone_for_display(phone)
    return "•• •• •• " + shown[-5:] if len(shown) > 5 else "••••"


def contact_details(
    customer: Customer, *, associate: Associate, consents: dict[tuple[str, str], Consent]
) -> ContactDetails:
    """Store managers see contact details in full; associates see them when the customer
    agreed to personalised advice, masked otherwise. The birth year is shown to managers only."""
    advice = any(
        entry.granted
        for (purpose, _channel), entry in consents.items()
        if purpose == ConsentPurpose.PERSONALISED_ADVICE
    )
    full = associate.is_store_manager or advice
    email, phone = customer.email or "", customer.phone or ""
    birth = customer.birth_date
    return ContactDetails(
        email=email if full or not email else _mask_email(email),
        phone=format_phone_for_display(phone) if full or not phone else _mask_phone(phone),
        birth_date=(
            ""
            if birth is None
            else birth.strftime("%d/%m/%Y" if associate.is_store_manager else "%d/%m")
        ),
        masked=not full,
    )


@dataclass(frozen=True)
class ConsentBadge:
    purpose: str
    purpose_label: str
    channels: list[tuple[str, bool | None]]

    @property
    def asked(self) -> bool:
        return any(granted is not None for _label, granted in self.channels)


def consent_badges(consents: dict[tuple[str, str], Consent]) -> list[ConsentBadge]:
    """One row per purpose: granted (True), withdrawn (False) or never asked (None) per channel."""
    shown_channels = (ContactChannel.EMAIL, ContactChannel.SMS, ContactChannel.PHONE)
    badges = []
    for purpose in ConsentPurpose:
        channels = []
        for channel in shown_channels:
            entry = consents.get((purpose.value, channel.value))
            channels.append((channel.label, None if entry is None else entry.granted))
        badges.append(ConsentBadge(purpose.value, purpose.label, channels))
    return badges


# Key figures -------------------------------------------------------------------------------


@dataclass
class ChannelFigure:
    channel: str
    label: str
    orders: int
    total: Decimal
    first_order_at: datetime.datetime | None


@dataclass
class KeyFigures:
    currency: str
    lifetime_value: Decimal = Decimal("0")
    orders: int = 0
    refunds: Decimal = Decimal("0")
    by_channel: list[ChannelFigure] = field(default_factory=list)
    first_order_at: datetime.datetime | None = None
    last_visit_at: datetime.datetime | None = None
    preferred_store: str = ""
    favourite_categories: list[str] = field(default_factory=list)


def _channel_figures(customer: Customer) -> list[ChannelFigure]:
    rows = (
        Order.objects.filter(customer=customer)
        .exclude(status=Order.Status.CANCELLED)
        .values("channel")
        .annotate(orders=Count("pk"), total=Sum("total"), first=Min("placed_at"))
        .order_by("-total")
    )
    labels = dict(Channel.choices)
    return [
        ChannelFigure(
            channel=row["channel"],
            label=labels.get(row["channel"], row["channel"]),
            orders=row["orders"],
            total=row["total"] or Decimal("0"),
            first_order_at=row["first"],
        )
        for row in rows
    ]


def _last_store_visit(customer: Customer) -> datetime.datetime | None:
    dates = [
        Order.objects.filter(customer=customer, channel=Channel.STORE).aggregate(
            last=Max("placed_at")
        )["last"],
        Touchpoint.objects.filter(customer=customer, kind=Touchpoint.Kind.STORE_VISIT).aggregate(
            last=Max("occurred_at")
        )["last"],
        Appointment.objects.filter(
            customer=customer, status=Appointment.Status.COMPLETED
        ).aggregate(last=Max("starts_at"))["last"],
    ]
    return max((date for date in dates if date is not None), default=None)


def _favourite_categories(customer: Customer) -> list[str]:
    preference = getattr(customer, "preference", None)
    declared = list(preference.favourite_categories) if preference else []
    bought = (
        OrderLine.objects.filter(order__customer=customer, product__isnull=False)
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product__category")
        .annotate(quantity=Sum("quantity"))
        .order_by("-quantity", "product__category")[:3]
    )
    categories = declared + [row["product__category"] for row in bought]
    return list(dict.fromkeys(categories))[:4]


def _preferred_store_name(customer: Customer) -> str:
    if customer.preferred_store is not None:
        return customer.preferred_store.name
    most_visited = (
        Order.objects.filter(customer=customer, store__isnull=False, channel=Channel.STORE)
        .values("store__name")
        .annotate(orders=Count("pk"))
        .order_by("-orders", "store__name")
        .first()
    )
    return most_visited["store__name"] if most_visited else ""


def customer_key_figures(customer: Customer) -> KeyFigures:
    """Lifetime value (net of refunds), orders by channel, last store visit, favourites."""
    by_channel = _channel_figures(customer)
    refunds = (
        Return.objects.filter(order__customer=customer)
        .exclude(status=Return.Status.REJECTED)
        .aggregate(total=Sum("refund_amount"))["total"]
    ) or Decimal("0")
    sales = sum((figure.total for figure in by_channel), Decimal("0"))
    return KeyFigures(
        currency=settings.OMNI_DEFAULT_CURRENCY,
        lifetime_value=sales - refunds,
        orders=sum(figure.orders for figure in by_channel),
        refunds=refunds,
        by_channel=by_channel,
        first_order_at=min(
            (figure.first_order_at for figure in by_channel if figure.first_order_at), default=None
        ),
        last_visit_at=_last_store_visit(customer),
        preferred_store=_preferred_store_name(customer),
        favourite_categories=_favourite_categories(customer),
    )


# Sections of the page ----------------------------------------------------------------------


def wishlist_items(customer: Customer) -> list[WishlistItem]:
    return list(
        WishlistItem.objects.filter(wishlist__customer=customer, removed_at__isnull=True)
        .select_related("product", "added_at_store")
        .order_by("-added_at", "-pk")[:WISHLIST_SHOWN]
    )


def open_tickets(customer: Customer) -> list[AfterSalesTicket]:
    tickets = list(
        AfterSalesTicket.objects.filter(customer=customer, status__in=OPEN_TICKET_STATUSES)
        .select_related("store", "order", "product")
        .order_by("sla_due_at", "pk")[:10]
    )
    for ticket in tickets:
        ticket.next_statuses = [  # type: ignore[attr-defined]
            (status, verb)
            for status, verb in TICKET_ACTIONS.items()
            if status in TICKET_WORKFLOW.allowed_targets(ticket.status)
        ]
    return tickets


def upcoming_appointments(customer: Customer) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            customer=customer, status__in=UPCOMING_STATUSES, ends_at__gte=timezone.now()
        )
        .select_related("store", "service", "associate__user")
        .order_by("starts_at")[:5]
    )


def open_tasks(customer: Customer, *, associate: Associate) -> list[Task]:
    return list(
        Task.objects.filter(customer=customer, store=associate.store, status=Task.Status.OPEN)
        .select_related("assignee__user")
        .order_by("due_on", "pk")[:5]
    )


def latest_notes(customer: Customer, *, count: int = 3) -> list[Note]:
    return list(
        Note.objects.filter(customer=customer)
        .select_related("author", "store")
        .order_by("-created_at", "-pk")[:count]
    )


def recent_orders_with_lines(customer: Customer, *, count: int = 3) -> list[Order]:
    return list(
        Order.objects.filter(customer=customer)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("line_number")))
        .order_by("-placed_at", "-pk")[:count]
    )


def order_detail(customer: Customer, order_id: int) -> Order:
    """One order of the customer with its lines, returns and pickup (404 if not hers)."""
    returns = Return.objects.select_related("store").prefetch_related("lines__order_line")
    order = (
        Order.objects.filter(customer=customer, pk=order_id)
        .select_related("store", "sold_by", "pickup__store")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("returns", queryset=returns),
        )
        .first()
    )
    if order is None:
        raise Http404
    return order


def customer_consents(customer: Customer) -> dict[tuple[str, str], Consent]:
    return consent_current_states(customer)


def customers_order_lines(customer: Customer, *, count: int = 30) -> QuerySet[OrderLine]:
    """Her most recent lines, to pick the item an after-sales ticket is about (a queryset a
    form field can validate against, limited to the latest `count`)."""
    recent = (
        OrderLine.objects.filter(order__customer=customer)
        .order_by("-order__placed_at", "line_number")
        .values_list("pk", flat=True)[:count]
    )
    return (
        OrderLine.objects.filter(pk__in=list(recent))
        .select_related("order")
        .order_by("-order__placed_at", "line_number")
    )
