"""A customer's favourite associate.

The associate (still active) who last sold to her in store (`Order.sold_by` on a store order
not cancelled); failing that, the one who held her last completed appointment. Read for a batch
of customers at once: one query per batch, each customer's latest rows found through the
(customer, -placed_at) index.
"""

from collections.abc import Collection

from django.db.models import OuterRef, Subquery

from clienteling.models import Appointment, Associate
from customers.models import Customer
from journeys.models import Order
from omni.models import Channel

# Customers per IN (...) list: well under SQLite's limit on query parameters.
BATCH_SIZE = 2000


def favourite_associates(customer_ids: Collection[int]) -> dict[int, Associate]:
    """{customer id: favourite associate} for those of `customer_ids` who have one."""
    ordered = sorted(set(customer_ids))
    chosen: dict[int, int] = {}
    for start in range(0, len(ordered), BATCH_SIZE):
        chosen.update(_favourite_ids(ordered[start : start + BATCH_SIZE]))
    associates = Associate.objects.select_related("user", "store").in_bulk(set(chosen.values()))
    return {customer_id: associates[associate_id] for customer_id, associate_id in chosen.items()}


def _favourite_ids(customer_ids: list[int]) -> dict[int, int]:
    last_seller = (
        Order.objects.filter(
            customer=OuterRef("pk"), channel=Channel.STORE, sold_by__associate__is_active=True
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by("-placed_at", "-pk")
        .values("sold_by__associate")[:1]
    )
    last_host = (
        Appointment.objects.filter(
            customer=OuterRef("pk"),
            status=Appointment.Status.COMPLETED,
            associate__is_active=True,
        )
        .order_by("-starts_at", "-pk")
        .values("associate_id")[:1]
    )
    rows = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(seller=Subquery(last_seller), host=Subquery(last_host))
        .values_list("pk", "seller", "host")
    )
    return {pk: seller or host for pk, seller, host in rows if seller or host}
