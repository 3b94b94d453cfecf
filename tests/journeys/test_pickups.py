import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from journeys.factories import OrderFactory, PickupFactory
from journeys.models import Pickup, PickupStatusChange
from journeys.pickup_codes import PICKUP_CODE_ALPHABET, new_pickup_code, normalize_pickup_code
from journeys.services import (
    pickup_cancel,
    pickup_create,
    pickup_expire,
    pickup_hand_over,
    pickup_mark_ready,
    pickup_start_preparing,
)
from omni.errors import DomainError, InvalidTransitionError

pytestmark = pytest.mark.django_db


def test_pickup_codes_are_long_random_and_unambiguous() -> None:
    codes = {new_pickup_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= set(PICKUP_CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(PICKUP_CODE_ALPHABET)


def test_typed_codes_ignore_case_spaces_and_dashes() -> None:
    assert normalize_pickup_code(" ab-cd 2345 ") == "ABCD2345"


def test_a_pickup_goes_from_placed_to_collected_with_history(associate) -> None:
    order = OrderFactory(channel="web", fulfilment="click_and_collect", store=associate.store)
    pickup = pickup_create(order=order, store=associate.store)
    pickup = pickup_start_preparing(pickup=pickup, actor=associate.user)
    pickup = pickup_mark_ready(pickup=pickup, actor=associate.user)
    assert pickup.ready_at is not None
    assert pickup.pickup_by == timezone.localdate() + datetime.timedelta(days=10)

    pickup = pickup_hand_over(pickup=pickup, code=pickup.code.lower(), actor=associate.user)

    assert pickup.status == Pickup.Status.COLLECTED
    assert pickup.collected_by == associate.user
    history = list(pickup.status_changes.values_list("from_status", "to_status", "actor"))
    assert history == [
        ("placed", "preparing", associate.user.pk),
        ("preparing", "ready", associate.user.pk),
        ("ready", "collected", associate.user.pk),
    ]


def test_wrong_code_is_refused_and_nothing_changes(associate) -> None:
    pickup = PickupFactory(status=Pickup.Status.READY, order__store=associate.store)
    with pytest.raises(DomainError, match="does not match"):
        pickup_hand_over(pickup=pickup, code="WRONG123", actor=associate.user)
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.READY
    assert pickup.collected_at is None
    assert not PickupStatusChange.objects.exists()


def test_a_pickup_past_its_date_is_flagged_at_hand_over_and_can_expire(associate) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pickup = PickupFactory(status=Pickup.Status.READY, pickup_by=yesterday)
    with pytest.raises(DomainError, match="passed its collection date") as error:
        pickup_hand_over(pickup=pickup, code=pickup.code, actor=associate.user)
    assert error.value.code == "pickup_expired"

    pickup = pickup_expire(pickup=pickup)
    assert pickup.status == Pickup.Status.EXPIRED


def test_a_pickup_within_its_date_cannot_be_expired() -> None:
    pickup = PickupFactory(status=Pickup.Status.READY)
    with pytest.raises(DomainError, match="can still be collected"):
        pickup_expire(pickup=pickup)
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.READY


def test_invalid_transition_is_rejected_with_its_message_and_nothing_changes(associate) -> None:
    pickup = PickupFactory()
    with pytest.raises(InvalidTransitionError, match="cannot go from “placed” to “collected”"):
        pickup_hand_over(pickup=pickup, code=pickup.code, actor=associate.user)
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.PLACED
    assert not PickupStatusChange.objects.exists()


def test_collected_pickup_cannot_be_cancelled(associate) -> None:
    pickup = PickupFactory(status=Pickup.Status.READY)
    pickup_hand_over(pickup=pickup, code=pickup.code, actor=associate.user)
    with pytest.raises(InvalidTransitionError):
        pickup_cancel(pickup=pickup, actor=associate.user)
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.COLLECTED


def test_one_pickup_per_order_in_the_service_and_the_database(associate) -> None:
    pickup = PickupFactory()
    with pytest.raises(DomainError, match="already has a pickup"):
        pickup_create(order=pickup.order, store=pickup.store)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pickup.objects.create(order=pickup.order, store=pickup.store, code=new_pickup_code())
    assert Pickup.objects.count() == 1


def test_store_without_click_and_collect_is_refused(associate) -> None:
    associate.store.offers_click_and_collect = False
    associate.store.save()
    with pytest.raises(DomainError, match="does not offer click & collect"):
        pickup_create(order=OrderFactory(), store=associate.store)
    assert not Pickup.objects.exists()


def test_collected_status_requires_a_collection_time_in_the_database() -> None:
    pickup = PickupFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pickup.objects.filter(pk=pickup.pk).update(status="collected")
