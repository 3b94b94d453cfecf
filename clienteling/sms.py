"""Text messages to customers through a pluggable backend (settings.OMNI_SMS_BACKEND).

A provider's backend implements `send_messages`; the console backend prints messages while
developing and the in-memory backend keeps them for tests, as Django's mail backends do.
"""

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        with self._lock:
            for message in messages:
                sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
            sys.stdout.flush()
        return len(messages)


outbox: list[TextMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `clienteling.sms.outbox`, for tests."""

    def send_messages(self, messages: Sequence[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.OMNI_SMS_BACKEND)()


def send_sms(*, to: str, body: str) -> int:
    return get_sms_backend().send_messages([TextMessage(to=to, body=body)])
