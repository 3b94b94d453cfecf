"""The per-client rate limit of the API, as a DRF throttle (counters: omni.rate_limits).

The per-address limit runs earlier, in omni.rate_limits.AddressRateLimitMiddleware, so that
requests which fail authentication are counted too.
"""

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from omni.models import ApiClient
from omni.rate_limits import retry_after_if_over


class ApiClientRateThrottle(BaseThrottle):
    """OMNI_RATE_LIMIT_API_PER_CLIENT requests per window per API client or signed-in user."""

    retry_after: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        identity = _identity(request)
        if identity is None:
            return True  # Anonymous: refused by authentication, counted per address.
        limit = settings.OMNI_RATE_LIMIT_API_PER_CLIENT
        self.retry_after = retry_after_if_over("api-client", identity, limit)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


def _identity(request: Request) -> str | None:
    if isinstance(request.auth, ApiClient):
        return f"client:{request.auth.pk}"
    user = request.user
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user:{user.pk}"
    return None
