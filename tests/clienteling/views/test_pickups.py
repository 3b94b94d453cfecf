"""The click & collect desk: preparing, ready (customer notified), hand-over with the code,
expired pickups, and store scoping."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clienteling.models import Associate
from journeys.factories import PickupFactory
from journeys.models import Pickup, PickupStatusChange
from omni.models import Store

pytestmark = pytest.mark.django_db


def post(client: Client, name: str, pickup: Pickup, data: dict | None = None) -> object:
    return client.post(reverse(name, args=[pickup.pk]), data or {}, HTTP_HX_REQUEST="true")


def test_desk_lists_pickups_by_status(
    associate_client: Client, store: Store, pickup: Pickup
) -> None:
    ready = PickupFactory(order__store=store, store=store, status="ready", ready_at=timezone.now())
    response = associate_client.get(reverse("clienteling:pickups"))
    html = response.content.decode()
    assert pickup.order.external_reference in html
    assert ready.order.external_reference not in html
    response = associate_client.get(reverse("clienteling:pickups"), {"tab": "ready"})
    assert ready.order.external_reference in response.content.decode()
    assert pickup.code not in response.content.decode(), "the code comes from the customer"


def test_prepare_then_ready_notifies_the_customer_and_records_the_associate(
    associate_client: Client,
    associate: Associate,
    pickup: Pickup,
    sms_outbox: list,
    django_capture_on_commit_callbacks: object,
) -> None:
    assert post(associate_client, "clienteling:pickup_prepare", pickup).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = post(associate_client, "clienteling:pickup_ready", pickup)
    assert response.status_code == 200
    assert "toast" in response["HX-Trigger"]
    pickup.refresh_from_db()
    assert pickup.status == "ready"
    assert pickup.pickup_by is not None
    customer = pickup.order.customer
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.email]
    assert pickup.code in mail.outbox[0].body
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == customer.phone
    assert pickup.code in sms_outbox[0].body
    actors = set(PickupStatusChange.objects.filter(subject=pickup).values_list("actor", flat=True))
    assert actors == {associate.user_id}


@pytest.fixture
def ready_pickup(pickup: Pickup) -> Pickup:
    Pickup.objects.filter(pk=pickup.pk).update(status="ready", ready_at=timezone.now())
    pickup.refresh_from_db()
    return pickup


def test_wrong_code_is_refused_then_right_code_hands_over(
    associate_client: Client, associate: Associate, ready_pickup: Pickup
) -> None:
    response = post(
        associate_client, "clienteling:pickup_hand_over", ready_pickup, {"code": "WRONG123"}
    )
    assert response.status_code == 422
    assert "does not match" in response.content.decode()
    ready_pickup.refresh_from_db()
    assert ready_pickup.status == "ready"
    typed = f"{ready_pickup.code[:4].lower()} {ready_pickup.code[4:].lower()}"
    response = post(associate_client, "clienteling:pickup_hand_over", ready_pickup, {"code": typed})
    assert response.status_code == 200
    ready_pickup.refresh_from_db()
    assert ready_pickup.status == "collected"
    assert ready_pickup.collected_by_id == associate.user_id


def test_empty_code_is_asked_for(associate_client: Client, ready_pickup: Pickup) -> None:
    response = post(associate_client, "clienteling:pickup_hand_over", ready_pickup, {"code": " "})
    assert response.status_code == 422
    assert "pickup code" in response.content.decode()


def test_expired_pickup_is_flagged_and_not_handed_over(
    associate_client: Client, ready_pickup: Pickup
) -> None:
    Pickup.objects.filter(pk=ready_pickup.pk).update(
        pickup_by=timezone.localdate() - datetime.timedelta(days=2)
    )
    desk = associate_client.get(reverse("clienteling:pickups"), {"tab": "ready"})
    assert "Past collection date" in desk.content.decode()
    response = post(
        associate_client, "clienteling:pickup_hand_over", ready_pickup, {"code": ready_pickup.code}
    )
    assert response.status_code == 422
    assert "collection date" in response.content.decode()
    ready_pickup.refresh_from_db()
    assert ready_pickup.status == "ready"


def test_find_by_code_opens_the_pickup_without_changing_it(
    associate_client: Client, ready_pickup: Pickup
) -> None:
    response = associate_client.get(
        reverse("clienteling:pickup_find"),
        {"code": ready_pickup.code.lower()},
        HTTP_HX_REQUEST="true",
    )
    assert f'id="pickup-{ready_pickup.pk}"' in response.content.decode()
    ready_pickup.refresh_from_db()
    assert ready_pickup.status == "ready"


def test_other_store_cannot_see_or_act_on_the_pickup(
    other_store_client: Client, ready_pickup: Pickup, pickup: Pickup
) -> None:
    before = PickupStatusChange.objects.count()
    for name, data in (
        ("clienteling:pickup_prepare", {}),
        ("clienteling:pickup_ready", {}),
        ("clienteling:pickup_hand_over", {"code": ready_pickup.code}),
    ):
        assert post(other_store_client, name, ready_pickup, data).status_code == 404
    ready_pickup.refresh_from_db()
    assert ready_pickup.status == "ready"
    assert PickupStatusChange.objects.count() == before
    found = other_store_client.get(reverse("clienteling:pickup_find"), {"code": ready_pickup.code})
    assert f'id="pickup-{ready_pickup.pk}"' not in found.content.decode()
    desk = other_store_client.get(reverse("clienteling:pickups"), {"tab": "ready"})
    assert ready_pickup.order.external_reference not in desk.content.decode()


def test_desk_queries_do_not_grow_with_pickups(
    associate_client: Client, store: Store, django_assert_max_num_queries: object
) -> None:
    PickupFactory.create_batch(40, order__store=store, store=store)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert associate_client.get(reverse("clienteling:pickups")).status_code == 200


def test_ready_notification_is_sent_once_even_if_the_task_runs_twice(
    ready_pickup: Pickup, sms_outbox: list
) -> None:
    from clienteling.tasks import pickup_ready_notify_task

    first = pickup_ready_notify_task(ready_pickup.pk)
    second = pickup_ready_notify_task(ready_pickup.pk)
    assert first == {"emails": 1, "text_messages": 1}
    assert second == {"emails": 0, "text_messages": 0}
    assert len(mail.outbox) == 1
    assert len(sms_outbox) == 1


def test_a_failed_message_is_sent_again_on_retry(
    ready_pickup: Pickup, sms_outbox: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clienteling import notifications
    from clienteling.models import CustomerNotification

    def broken(**_kwargs: object) -> int:
        raise ConnectionError("SMS provider down")

    monkeypatch.setattr(notifications, "send_sms", broken)
    with pytest.raises(ConnectionError):
        notifications.pickup_ready_notify(pickup_id=ready_pickup.pk)
    assert not CustomerNotification.objects.filter(channel="sms").exists()
    monkeypatch.undo()
    result = notifications.pickup_ready_notify(pickup_id=ready_pickup.pk)
    assert result.text_messages == 1
    assert len(mail.outbox) == 1, "the email went out the first time"
