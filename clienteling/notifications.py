"""Messages to customers about their click & collect: an email and a text message.

Written in the customer's language; these are service messages, so they do not depend on
marketing consent. Each is sent once per pickup and channel (CustomerNotification), so the
task that sends them is safe to run twice.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from clienteling.models import CustomerNotification
from clienteling.sms import send_sms
from customers.models import Customer
from journeys.models import Pickup

Kind, Channel = CustomerNotification.Kind, CustomerNotification.Channel


@dataclass(frozen=True)
class NotificationResult:
    emails: int
    text_messages: int


def _send_once(
    *, customer: Customer, pickup: Pickup, kind: str, channel: str, send: Callable[[], int]
) -> int:
    """Record, then send; a failure rolls the record back so that a retry sends again."""
    with transaction.atomic():
        _record, created = CustomerNotification.objects.get_or_create(
            pickup=pickup, kind=kind, channel=channel, defaults={"customer": customer}
        )
        return send() if created else 0


def _render(name: str, context: dict) -> str:
    return render_to_string(f"clienteling/notifications/{name}", context).strip()


def pickup_ready_notify(*, pickup_id: int) -> NotificationResult:
    """Tell the customer the order is ready to collect, by email and by SMS when known."""
    pickup = Pickup.objects.select_related("order__customer", "store").get(pk=pickup_id)
    customer = pickup.order.customer
    if customer is None or customer.erased_at is not None:
        return NotificationResult(emails=0, text_messages=0)
    context = {"pickup": pickup, "customer": customer, "store": pickup.store}
    emails = text_messages = 0
    with translation.override(customer.preferred_language):
        if customer.email:
            emails = _send_once(
                customer=customer,
                pickup=pickup,
                kind=Kind.PICKUP_READY,
                channel=Channel.EMAIL,
                send=lambda: send_mail(
                    subject=_render("pickup_ready_subject.txt", context),
                    message=render_to_string(
                        "clienteling/notifications/pickup_ready_email.txt", context
                    ),
                    from_email=None,
                    recipient_list=[customer.email],
                ),
            )
        if customer.phone:
            text_messages = _send_once(
                customer=customer,
                pickup=pickup,
                kind=Kind.PICKUP_READY,
                channel=Channel.SMS,
                send=lambda: send_sms(
                    to=customer.phone, body=_render("pickup_ready_sms.txt", context)
                ),
            )
    return NotificationResult(emails=emails, text_messages=text_messages)
