"""One seeding run: the order in which the families of demo rows are built and written."""

import random
from collections.abc import Callable

import factory.random
from django.db import transaction
from django.utils import timezone

from clienteling.demo.agenda import (
    AgendaBook,
    build_notes,
    build_put_back_tasks,
    build_tasks,
    build_week_ahead_tasks,
    regular_appointments,
    week_ahead_appointments,
    write_appointments,
)
from clienteling.demo.engagement import build_tickets, build_touchpoints, build_wishlists
from clienteling.demo.heroes import build_hero_stories, hero_appointments
from clienteling.demo.lifecycle import build_lifecycle_history
from clienteling.demo.orders import build_orders, build_pickups, build_returns
from clienteling.demo.profiles import build_customers, build_profile_details
from clienteling.demo.reference import build_reference
from clienteling.demo.segments import build_demo_segments
from clienteling.demo.staff import build_staff
from clienteling.demo.triggers import build_demo_triggers
from clienteling.demo.world import DemoWorld, explicit_timestamps
from clienteling.models import TriggerKind
from clienteling.triggers.services import triggers_evaluate
from customers.name_words import name_words_refresh
from insights.aggregates import aggregates_rebuild

# What seed_demo's progress bar names, in the order seed_demo_data reaches them.
SEED_STEPS = (
    "stores, products and staff",
    "customers and their profiles",
    "orders, pickups and returns",
    "wishlists, tickets and touchpoints",
    "appointments, tasks and notes",
    "hero customers' stories",
    "lifecycle stages and metrics",
    "search vocabulary",
    "segments, triggers and dashboards",
)


def seed_demo_data(
    *, seed: int, customers: int, step: Callable[[str], object] | None = None
) -> list[str]:
    """Write the whole demo dataset in one transaction. The same seed gives the same data.

    Dates are relative to now, and pickup codes stay unguessable (drawn with `secrets`).
    `step` is told each of SEED_STEPS as it starts (seed_demo's progress bar).
    Returns the demo usernames that already existed and so kept their own password.
    """
    starting = step or (lambda _label: None)
    labels = iter(SEED_STEPS)
    # Anything drawing from the global generators (factory-boy, Faker through it) is seeded
    # too; the builders themselves use their own streams from `DemoWorld.rng`.
    random.seed(seed)
    factory.random.reseed_random(seed)
    world = DemoWorld(seed=seed, now=timezone.now())
    with transaction.atomic(), explicit_timestamps():
        starting(next(labels))
        build_reference(world)
        build_staff(world)
        starting(next(labels))
        plans = build_customers(world, customers)
        build_profile_details(world, plans)
        starting(next(labels))
        placed = build_orders(world, plans)
        build_put_back_tasks(world, build_pickups(world, placed))
        build_returns(world, placed)
        starting(next(labels))
        build_wishlists(world, plans)
        build_tickets(world, placed)
        build_touchpoints(world, plans)
        starting(next(labels))
        book = AgendaBook(world)
        write_appointments(
            world,
            hero_appointments(world, book, plans)
            + regular_appointments(world, book, plans)
            + week_ahead_appointments(world, book, plans),
        )
        build_tasks(world, plans)
        build_week_ahead_tasks(world, plans)
        build_notes(world, plans)
        starting(next(labels))
        build_hero_stories(world, plans, placed)
    # Outside `explicit_timestamps`: the metrics keep their own "computed at".
    starting(next(labels))
    build_lifecycle_history(world)
    starting(next(labels))
    name_words_refresh()  # the vocabulary of names, for typo-tolerant search
    starting(next(labels))
    build_head_office(world)
    return world.kept_accounts


def build_head_office(world: DemoWorld) -> None:
    """What head office sees once the stages are known: segments, triggers and KPIs."""
    build_demo_segments()
    build_demo_triggers()
    triggers_evaluate(kinds=TriggerKind.values, now=world.now)
    aggregates_rebuild()
