"""The customer 360 page, its timeline, order detail and sections refreshed after actions."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from clienteling.forms import NoteForm
from clienteling.models import Associate
from clienteling.selectors import customer_360 as profile
from clienteling.selectors.timeline import KIND_CHOICES, Cursor, customer_timeline
from clienteling.views.common import (
    associate_required,
    current_associate,
    journal_tablet_reads,
    render_page,
    render_partial,
)
from customers.models import Customer
from journeys.lifecycle.reasons import reason_display
from omni.access_journal import Door
from omni.models import Channel

TEMPLATE = "clienteling/customer_360.html"
RECENT_ORDERS = 3
TIMELINE_CHANNELS = [
    (value, label) for value, label in Channel.choices if value not in (Channel.SMS,)
]


def _wishlist_context(customer: Customer, *, everything: bool) -> dict[str, Any]:
    count = profile.WISHLIST_ALL if everything else profile.WISHLIST_SHOWN
    items = profile.wishlist_items(customer, count=count)
    return {"wishlist": items[:count], "wishlist_more": len(items) > count}


def _tickets_context(customer: Customer, *, everything: bool) -> dict[str, Any]:
    count = profile.TICKETS_ALL if everything else profile.TICKETS_SHOWN
    tickets = profile.open_tickets(customer, count=count)
    return {"tickets": tickets[:count], "tickets_more": len(tickets) > count}


def section_context(
    section: str, customer: Customer, associate: Associate, *, everything: bool = False
) -> dict[str, Any]:
    """The context one refreshable section of the page needs, and nothing more."""
    builders = {
        "wishlist": lambda: _wishlist_context(customer, everything=everything),
        "tickets": lambda: _tickets_context(customer, everything=everything),
        "appointments": lambda: {"appointments": profile.upcoming_appointments(customer)},
        "tasks": lambda: {"tasks": profile.open_tasks(customer, associate=associate)},
        "notes": lambda: {"notes": profile.latest_notes(customer), "note_form": NoteForm()},
        "consents": lambda: _consent_context(customer, associate),
    }
    return {"customer": customer, "associate": associate, **builders[section]()}


def _consent_context(customer: Customer, associate: Associate) -> dict[str, Any]:
    consents = profile.customer_consents(customer)
    badges = profile.consent_badges(consents)
    return {
        "consent_badges": badges,
        "consents_not_asked": [badge.purpose_label for badge in badges if not badge.asked],
        "contact": profile.contact_details(customer, associate=associate, consents=consents),
    }


def render_section(
    request: HttpRequest, customer: Customer, section: str, **extra: Any
) -> HttpResponse:
    context = {**section_context(section, customer, current_associate(request)), **extra}
    return render_partial(request, TEMPLATE, section, context)


def _timeline_filters(request: HttpRequest) -> dict[str, Any]:
    kinds = [kind for kind in request.GET.getlist("kind") if kind in dict(KIND_CHOICES)]
    channels = [value for value in request.GET.getlist("channel") if value in Channel.values]
    return {"kinds": kinds, "channels": channels}


@require_GET
@associate_required
def customer_360(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_profile_page(customer_id)
    if customer.merged_into_id:
        return redirect("clienteling:customer", customer_id=customer.merged_into_id)
    journal_tablet_reads(request, [customer.pk], Door.PROFILE)
    context: dict[str, Any] = {"customer": customer, "associate": associate, "nav": "search"}
    for section in ("wishlist", "tickets", "appointments", "tasks", "notes", "consents"):
        context.update(section_context(section, customer, associate))
    # Her latest orders with their lines, in one query; the timeline, further down the page,
    # loads when it comes into view (`customer_timeline_page`).
    recent = customer_timeline(
        customer, kinds=["order"], page_size=RECENT_ORDERS, latest_orders=RECENT_ORDERS
    )
    context.update(
        figures=profile.customer_key_figures(customer),
        stage_since=customer.stage_changed_at,
        stage_reason=reason_display(customer.stage_change_reason or ""),
        recent_orders=recent.latest("order", RECENT_ORDERS),
        timeline=None,
        kind_choices=KIND_CHOICES,
        channel_choices=TIMELINE_CHANNELS,
        filters={"kinds": [], "channels": []},
    )
    return render_page(request, TEMPLATE, context)


@require_GET
@associate_required
def customer_timeline_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A page of the timeline: the first one when filters change, then one per scroll."""
    customer = profile.customer_for_associate(customer_id)
    filters = _timeline_filters(request)
    cursor = Cursor.decode(request.GET.get("before", ""))
    timeline = customer_timeline(customer, cursor=cursor, **filters)
    journal_tablet_reads(request, [customer.pk], Door.TABLET_PARTIAL)
    context = {"customer": customer, "timeline": timeline, "filters": filters}
    partial = "timeline_items" if cursor else "timeline_list"
    return render_partial(request, TEMPLATE, partial, context)


@require_GET
@associate_required
def order_detail(request: HttpRequest, customer_id: int, order_id: int) -> HttpResponse:
    customer = profile.customer_for_associate(customer_id)
    order = profile.order_detail(customer, order_id)
    journal_tablet_reads(request, [customer.pk], Door.ORDER)
    return render_page(
        request,
        "clienteling/order_detail.html",
        {"customer": customer, "order": order},
        partial="sheet",
    )


@require_GET
@associate_required
def customer_section(request: HttpRequest, customer_id: int, section: str) -> HttpResponse:
    customer = profile.customer_for_associate(customer_id)
    everything = request.GET.get("all") == "1"
    context = section_context(section, customer, current_associate(request), everything=everything)
    journal_tablet_reads(request, [customer.pk], Door.TABLET_PARTIAL)
    return render_partial(request, TEMPLATE, section, context)
