"""The read paths of issue 8 timed at scale: tablet search, customer 360 and its timeline, API
lists and admin changelists, each against the raw SQL of the same answer, with its goal.

Goals (on 1,000,000 customers / 5,000,000 orders, 2 cores, in-process):
- search: p95 ≤ 20 ms, at most 15 ms above the ideal SQL, at most 8 queries;
- customer 360: at most 12 queries, p95 ≤ 60 ms, heavy / empty p95 ≤ 1.3; timeline pages
  p95 ≤ 30 ms;
- API lists: 200 per page in ≤ 40 ms p95, a deep cursor page within 1.2× of the first;
- admin: customer and order changelists, their search and filters, p95 ≤ 300 ms.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.urls import reverse

from clienteling.benchmark.search_shapes import SearchShape, ideal_customer_ids, search_shapes
from clienteling.benchmark.timing import Timing, time_page, timed
from clienteling.models import Associate
from clienteling.selectors.search import customer_search
from clienteling.selectors.timeline import Cursor
from insights.benchmark.dataset import DatasetMarker
from insights.benchmark.harness import bench_client as admin_bench_client
from omni.admin_timing import admin_benchmark_pages
from omni.benchmark.pages import host_for_requests

SEARCH_P95_MS, SEARCH_ABOVE_IDEAL_MS, SEARCH_QUERIES = 20.0, 15.0, 8
PROFILE_QUERIES, PROFILE_P95_MS, PROFILE_HEAVY_RATIO, TIMELINE_P95_MS = 12, 60.0, 1.3, 30.0
API_P95_MS, API_DEEP_RATIO, API_PAGE_SIZE = 40.0, 1.2, 200
ADMIN_P95_MS = 300.0
BENCH_ASSOCIATE = "bench-associate-1-1"
HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Goal:
    """One line of the verdict: what was measured, the goal, and whether it is met."""

    label: str
    measured: str
    goal: str
    met: bool


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    # Each page timed, by label: its queries and status, for the tests.
    pages: dict[str, Timing] = field(default_factory=dict)


def associate_client() -> tuple[Client, Associate]:
    associate = Associate.objects.select_related("user", "store").get(
        user__username=BENCH_ASSOCIATE
    )
    client = Client(HTTP_HOST=host_for_requests())
    client.force_login(associate.user)
    return client, associate


# Search ------------------------------------------------------------------------------------


@dataclass
class SearchTiming:
    shape: SearchShape
    page: Timing
    ideal: list[float]
    same_customers: str

    @property
    def ideal_p95(self) -> float:
        return Timing("", milliseconds=self.ideal).p95


def _agreement(shape: SearchShape) -> str:
    """How many of the customers the ideal SQL lists the search lists too (for an associate of
    no store: the ideal SQL does not put her store's customers first)."""
    ideal = ideal_customer_ids(shape)
    found = {hit.customer.pk for hit in customer_search(shape.query)}
    return f"{sum(1 for pk in ideal if pk in found)}/{len(ideal)}"


def _ideal_runner(shape: SearchShape) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(shape.ideal_sql, shape.ideal_params)
            cursor.fetchall()

    return run


def time_search(repeat: int) -> Section:
    client, associate = associate_client()
    url = reverse("clienteling:search")
    section = Section(
        f"Tablet search (htmx, associate of store {associate.store_id}): p95 ≤ "
        f"{SEARCH_P95_MS:.0f} ms, ≤ {SEARCH_ABOVE_IDEAL_MS:.0f} ms above the ideal SQL, "
        f"≤ {SEARCH_QUERIES} queries"
    )
    section.lines.append(
        f"{'shape':<24}{'typed':<26}{'p50':>7}{'p95':>7}{'ideal p95':>11}{'above':>7}"
        f"{'queries':>9}{'found':>8}"
    )
    for shape in search_shapes():
        page = time_page(
            client, shape.label, url, params={"q": shape.query}, headers=HTMX, repeat=repeat
        )
        section.pages[shape.label] = page
        result = SearchTiming(shape, page, timed(_ideal_runner(shape), repeat), _agreement(shape))
        above = page.p95 - result.ideal_p95
        section.lines.append(
            f"{shape.label:<24}{shape.query[:25]:<26}{page.p50:7.1f}{page.p95:7.1f}"
            f"{result.ideal_p95:11.1f}{above:7.1f}{page.queries:9d}{result.same_customers:>8}"
        )
        met = (
            page.status == 200
            and page.p95 <= SEARCH_P95_MS
            and above <= SEARCH_ABOVE_IDEAL_MS
            and page.queries <= SEARCH_QUERIES
        )
        section.goals.append(
            Goal(
                f"search: {shape.label}",
                f"{page.p95:.1f} ms, +{above:.1f} ms, {page.queries} queries",
                "≤ 20 ms, ≤ +15 ms, ≤ 8 queries",
                met,
            )
        )
    return section


# Customer 360 ------------------------------------------------------------------------------

TIMELINE_TABLES = (
    ("journeys_order", "customer_id"),
    ("journeys_return", "customer_id"),
    ("journeys_aftersalesticket", "customer_id"),
    ("journeys_pickup", "customer_id"),
    ("journeys_touchpoint", "customer_id"),
    ("journeys_lifecyclestagechange", "customer_id"),
    ("clienteling_note", "customer_id"),
    ("clienteling_appointment", "customer_id"),
)


def timeline_items(customer_id: int) -> int:
    counts = " + ".join(
        f"(SELECT count(*) FROM {table} WHERE {column} = %(id)s)"
        for table, column in TIMELINE_TABLES
    )
    wishlist = (
        "(SELECT count(*) FROM journeys_wishlistitem i JOIN journeys_wishlist w "
        "ON w.id = i.wishlist_id WHERE w.customer_id = %(id)s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts} + {wishlist}", {"id": customer_id})
        return cursor.fetchone()[0]


def deep_cursor(customer_id: int, depth: float = 0.9) -> str:
    """A timeline cursor `depth` of the way down her orders."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT placed_at, id FROM journeys_order WHERE customer_id = %s "
            "ORDER BY placed_at DESC, id DESC OFFSET (SELECT (count(*) * %s)::int "
            "FROM journeys_order WHERE customer_id = %s) LIMIT 1",
            [customer_id, depth, customer_id],
        )
        placed_at, pk = cursor.fetchone()
    return Cursor(placed_at, "order", pk).encode()


def _profile_line(timing: Timing, items: int) -> str:
    return (
        f"{timing.label:<34}{items:>8,}{timing.p50:8.1f}{timing.p95:8.1f}"
        f"{timing.queries:9d}{timing.baseline_p95:12.1f}{timing.ratio:8.2f}"
    )


def time_customer_360(marker: DatasetMarker, repeat: int) -> Section:
    client, _associate = associate_client()
    section = Section(
        f"Customer 360: ≤ {PROFILE_QUERIES} queries, p95 ≤ {PROFILE_P95_MS:.0f} ms, heavy/empty "
        f"p95 ≤ {PROFILE_HEAVY_RATIO}; timeline pages p95 ≤ {TIMELINE_P95_MS:.0f} ms"
    )
    section.lines.append(
        f"{'page':<34}{'items':>8}{'p50':>8}{'p95':>8}{'queries':>9}{'SQL p95':>12}{'ratio':>8}"
    )
    empty_id = marker.empty_customer_id
    profiles = [("empty", empty_id)] + [("heavy", pk) for pk in marker.heavy_customer_ids]
    pages: dict[str, Timing] = {}
    for kind, pk in profiles:
        url = reverse("clienteling:customer", args=[pk])
        timing = time_page(client, f"360, {kind} #{pk}", url, repeat=repeat)
        pages[timing.label] = section.pages[timing.label] = timing
        section.lines.append(_profile_line(timing, timeline_items(pk)))
        section.goals.append(
            Goal(
                f"360 {kind} #{pk}",
                f"{timing.p95:.1f} ms, {timing.queries} q",
                "≤ 60 ms, ≤ 12 queries",
                timing.p95 <= PROFILE_P95_MS and timing.queries <= PROFILE_QUERIES,
            )
        )
    empty = pages[f"360, empty #{empty_id}"]
    for label, timing in pages.items():
        if label.startswith("360, heavy"):
            ratio = timing.p95 / empty.p95
            section.lines.append(f"  {label} / empty p95: {ratio:.2f}")
            section.goals.append(
                Goal(
                    f"{label} / empty",
                    f"{ratio:.2f}",
                    f"≤ {PROFILE_HEAVY_RATIO}",
                    ratio <= PROFILE_HEAVY_RATIO,
                )
            )
    heavy_id = marker.heavy_customer_ids[0]
    url = reverse("clienteling:customer_timeline", args=[heavy_id])
    for label, params in (
        ("timeline, first page", {}),
        ("timeline, 90% deep", {"before": deep_cursor(heavy_id)}),
        ("timeline, orders on the web", {"kind": "order", "channel": "web"}),
        ("timeline, notes", {"kind": "note"}),
    ):
        timing = time_page(
            client, f"{label} #{heavy_id}", url, params=params, headers=HTMX, repeat=repeat
        )
        section.pages[label] = timing
        section.lines.append(_profile_line(timing, 0))
        section.goals.append(
            Goal(
                timing.label,
                f"{timing.p95:.1f} ms",
                "≤ 30 ms",
                timing.status == 200 and timing.p95 <= TIMELINE_P95_MS,
            )
        )
    return section


# API lists ---------------------------------------------------------------------------------


def time_api(repeat: int) -> Section:
    from omni.api.list_timing import cursor_url, time_api_list
    from omni.management.commands.bench_api_lists import LISTS, bench_client, deep_position

    client = bench_client()
    section = Section(
        f"API lists, {API_PAGE_SIZE} per page: p95 ≤ {API_P95_MS:.0f} ms, deep page within "
        f"{API_DEEP_RATIO}× of page 1"
    )
    section.lines.append(
        f"{'list':<32}{'p50':>8}{'p95':>8}{'SQL p50':>9}{'µs/item':>9}{'items':>7}{'queries':>9}"
    )
    for path, model_label in LISTS.items():
        url = f"{path}?page_size={API_PAGE_SIZE}"
        first = time_api_list(client, url, repeat)
        deep = time_api_list(client, cursor_url(url, deep_position(model_label, 0.9)), repeat)
        for label, timing in ((f"{path} page 1", first), (f"{path} 90% deep", deep)):
            section.lines.append(
                f"{label:<32}{timing.median:8.1f}{timing.p95:8.1f}{timing.sql_median:9.1f}"
                f"{timing.microseconds_per_item:9.0f}{timing.item_count:7d}"
                f"{timing.query_count:9d}"
            )
            section.goals.append(
                Goal(label, f"{timing.p95:.1f} ms", "≤ 40 ms", timing.p95 <= API_P95_MS)
            )
        ratio = deep.median / first.median
        section.lines.append(f"  deep / first page (median): {ratio:.2f}")
        section.goals.append(
            Goal(
                f"{path} deep / first",
                f"{ratio:.2f}",
                f"≤ {API_DEEP_RATIO}",
                ratio <= API_DEEP_RATIO,
            )
        )
    return section


# Admin -------------------------------------------------------------------------------------


def time_admin(repeat: int) -> Section:
    client = admin_bench_client()  # a superuser, as head office's dashboards benchmark uses
    section = Section(f"Admin changelists (superuser): p95 ≤ {ADMIN_P95_MS:.0f} ms")
    section.lines.append(
        f"{'page':<34}{'p50':>8}{'p95':>8}{'queries':>9}{'SQL p95':>10}{'status':>8}"
    )
    for label, url in admin_benchmark_pages():
        timing = time_page(client, label, url, repeat=repeat)
        section.pages[label] = timing
        section.lines.append(
            f"{label:<34}{timing.p50:8.1f}{timing.p95:8.1f}{timing.queries:9d}"
            f"{timing.baseline_p95:10.1f}{timing.status:8d}"
        )
        section.goals.append(
            Goal(
                f"admin: {label}",
                f"{timing.p95:.1f} ms",
                "≤ 300 ms",
                timing.status == 200 and timing.p95 <= ADMIN_P95_MS,
            )
        )
    return section
