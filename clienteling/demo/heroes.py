"""The scripted parts of the hero customers' stories, for the two scenarios of DESIGN.md.

Claire Martin (Burberry scenario): the flagship's VIP, whose wishlist was filled on the web and
in store, with an open SAV ticket, a pickup ready and a personal shopping session booked.
Sophie Bernard (Benefit scenario): booked a brow styling online with Inès, in the institute,
tomorrow; she has been there before and bought beauty products in both channels.
"""

import random
from datetime import time, timedelta

from clienteling.demo import catalogue
from clienteling.demo.agenda import AgendaBook, appointment, note, task
from clienteling.demo.calendar import at, local_day
from clienteling.demo.engagement import ticket_with_history
from clienteling.demo.orders import PlacedOrder
from clienteling.demo.profiles import CustomerPlan
from clienteling.demo.world import DemoWorld
from clienteling.models import Appointment, Task
from clienteling.models import AppointmentStatus as Status
from journeys.models import (
    TicketKind,
    TicketStatus,
    Touchpoint,
    TouchpointKind,
    Wishlist,
    WishlistItem,
)
from journeys.services import TICKET_SLA_DAYS
from omni.models import Channel

# When Sophie's brow appointment starts tomorrow; the institute opens at 11:00 at the latest.
SOPHIE_TIME = time(11, 0)


def heroes_by_key(plans: list[CustomerPlan]) -> dict[str, CustomerPlan]:
    return {plan.hero: plan for plan in plans if plan.hero}


def hero_appointments(
    world: DemoWorld, book: AgendaBook, plans: list[CustomerPlan]
) -> list[Appointment]:
    """Reserved before anyone else's, so the heroes get exactly the slots the story needs."""
    rng = world.rng("hero-appointments")
    heroes = heroes_by_key(plans)
    today = local_day(world.now)
    sophie, claire = heroes[catalogue.SOPHIE], heroes[catalogue.CLAIRE]
    booked, confirmed, done = Status.BOOKED, Status.CONFIRMED, Status.COMPLETED
    # (customer, associate, service, in how many days, not before, status, booked via)
    bookings = (
        (sophie, "ines.institut", "brow-styling", 1, SOPHIE_TIME, booked, Channel.WEB),
        (sophie, "ines.institut", "brow-styling", -42, time(14), done, Channel.WEB),
        (sophie, "chloe.institut", "make-up-lesson", -150, time(16), done, Channel.STORE),
        (sophie, "ines.institut", "brow-lamination", -300, time(10), Status.CANCELLED, Channel.WEB),
        (claire, "camille.paris", "personal-shopping", 3, time(15), confirmed, Channel.STORE),
        (claire, "hugo.paris", "fitting-alterations", -60, time(12), done, Channel.STORE),
    )
    appointments = []
    for plan, username, service_code, in_days, earliest, status, via in bookings:
        associate, service = world.associates[username], world.services[service_code]
        day = today + timedelta(days=in_days)
        slot = book.reserve(associate, service, day, earliest=earliest)
        if slot is None:  # Only if the catalogue's opening hours change: fix the story then.
            raise RuntimeError(f"{username} cannot see {plan.hero} on {day} at {earliest}.")
        appointments.append(
            appointment(world, rng, plan, associate, service, slot, status, booked_via=via)
        )
    sophie_tomorrow = appointments[0]
    sophie_tomorrow.customer_request = "Restructuration des sourcils avant un mariage"
    sophie_tomorrow.created_at = world.now - timedelta(days=2)
    return appointments


def build_hero_stories(
    world: DemoWorld, plans: list[CustomerPlan], placed: list[PlacedOrder]
) -> None:
    rng = world.rng("hero-stories")
    heroes = heroes_by_key(plans)
    _claire_wishlist(world, heroes[catalogue.CLAIRE])
    _claire_ticket(world, rng, heroes[catalogue.CLAIRE], placed)
    _claire_touchpoints(world, heroes[catalogue.CLAIRE])
    _hero_notes_and_tasks(world, rng, heroes)


def _claire_wishlist(world: DemoWorld, claire: CustomerPlan) -> None:
    products = {product.sku: product for product in world.products}
    camille, lea = world.associates["camille.paris"], world.associates["lea.paris"]
    flagship = world.stores[catalogue.FLAGSHIP]
    today = local_day(world.now)
    wishlist = Wishlist(customer=claire.customer, created_at=world.now - timedelta(days=60))
    items = [
        WishlistItem(
            wishlist=wishlist,
            product=products["MO-TRN-KEN-HON"],
            size="36",
            added_via=Channel.WEB,
            added_at=world.now - timedelta(days=20),
            note="Pour le mariage de juin",
        ),
        WishlistItem(
            wishlist=wishlist,
            product=products["MO-ECH-CAR-CHK"],
            added_via=Channel.STORE,
            added_at=at(today - timedelta(days=9), time(15, 40)),
            added_at_store=flagship,
            added_by=camille.user,
            note="Essayée avec le trench miel",
        ),
        WishlistItem(
            wishlist=wishlist,
            product=products["MO-SAC-LOL-BLK"],
            added_via=Channel.WEB,
            added_at=world.now - timedelta(days=60),
            removed_at=world.now - timedelta(days=30),
            removed_via=Channel.STORE,
        ),
        WishlistItem(
            wishlist=wishlist,
            product=products["AM-BOT-CHE-BLK"],
            size="38",
            added_via=Channel.STORE,
            added_at=at(today - timedelta(days=3), time(11, 15)),
            added_at_store=flagship,
            added_by=lea.user,
        ),
    ]
    wishlist.updated_at = max(item.added_at for item in items)
    for item in items:
        item.customer = claire.customer
    world.insert([wishlist])
    world.insert(items)


