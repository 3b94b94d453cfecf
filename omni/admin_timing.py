"""The time an admin page takes, in-process through Django's test client: what the scale
benchmark reports for head office's lists.

`time_admin_page(client, url, repeat)` is the reusable part (the client carries a signed-in
staff user); `admin_benchmark_pages()` lists the changelists, searches and filters that the
goal covers ("≤ 300 ms p95 on 1,000,000 customers and 5,000,000 orders"), with search terms
taken from the database. `print_admin_benchmark(repeat)` times them all and leaves the
database as it was:

    DATABASE_URL=postgres://…/omni_scale DJANGO_DEBUG=1 python manage.py shell -c \
        "from omni.admin_timing import print_admin_benchmark; print_admin_benchmark(20)"
"""

import datetime
import time
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import quote, urlencode

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from omni.api.list_timing import percentile
from omni.benchmark.pages import host_for_requests, pages_requested


class AdminPageTiming(NamedTuple):
    """Per-request milliseconds, queries of one request, and the HTTP status."""

    milliseconds: tuple[float, ...]
    query_count: int
    status: int

    @property
    def p95(self) -> float:
        return percentile(self.milliseconds, 95)


def time_admin_page(client: Client, url: str, repeat: int) -> AdminPageTiming:
    """GET `url` (query string included) `repeat` times after one request that warms the
    caches (session, permissions, content types) and counts the queries. The status is the
    first answer's; a page that is not 200 is timed anyway, so that it shows."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url, secure=True).status_code
    query_count = len(queries.captured_queries)
    milliseconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, secure=True)  # over HTTPS: production settings would redirect
        milliseconds.append((time.perf_counter() - started) * 1000)
    return AdminPageTiming(tuple(milliseconds), query_count, status)


# Search terms taken from the database, a third of the way through each table (reached by
# its key, not by counting rows).
AFTER_A_THIRD = "id >= (SELECT max(id) / 3 FROM {table}) ORDER BY id LIMIT 1"
SAMPLE_SQL = {
    "customer": (
        "SELECT search_last_name, email, phone FROM customers_customer "
        "WHERE email IS NOT NULL AND phone IS NOT NULL AND "
        + AFTER_A_THIRD.format(table="customers_customer")
    ),
    "loyalty number": (
        "SELECT loyalty_number FROM customers_customer WHERE loyalty_number IS NOT NULL AND "
        + AFTER_A_THIRD.format(table="customers_customer")
    ),
    "external id": (
        "SELECT external_id FROM customers_externalidentity WHERE "
        + AFTER_A_THIRD.format(table="customers_externalidentity")
    ),
    # The name word most customers bear (the tablet search's vocabulary): "martin".
    "common name": "SELECT word FROM customers_nameword ORDER BY customers DESC LIMIT 1",
    "order": (
        "SELECT external_reference, store_id FROM journeys_order WHERE store_id IS NOT NULL "
        "AND " + AFTER_A_THIRD.format(table="journeys_order")
    ),
}


def _sample(name: str, columns: int = 1) -> tuple:
    """The sample's columns; Nones if the table has no such row."""
    with connection.cursor() as cursor:
        cursor.execute(SAMPLE_SQL[name])
        return cursor.fetchone() or (None,) * columns


def _phone_as_typed(e164: str | None) -> str:
    """A French number as people type it ("06 12 34 56 78"); others as stored."""
    if not e164 or not e164.startswith("+33") or len(e164) != 12:
        return e164 or ""
    national = "0" + e164[3:]
    return " ".join(national[index : index + 2] for index in range(0, 10, 2))


def _searched(url: str, term: str | None) -> str:
    return f"{url}?q={quote(term or '')}"


def admin_benchmark_pages() -> list[tuple[str, str]]:
    """(label, URL) of the customer and order changelists, their searches and filters."""
    last_name, email, phone = _sample("customer", 3)
    (loyalty_number,), (external_id,) = _sample("loyalty number"), _sample("external id")
    (common_name,) = _sample("common name")
    reference, store_id = _sample("order", 2)
    customers = reverse("admin:customers_customer_changelist")
    orders = reverse("admin:journeys_order_changelist")
    pages = [
        ("customers", customers),
        ("customers, search name", _searched(customers, last_name)),
        ("customers, search common name", _searched(customers, common_name)),
        ("customers, search name start", _searched(customers, (last_name or "")[:3])),
        ("customers, search email", _searched(customers, email)),
        ("customers, search phone as typed", _searched(customers, _phone_as_typed(phone))),
        ("customers, search loyalty number", _searched(customers, loyalty_number)),
        ("customers, search external id", _searched(customers, external_id)),
        ("customers, stage filter", f"{customers}?lifecycle_stage__exact=loyalty"),
        ("customers, tier filter", f"{customers}?loyalty_tier__exact=vip"),
        ("customers, store filter", f"{customers}?preferred_store__id__exact={store_id}"),
        ("customers, channel filter", f"{customers}?acquisition_channel__exact=phone"),
        ("customers, merged filter", f"{customers}?merged=yes"),
        ("customers, sorted by creation", f"{customers}?o=-9"),
        ("orders", orders),
        ("orders, search reference", _searched(orders, reference)),
        ("orders, search customer email", _searched(orders, email)),
        ("orders, search customer name", _searched(orders, common_name)),
        ("orders, status filter", f"{orders}?status__exact=pending"),
        ("orders, channel filter", f"{orders}?channel__exact=social"),
        ("orders, store filter", f"{orders}?store__id__exact={store_id}"),
        ("orders, fulfilment filter", f"{orders}?fulfilment__exact=click_and_collect"),
        ("orders, this month", f"{orders}?{_this_month('placed_at')}"),
    ]
    # A key the dataset lacks (no external ids, say) leaves an empty search: not timed.
    return [(label, url) for label, url in pages if not url.endswith(("?q=", "=None"))]


def _this_month(field: str) -> str:
    """The query string of Django's date filter "This month" on `field`."""
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return urlencode({f"{field}__gte": str(start), f"{field}__lt": str(end)})


def print_admin_benchmark(repeat: int, write: Callable[[str], None] = print) -> None:
    """Time every benchmark page as a superuser made for the run. The user, its session and
    anything else the pages write are rolled back: the database is left as it was."""
    client = Client(HTTP_HOST=host_for_requests())
    with transaction.atomic(), pages_requested():
        user = get_user_model().objects.create(
            username="admin-benchmark", is_staff=True, is_superuser=True
        )
        client.force_login(user)
        write(f"{'page':<36}{'p50':>8}{'p95':>8}{'queries':>9}{'status':>8}")
        for label, url in admin_benchmark_pages():
            timing = time_admin_page(client, url, repeat)
            median = sorted(timing.milliseconds)[len(timing.milliseconds) // 2]
            write(
                f"{label:<36}{median:>8.1f}{timing.p95:>8.1f}"
                f"{timing.query_count:>9}{timing.status:>8}"
            )
        transaction.set_rollback(True)
