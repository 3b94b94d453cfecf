"""A customer's favourite associate.

The associate (still active) who last sold to her in store (`Order.sold_by`); failing that,
the one who held her last completed appointment. Read for a batch of customers at once.
"""

from collections.abc import Collection

from django.db.models import Q

from clienteling.models import Appointment, Associate
from journeys.models import Order


def _first_per_customer(rows: object) -> dict[int, int]:
    """Rows ordered by customer then most recent first → {customer id: first associate id}."""
    first: dict[int, int] = {}
    for customer_id, associate_id in rows:
        first.setdefault(customer_id, associate_id)
    return first


def favourite_associates(customer_ids: Collection[int]) -> dict[int, Associate]:
    """{customer id: favourite associate} for those of `customer_ids` who have one."""
    if not customer_ids:
        return {}
    sellers = _first_per_customer(
        Order.objects.filter(
            customer_id__in=customer_ids,
            channel="store",
            sold_by__associate__is_active=True,
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by("customer_id", "-placed_at", "-pk")
        .values_list("customer_id", "sold_by__associate")
    )
    without_seller = [customer_id for customer_id in customer_ids if customer_id not in sellers]
    hosts = _first_per_customer(
        Appointment.objects.filter(
            Q(customer_id__in=without_seller),
            status=Appointment.Status.COMPLETED,
            associate__is_active=True,
        )
        .order_by("customer_id", "-starts_at", "-pk")
        .values_list("customer_id", "associate_id")
    )
    chosen = {**hosts, **sellers}
    associates = Associate.objects.select_related("user", "store").in_bulk(set(chosen.values()))
    return {customer_id: associates[associate_id] for customer_id, associate_id in chosen.items()}
