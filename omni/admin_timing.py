"""The time an admin page takes, in-process through Django's test client: what the scale
benchmark reports for head office's lists.

`time_admin_page(client, url, repeat)` is the reusable part (the client carries a signed-in
staff user); `admin_benchmark_pages()` lists the changelists, searches and filters that the
goal covers ("≤ 300 ms p95 on 1,000,000 customers and 5,000,000 orders"), with search terms
taken from the database.
"""

import datetime
import time
from typing import NamedTuple
from urllib.parse import quote, urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from omni.api.list_timing import percentile


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
        status = client.get(url).status_code
    query_count = len(queries.captured_queries)
    milliseconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        milliseconds.append((time.perf_counter() - started) * 1000)
    return AdminPageTiming(tuple(milliseconds), query_count, status)


SAMPLE_SQL = {
    # A customer of the middle of the table with every key the search box takes.
    "customer": (
        "SELECT c.search_last_name, c.email, c.phone, c.loyalty_number, i.external_id "
        "FROM customers_customer c LEFT JOIN customers_externalidentity i "
        "ON i.customer_id = c.id WHERE c.email IS NOT NULL AND c.phone IS NOT NULL "
        "ORDER BY c.id LIMIT 1 OFFSET (SELECT count(*) / 3 FROM customers_customer)"
    ),
    "order": (
        "SELECT external_reference, store_id FROM journeys_order WHERE store_id IS NOT NULL "
        "ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 3 FROM journeys_order)"
    ),
}


def _sample(name: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(SAMPLE_SQL[name])
        return cursor.fetchone() or ()


def _phone_as_typed(e164: str | None) -> str:
    """A French number as people type it ("06 12 34 56 78"); others as stored."""
    if not e164 or not e164.startswith("+33") or len(e164) != 12:
        return e164 or ""
    national = "0" + e164[3:]
    return " ".join(national[index : index + 2] for index in range(0, 10, 2))


def admin_benchmark_pages() -> list[tuple[str, str]]:
    """(label, URL) of the customer and order changelists, their searches and filters."""
    last_name, email, phone, loyalty_number, external_id = _sample("customer") or (None,) * 5
    reference, store_id = _sample("order") or (None, None)
    customers = reverse("admin:customers_customer_changelist")
    orders = reverse("admin:journeys_order_changelist")
    pages = [
        ("customers", customers),
        ("customers, search name", f"{customers}?q={quote(last_name or '')}"),
        ("customers, search name start", f"{customers}?q={quote((last_name or '')[:3])}"),
        ("customers, search email", f"{customers}?q={quote(email or '')}"),
        ("customers, search phone as typed", f"{customers}?q={quote(_phone_as_typed(phone))}"),
        ("customers, search loyalty number", f"{customers}?q={quote(loyalty_number or '')}"),
        ("customers, search external id", f"{customers}?q={quote(external_id or '')}"),
        ("customers, stage filter", f"{customers}?lifecycle_stage__exact=loyalty"),
        ("customers, tier filter", f"{customers}?loyalty_tier__exact=vip"),
        ("customers, store filter", f"{customers}?preferred_store__id__exact={store_id}"),
        ("customers, channel filter", f"{customers}?acquisition_channel__exact=web"),
        ("customers, merged filter", f"{customers}?merged=yes"),
        ("customers, sorted by creation", f"{customers}?o=9"),
        ("orders", orders),
        ("orders, search reference", f"{orders}?q={quote(reference or '')}"),
        ("orders, search customer", f"{orders}?q={quote(email or '')}"),
        ("orders, status filter", f"{orders}?status__exact=pending"),
        ("orders, channel filter", f"{orders}?channel__exact=web"),
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
