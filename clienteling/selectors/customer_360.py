"""Reads behind the customer 360 page and the appointment brief.

Every function runs a fixed number of queries whatever the customer's history: aggregates
are computed by the database and lists are sliced.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clienteling.models import Appointment, Associate, Note, Task
from customers.masking import ContactReader, mask_email, mask_phone
from customers.models import Consent, ConsentPurpose, ContactChannel, Customer
from customers.normalization import format_phone_for_display
from customers.selectors import consent_current_states
from journeys.lifecycle.selectors import stage_since_queryset
from journeys.models import (
    AfterSalesTicket,
    CustomerMetrics,
    Order,
    OrderLine,
    Return,
    WishlistItem,
)
from journeys.services import TICKET_WORKFLOW
from omni.models import Channel, Store

OPEN_TICKET_STATUSES = (
    AfterSalesTicket.Status.OPEN,
    AfterSalesTicket.Status.IN_PROGRESS,
    AfterSalesTicket.Status.WAITING_CUSTOMER,
    AfterSalesTicket.Status.READY,
)
UPCOMING_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
# The page shows her latest wished products; "See all" shows up to WISHLIST_ALL.
WISHLIST_SHOWN = 12
WISHLIST_ALL = 100
# Open tickets shown, and shown by "See all".
TICKETS_SHOWN = 5
TICKETS_ALL = 50
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


def contact_details(
    customer: Customer, *, associate: Associate, consents: dict[tuple[str, str], Consent]
) -> ContactDetails:
    """Store managers see contact details in full; associates see them when the customer
    agreed to personalised advice, masked otherwise (customers.masking, as the API does).
    The birth year is shown to managers only."""
    reader = ContactReader(sees_everything=associate.is_store_manager)
    masked = reader.masks_for(consents.values())
    email, phone = customer.email or "", customer.phone or ""
    birth = customer.birth_date
    return ContactDetails(
        email=mask_email(email) if masked else email,
        phone=mask_phone(phone) if masked else format_phone_for_display(phone),
        birth_date=(
            ""
            if birth is None
            else birth.strftime("%d/%m/%Y" if associate.is_store_manager else "%d/%m")
        ),
        masked=masked,
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


def customer_for_profile_page(customer_id: int) -> Customer:
    """The profile with what the page's header and key figures read, in one query: her
    figures (`CustomerMetrics`, kept by the lifecycle refresh), the change that put her in her
    stage (`stage_changed_at`, `stage_change_reason`) and her last completed appointment
    (`last_appointment_at`); 404 when unknown or erased."""
    stage_change = stage_since_queryset(OuterRef("pk"), OuterRef("lifecycle_stage"))
    completed = Appointment.objects.filter(
        customer=OuterRef("pk"), status=Appointment.Status.COMPLETED
    ).order_by("-starts_at")
    customer = (
        Customer.objects.select_related(
            "preferred_store", "preference", "metrics__most_visited_store"
        )
        .annotate(
            stage_changed_at=Subquery(stage_change.values("changed_at")[:1]),
            stage_change_reason=Subquery(stage_change.values("reason")[:1]),
            last_appointment_at=Subquery(completed.values("starts_at")[:1]),
        )
        .filter(pk=customer_id)
        .first()
    )
    if customer is None or customer.erased_at is not None:
        raise Http404
    return customer


def _channel_figures(orders_by_channel: dict[str, dict[str, Any]]) -> list[ChannelFigure]:
    labels = dict(Channel.choices)
    figures = [
        ChannelFigure(
            channel=channel,
            label=labels.get(channel, channel),
            orders=int(figure["orders"]),
            total=Decimal(figure["total"]),
        )
        for channel, figure in orders_by_channel.items()
    ]
    return sorted(figures, key=lambda figure: (-figure.total, figure.channel))


def _favourite_categories(customer: Customer, bought: list[str]) -> list[str]:
    preference = getattr(customer, "preference", None)
    declared = list(preference.favourite_categories) if preference else []
    return list(dict.fromkeys(declared + bought))[:4]


def customer_key_figures(customer: Customer) -> KeyFigures:
    """Lifetime value (net of refunds), orders by channel, last store visit, favourites: read
    from her `CustomerMetrics` row, so the cost does not grow with her history. `customer`
    comes from `customer_for_profile_page`."""
    metrics = getattr(customer, "metrics", None)
    if metrics is None:
        metrics = CustomerMetrics(customer=customer)
    by_channel = _channel_figures(metrics.orders_by_channel)
    sales = sum((figure.total for figure in by_channel), Decimal("0"))
    visits = [metrics.last_store_visit_at, getattr(customer, "last_appointment_at", None)]
    most_visited = metrics.most_visited_store
    return KeyFigures(
        currency=settings.OMNI_DEFAULT_CURRENCY,
        lifetime_value=sales - metrics.total_refunded,
        orders=sum(figure.orders for figure in by_channel),
        refunds=metrics.total_refunded,
        by_channel=by_channel,
        first_order_at=metrics.first_order_at,
        last_visit_at=max((moment for moment in visits if moment is not None), default=None),
        preferred_store=(customer.preferred_store or most_visited or Store(name="")).name,
        favourite_categories=_favourite_categories(customer, list(metrics.top_categories)),
    )


# Sections of the page ----------------------------------------------------------------------


def wishlist_items(customer: Customer, *, count: int = WISHLIST_SHOWN) -> list[WishlistItem]:
    """Her latest wished products still wanted, `count` of them and one more when there are
    more (the page says so)."""
    return list(
        WishlistItem.objects.filter(customer=customer, removed_at__isnull=True)
        .select_related("product", "added_at_store")
        .order_by("-added_at", "-pk")[: count + 1]
    )


def open_tickets(customer: Customer, *, count: int = TICKETS_SHOWN) -> list[AfterSalesTicket]:
    """Her open tickets, the most urgent first: `count` of them and one more when there are
    more (the page says so)."""
    tickets = list(
        AfterSalesTicket.objects.filter(customer=customer, status__in=OPEN_TICKET_STATUSES)
        .select_related("store")
        .order_by("sla_due_at", "pk")[: count + 1]
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
