"""Outbound notifications: signed, retried POSTs to a local HTTP receiver (real sockets)."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from journeys.factories import AfterSalesTicketFactory, OrderFactory, PickupFactory
from journeys.integrations.models import OutboundDelivery, OutboundWebhook
from journeys.models import Pickup
from journeys.outbound import outbound_delivery_resend
from journeys.services import (
    pickup_hand_over,
    pickup_mark_ready,
    pickup_start_preparing,
    ticket_transition,
)
from omni.models import Store
from tests.integrations.conftest import hmac_base64

pytestmark = pytest.mark.django_db
SECRET = "omni-outbound-test-secret"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def signature_is_valid(self) -> bool:
        return self.headers["x-omni-hmac-sha256"] == hmac_base64(self.body, SECRET)


@dataclass
class Receiver:
    """Answers the statuses queued in `answers` (then 200) and keeps what it received."""

    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {key.lower(): value for key, value in self.headers.items()}
                receiver.received.append(Received(headers, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/omni-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def endpoint(receiver: Receiver) -> OutboundWebhook:
    return OutboundWebhook.objects.create(name="E-shop", url=receiver.url, secret=SECRET)


@pytest.fixture
def pickup(store: Store) -> Pickup:
    order = OrderFactory(
        source="shopify",
        external_reference="450789469",
        channel="web",
        store=store,
        fulfilment="click_and_collect",
    )
    return PickupFactory(order=order, store=store, status="preparing")


def test_a_pickup_ready_is_posted_signed_after_commit(
    receiver: Receiver, endpoint, pickup, associate, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, actor=associate.user)

    [message] = receiver.received
    assert message.signature_is_valid
    assert message.headers["x-omni-event"] == "pickup.ready"
    assert message.headers["content-type"] == "application/json"
    body = message.json
    assert body["event"] == "pickup.ready"
    assert body["data"]["order"] == {"source": "shopify", "external_reference": "450789469"}
    assert body["data"]["pickup"]["code"] == pickup.code
    assert body["data"]["pickup"]["store"] == "paris-flagship"
    delivery = OutboundDelivery.objects.get()
    assert body["id"] == message.headers["x-omni-delivery-id"] == str(delivery.delivery_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_collected_is_notified_and_other_moves_are_not(
    receiver: Receiver, endpoint, pickup, associate, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pickup = pickup_mark_ready(pickup=pickup, actor=associate.user)
        pickup_hand_over(pickup=pickup, code=pickup.code, actor=associate.user)
        pickup_start_preparing(pickup=PickupFactory(status="placed"), actor=associate.user)

    assert [message.json["event"] for message in receiver.received] == [
        "pickup.ready",
        "pickup.collected",
    ]
    assert receiver.received[1].json["data"]["pickup"]["collected_at"] is not None


def test_a_ticket_status_change_is_notified_with_the_previous_status(
    receiver: Receiver, endpoint, associate, django_capture_on_commit_callbacks
) -> None:
    ticket = AfterSalesTicketFactory(order=None)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, status="in_progress", actor=associate.user)

    [message] = receiver.received
    assert message.signature_is_valid
    ticket_data = message.json["data"]["ticket"]
    assert (ticket_data["reference"], ticket_data["status"], ticket_data["previous_status"]) == (
        ticket.reference,
        "in_progress",
        "open",
    )
    assert message.json["data"]["order"] is None


def test_endpoints_receive_only_their_events_and_their_shops_orders(
    receiver: Receiver,
    pickup,
    associate,
    shopify_shop,
    woocommerce_shop,
    django_capture_on_commit_callbacks,
) -> None:
    OutboundWebhook.objects.create(
        name="Tickets", url=receiver.url, secret=SECRET, events=["ticket.status_changed"]
    )
    OutboundWebhook.objects.create(
        name="Shopify", url=receiver.url, secret=SECRET, integration=shopify_shop
    )
    OutboundWebhook.objects.create(
        name="Woo", url=receiver.url, secret=SECRET, integration=woocommerce_shop
    )
    OutboundWebhook.objects.create(name="Off", url=receiver.url, secret=SECRET, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, actor=associate.user)

    assert list(OutboundDelivery.objects.values_list("endpoint__name", flat=True)) == ["Shopify"]


def test_a_failing_receiver_is_retried_with_the_same_id_and_signature(
    receiver: Receiver,
    endpoint,
    pickup,
    associate,
    eager_retries,
    django_capture_on_commit_callbacks,
) -> None:
    receiver.answers = [503, 500]

    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, actor=associate.user)

    assert len(receiver.received) == 3
    assert len({message.body for message in receiver.received}) == 1
    assert len({message.headers["x-omni-hmac-sha256"] for message in receiver.received}) == 1
    assert all(message.signature_is_valid for message in receiver.received)
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")


def test_a_refusal_is_not_retried_and_can_be_resent(
    receiver: Receiver,
    endpoint,
    pickup,
    associate,
    eager_retries,
    django_capture_on_commit_callbacks,
) -> None:
    receiver.answers = [401]
    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, actor=associate.user)
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 401)

    with django_capture_on_commit_callbacks(execute=True):
        outbound_delivery_resend(delivery=delivery, actor=associate.user)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert receiver.received[0].body == receiver.received[1].body


def test_an_unreachable_receiver_fails_after_the_last_retry(
    pickup, associate, eager_retries, django_capture_on_commit_callbacks
) -> None:
    OutboundWebhook.objects.create(name="Down", url="http://127.0.0.1:9/", secret=SECRET)

    with django_capture_on_commit_callbacks(execute=True):
        pickup_mark_ready(pickup=pickup, actor=associate.user)

    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 11)  # First try + 10 retries.
    assert "ConnectError" in delivery.last_error


def test_nothing_is_sent_when_the_change_is_rolled_back(
    receiver: Receiver, endpoint, pickup, associate, django_capture_on_commit_callbacks
) -> None:
    def mark_ready_then_fail() -> None:
        with transaction.atomic():
            pickup_mark_ready(pickup=pickup, actor=associate.user)
            raise RuntimeError("the request failed later")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        mark_ready_then_fail()

    assert not OutboundDelivery.objects.exists()
    assert receiver.received == []
