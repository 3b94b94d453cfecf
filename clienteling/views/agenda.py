"""The store agenda: appointments by day and associate, the customer brief, follow-ups."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from clienteling.availability import opening_ranges
from clienteling.forms import FollowUpForm
from clienteling.models import Appointment, Associate
from clienteling.selectors import customer_360 as profile
from clienteling.selectors.store_day import (
    appointment_for_store,
    store_agenda,
    store_associates,
    store_today,
)
from clienteling.services import (
    APPOINTMENT_WORKFLOW,
    CLOSING_STATUSES,
    appointment_can_close,
    appointment_follow_up_create,
    appointment_transition,
)
from clienteling.views.common import (
    associate_required,
    current_associate,
    journal_tablet_reads,
    render_page,
    render_partial,
    toast,
)
from omni.access_journal import Door
from omni.errors import DomainError
from omni.form_tokens import submit_once

TEMPLATE = "clienteling/agenda.html"
INVALID = 422
FOLLOW_UP_AFTER_DAYS = 7
# What the button that moves an appointment to each status says.
APPOINTMENT_ACTIONS = {
    Appointment.Status.CONFIRMED: gettext_lazy("Confirm"),
    Appointment.Status.COMPLETED: gettext_lazy("Mark as done"),
    Appointment.Status.NO_SHOW: gettext_lazy("No-show"),
    # Not “Cancel”: beside the sheet's buttons it read as closing the sheet.
    Appointment.Status.CANCELLED: gettext_lazy("Cancel the appointment"),
}
# How links ask for everyone's agenda (hers is the default).
EVERYONE = "all"
# Open tickets the appointment brief lists.
BRIEF_TICKETS = 10


def _day(request: HttpRequest, today: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return today


def _whose_agenda(
    request: HttpRequest, me: Associate, associates: list[Associate]
) -> tuple[str, list[Associate]]:
    """Whose appointments to show: hers by default, everyone's ("all"), or a colleague's (by
    id). Answers how the choice is written in links ("" for hers) and the associates shown."""
    wanted = request.GET.get("associate", "")
    if wanted == EVERYONE:
        return EVERYONE, associates
    chosen = [person for person in associates if str(person.pk) == wanted]
    if chosen and chosen[0].pk != me.pk:
        return wanted, chosen
    mine = [person for person in associates if person.pk == me.pk]
    return ("", mine) if mine else (EVERYONE, associates)


@require_GET
@associate_required
def agenda(request: HttpRequest) -> HttpResponse:
    me = current_associate(request)
    store = me.store
    today = store_today(store)
    day = _day(request, today)
    associates = store_associates(store)
    whose, shown = _whose_agenda(request, me, associates)
    context = {
        "day": day,
        "today": today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "agenda": store_agenda(store, day, associates=shown),
        "me": me,
        "colleagues": [person for person in associates if person.pk != me.pk],
        "whose": whose,
        "store_open": bool(opening_ranges(store, day)),
        "nav": "agenda",
    }
    return render_page(request, TEMPLATE, context, partial="grid")


def _brief_context(appointment: Appointment, follow_up_form: FollowUpForm | None = None) -> dict:
    customer = appointment.customer
    allowed = set(APPOINTMENT_WORKFLOW.allowed_targets(appointment.status))
    # Done and no-show are offered once it has started (the service refuses them before).
    closing_later = not appointment_can_close(appointment) and bool(allowed & set(CLOSING_STATUSES))
    if closing_later:
        allowed -= set(CLOSING_STATUSES)
    return {
        "appointment": appointment,
        "customer": customer,
        "next_statuses": [
            (status, verb) for status, verb in APPOINTMENT_ACTIONS.items() if status in allowed
        ],
        "closing_later": closing_later,
        "orders": profile.recent_orders_with_lines(customer),
        "tickets": profile.open_tickets(customer, count=BRIEF_TICKETS)[:BRIEF_TICKETS],
        "notes": profile.latest_notes(customer),
        "preference": getattr(customer, "preference", None),
        "follow_up_form": follow_up_form,
    }


def _proposed_follow_up(appointment: Appointment) -> FollowUpForm:
    return FollowUpForm(
        initial={
            "title": _("Follow up with %(customer)s after “%(service)s”")
            % {"customer": appointment.customer, "service": appointment.service},
            "due_on": store_today(appointment.store)
            + datetime.timedelta(days=FOLLOW_UP_AFTER_DAYS),
        }
    )


@require_GET
@associate_required
def brief(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The customer brief before an appointment (a view of the profile: journaled)."""
    associate = current_associate(request)
    appointment = appointment_for_store(associate.store, appointment_id)
    journal_tablet_reads(request, [appointment.customer_id], Door.BRIEF)
    follow_up = (
        _proposed_follow_up(appointment)
        if appointment.status == Appointment.Status.COMPLETED
        else None
    )
    return render_partial(request, TEMPLATE, "brief", _brief_context(appointment, follow_up))


@require_POST
@associate_required
def appointment_move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    associate = current_associate(request)
    appointment = appointment_for_store(associate.store, appointment_id)
    try:
        appointment = appointment_transition(
            appointment=appointment, status=request.POST.get("status", ""), actor=request.user
        )
    except DomainError as error:
        response = render_partial(
            request, TEMPLATE, "brief", _brief_context(appointment), status=INVALID
        )
        return toast(response, error.message, level="error")
    appointment = appointment_for_store(associate.store, appointment_id)
    follow_up = (
        _proposed_follow_up(appointment)
        if appointment.status == Appointment.Status.COMPLETED
        else None
    )
    response = render_partial(request, TEMPLATE, "brief", _brief_context(appointment, follow_up))
    trigger_client_event(response, "agendaChanged")
    return toast(
        response, _("Appointment: %(status)s.") % {"status": appointment.get_status_display()}
    )


@require_POST
@associate_required
def follow_up_create(request: HttpRequest, appointment_id: int) -> HttpResponse:
    associate = current_associate(request)
    appointment = appointment_for_store(associate.store, appointment_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            submit_once(
                request,
                "follow_up_create",
                lambda: appointment_follow_up_create(
                    appointment=appointment,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    due_on=form.cleaned_data["due_on"],
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            response = render_partial(request, TEMPLATE, "brief", _brief_context(appointment))
            trigger_client_event(response, "closeSheet")
            return toast(response, _("Follow-up task created."))
    response = render_partial(
        request, TEMPLATE, "brief", _brief_context(appointment, form), status=INVALID
    )
    return response
