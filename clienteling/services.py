"""Writes of the associates' app: appointments, tasks and notes."""

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clienteling.models import (
    Appointment,
    AppointmentStatusChange,
    Associate,
    Note,
    Task,
)
from customers.models import Customer
from journeys.models import Pickup
from journeys.services import pickup_expire, pickup_mark_ready
from omni.background import queue_task_after_commit
from omni.errors import ConflictError, DomainError
from omni.models import Channel, Service, Store
from omni.state_machines import StateMachine, apply_transition

AppointmentStatus = Appointment.Status
APPOINTMENT_WORKFLOW = StateMachine(
    label=gettext_lazy("appointment"),
    transitions={
        AppointmentStatus.BOOKED: frozenset(
            {
                AppointmentStatus.CONFIRMED,
                AppointmentStatus.COMPLETED,
                AppointmentStatus.NO_SHOW,
                AppointmentStatus.CANCELLED,
            }
        ),
        AppointmentStatus.CONFIRMED: frozenset(
            {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
        ),
    },
)


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_associate_can_serve(associate: Associate, service: Service) -> None:
    if not associate.is_active:
        raise DomainError(_("%(name)s is no longer active.") % {"name": associate})
    if not associate.store.services.filter(pk=service.pk).exists():
        raise DomainError(
            _("%(store)s does not offer “%(service)s”.")
            % {"store": associate.store, "service": service}
        )
    specialty = service.required_specialty_id
    if specialty and not associate.specialties.filter(pk=specialty).exists():
        raise DomainError(
            _("%(name)s is not qualified for “%(service)s”.")
            % {"name": associate, "service": service}
        )


def _overlapping(
    associate: Associate, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> bool:
    return Appointment.objects.filter(
        associate=associate,
        status__in=Appointment.OCCUPYING_STATUSES,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).exists()


def appointment_book(
    *,
    customer: Customer,
    associate: Associate,
    service: Service,
    starts_at: datetime.datetime,
    booked_via: str,
    actor: Any = None,
    customer_request: str = "",
    source: str = "",
    external_reference: str | None = None,
) -> Appointment:
    """Book `service` with `associate`; refused when she is busy or not qualified."""
    if timezone.is_naive(starts_at):
        raise DomainError(_("The start time needs a time zone."))
    if booked_via not in Channel.values:
        raise DomainError(_("Unknown channel “%s”.") % booked_via)
    if customer.is_merged:
        customer = customer.merged_into
    _check_associate_can_serve(associate, service)
    ends_at = starts_at + datetime.timedelta(minutes=service.duration_minutes)
    try:
        with transaction.atomic():
            # Serialise bookings of one associate so the overlap check below cannot race.
            Associate.objects.select_for_update().filter(pk=associate.pk).first()
            if _overlapping(associate, starts_at, ends_at):
                raise ConflictError(
                    _("%(name)s already has an appointment then.") % {"name": associate}
                )
            return Appointment.objects.create(
                customer=customer,
                store=associate.store,
                associate=associate,
                service=service,
                starts_at=starts_at,
                ends_at=ends_at,
                booked_via=booked_via,
                booked_by=_user_or_none(actor),
                customer_request=customer_request,
                source=source,
                external_reference=external_reference,
            )
    except IntegrityError as error:
        # PostgreSQL's exclusion constraint caught a booking that raced past the check.
        raise ConflictError(
            _("%(name)s already has an appointment then.") % {"name": associate}
        ) from error


CLOSING_STATUSES = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def appointment_can_close(appointment: Appointment) -> bool:
    """Done or no-show only once it has started."""
    return appointment.starts_at <= timezone.now()


def appointment_transition(
    *, appointment: Appointment, status: str, actor: Any, note: str = ""
) -> Appointment:
    if status in CLOSING_STATUSES and not appointment_can_close(appointment):
        raise DomainError(_("An appointment that has not started cannot be closed yet."))
    return apply_transition(
        appointment,
        machine=APPOINTMENT_WORKFLOW,
        target=status,
        actor=actor,
        history_model=AppointmentStatusChange,
        note=note,
    )


def task_create(
    *,
    store: Store,
    title: str,
    due_on: datetime.date,
    actor: Any,
    assignee: Associate | None = None,
    customer: Customer | None = None,
    reason: str = Task.Reason.FOLLOW_UP,
    details: str = "",
) -> Task:
    if not title.strip():
        raise DomainError(_("Give the task a title."))
    if reason not in Task.Reason.values:
        raise DomainError(_("Unknown task reason “%s”.") % reason)
    if assignee is not None and assignee.store_id != store.pk:
        raise DomainError(_("The task can only be given to an associate of this store."))
    return Task.objects.create(
        store=store,
        assignee=assignee,
        customer=customer,
        reason=reason,
        title=title.strip(),
        details=details,
        due_on=due_on,
        created_by=_user_or_none(actor),
    )


def task_complete(*, task: Task, actor: Any) -> Task:
    if task.status != Task.Status.OPEN:
        raise DomainError(_("This task is not open any more."))
    task.status = Task.Status.DONE
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    return task


def note_add(*, customer: Customer, body: str, actor: Any, store: Store | None = None) -> Note:
    if not body.strip():
        raise DomainError(_("The note is empty."))
    return Note.objects.create(
        customer=customer, author=_user_or_none(actor), store=store, body=body.strip()
    )


@transaction.atomic
def pickup_expire_and_plan_put_back(*, pickup_id: int, actor: Any = None) -> Task | None:
    """Expire an uncollected pickup and ask the store to put the goods back on the shelf."""
    pickup = Pickup.objects.select_for_update().select_related("order").get(pk=pickup_id)
    if pickup.status != Pickup.Status.READY:
        return None
    pickup_expire(pickup=pickup, actor=actor)
    return Task.objects.create(
        store_id=pickup.store_id,
        customer_id=pickup.order.customer_id,
        reason=Task.Reason.PUT_BACK,
        title=_("Put back uncollected order %(reference)s (pickup %(code)s)")
        % {"reference": pickup.order.external_reference, "code": pickup.code},
        due_on=timezone.localdate(),
    )


def pickup_mark_ready_and_notify(*, pickup: Pickup, actor: Any) -> Pickup:
    """Put the parcel on the shelf, then tell the customer once the change is committed."""
    with transaction.atomic():
        ready = pickup_mark_ready(pickup=pickup, actor=actor)
        queue_task_after_commit("clienteling.tasks.pickup_ready_notify_task", ready.pk)
    return ready


def appointment_follow_up_create(
    *,
    appointment: Appointment,
    actor: Any,
    title: str,
    due_on: datetime.date,
    details: str = "",
) -> Task:
    """The follow-up proposed once an appointment is completed, for the associate who held it."""
    if appointment.status != AppointmentStatus.COMPLETED:
        raise DomainError(_("Only a completed appointment gets a follow-up."))
    return task_create(
        store=appointment.store,
        title=title,
        due_on=due_on,
        actor=actor,
        assignee=appointment.associate,
        customer=appointment.customer,
        reason=Task.Reason.APPOINTMENT_FOLLOW_UP,
        details=details,
    )


def associate_set_language(*, associate: Associate, language: str) -> Associate:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Unknown language “%s”.") % language)
    associate.preferred_language = language
    associate.save(update_fields=["preferred_language", "updated_at"])
    return associate
