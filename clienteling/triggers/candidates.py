"""Per kind of trigger: the customers it holds for now, read with set-based queries.

Each reader returns `Candidate`s: who, the event's dedupe key, and the words the task and the
event carry. Whether anyone is contacted (consent, contact cap, deduplication) is decided by
`services`.
"""

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clienteling.models import (
    Appointment,
    AppointmentStatusChange,
    Associate,
    Task,
    Trigger,
    TriggerKind,
)
from clienteling.triggers.favourites import favourite_associates
from clienteling.triggers.wishlists import (
    ProductChange,
    active_wishlist_items,
    wished_product_changes,
)
from customers.models import Customer, LifecycleStage, LoyaltyTier
from journeys.models import AfterSalesStatusChange, AfterSalesTicket, Order, Touchpoint
from omni.models import Channel, StockLevel


@dataclass
class Candidate:
    customer_id: int
    dedupe_key: str
    title: str
    details: str
    context: dict[str, Any] = field(default_factory=dict)
    # The store concerned, used when the customer has no preferred store (ticket's store...).
    store_id: int | None = None
    # Imposed assignee: the associate who held the appointment, the favourite for a cart.
    assignee: Associate | None = None


def _day(moment: datetime.datetime | datetime.date) -> str:
    day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
    return formats.date_format(day, "j F")


