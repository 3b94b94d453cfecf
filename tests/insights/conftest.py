"""A small known dataset: every KPI of the dashboards is checked against it by hand.

All times are UTC; local days are Europe/Paris (UTC+1 in January and February 2026).

| order | customer | local day  | channel | store | total | notes                                  |
|-------|----------|------------|---------|-------|-------|----------------------------------------|
| O1    | alice    | 2026-01-10 | store   | Paris | 100   | sold by Camille                        |
| O9    | (none)   | 2026-01-10 | store   | Paris | 40    | anonymous                              |
| E1    | erin     | 2026-01-05 | store   | Paris | 70    |                                        |
| O4    | bob      | 2026-01-15 | web     | Lyon  | 80    | click & collect, ready +4h, expired    |
| F1    | frank    | 2026-01-20 | web     | -     | 30    |                                        |
| O5    | bob      | 2026-01-25 | store   | Lyon  | 120   | sold by Lyon associate                 |
| O7    | carol    | 2026-02-01 | web     | -     | 60    | placed 2026-01-31 23:30 UTC            |
| X1    | carol    | 2026-02-02 | store   | Paris | 500   | CANCELLED: not a purchase              |
| O2    | alice    | 2026-02-05 | web     | -     | 200   |                                        |
| E2    | erin     | 2026-02-08 | store   | Paris | 90    |                                        |
| O6    | bob      | 2026-02-10 | web     | -     | 300   | returned in store at Lyon 2026-02-15   |
| O3    | alice    | 2026-02-20 | web     | Paris | 50    | click & collect, ready +2h, coll. +26h |

Profiles (purchase channels): alice store+web, bob web+store → omnichannel;
carol web, erin store, frank web → single channel. Dave never bought (stage reach).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from clienteling.models import Associate
from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    PickupFactory,
    ReturnFactory,
)
from journeys.models import (
    AfterSalesTicket,
    CustomerMetrics,
    LifecycleStageChange,
    LifecycleTrigger,
    Order,
    Pickup,
)
from omni.models import Store

UTC = datetime.UTC


def at(day: str, hour: int = 11, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@dataclass
class KnownDataset:
    paris: Store
    lyon: Store
    camille: User
    lyon_seller: User
    customers: dict[str, Customer]
    orders: dict[str, Order]


def _order(name: str, customer: Customer | None, moment: datetime.datetime, **fields) -> Order:
    return OrderFactory(
        external_reference=name,
        customer=customer,
        placed_at=moment,
        subtotal=fields["total"],
        **fields,
    )


def _orders(customers: dict[str, Customer], paris: Store, lyon: Store, camille, lyon_seller):
    web = {"channel": "web", "source": "shopify"}
    cc = {"fulfilment": "click_and_collect"}
    ship = {"fulfilment": "shipping", "store": None}
    return {
        "O1": _order(
            "O1",
            customers["alice"],
            at("2026-01-10"),
            store=paris,
            total=Decimal(100),
            sold_by=camille,
        ),
        "O9": _order("O9", None, at("2026-01-10", 15), store=paris, total=Decimal(40)),
        "E1": _order("E1", customers["erin"], at("2026-01-05"), store=paris, total=Decimal(70)),
        "O4": _order(
            "O4", customers["bob"], at("2026-01-15", 9), store=lyon, total=Decimal(80), **web, **cc
        ),
        "F1": _order("F1", customers["frank"], at("2026-01-20"), total=Decimal(30), **web, **ship),
        "O5": _order(
            "O5",
            customers["bob"],
            at("2026-01-25"),
            store=lyon,
            total=Decimal(120),
            sold_by=lyon_seller,
        ),
        "O7": _order(
            "O7", customers["carol"], at("2026-01-31", 23, 30), total=Decimal(60), **web, **ship
        ),
        "X1": _order(
            "X1",
            customers["carol"],
            at("2026-02-02"),
            store=paris,
            total=Decimal(500),
            status=Order.Status.CANCELLED,
        ),
        "O2": _order("O2", customers["alice"], at("2026-02-05"), total=Decimal(200), **web, **ship),
        "E2": _order("E2", customers["erin"], at("2026-02-08"), store=paris, total=Decimal(90)),
        "O6": _order("O6", customers["bob"], at("2026-02-10"), total=Decimal(300), **web, **ship),
        "O3": _order(
            "O3",
            customers["alice"],
            at("2026-02-20", 10),
            store=paris,
            total=Decimal(50),
            **web,
            **cc,
        ),
    }


def _pickups_returns_tickets(orders: dict[str, Order], paris: Store, lyon: Store) -> None:
    placed = orders["O3"].placed_at
    PickupFactory(
        order=orders["O3"],
        store=paris,
        status=Pickup.Status.COLLECTED,
        ready_at=placed + datetime.timedelta(hours=2),
        collected_at=placed + datetime.timedelta(hours=26),
    )
    placed = orders["O4"].placed_at
    PickupFactory(
        order=orders["O4"],
        store=lyon,
        status=Pickup.Status.EXPIRED,
        ready_at=placed + datetime.timedelta(hours=4),
    )
    ReturnFactory(
        order=orders["O6"],
        channel="store",
        store=lyon,
        returned_at=at("2026-02-15"),
        refund_amount=Decimal(300),
    )
    tickets = [
        # (customer order, store, opened, SLA due, closed)
        (orders["O1"], paris, "2026-01-12", "2026-01-19", "2026-01-15"),  # closed in time
        (orders["O5"], lyon, "2026-02-03", "2026-02-10", "2026-02-12"),  # closed late
        (orders["O3"], paris, "2026-02-20", "2026-02-27", None),  # still open
    ]
    for order, store, opened, due, closed in tickets:
        ticket = AfterSalesTicketFactory(
            customer=order.customer,
            order=order,
            store=store,
            sla_due_at=at(due),
            status=AfterSalesTicket.Status.CLOSED if closed else AfterSalesTicket.Status.OPEN,
            closed_at=at(closed) if closed else None,
        )
        AfterSalesTicket.objects.filter(pk=ticket.pk).update(created_at=at(opened))


def _stages_and_metrics(customers: dict[str, Customer], orders: dict[str, Order]) -> None:
    changes = [
        ("alice", "reach", "conversion", "2026-01-10"),
        ("alice", "conversion", "retention", "2026-02-05"),
        ("bob", "reach", "conversion", "2026-01-15"),
        ("bob", "conversion", "retention", "2026-01-25"),
        ("carol", "reach", "conversion", "2026-01-31"),  # 23:59 UTC: 1 February in Paris
        ("erin", "reach", "conversion", "2026-01-05"),
        ("erin", "conversion", "retention", "2026-02-08"),
        ("frank", "reach", "conversion", "2026-01-20"),
    ]
    for name, from_stage, to_stage, day in changes:
        LifecycleStageChange.objects.create(
            customer=customers[name],
            from_stage=from_stage,
            to_stage=to_stage,
            changed_at=at(day, 23, 59) if name == "carol" else at(day),
            reason="test",
            trigger=LifecycleTrigger.EVENT,
        )
        Customer.objects.filter(pk=customers[name].pk).update(lifecycle_stage=to_stage)
    firsts = {
        "alice": ("O1", "store", "social>web>store"),
        "bob": ("O4", "web", "web"),
        "carol": ("O7", "web", "social>web"),
        "erin": ("E1", "store", "social>web>store"),
        "frank": ("F1", "web", "web"),
    }
    for name, (order, channel, path) in firsts.items():
        CustomerMetrics.objects.update_or_create(
            customer=customers[name],
            defaults={
                "first_order_at": orders[order].placed_at,
                "first_order_channel": channel,
                "first_purchase_path": path,
            },
        )


@pytest.fixture
def known_dataset(
    store: Store, other_store: Store, associate: Associate, other_store_associate: Associate
) -> KnownDataset:
    customers = {
        "alice": CustomerFactory(first_name="Alice", preferred_store=store),
        "bob": CustomerFactory(first_name="Bob", preferred_store=other_store),
        "carol": CustomerFactory(first_name="Carol", preferred_store=None),
        "dave": CustomerFactory(first_name="Dave", preferred_store=store),
        "erin": CustomerFactory(first_name="Erin", preferred_store=store),
        "frank": CustomerFactory(first_name="Frank", preferred_store=None),
    }
    orders = _orders(customers, store, other_store, associate.user, other_store_associate.user)
    _pickups_returns_tickets(orders, store, other_store)
    _stages_and_metrics(customers, orders)
    return KnownDataset(
        paris=store,
        lyon=other_store,
        camille=associate.user,
        lyon_seller=other_store_associate.user,
        customers=customers,
        orders=orders,
    )
