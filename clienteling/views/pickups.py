"""The click & collect desk: pickups by status, preparing, ready, hand-over with the code."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from clienteling.selectors.store_day import pickup_desk, pickup_for_store, store_today
from clienteling.services import pickup_mark_ready_and_notify
from clienteling.views.common import (
    associate_required,
    current_associate,
    render_page,
    render_partial,
    toast,
)
from journeys.models import Pickup
from journeys.pickup_codes import normalize_pickup_code
from journeys.services import pickup_hand_over, pickup_start_preparing
from omni.errors import DomainError
from omni.form_tokens import submit_once

TEMPLATE = "clienteling/pickups.html"
INVALID = 422


def _changed(response: HttpResponse, message: str) -> HttpResponse:
    """A pickup moved: confirm, and let the desk's tab counts refresh."""
    return trigger_client_event(toast(response, message), "pickupsChanged")


def _row(
    request: HttpRequest, pickup: Pickup, *, error: str = "", code: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "pickup": pickup,
        "error": error,
        "typed_code": code,
        "today": store_today(current_associate(request).store),
        "open_hand_over": bool(error),
    }
    return render_partial(request, TEMPLATE, "pickup_row", context, status=status)


@require_GET
@associate_required
def desk(request: HttpRequest) -> HttpResponse:
    store = current_associate(request).store
    context = {"desk": pickup_desk(store, tab=request.GET.get("tab", "")), "nav": "pickups"}
    partial = "desk_tabs" if request.GET.get("part") == "tabs" else "desk"
    return render_page(request, TEMPLATE, context, partial=partial)


@require_GET
@associate_required
def find_by_code(request: HttpRequest) -> HttpResponse:
    """Find the store's pickup from a typed or scanned code; nothing changes until hand-over."""
    store = current_associate(request).store
    code = normalize_pickup_code(request.GET.get("code", ""))[:20]
    pickup = (
        Pickup.objects.filter(store=store, code=code).select_related("order__customer").first()
        if code
        else None
    )
    context = {
        "pickup": pickup,
        "code": code,
        "today": store_today(store),
        "open_hand_over": True,
        "typed_code": code,
    }
    return render_partial(request, TEMPLATE, "found", context)


@require_POST
@associate_required
def start_preparing(request: HttpRequest, pickup_id: int) -> HttpResponse:
    pickup = pickup_for_store(current_associate(request).store, pickup_id)
    try:
        pickup = pickup_start_preparing(pickup=pickup, actor=request.user)
    except DomainError as error:
        return toast(_row(request, pickup, status=INVALID), error.message, level="error")
    message = _("Preparing %(reference)s.") % {"reference": pickup.order.external_reference}
    return _changed(_row(request, pickup), message)


@require_POST
@associate_required
def mark_ready(request: HttpRequest, pickup_id: int) -> HttpResponse:
    pickup = pickup_for_store(current_associate(request).store, pickup_id)
    try:
        pickup = pickup_mark_ready_and_notify(pickup=pickup, actor=request.user)
    except DomainError as error:
        return toast(_row(request, pickup, status=INVALID), error.message, level="error")
    pickup = pickup_for_store(current_associate(request).store, pickup_id)
    return _changed(_row(request, pickup), _("Ready for pickup: the customer has been notified."))


@require_POST
@associate_required
def hand_over(request: HttpRequest, pickup_id: int) -> HttpResponse:
    pickup = pickup_for_store(current_associate(request).store, pickup_id)
    code = request.POST.get("code", "")[:40]
    if not code.strip():
        return _row(
            request, pickup, error=_("Type or scan the customer's pickup code."), status=INVALID
        )
    try:
        submit_once(
            request,
            "pickup_hand_over",
            lambda: pickup_hand_over(pickup=pickup, code=code, actor=request.user),
        )
    except DomainError as error:
        return _row(request, pickup, error=error.message, code=code, status=INVALID)
    pickup = pickup_for_store(current_associate(request).store, pickup_id)
    return _changed(_row(request, pickup), _("Handed over. Thank you!"))
