"""Login lockout (django-axes) by username from an address, and by address across usernames.

Axes counts failures per set of lockout parameters (AXES_LOCKOUT_PARAMETERS) but compares them
all with one limit. Here each set has its own: a username from one address locks at
AXES_FAILURE_LIMIT (one user's typos lock only that username there), and an address across
every username at OMNI_LOGIN_ADDRESS_FAILURE_LIMIT (a password spray locks the address).
"""

import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _limit_of(parameter: str | list[str]) -> int:
    if parameter in ("ip_address", ["ip_address"]):
        return settings.OMNI_LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class UsernameAndAddressLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with one failure limit per set of lockout parameters."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures of the set nearest its own limit, scaled to AXES_FAILURE_LIMIT, which
        axes compares them with: locked exactly when some set reached its limit."""
        parameters = get_lockout_parameters(request, credentials)
        attempts_list = self.get_user_attempts(request, credentials)
        base_limit = settings.AXES_FAILURE_LIMIT
        return max(
            (
                _failures(attempts) * base_limit // _limit_of(parameter)
                for parameter, attempts in zip(parameters, attempts_list, strict=True)
            ),
            default=0,
        )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful sign-in forgets that username's failures from that address only, not
        the other usernames' (axes' default also deletes every attempt from the address)."""
        count, _deleted = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count

    def address_is_locked(self, request: HttpRequest) -> bool:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        cool_off = get_cool_off(request)
        if cool_off is not None:
            attempts = attempts.filter(attempt_time__gte=request.axes_attempt_time - cool_off)
        return _failures(attempts) >= settings.OMNI_LOGIN_ADDRESS_FAILURE_LIMIT


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The lockout page: 429, with Retry-After the cool-off (each new failure restarts it)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 24 * 60 * 60
    address_locked = UsernameAndAddressLockoutHandler().address_is_locked(request)
    context = {
        "reason": "address" if address_locked else "account",
        "retry_after_minutes": math.ceil(seconds / 60),
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