def _claire_ticket(
    world: DemoWorld, rng: random.Random, claire: CustomerPlan, placed: list[PlacedOrder]
) -> None:
    """An open repair ticket on a coat she bought at the flagship (any purchase if none)."""
    own = [placed_order for placed_order in placed if placed_order.plan is claire]
    with_coat = [
        placed_order
        for placed_order in own
        if placed_order.order.channel == Channel.STORE
        and any(line.product.category in ("Trench coats", "Coats") for line in placed_order.lines)
    ]
    chosen = max(with_coat or own, key=lambda placed_order: placed_order.order.placed_at)
    line = next(
        (line for line in chosen.lines if line.product.category in ("Trench coats", "Coats")),
        chosen.lines[0],
    )
    opened_at = world.now - timedelta(days=2)
    ticket, history, messages = ticket_with_history(
        world,
        rng,
        chosen,
        opened_at,
        TicketStatus.OPEN,
        line=line,
        kind=TicketKind.REPAIR,
        subject="Boucle de ceinture cassée",
        store=world.stores[catalogue.FLAGSHIP],
        channel_opened=Channel.STORE,
        opened_by=world.associates["camille.paris"].user,
        assigned_to=world.associates["camille.paris"].user,
        sla_due_at=opened_at + timedelta(days=TICKET_SLA_DAYS[TicketKind.REPAIR]),
    )
    world.insert([ticket])
    world.insert(history)
    world.insert(messages)


def _claire_touchpoints(world: DemoWorld, claire: CustomerPlan) -> None:
    trench = next(product for product in world.products if product.sku == "MO-TRN-KEN-HON")
    moments = (world.now - timedelta(days=2, hours=3), world.now - timedelta(days=1, hours=5))
    world.insert(
        [
            Touchpoint(
                customer=claire.customer,
                channel=Channel.WEB,
                kind=TouchpointKind.PRODUCT_VIEW,
                occurred_at=moment,
                product=trench,
                source="shopify",
                payload={
                    "sku": trench.sku,
                    "url": f"/fr/p/{trench.sku.lower()}",
                    "device": "mobile",
                },
                created_at=moment,
            )
            for moment in moments
        ]
    )


# (hero, author, note, written how many days ago)
HERO_NOTES = (
    (catalogue.CLAIRE, "camille.paris", catalogue.FASHION_NOTES[0], 9),
    (catalogue.CLAIRE, "camille.paris", catalogue.FASHION_NOTES[2], 95),
    (catalogue.SOPHIE, "ines.institut", catalogue.BEAUTY_NOTES[1], 42),
)
# (hero, assignee, reason, state, due in how many days, title)
HERO_TASKS = (
    (
        catalogue.CLAIRE,
        "camille.paris",
        Task.Reason.FOLLOW_UP,
        "open",
        2,
        "Prévenir Claire Martin de l'arrivée du trench Kensington miel en 36",
    ),
    (
        catalogue.SOPHIE,
        "ines.institut",
        Task.Reason.APPOINTMENT_FOLLOW_UP,
        "done",
        -35,
        "Suivi après la restructuration des sourcils de Sophie Bernard",
    ),
    (
        catalogue.SOPHIE,
        "ines.institut",
        Task.Reason.FOLLOW_UP,
        "open",
        1,
        "Préparer la teinte 3 pour le rendez-vous de Sophie Bernard",
    ),
)


def _hero_notes_and_tasks(
    world: DemoWorld, rng: random.Random, heroes: dict[str, CustomerPlan]
) -> None:
    today = local_day(world.now)
    notes = [
        note(
            world,
            rng,
            heroes[hero],
            world.associates[author],
            body,
            written_at=world.now - timedelta(days=days_ago),
        )
        for hero, author, body, days_ago in HERO_NOTES
    ]
    tasks = [
        task(
            world,
            rng,
            heroes[hero],
            world.associates[assignee],
            reason,
            state,
            due_on=today + timedelta(days=in_days),
            title=title,
        )
        for hero, assignee, reason, state, in_days, title in HERO_TASKS
    ]
    world.insert(notes)
    world.insert(tasks)