def _since(trigger: Trigger, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(hours=trigger.lookback_hours)


def ticket_closed_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    since = _since(trigger, now)
    closed_since = AfterSalesStatusChange.objects.filter(
        subject=OuterRef("pk"), to_status=AfterSalesTicket.Status.CLOSED, changed_at__gte=since
    )
    tickets = AfterSalesTicket.objects.filter(status=AfterSalesTicket.Status.CLOSED).filter(
        Q(closed_at__gte=since, closed_at__lte=now) | Exists(closed_since)
    )
    return [
        Candidate(
            customer_id=ticket.customer_id,
            dedupe_key=f"ticket:{ticket.pk}",
            title=_("Satisfaction call: ticket %(reference)s closed on %(date)s")
            % {"reference": ticket.reference, "date": _day(ticket.closed_at or now)},
            details=_("“%(subject)s” (%(kind)s) is resolved: ask whether the outcome suits them.")
            % {"subject": ticket.subject, "kind": ticket.get_kind_display()},
            context={"ticket": ticket.reference, "ticket_kind": ticket.kind},
            store_id=ticket.store_id,
        )
        for ticket in tickets.order_by("pk")
    ]


def appointment_completed_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    since = _since(trigger, now)
    completed_since = AppointmentStatusChange.objects.filter(
        subject=OuterRef("pk"), to_status=Appointment.Status.COMPLETED, changed_at__gte=since
    )
    # A follow-up the associate already planned by hand after the appointment.
    followed_up = Task.objects.filter(
        customer=OuterRef("customer"),
        reason=Task.Reason.APPOINTMENT_FOLLOW_UP,
        created_at__gte=OuterRef("starts_at"),
    )
    appointments = (
        Appointment.objects.filter(status=Appointment.Status.COMPLETED)
        .filter(Exists(completed_since) | Q(ends_at__gte=since, ends_at__lte=now))
        .exclude(Exists(followed_up))
        .select_related("service", "store", "associate__user", "associate__store")
        .order_by("pk")
    )
    return [
        Candidate(
            customer_id=appointment.customer_id,
            dedupe_key=f"appointment:{appointment.pk}",
            title=_("Follow-up: %(service)s on %(date)s")
            % {"service": appointment.service.name, "date": _day(appointment.starts_at)},
            details=_(
                "Appointment completed with %(associate)s at %(store)s: ask how it went and "
                "suggest what comes next."
            )
            % {"associate": appointment.associate, "store": appointment.store},
            context={"appointment": appointment.pk, "service": appointment.service.code},
            store_id=appointment.store_id,
            assignee=appointment.associate if appointment.associate.is_active else None,
        )
        for appointment in appointments
    ]


def cart_abandoned_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    """Her latest cart left in the window and not followed by an order, if she has a favourite."""
    converted = Order.objects.filter(
        customer=OuterRef("customer"), placed_at__gt=OuterRef("occurred_at")
    ).exclude(status=Order.Status.CANCELLED)
    carts = (
        Touchpoint.objects.filter(
            kind=Touchpoint.Kind.CART_ABANDONED,
            occurred_at__gte=_since(trigger, now),
            occurred_at__lte=now,
        )
        .exclude(Exists(converted))
        .select_related("product")
        .order_by("customer_id", "-occurred_at", "-pk")
    )
    latest: dict[int, Touchpoint] = {}
    for cart in carts:
        latest.setdefault(cart.customer_id, cart)
    favourites = favourite_associates(list(latest))
    return [
        _cart_candidate(cart, favourites[customer_id])
        for customer_id, cart in latest.items()
        if customer_id in favourites
    ]


def _cart_candidate(cart: Touchpoint, favourite: Associate) -> Candidate:
    channel = Channel(cart.channel).label if cart.channel in Channel.values else cart.channel
    if cart.product is not None:
        title = _("Abandoned cart: %(product)s") % {"product": cart.product.name}
    else:
        title = _("Abandoned cart on %(channel)s") % {"channel": channel}
    return Candidate(
        customer_id=cart.customer_id,
        dedupe_key=f"cart:{cart.pk}",
        title=title,
        details=_(
            "Cart left on %(channel)s on %(date)s without an order. You are the associate "
            "this customer knows best: offer your help."
        )
        % {"channel": channel, "date": _day(cart.occurred_at)},
        context={"touchpoint": cart.pk, "product": cart.product.sku if cart.product else None},
        assignee=favourite,
    )


def _reachable(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Birthdays and lapses are states, not events: erased and merged profiles are left out
    instead of being recorded as skipped every time."""
    return customers.filter(erased_at__isnull=True, merged_into__isnull=True)


def _upcoming_days(today: datetime.date, days_ahead: int) -> list[datetime.date]:
    return [today + datetime.timedelta(days=offset) for offset in range(1, days_ahead + 1)]


def _birthday_filter(days: list[datetime.date]) -> Q:
    condition = Q(pk__in=[])
    for day in days:
        condition |= Q(birth_date__month=day.month, birth_date__day=day.day)
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            condition |= Q(birth_date__month=2, birth_date__day=29)
    return condition


def _next_birthday(birth_date: datetime.date, days: list[datetime.date]) -> datetime.date:
    for day in days:
        if (day.month, day.day) == (birth_date.month, birth_date.day):
            return day
    return next(day for day in days if (day.month, day.day) == (2, 28))  # born on 29 February


def birthday_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    """Birthdays in the coming `days_ahead` days (tomorrow included), once a year."""
    days = _upcoming_days(timezone.localdate(now), trigger.days_ahead)
    customers = (
        _reachable(Customer.objects.filter(_birthday_filter(days), birth_date__isnull=False))
        .only("pk", "birth_date")
        .order_by("pk")
    )
    candidates = []
    for customer in customers:
        birthday = _next_birthday(customer.birth_date, days)
        candidates.append(
            Candidate(
                customer_id=customer.pk,
                dedupe_key=f"birthday:{birthday.year}",
                title=_("Birthday on %(date)s: send your wishes") % {"date": _day(birthday)},
                details=_("A personal message, or an invitation to come to the store."),
                context={"birthday": birthday.isoformat()},
            )
        )
    return candidates


def lapsed_vip_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    """Lapsed customers of the chosen tiers, once per lapse (keyed by their last purchase)."""
    last_order = (
        Order.objects.filter(customer=OuterRef("pk"))
        .exclude(status=Order.Status.CANCELLED)
        .order_by("-placed_at")
        .values("placed_at")[:1]
    )
    customers = (
        _reachable(Customer.objects.all())
        .filter(lifecycle_stage=LifecycleStage.LAPSED, loyalty_tier__in=trigger.loyalty_tiers)
        .annotate(last_order_at=Subquery(last_order))
        .only("pk", "loyalty_tier")
        .order_by("pk")
    )
    return [_lapsed_candidate(customer) for customer in customers]


def _lapsed_candidate(customer: Customer) -> Candidate:
    tier = LoyaltyTier(customer.loyalty_tier).label
    last = customer.last_order_at
    if last is None:
        title = _("Win back: %(tier)s customer who has not bought yet") % {"tier": tier}
    else:
        title = _("Win back: %(tier)s customer, no purchase since %(date)s") % {
            "tier": tier,
            "date": formats.date_format(timezone.localdate(last), "j F Y"),
        }
    return Candidate(
        customer_id=customer.pk,
        dedupe_key=f"lapsed:{timezone.localdate(last).isoformat() if last else 'never'}",
        title=title,
        details=_("Call to share what is new and invite them back to the store."),
        context={"loyalty_tier": customer.loyalty_tier},
    )


def _wishers(changes: list[ProductChange]) -> list[tuple[int, ProductChange]]:
    by_product = {change.product.pk: change for change in changes}
    pairs = (
        active_wishlist_items()
        .filter(product_id__in=list(by_product))
        .values_list("wishlist__customer_id", "product_id")
        .distinct()
        .order_by("wishlist__customer_id", "product_id")
    )
    return [(customer_id, by_product[product_id]) for customer_id, product_id in pairs]


def back_in_stock_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    changes = [change for change in wished_product_changes(trigger, now) if change.back_in_stock]
    stores: dict[int, list[str]] = {}
    for product_id, store_name in StockLevel.objects.filter(
        product_id__in=[change.product.pk for change in changes],
        quantity__gt=0,
        store__is_active=True,
    ).values_list("product_id", "store__name"):
        stores.setdefault(product_id, []).append(store_name)
    today = timezone.localdate(now).isoformat()
    return [
        Candidate(
            customer_id=customer_id,
            dedupe_key=f"wishlist:{change.product.pk}:back:{today}",
            title=_("Back in stock: %(product)s, on their wishlist")
            % {"product": change.product.name},
            details=_("Available again at %(stores)s: offer to set one aside.")
            % {"stores": ", ".join(sorted(stores.get(change.product.pk, []))[:3])},
            context={"product": change.product.sku},
        )
        for customer_id, change in _wishers(changes)
    ]


def price_drop_candidates(trigger: Trigger, now: datetime.datetime) -> list[Candidate]:
    changes = [change for change in wished_product_changes(trigger, now) if change.price_dropped]
    return [
        Candidate(
            customer_id=customer_id,
            dedupe_key=f"wishlist:{change.product.pk}:price:{change.product.price}",
            title=_("Price drop: %(product)s, on their wishlist")
            % {"product": change.product.name},
            details=_("Now %(price)s %(currency)s instead of %(previous)s %(currency)s.")
            % {
                "price": change.product.price,
                "previous": change.previous_price,
                "currency": change.product.currency,
            },
            context={
                "product": change.product.sku,
                "price": str(change.product.price),
                "previous_price": str(change.previous_price),
                "currency": change.product.currency,
            },
        )
        for customer_id, change in _wishers(changes)
    ]


CANDIDATE_READERS: dict[str, Callable[[Trigger, datetime.datetime], list[Candidate]]] = {
    TriggerKind.WISHLIST_BACK_IN_STOCK: back_in_stock_candidates,
    TriggerKind.WISHLIST_PRICE_DROP: price_drop_candidates,
    TriggerKind.CART_ABANDONED_FAVOURITE_ASSOCIATE: cart_abandoned_candidates,
    TriggerKind.TICKET_CLOSED_SATISFACTION: ticket_closed_candidates,
    TriggerKind.BIRTHDAY_SOON: birthday_candidates,
    TriggerKind.LAPSED_VIP: lapsed_vip_candidates,
    TriggerKind.APPOINTMENT_COMPLETED_FOLLOW_UP: appointment_completed_candidates,
}
