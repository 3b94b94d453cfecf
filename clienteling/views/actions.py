"""What an associate does on a profile: notes, wishlist, SAV tickets, tasks, consents,
appointments, and creating a new customer. Each action answers with htmx updates; a form
with errors comes back in place with status 422."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from clienteling.forms import (
    BookingForm,
    ConsentRecordForm,
    CustomerCreateForm,
    NoteForm,
    TaskCreateForm,
    TicketOpenForm,
    TicketTransitionForm,
    WishlistAddForm,
)
from clienteling.models import Appointment
from clienteling.selectors import customer_360 as profile
from clienteling.selectors.store_day import store_today
from clienteling.selectors.wishlist import wishlist_product_options
from clienteling.services import appointment_book, note_add, task_create
from clienteling.views.common import (
    associate_required,
    current_associate,
    done,
    journal_tablet_reads,
    render_partial,
    toast,
)
from clienteling.views.customer_360 import render_section
from customers.consent_wordings import consent_wording_in_force
from customers.identity import customer_find_duplicates
from customers.models import ConsentPurpose, ConsentWording, ContactChannel, Customer
from customers.services import consent_record, customer_create
from journeys.models import AfterSalesTicket, WishlistItem
from journeys.services import (
    ticket_open,
    ticket_transition,
    wishlist_add_item,
    wishlist_remove_item,
)
from omni.access_journal import Door
from omni.errors import DomainError
from omni.form_tokens import Repeated, submit_once, submitted_before
from omni.models import Channel

ACTIONS = "clienteling/customer_actions.html"
NEW_CUSTOMER = "clienteling/customer_new.html"
INVALID = 422


def _sheet(
    request: HttpRequest, partial: str, context: dict[str, Any], *, invalid: bool = False
) -> HttpResponse:
    return render_partial(request, ACTIONS, partial, context, status=INVALID if invalid else 200)


# Notes -------------------------------------------------------------------------------------


@require_POST
@associate_required
def note_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            submit_once(
                request,
                "note",
                lambda: note_add(
                    customer=customer,
                    body=form.cleaned_data["body"],
                    actor=request.user,
                    store=associate.store,
                ),
            )
        except DomainError as error:
            form.add_error("body", error.message)
    if not form.is_valid():
        return render_section(request, customer, "notes", note_form=form)
    response = render_section(request, customer, "notes")
    response = toast(response, _("Note added."))
    return trigger_client_event(response, "timelineChanged")


# Wishlist ----------------------------------------------------------------------------------


@require_GET
@associate_required
def wishlist_sheet(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    query = request.GET.get("q", "").strip()[:100]
    options = wishlist_product_options(query, customer=customer, store=associate.store)
    context = {"customer": customer, "query": query, "options": options}
    partial = "product_results" if request.GET.get("results") else "wishlist_sheet"
    return _sheet(request, partial, context)


@require_POST
@associate_required
def wishlist_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    form = WishlistAddForm(request.POST)
    if form.is_valid():
        try:
            submit_once(
                request,
                "wishlist_add",
                lambda: wishlist_add_item(
                    customer=customer,
                    product=form.cleaned_data["product"],
                    channel=Channel.STORE,
                    actor=request.user,
                    store=associate.store,
                    size=form.cleaned_data["size"].strip(),
                    note=form.cleaned_data["note"],
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
    if form.errors:
        product = form.cleaned_data.get("product")
        context = {"customer": customer, "form": form, "product": product}
        return _sheet(request, "wishlist_error", context, invalid=True)
    response = render_section(request, customer, "wishlist")
    return done(
        response, _("Added to the wishlist."), target="#wishlist", events=("timelineChanged",)
    )


@require_POST
@associate_required
def wishlist_remove(request: HttpRequest, customer_id: int, item_id: int) -> HttpResponse:
    customer = profile.customer_for_associate(customer_id)
    item = get_object_or_404(WishlistItem, pk=item_id, wishlist__customer=customer)
    try:
        wishlist_remove_item(item=item, channel=Channel.STORE, actor=request.user)
    except DomainError as error:
        return toast(render_section(request, customer, "wishlist"), error.message, level="error")
    return toast(render_section(request, customer, "wishlist"), _("Removed from the wishlist."))


# After-sales tickets -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@associate_required
def ticket_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    lines = profile.customers_order_lines(customer)
    form = TicketOpenForm(request.POST or None, order_lines=lines)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submit_once(
                request,
                "ticket_open",
                lambda: ticket_open(
                    customer=customer,
                    kind=data["kind"],
                    subject=data["subject"],
                    description=data["description"],
                    channel=Channel.STORE,
                    actor=request.user,
                    store=associate.store,
                    order_line=data["order_line"],
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            response = render_section(request, customer, "tickets")
            return done(
                response,
                _("After-sales ticket opened."),
                target="#tickets",
                events=("timelineChanged",),
            )
    invalid = request.method == "POST"
    return _sheet(request, "ticket_sheet", {"customer": customer, "form": form}, invalid=invalid)


@require_POST
@associate_required
def ticket_move(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Move an SAV ticket; tickets opened by another store are theirs to handle (403)."""
    associate = current_associate(request)
    ticket = get_object_or_404(AfterSalesTicket.objects.select_related("customer"), pk=ticket_id)
    customer = profile.customer_for_associate(ticket.customer_id)
    if ticket.store_id not in (None, associate.store_id):
        response = render_section(request, customer, "tickets")
        response.status_code = 403
        return toast(
            response,
            _("This ticket is handled by %(store)s.") % {"store": ticket.store},
            level="error",
        )
    form = TicketTransitionForm(request.POST)
    message, level = _("Ticket updated."), "success"
    if form.is_valid():
        try:
            submit_once(
                request,
                "ticket_move",
                lambda: ticket_transition(
                    ticket=ticket,
                    status=form.cleaned_data["status"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                ),
            )
        except DomainError as error:
            message, level = error.message, "error"
    else:
        message, level = _("Choose a valid status."), "error"
    response = render_section(request, customer, "tickets")
    if level == "error":
        response.status_code = INVALID
    return trigger_client_event(toast(response, message, level=level), "timelineChanged")


# Tasks -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@associate_required
def task_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    initial = {
        "due_on": store_today(associate.store) + datetime.timedelta(days=3),
        "assignee": associate,
    }
    form = TaskCreateForm(request.POST or None, store=associate.store, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submit_once(
                request,
                "task_create",
                lambda: task_create(
                    store=associate.store,
                    title=data["title"],
                    due_on=data["due_on"],
                    actor=request.user,
                    assignee=data["assignee"],
                    customer=customer,
                    reason=data["reason"],
                    details=data["details"],
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return done(
                render_section(request, customer, "tasks"), _("Task created."), target="#tasks"
            )
    invalid = request.method == "POST"
    return _sheet(request, "task_sheet", {"customer": customer, "form": form}, invalid=invalid)


# Consents ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@associate_required
def consent_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The consent sheet shows the wording in force for the purpose and channel chosen (an htmx
    GET redraws it when they change); the decision is recorded under the wording shown."""
    associate = current_associate(request)
    customer = profile.customer_for_associate(customer_id)
    form = ConsentRecordForm(request.POST or None)
    if request.method == "GET" and "purpose" in request.GET:
        wording = _consent_wording_shown(customer, request.GET)
        return _sheet(request, "consent_wording", {"wording": wording, "form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submit_once(
                request,
                "consent_record",
                lambda: consent_record(
                    customer=customer,
                    purpose=data["purpose"],
                    channel=data["channel"],
                    granted=data["granted"],
                    collected_via=Channel.STORE,
                    wording=data["wording"],
                    actor=request.user,
                    store=associate.store,
                    proof={"recorded_on": "tablet", "associate": request.user.get_username()},
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            response = render_section(request, customer, "consents")
            return done(response, _("Consent recorded."), target="#consents")
    context = {"customer": customer, "form": form}
    context["wording"] = _consent_wording_shown(customer, request.POST)
    invalid = request.method == "POST"
    return _sheet(request, "consent_sheet", context, invalid=invalid)


def _consent_wording_shown(customer: Customer, data: QueryDict) -> ConsentWording | None:
    """The wording in force for the purpose and channel in `data` (the first ones if none),
    in the customer's language."""
    purpose = data.get("purpose") or ConsentPurpose.values[0]
    channel = data.get("channel") or ContactChannel.values[0]
    return consent_wording_in_force(
        purpose=purpose, channel=channel, language=customer.preferred_language
    )


# Appointments ------------------------------------------------------------------------------


def _booking_form(request: HttpRequest, data: Any) -> BookingForm:
    associate = current_associate(request)
    initial = {"day": store_today(associate.store)}
    return BookingForm(data, store=associate.store, initial=initial)


def _booking_context(request: HttpRequest, customer: Customer, form: BookingForm) -> dict:
    """The sheet with the free times found: hers first, then her colleagues'."""
    groups = form.slots_by_associate(current_associate(request))
    return {"customer": customer, "form": form, "slots": groups}


@require_GET
@associate_required
def booking_sheet(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = profile.customer_for_associate(customer_id)
    form = _booking_form(request, None)
    return _sheet(request, "booking_sheet", {"customer": customer, "form": form, "slots": None})


@require_GET
@associate_required
def booking_slots(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The free times for the service, day and associate chosen so far (no change made)."""
    customer = profile.customer_for_associate(customer_id)
    form = _booking_form(request, request.GET)
    form.is_valid()
    return _sheet(request, "booking_slots", _booking_context(request, customer, form))


@require_POST
@associate_required
def booking_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = profile.customer_for_associate(customer_id)
    repeated = submitted_before(request)
    if repeated is not None:
        # Sent twice: the slot is hers now, so the second answer is the first one's.
        booked = Appointment.objects.filter(pk=repeated.object_id, customer=customer).first()
        if booked is not None:
            return _booked(request, customer, booked)
    form = _booking_form(request, request.POST)
    slot = form.chosen_slot() if form.is_valid() else None
    if slot is not None:
        try:
            appointment = submit_once(
                request,
                "appointment_book",
                lambda: appointment_book(
                    customer=customer,
                    associate=slot.associate,
                    service=form.cleaned_data["service"],
                    starts_at=slot.starts_at,
                    booked_via=Channel.STORE,
                    actor=request.user,
                    customer_request=form.cleaned_data["customer_request"],
                ),
            )
        except DomainError as error:
            form.add_error("slot", error.message)
        else:
            if isinstance(appointment, Repeated):
                appointment = Appointment.objects.get(pk=appointment.object_id)
            return _booked(request, customer, appointment)
    context = _booking_context(request, customer, form)
    return _sheet(request, "booking_sheet", context, invalid=True)


def _booked(request: HttpRequest, customer: Customer, appointment: Appointment) -> HttpResponse:
    response = render_section(request, customer, "appointments")
    when = timezone.localtime(appointment.starts_at)
    message = _("Appointment booked with %(name)s on %(day)s at %(time)s.") % {
        "name": appointment.associate,
        "day": when.strftime("%d/%m"),
        "time": when.strftime("%H:%M"),
    }
    return done(response, message, target="#appointments")


# New customer ------------------------------------------------------------------------------


def _duplicates(form: CustomerCreateForm) -> list:
    data = getattr(form, "cleaned_data", {})
    try:
        return customer_find_duplicates(
            email=data.get("email"),
            phone=data.get("phone"),
            loyalty_number=data.get("loyalty_number"),
        )
    except DomainError:
        return []


@require_GET
@associate_required
def customer_duplicates(request: HttpRequest) -> HttpResponse:
    """Likely duplicates of what is being typed (same email, phone or loyalty number)."""
    form = CustomerCreateForm(request.GET)
    form.is_valid()
    duplicates = _duplicates(form)
    journal_tablet_reads(request, [found.pk for found, _keys in duplicates], Door.TABLET_SEARCH)
    return render_partial(request, NEW_CUSTOMER, "duplicates", {"duplicates": duplicates})


@require_http_methods(["GET", "POST"])
@associate_required
def customer_new(request: HttpRequest) -> HttpResponse:
    associate = current_associate(request)
    form = CustomerCreateForm(request.POST or None)
    duplicates: list = []
    repeated = submitted_before(request) if request.method == "POST" else None
    if repeated is not None and repeated.object_id is not None:
        return _profile_opened(request, repeated.object_id)
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates(form)
        if duplicates and not form.cleaned_data["confirm_not_duplicate"]:
            message = _(
                "This person may have a profile already: open it, or confirm it is another."
            )
            form.add_error(None, message)
        else:
            data = {
                name: value
                for name, value in form.cleaned_data.items()
                if name != "confirm_not_duplicate"
            }
            try:
                customer = submit_once(
                    request,
                    "customer_create",
                    lambda: customer_create(
                        actor=request.user,
                        preferred_store=associate.store,
                        acquisition_channel=Channel.STORE,
                        **data,
                    ),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                # Sent twice: the second answer opens the profile the first created.
                customer_id = customer.object_id if isinstance(customer, Repeated) else customer.pk
                return _profile_opened(request, customer_id)
    context = {"form": form, "duplicates": duplicates, "nav": "new_customer"}
    status = INVALID if request.method == "POST" else 200
    if request.htmx and request.method == "POST":
        # The form in place, and the duplicate panel beside it updated out of band.
        html = render_to_string(f"{NEW_CUSTOMER}#form", context, request) + render_to_string(
            f"{NEW_CUSTOMER}#duplicates", {**context, "oob": True}, request
        )
        return HttpResponse(html, status=status)
    return render(request, NEW_CUSTOMER, context, status=status)


def _profile_opened(request: HttpRequest, customer_id: int | None) -> HttpResponse:
    url = reverse("clienteling:customer", kwargs={"customer_id": customer_id})
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
