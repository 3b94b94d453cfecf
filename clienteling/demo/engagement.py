"""Between purchases: wishlists kept on the web and in store, touchpoints, after-sales tickets."""

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from clienteling.demo import catalogue
from clienteling.demo.calendar import in_store_moment, local_day, random_moment
from clienteling.demo.orders import PlacedOrder
from clienteling.demo.profiles import CustomerPlan
from clienteling.demo.world import DemoWorld, Step
from journeys.models import (
    AfterSalesMessage,
    AfterSalesStatusChange,
    AfterSalesTicket,
    OrderLine,
    OrderStatus,
    TicketKind,
    TicketStatus,
    Touchpoint,
    TouchpointKind,
    Wishlist,
    WishlistItem,
)
from journeys.services import TICKET_SLA_DAYS
from journeys.ticket_references import ticket_reference_for_number
from omni.models import Channel, Product

# ---------------------------------------------------------------------------------------------
# Wishlists


def build_wishlists(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    """A third of the customers keep a wishlist, fed from the e-shop and by associates."""
    rng = world.rng("wishlists")
    wishlists, items = [], []
    for plan in plans:
        if plan.prospect or plan.hero == catalogue.CLAIRE or not (plan.hero or rng.random() < 0.35):
            continue  # Claire's wishlist is scripted with the other hero stories.
        wishlist = Wishlist(customer=plan.customer)
        assortment = world.products_for(plan.persona, plan.gender)
        own_items = [
            _wishlist_item(world, rng, plan, wishlist, product)
            for product in rng.sample(assortment, rng.randint(1, min(5, len(assortment))))
        ]
        _date_wishlist(wishlist, own_items)
        wishlists.append(wishlist)
        items += own_items
    world.insert(wishlists)
    world.insert(items)


def _wishlist_item(
    world: DemoWorld, rng: random.Random, plan: CustomerPlan, wishlist: Wishlist, product: Product
) -> WishlistItem:
    in_store = plan.home_store is not None and (not plan.shops_online or rng.random() < 0.4)
    added_at = random_moment(rng, plan.since, plan.active_until)
    item = WishlistItem(
        wishlist=wishlist,
        customer=wishlist.customer,
        product=product,
        size=plan.sizes.get(product.attributes.get("size_group", ""), ""),
        added_at=added_at,
        added_via=Channel.STORE if in_store else Channel.WEB,
    )
    if in_store:
        item.added_at = in_store_moment(rng, world.hours[plan.home_store.pk], local_day(added_at))
        item.added_at_store = plan.home_store
        item.added_by = rng.choice(world.team(plan.home_store)).user
    if rng.random() < 0.15:
        item.removed_at = random_moment(rng, item.added_at, world.now)
        item.removed_via = rng.choice((Channel.WEB, item.added_via))
    return item


def _date_wishlist(wishlist: Wishlist, items: list[WishlistItem]) -> None:
    wishlist.created_at = min(item.added_at for item in items)
    wishlist.updated_at = max(item.removed_at or item.added_at for item in items)


# ---------------------------------------------------------------------------------------------
# Touchpoints

# kind → (channel, weight for customers who shop online, weight for store-only customers)
TOUCHPOINT_MIX = {
    TouchpointKind.WEB_VISIT: (Channel.WEB, 25, 0),
    TouchpointKind.PRODUCT_VIEW: (Channel.WEB, 30, 0),
    TouchpointKind.CART_ABANDONED: (Channel.WEB, 5, 0),
    TouchpointKind.EMAIL_OPENED: (Channel.EMAIL, 15, 30),
    TouchpointKind.EMAIL_CLICKED: (Channel.EMAIL, 8, 12),
    TouchpointKind.SMS_CLICKED: (Channel.SMS, 3, 8),
    TouchpointKind.STORE_VISIT: (Channel.STORE, 10, 40),
    TouchpointKind.CALL: (Channel.PHONE, 1, 6),
}
SOURCES = {
    Channel.WEB: "shopify",
    Channel.APP: "app",
    Channel.EMAIL: "emailing",
    Channel.SMS: "emailing",
    Channel.STORE: "store-wifi",
    Channel.PHONE: "call-centre",
}


def build_touchpoints(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    rng = world.rng("touchpoints")
    rows = []
    for plan in plans:
        if plan.prospect:
            continue  # a contact who never interacted: the "reach" stage
        kinds = _touchpoint_kinds(plan)
        weights = [TOUCHPOINT_MIX[kind][1 if plan.shops_online else 2] for kind in kinds]
        count = 80 if plan.hero else rng.randint(1, 9) if plan.shops_online else rng.randint(0, 3)
        for kind in rng.choices(kinds, weights=weights, k=count) if kinds else ():
            rows.append(_touchpoint(world, rng, plan, kind))
    world.insert(rows)


def _touchpoint_kinds(plan: CustomerPlan) -> list[str]:
    customer = plan.customer
    return [
        kind
        for kind, (channel, online_weight, store_weight) in TOUCHPOINT_MIX.items()
        if (online_weight if plan.shops_online else store_weight)
        and (channel != Channel.EMAIL or customer.email)
        and (channel not in (Channel.SMS, Channel.PHONE) or customer.phone)
        and (channel != Channel.STORE or plan.home_store is not None)
    ]


def _touchpoint(world: DemoWorld, rng: random.Random, plan: CustomerPlan, kind: str) -> Touchpoint:
    channel = TOUCHPOINT_MIX[kind][0]
    if channel == Channel.WEB and rng.random() < 0.2:
        channel = Channel.APP
    occurred_at = random_moment(rng, plan.since, plan.active_until)
    product = None
    if kind in (TouchpointKind.PRODUCT_VIEW, TouchpointKind.CART_ABANDONED):
        product = rng.choice(world.products_for(plan.persona, plan.gender))
    external_id = None
    if channel in (Channel.WEB, Channel.APP):
        external_id = f"evt_{world.next_number('touchpoint'):09d}"
    return Touchpoint(
        customer=plan.customer,
        channel=channel,
        kind=kind,
        occurred_at=occurred_at,
        store=plan.home_store if kind == TouchpointKind.STORE_VISIT else None,
        product=product,
        source=SOURCES[channel],
        external_id=external_id,
        payload=_touchpoint_payload(rng, kind, occurred_at, product),
        created_at=occurred_at,
    )


def _touchpoint_payload(
    rng: random.Random, kind: str, occurred_at: datetime, product: Product | None
) -> dict[str, object]:
    month = catalogue.MONTHS_FR[occurred_at.month - 1]
    campaign = {
        "campaign": f"Newsletter {month} {occurred_at.year}",
        "campaign_id": f"nl-{occurred_at:%Y-%m}",
    }
    device = rng.choice(("mobile", "mobile", "desktop", "tablet"))
    match kind:
        case TouchpointKind.WEB_VISIT:
            return {
                "pages": rng.randint(1, 14),
                "device": device,
                "landing_page": rng.choice(
                    ("/fr/", "/fr/femme/trench", "/fr/beaute/sourcils", "/fr/nouveautes")
                ),
                "utm_source": rng.choice(("google", "newsletter", "instagram", "direct")),
            }
        case TouchpointKind.PRODUCT_VIEW:
            return {"sku": product.sku, "url": f"/fr/p/{product.sku.lower()}", "device": device}
        case TouchpointKind.CART_ABANDONED:
            return {"skus": [product.sku], "cart_value": str(product.price), "currency": "EUR"}
        case TouchpointKind.EMAIL_OPENED:
            return campaign
        case TouchpointKind.EMAIL_CLICKED:
            return {
                **campaign,
                "link": rng.choice(("/fr/nouveautes", "/fr/ventes-privees", "/fr/institut")),
            }
        case TouchpointKind.SMS_CLICKED:
            return {"campaign": f"Ventes privées {month}", "link": "/fr/ventes-privees"}
        case TouchpointKind.STORE_VISIT:
            return {"detected_by": "wifi", "duration_minutes": rng.randint(5, 75)}
        case _:
            return {"reason": rng.choice(("suivi de commande", "disponibilité", "rendez-vous"))}


# ---------------------------------------------------------------------------------------------
# After-sales tickets

# The path a ticket took to reach each status.
TICKET_PATHS = {
    TicketStatus.OPEN: (),
    TicketStatus.IN_PROGRESS: (TicketStatus.IN_PROGRESS,),
    TicketStatus.WAITING_CUSTOMER: (TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER),
    TicketStatus.READY: (TicketStatus.IN_PROGRESS, TicketStatus.READY),
    TicketStatus.CLOSED: (TicketStatus.IN_PROGRESS, TicketStatus.READY, TicketStatus.CLOSED),
    TicketStatus.CANCELLED: (TicketStatus.CANCELLED,),
}
# One recent ticket in every status (and how long ago it was opened), for the SAV screens.
SHOWCASE_TICKETS = (
    (TicketStatus.OPEN, timedelta(days=1)),
    (TicketStatus.IN_PROGRESS, timedelta(days=4)),
    (TicketStatus.WAITING_CUSTOMER, timedelta(days=6)),
    (TicketStatus.READY, timedelta(days=3)),
    (TicketStatus.CLOSED, timedelta(days=20)),
    (TicketStatus.CANCELLED, timedelta(days=9)),
)


def build_tickets(world: DemoWorld, placed: list[PlacedOrder]) -> None:
    """About one order in fifty leads to an SAV ticket; a few recent ones show every status."""
    rng = world.rng("tickets")
    eligible = [
        placed_order
        for placed_order in placed
        if placed_order.order.status == OrderStatus.COMPLETED and not placed_order.plan.hero
    ]
    chosen = [
        (placed_order, _opened_after(world, rng, placed_order), None)
        for placed_order in eligible
        if rng.random() < 0.02
    ]
    for status, age in SHOWCASE_TICKETS:
        older = [p for p in eligible if p.order.placed_at < world.now - age - timedelta(days=2)]
        if older:
            chosen.append((rng.choice(older), world.now - age, status))
    write_tickets(world, rng, chosen)


def _opened_after(world: DemoWorld, rng: random.Random, placed_order: PlacedOrder) -> datetime:
    placed_at = placed_order.order.placed_at
    return random_moment(
        rng, placed_at + timedelta(days=2), min(placed_at + timedelta(days=60), world.now)
    )


def write_tickets(
    world: DemoWorld,
    rng: random.Random,
    chosen: list[tuple[PlacedOrder, datetime, str | None]],
) -> None:
    """Tickets about (order, opened at, status or None to age naturally) with history."""
    tickets, history, messages = [], [], []
    for placed_order, opened_at, status in chosen:
        status = status or _aged_ticket_status(rng, world.now - opened_at)
        ticket, steps, notes = ticket_with_history(world, rng, placed_order, opened_at, status)
        tickets.append(ticket)
        history += steps
        messages += notes
    world.insert(tickets)
    world.insert(history)
    world.insert(messages)


def ticket_with_history(
    world: DemoWorld,
    rng: random.Random,
    placed_order: PlacedOrder,
    opened_at: datetime,
    status: str,
    *,
    line: OrderLine | None = None,
    **fields: object,
) -> tuple[AfterSalesTicket, list[AfterSalesStatusChange], list[AfterSalesMessage]]:
    """An unsaved ticket walked to `status`, its status changes and its messages.

    `fields` override what would otherwise be drawn at random (kind, subject, assignee...).
    """
    ticket = _ticket(world, rng, placed_order, opened_at, line or rng.choice(placed_order.lines))
    for name, value in fields.items():
        setattr(ticket, name, value)
    history = [
        AfterSalesStatusChange(
            subject=ticket,
            from_status=before,
            to_status=after,
            changed_at=moment,
            actor=actor,
            note=note,
        )
        for before, after, moment, actor, note in _ticket_steps(world, rng, ticket, status)
    ]
    return ticket, history, _ticket_messages(rng, ticket, placed_order.plan)


def _aged_ticket_status(rng: random.Random, age: timedelta) -> str:
    if age > timedelta(days=30):
        return rng.choices((TicketStatus.CLOSED, TicketStatus.CANCELLED), weights=(85, 15))[0]
    statuses = list(TICKET_PATHS)
    return rng.choices(statuses, weights=(20, 30, 15, 15, 15, 5))[0]


def _ticket(
    world: DemoWorld,
    rng: random.Random,
    placed_order: PlacedOrder,
    opened_at: datetime,
    line: OrderLine,
) -> AfterSalesTicket:
    order, plan = placed_order.order, placed_order.plan
    kind = _ticket_kind(rng, line.product)
    store = order.store or plan.home_store
    in_store = store is not None and rng.random() < 0.6
    team = [associate.user for associate in world.team(store)] if store else []
    return AfterSalesTicket(
        reference=ticket_reference_for_number(world.next_number("ticket")),
        customer=plan.customer,
        kind=kind,
        subject=rng.choice(catalogue.TICKET_SUBJECTS[kind]),
        description=f"Concerne « {line.name} »{f' (taille {line.size})' if line.size else ''}, "
        f"commande {order.external_reference}.",
        order=order,
        order_line=line,
        product=line.product,
        store=store,
        channel_opened=Channel.STORE
        if in_store
        else rng.choice((Channel.WEB, Channel.EMAIL, Channel.PHONE)),
        opened_by=rng.choice(team) if in_store else None,
        assigned_to=rng.choice(team) if team else None,
        sla_due_at=opened_at + timedelta(days=TICKET_SLA_DAYS[kind]),
        created_at=opened_at,
    )


def _ticket_kind(rng: random.Random, product: Product) -> str:
    if product.department == "beauty":
        return rng.choice(
            (TicketKind.COMPLAINT, TicketKind.REFUND, TicketKind.QUESTION, TicketKind.EXCHANGE)
        )
    return rng.choices(list(TicketKind), weights=(35, 20, 8, 10, 12, 15))[0]


def _ticket_steps(
    world: DemoWorld, rng: random.Random, ticket: AfterSalesTicket, status: str
) -> list[Step]:
    """Walk the ticket to `status`, each step a little later, never after now."""
    ticket.status = status
    moment, previous, steps = ticket.created_at, TicketStatus.OPEN, []
    span = min(world.now - ticket.created_at, timedelta(days=30))
    for target in TICKET_PATHS[status]:
        moment += span * rng.uniform(0.1, 0.3)
        actor = None if target == TicketStatus.CANCELLED else ticket.assigned_to
        steps.append((previous, target, moment, actor, ""))
        previous = target
    ticket.updated_at = moment
    if status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        ticket.closed_at = moment
    if status == TicketStatus.CLOSED:
        ticket.resolution = rng.choice(
            (
                "Réparation effectuée par l'atelier.",
                "Article échangé en boutique.",
                "Remboursement effectué.",
                "Réponse apportée à la cliente.",
            )
        )
    return steps


def _ticket_messages(
    rng: random.Random, ticket: AfterSalesTicket, plan: CustomerPlan
) -> list[AfterSalesMessage]:
    opened = ticket.created_at
    customer_channel = ticket.channel_opened
    messages = [
        AfterSalesMessage(
            ticket=ticket,
            from_customer=True,
            channel=customer_channel,
            body=f"Bonjour, {ticket.subject.lower()} : {ticket.description}",
            sent_at=opened,
        )
    ]
    author: User | None = ticket.assigned_to
    if ticket.status != TicketStatus.OPEN and author is not None:
        messages.append(
            AfterSalesMessage(
                ticket=ticket,
                author=author,
                channel=Channel.EMAIL,
                body=f"Bonjour {plan.customer.first_name}, nous prenons en charge votre demande.",
                sent_at=opened + (ticket.updated_at - opened) / 4,
            )
        )
        messages.append(
            AfterSalesMessage(
                ticket=ticket,
                author=author,
                channel=Channel.STORE,
                is_internal=True,
                body=rng.choice(
                    (
                        "Envoyé à l'atelier de Lyon.",
                        "Photo jointe au dossier.",
                        "Cliente à rappeler en fin de semaine.",
                    )
                ),
                sent_at=opened + (ticket.updated_at - opened) / 3,
            )
        )
    return messages
