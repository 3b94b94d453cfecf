"""The customer 360: contents, masking, the access journal, the timeline and query bounds."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clienteling.factories import AppointmentFactory
from clienteling.models import Associate, ProfileAccess
from clienteling.selectors.customer_360 import customer_for_profile_page, customer_key_figures
from clienteling.selectors.timeline import Cursor, customer_timeline
from clienteling.templatetags.tablet import money
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    OrderLineFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.lifecycle.services import customers_lifecycle_refresh
from journeys.models import Order, Return
from omni.factories import ProductFactory
from omni.models import Store

pytestmark = pytest.mark.django_db


def url(customer: Customer) -> str:
    return reverse("clienteling:customer", args=[customer.pk])


def test_profile_shows_identity_figures_and_sections(
    associate_client: Client, long_history_customer: Customer
) -> None:
    response = associate_client.get(url(long_history_customer))
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "Hélène Dupont-Éluard",
        "Gold",
        "Lifetime value",
        "Orders by channel",
        "Open after-sales tickets",
        "Wishlist",
        "Timeline",
        "Marketing offers",
    ):
        assert expected in html, expected
    # The timeline loads as it comes into view, its latest orders first.
    assert 'hx-trigger="revealed, timelineChanged from:body"' in html
    timeline_url = reverse("clienteling:customer_timeline", args=[long_history_customer.pk])
    timeline = associate_client.get(timeline_url, HTTP_HX_REQUEST="true").content.decode()
    assert "HIST-" in timeline
    assert 'hx-trigger="timelineChanged from:body"' in timeline


def test_every_view_is_journaled(
    associate_client: Client,
    other_store_client: Client,
    customer: Customer,
    associate: Associate,
    other_store_associate: Associate,
) -> None:
    associate_client.get(url(customer))
    response = other_store_client.get(url(customer))
    assert response.status_code == 200, "profiles are shared across stores"
    entries = list(ProfileAccess.objects.filter(customer=customer).order_by("accessed_at", "pk"))
    assert [(entry.user_id, entry.store_id, entry.context) for entry in entries] == [
        (associate.user_id, associate.store_id, "profile"),
        (other_store_associate.user_id, other_store_associate.store_id, "profile"),
    ]


def test_contact_details_masked_without_consent_for_associates(
    associate_client: Client, manager_client: Client, customer: Customer
) -> None:
    masked = associate_client.get(url(customer)).content.decode()
    assert customer.email not in masked
    assert "•••@example.fr" in masked
    full = manager_client.get(url(customer)).content.decode()
    assert customer.email in full
    ConsentFactory(customer=customer, purpose="personalised_advice", channel="email")
    assert customer.email in associate_client.get(url(customer)).content.decode()


def test_merged_profile_redirects_and_unknown_is_404(
    associate_client: Client, customer: Customer
) -> None:
    absorbed = CustomerFactory(merged_into=customer)
    response = associate_client.get(url(absorbed))
    assert response.status_code == 302
    assert response["Location"] == url(customer)
    erased = CustomerFactory(erased_at=timezone.now())
    assert associate_client.get(url(erased)).status_code == 404
    assert associate_client.get(reverse("clienteling:customer", args=[999999])).status_code == 404


def queries_of(client: Client, path: str, **headers: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **headers).status_code == 200  # type: ignore[arg-type]
    return len(queries.captured_queries)


def test_the_page_runs_the_same_few_queries_whatever_her_history(
    associate_client: Client, long_history_customer: Customer
) -> None:
    """Session, user, associate, profile (figures included), journal entry, wishlist, tickets,
    appointments, tasks, notes, consents and one timeline query: 12, empty or 300 orders."""
    empty = CustomerFactory()
    assert Order.objects.filter(customer=long_history_customer).count() >= 300
    heavy = queries_of(associate_client, url(long_history_customer))
    assert heavy == queries_of(associate_client, url(empty))
    assert heavy <= 12


def test_partials_run_a_bounded_number_of_queries(
    associate_client: Client,
    long_history_customer: Customer,
    htmx: dict,
    django_assert_max_num_queries: object,
) -> None:
    customer = long_history_customer
    timeline_url = reverse("clienteling:customer_timeline", args=[customer.pk])
    page = customer_timeline(customer)
    # Session, user, associate, profile, the one timeline query and the access journal's
    # one INSERT.
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        response = associate_client.get(timeline_url, {"before": page.next_cursor}, **htmx)
        assert response.status_code == 200
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        response = associate_client.get(
            timeline_url, {"kind": ["order", "note"], "channel": "web"}, **htmx
        )
        assert response.status_code == 200
    order = customer.orders.first()
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = associate_client.get(
            reverse("clienteling:order_detail", args=[customer.pk, order.pk]), **htmx
        )
        assert response.status_code == 200
    for section in ("wishlist", "tickets", "appointments", "tasks", "notes", "consents"):
        with django_assert_max_num_queries(8):  # type: ignore[operator]
            response = associate_client.get(
                reverse("clienteling:customer_section", args=[customer.pk, section]), **htmx
            )
            assert response.status_code == 200


def test_timeline_pages_cover_everything_once(long_history_customer: Customer) -> None:
    seen: list[tuple[str, int]] = []
    cursor = None
    while True:
        page = customer_timeline(long_history_customer, cursor=cursor, page_size=37)
        seen.extend((item.kind, item.pk) for item in page.items)
        if not page.next_cursor:
            break
        cursor = Cursor.decode(page.next_cursor)
    assert len(seen) == len(set(seen))
    assert sum(1 for kind, _pk in seen if kind == "order") == long_history_customer.orders.count()
    moments = list(seen)
    assert moments


def test_timeline_equal_timestamps_are_not_skipped(customer: Customer) -> None:
    moment = timezone.now()
    for _number in range(7):
        OrderFactory(customer=customer, placed_at=moment)
        WishlistItemFactory(wishlist__customer=customer, added_at=moment)
    seen = []
    cursor = None
    while True:
        page = customer_timeline(customer, cursor=cursor, page_size=3)
        seen.extend((item.kind, item.pk) for item in page.items)
        if not page.next_cursor:
            break
        cursor = Cursor.decode(page.next_cursor)
    assert len(seen) == len(set(seen)) == 14


def test_timeline_filters_by_kind_and_channel(
    associate_client: Client, long_history_customer: Customer, htmx: dict
) -> None:
    timeline_url = reverse("clienteling:customer_timeline", args=[long_history_customer.pk])
    page = customer_timeline(long_history_customer, kinds=["order"], channels=["web"])
    assert page.items
    assert all(item.kind == "order" and item.channel == "web" for item in page.items)
    response = associate_client.get(timeline_url, {"kind": "order", "channel": "web"}, **htmx)
    html = response.content.decode()
    assert html.lstrip().startswith('<ol id="timeline-list"')
    assert "kind=order" in html
    assert "before=" in html


def test_order_detail_shows_lines_and_returns(
    associate_client: Client, long_history_customer: Customer, htmx: dict
) -> None:
    order = long_history_customer.orders.filter(returns__isnull=False).first()
    response = associate_client.get(
        reverse("clienteling:order_detail", args=[long_history_customer.pk, order.pk]), **htmx
    )
    html = response.content.decode()
    assert order.external_reference in html
    assert "Return of" in html
    assert "Refund" in html
    other = CustomerFactory()
    assert (
        associate_client.get(
            reverse("clienteling:order_detail", args=[other.pk, order.pk]), **htmx
        ).status_code
        == 404
    )


def test_key_figures_come_from_her_metrics_and_follow_her_history(
    associate_client: Client, customer: Customer, store: Store, other_store: Store
) -> None:
    """Orders not cancelled by channel, refunds, last store visit (an order, a recorded visit
    or a completed appointment), the store she bought in most, categories she bought most."""
    customer.preferred_store = None
    customer.save()
    now = timezone.now()
    dresses, bags = ProductFactory(category="dresses"), ProductFactory(category="bags")
    in_lyon = OrderFactory(
        customer=customer,
        channel="store",
        store=other_store,
        placed_at=now - datetime.timedelta(days=40),
        total=Decimal("100.00"),
    )
    OrderLineFactory(order=in_lyon, product=bags, quantity=1)
    OrderFactory(
        customer=customer,
        channel="store",
        store=other_store,
        placed_at=now - datetime.timedelta(days=30),
        total=Decimal("50.00"),
    )
    web = OrderFactory(
        customer=customer,
        channel="web",
        placed_at=now - datetime.timedelta(days=5),
        total=Decimal("200.00"),
        status="pending",
    )
    OrderLineFactory(order=web, product=dresses, quantity=2)
    OrderFactory(customer=customer, channel="web", status="cancelled", total=Decimal("999.00"))
    ReturnFactory(order=in_lyon, refund_amount=Decimal("20.00"))
    visit = TouchpointFactory(
        customer=customer,
        kind="store_visit",
        channel="store",
        occurred_at=now - datetime.timedelta(days=10),
    )
    customers_lifecycle_refresh(customer_ids=[customer.pk], trigger="event")

    figures = customer_key_figures(customer_for_profile_page(customer.pk))
    assert figures.orders == 3
    assert figures.lifetime_value == Decimal("330.00")
    assert figures.refunds == Decimal("20.00")
    assert [(f.channel, f.orders, f.total) for f in figures.by_channel] == [
        ("web", 1, Decimal("200.00")),
        ("store", 2, Decimal("150.00")),
    ]
    assert figures.last_visit_at == visit.occurred_at
    assert figures.preferred_store == other_store.name
    assert figures.favourite_categories[-2:] == ["dresses", "bags"]

    completed = AppointmentFactory(
        customer=customer,
        associate__store=store,
        status="completed",
        starts_at=now - datetime.timedelta(days=2),
    )
    figures = customer_key_figures(customer_for_profile_page(customer.pk))
    assert figures.last_visit_at == completed.starts_at
    html = associate_client.get(url(customer)).content.decode()
    assert f"<strong>{money(Decimal('330.00'), 'EUR')}</strong>" in html


def test_recent_purchases_come_with_the_timeline_however_much_happened_since(
    associate_client: Client, customer: Customer
) -> None:
    now = timezone.now()
    old = [
        OrderFactory(customer=customer, placed_at=now - datetime.timedelta(days=400 + number))
        for number in range(4)
    ]
    for number in range(30):
        TouchpointFactory(customer=customer, occurred_at=now - datetime.timedelta(hours=number))
    page = customer_timeline(customer, latest_orders=3)
    assert [item.pk for item in page.latest("order", 3)] == [order.pk for order in old[:3]]
    assert all(item.kind == "touchpoint" for item in page.items)
    html = associate_client.get(url(customer)).content.decode()
    for order in old[:3]:
        assert order.external_reference in html
    assert old[3].external_reference not in html


def test_the_page_shows_her_latest_wishes_and_all_of_them_on_demand(
    associate_client: Client, customer: Customer, htmx: dict
) -> None:
    now = timezone.now()
    items = [
        WishlistItemFactory(
            wishlist__customer=customer,
            wishlist__name=f"List {number}",
            added_at=now - datetime.timedelta(days=number),
        )
        for number in range(15)
    ]
    page = associate_client.get(url(customer)).content.decode()
    html = page[page.index('id="wishlist"') :]
    html = html[: html.index("</section>")]  # the section only (the timeline shows them too)
    assert sum(item.product.name in html for item in items) == 12
    assert items[14].product.name not in html
    assert "See all the wishlist" in html
    section = reverse("clienteling:customer_section", args=[customer.pk, "wishlist"])
    everything = associate_client.get(section, {"all": "1"}, **htmx).content.decode()
    assert all(item.product.name in everything for item in items)
    assert "See all the wishlist" not in everything


def test_the_page_shows_her_most_urgent_open_tickets_and_all_of_them_on_demand(
    associate_client: Client, customer: Customer, store: Store, htmx: dict
) -> None:
    now = timezone.now()
    tickets = [
        AfterSalesTicketFactory(
            customer=customer, store=store, sla_due_at=now + datetime.timedelta(days=number)
        )
        for number in range(7)
    ]
    page = associate_client.get(url(customer)).content.decode()
    html = page[page.index('id="tickets"') :]
    html = html[: html.index("</section>")]
    assert [ticket.reference in html for ticket in tickets] == [True] * 5 + [False] * 2
    assert "See all open tickets" in html
    section = reverse("clienteling:customer_section", args=[customer.pk, "tickets"])
    everything = associate_client.get(section, {"all": "1"}, **htmx).content.decode()
    assert all(ticket.reference in everything for ticket in tickets)
    assert "See all open tickets" not in everything


def test_order_detail_shows_what_a_refund_is_made_of(
    associate_client: Client, long_history_customer: Customer, htmx: dict
) -> None:
    order = long_history_customer.orders.filter(returns__isnull=False).first()
    parent = order.returns.first()
    Return.objects.filter(pk=parent.pk).update(
        refund_amount=F("refund_amount") + Decimal("9.90"),
        shipping_refund=Decimal("4.90"),
        adjustment=Decimal("5.00"),
        adjustment_reason="Geste commercial",
    )

    html = associate_client.get(
        reverse("clienteling:order_detail", args=[long_history_customer.pk, order.pk]), **htmx
    ).content.decode()

    assert "Shipping refunded" in html
    assert "Adjustment" in html
    assert "Geste commercial" in html


def test_the_first_screen_of_a_long_history_stays_light_with_its_index(
    associate_client: Client, long_history_customer: Customer
) -> None:
    """Issue 13, item 5: at most about 40 KB of HTML, icons referenced from the sprite rather
    than copied, and an index whose every entry leads to a section of the page."""
    response = associate_client.get(
        reverse("clienteling:customer", args=[long_history_customer.pk])
    )
    html = response.content.decode()
    assert len(response.content) <= 40_000, len(response.content)
    assert "<path" not in html, "icons are drawn from the sprite"
    index = re.search(r'<nav class="profile-index"[^>]*>(.*?)</nav>', html, re.S)
    assert index, "the header holds the sections' index"
    targets = re.findall(r'href="#([\w-]+)"', index.group(1))
    assert len(targets) == 10
    for target in targets:
        assert f'<section class="card" id="{target}"' in html, target
