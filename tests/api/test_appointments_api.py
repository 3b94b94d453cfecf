"""Appointments through the API: availability, booking (the Benefit scenario), workflow."""

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.factories import AssociateFactory
from clienteling.models import Appointment, Associate
from customers.factories import CustomerFactory
from customers.models import Customer, ExternalIdentity
from journeys.factories import OrderFactory
from omni.factories import ServiceFactory, SpecialtyFactory, StoreFactory
from omni.models import Service, Store
from tests.api.conftest import TokenClient, database_state

pytestmark = pytest.mark.django_db


def _next_tuesday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)


@pytest.fixture
def institute(db: None) -> Store:
    return StoreFactory(code="benefit-opera", name="Benefit Opéra", kind=Store.Kind.INSTITUTE)


@pytest.fixture
def brows(institute: Store) -> Service:
    service = ServiceFactory(
        code="brow-mapping",
        duration_minutes=30,
        required_specialty=SpecialtyFactory(code="esthetician", name="Esthetician"),
    )
    institute.services.add(service)
    return service


@pytest.fixture
def esthetician(institute: Store, brows: Service) -> Associate:
    associate = AssociateFactory(
        user__username="lea", user__first_name="Léa", user__last_name="Martin", store=institute
    )
    associate.specialties.add(brows.required_specialty)
    return associate


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_default_timezone()
    )


def _booking(institute: Store, brows: Service, starts_at: datetime.datetime, **extra: Any) -> dict:
    return {
        "customer": {
            "source": "booking-widget",
            "external_id": "bw-4411",
            "email": "Claire.Dubois@Example.fr",
            "first_name": "Claire",
        },
        "store": institute.code,
        "service": brows.code,
        "starts_at": starts_at.isoformat(),
        "customer_request": "First brow mapping",
        "source": "booking-widget",
        "external_reference": "appt-1",
        **extra,
    }


def test_benefit_an_online_booking_attaches_to_the_known_profile(
    api_client: TokenClient, institute: Store, brows: Service, esthetician: Associate
) -> None:
    known = CustomerFactory(
        first_name="Claire", last_name="Dubois", email="claire.dubois@example.fr"
    )
    OrderFactory(customer=known, store=institute, channel="store", source="pos")
    starts_at = _at(_next_tuesday(), 14)
    response = api_client.post(
        "/api/v1/appointments",
        _booking(institute, brows, starts_at, associate=esthetician.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert appointment.customer == known
    assert Customer.objects.count() == 1
    identity = ExternalIdentity.objects.get(source="booking-widget")
    assert (identity.customer, identity.matched_on) == (known, "email")
    assert response.json()["associate"]["name"] == "Léa M."

    # In the institute, the esthetician sees the profile and the history before the visit.
    tablet = APIClient()
    tablet.force_login(esthetician.user)
    agenda = tablet.get(f"/api/v1/appointments?store={institute.code}").json()["results"]
    assert [row["customer"] for row in agenda] == [known.pk]
    history = tablet.get(f"/api/v1/orders?customer={known.pk}").json()["results"]
    assert len(history) == 1


def test_sending_the_booking_again_returns_it_without_booking_twice(
    api_client: TokenClient, institute: Store, brows: Service, esthetician: Associate
) -> None:
    body = _booking(institute, brows, _at(_next_tuesday(), 15))
    first = api_client.post("/api/v1/appointments", body, format="json")
    again = api_client.post("/api/v1/appointments", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Appointment.objects.count() == 1


def test_availability_lists_free_slots_and_a_booked_one_disappears(
    api_client: TokenClient, institute: Store, brows: Service, esthetician: Associate
) -> None:
    day = _next_tuesday()
    path = f"/api/v1/availability?store={institute.code}&service={brows.code}&date={day}"
    slots = api_client.get(path).json()
    assert slots[0]["starts_at"] == _at(day, 10).astimezone(datetime.UTC).isoformat().replace(
        "+00:00", "Z"
    )
    assert {slot["associate"]["id"] for slot in slots} == {esthetician.pk}
    api_client.post("/api/v1/appointments", _booking(institute, brows, _at(day, 10)), format="json")
    after = api_client.get(path).json()
    assert len(after) == len(slots) - 2  # 10:00 and 10:15 overlap the 30-minute booking.


def test_a_booking_in_a_taken_slot_is_409_and_writes_nothing(
    api_client: TokenClient, institute: Store, brows: Service, esthetician: Associate
) -> None:
    starts_at = _at(_next_tuesday(), 16)
    api_client.post("/api/v1/appointments", _booking(institute, brows, starts_at), format="json")
    before = database_state()
    clash = _booking(institute, brows, starts_at + datetime.timedelta(minutes=15))
    clash["customer"] = {"email": "someone.else@example.fr"}
    clash["external_reference"] = "appt-2"
    response = api_client.post("/api/v1/appointments", clash, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert database_state() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"store": "nowhere"}, "store"),
        ({"service": "nothing"}, "service"),
        ({"associate": 999999}, "associate"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"customer": {}}, "customer.non_field_errors"),
        ({"customer": {"email": "bad"}}, "customer.email"),
        ({"booked_via": "pigeon"}, "booked_via"),
    ],
)
def test_a_bad_booking_is_400_with_the_field(
    api_client: TokenClient,
    institute: Store,
    brows: Service,
    esthetician: Associate,
    change: dict,
    field: str,
) -> None:
    before = database_state()
    body = {**_booking(institute, brows, _at(_next_tuesday(), 11)), **change}
    response = api_client.post("/api/v1/appointments", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert database_state() == before


def test_an_appointment_is_confirmed_then_cancelled(
    api_client: TokenClient, institute: Store, brows: Service, esthetician: Associate
) -> None:
    booked = api_client.post(
        "/api/v1/appointments", _booking(institute, brows, _at(_next_tuesday(), 12)), format="json"
    ).json()
    path = f"/api/v1/appointments/{booked['id']}/transitions"
    assert api_client.post(path, {"status": "confirmed"}, format="json").json()["status"] == (
        "confirmed"
    )
    too_early = api_client.post(path, {"status": "completed"}, format="json")
    assert (too_early.status_code, too_early.json()["code"]) == (422, "domain_error")
    assert api_client.post(path, {"status": "cancelled"}, format="json").status_code == 200
    assert api_client.post(path, {"status": "confirmed"}, format="json").status_code == 409


def test_associates_can_be_listed_by_store_and_specialty(
    api_client: TokenClient, institute: Store, esthetician: Associate
) -> None:
    AssociateFactory(store=institute)
    rows = api_client.get(f"/api/v1/associates?store={institute.code}&specialty=esthetician")
    assert [row["id"] for row in rows.json()["results"]] == [esthetician.pk]
