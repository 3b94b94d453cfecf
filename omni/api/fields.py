"""Serializer fields shared by the API's write endpoints."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that says its offset (`Z` or `+01:00`), kept in UTC.

    A time without one is refused rather than guessed: the same wall-clock time is an hour
    apart in Paris and London, and webhooks refuse it the same way.
    """

    default_error_messages = {
        "naive": _("Give the time zone: 2026-03-01T10:30:00+01:00 or 2026-03-01T09:30:00Z."),
        "out_of_range": _("This time is out of range."),
    }

    def enforce_timezone(self, value: datetime.datetime) -> datetime.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            self.fail("out_of_range")
