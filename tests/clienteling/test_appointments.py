import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clienteling.factories import AppointmentFactory, AssociateFactory
from clienteling.models import Appointment
from clienteling.services import appointment_book, appointment_transition
from customers.factories import CustomerFactory
from omni.errors import ConflictError, DomainError, InvalidTransitionError
from omni.factories import ServiceFactory, SpecialtyFactory


@pytest.fixture
def brow_styling(associate):
    esthetician = SpecialtyFactory(code="esthetician", name="Esthetician")
    service = ServiceFactory(
        code="brow-styling", duration_minutes=45, required_specialty=esthetician
    )
    associate.store.services.add(service)
    associate.specialties.add(esthetician)
    return service


def _tomorrow_at(hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _book(associate, service, starts_at, **extra):
    return appointment_book(
        customer=extra.pop("customer", None) or CustomerFactory(),
        associate=associate,
        service=service,
        starts_at=starts_at,
        booked_via="web",
        **extra,
    )


@pytest.mark.django_db
def test_booking_sets_the_end_from_the_service_duration(associate, brow_styling) -> None:
    appointment = _book(associate, brow_styling, _tomorrow_at(10))
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=45)
    assert appointment.store == associate.store
    assert appointment.status == Appointment.Status.BOOKED


@pytest.mark.django_db
def test_overlapping_booking_is_refused_and_nothing_is_created(associate, brow_styling) -> None:
    _book(associate, brow_styling, _tomorrow_at(10))
    with pytest.raises(ConflictError, match="already has an appointment then"):
        _book(associate, brow_styling, _tomorrow_at(10, 30))
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_back_to_back_bookings_and_cancelled_slots_are_free(associate, brow_styling) -> None:
    first = _book(associate, brow_styling, _tomorrow_at(10))
    _book(associate, brow_styling, _tomorrow_at(10, 45))
    appointment_transition(appointment=first, status="cancelled", actor=associate.user)
    _book(associate, brow_styling, _tomorrow_at(10))
    assert Appointment.objects.filter(status="booked").count() == 2


@pytest.mark.django_db
def test_unqualified_associate_is_refused(store, brow_styling) -> None:
    colleague = AssociateFactory(store=store)
    with pytest.raises(DomainError, match="is not qualified"):
        _book(colleague, brow_styling, _tomorrow_at(10))
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_service_not_offered_by_the_store_is_refused(other_store_associate, brow_styling) -> None:
    other_store_associate.specialties.add(brow_styling.required_specialty)
    with pytest.raises(DomainError, match="does not offer"):
        _book(other_store_associate, brow_styling, _tomorrow_at(10))
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_booking_for_a_merged_profile_lands_on_the_surviving_profile(
    associate, brow_styling
) -> None:
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor)
    appointment = _book(associate, brow_styling, _tomorrow_at(10), customer=absorbed)
    assert appointment.customer == survivor


@pytest.mark.django_db
def test_appointment_cannot_be_completed_before_it_starts(associate, brow_styling) -> None:
    appointment = _book(associate, brow_styling, _tomorrow_at(10))
    with pytest.raises(DomainError, match="has not started"):
        appointment_transition(appointment=appointment, status="completed", actor=associate.user)
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.django_db
def test_finished_appointment_cannot_be_reopened(associate) -> None:
    appointment = AppointmentFactory(
        associate=associate, starts_at=timezone.now() - datetime.timedelta(hours=2)
    )
    appointment_transition(appointment=appointment, status="completed", actor=associate.user)
    with pytest.raises(InvalidTransitionError, match="from “completed” to “cancelled”"):
        appointment_transition(appointment=appointment, status="cancelled", actor=associate.user)
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert appointment.status_changes.get().actor == associate.user


@pytest.mark.django_db
def test_end_before_start_is_refused_by_the_database(associate) -> None:
    start = _tomorrow_at(10)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(associate=associate, starts_at=start, ends_at=start)


@pytest.mark.django_db
def test_database_itself_refuses_overlaps_on_postgresql(associate) -> None:
    """PostgreSQL holds the invariant even past the service; SQLite relies on the service."""
    AppointmentFactory(associate=associate, starts_at=_tomorrow_at(10))
    overlapping = {"associate": associate, "starts_at": _tomorrow_at(10, 15)}
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            AppointmentFactory(**overlapping)
        assert Appointment.objects.count() == 1
    else:
        AppointmentFactory(**overlapping)
        assert Appointment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_bookings_of_one_slot_give_one_appointment(
    associate, brow_styling
) -> None:
    customers = [CustomerFactory(), CustomerFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(customer) -> None:
        barrier.wait()
        try:
            _book(associate, brow_styling, _tomorrow_at(15), customer=customer)
            outcomes.append("booked")
        except ConflictError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(customer,)) for customer in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["booked", "refused"]
    assert Appointment.objects.count() == 1
