"""Rate limits: per client address on the API, the shops' webhooks and sign-in; per API client.

Counters live in the Django cache (Redis in production, OMNI_CACHE_URL), one per key and fixed
window of OMNI_RATE_LIMIT_WINDOW_SECONDS: an atomic add-then-increment, so every process
counts the same requests. A refused request gets a 429 with Retry-After (seconds to the next
window) and is not handed on: nothing is stored, no session or view runs.

The address limits are a middleware placed early, so a flood of bad tokens, bad signatures or
wrong passwords is refused before it is looked up; the per-client limit is a DRF throttle, as
the client is known only once the request is authenticated (omni.api.throttling).
"""

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from omni.records import NON_FIELD

logger = logging.getLogger(__name__)
SIGN_IN_VIEWS = frozenset({"clienteling:login", "admin:login"})


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or the one OMNI_TRUSTED_PROXY_COUNT proxies saw.

    Each trusted proxy appends the address it received from to X-Forwarded-For, so the client
    is the entry that many places from the right; what the client itself wrote is ignored, and
    so is an entry that is not an address. None when unknown (axes records no address then).
    """
    proxies = settings.OMNI_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and forwarded and _is_address(forwarded[-min(proxies, len(forwarded))]):
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR") or None


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def retry_after_if_over(scope: str, identity: str, limit: int) -> int | None:
    """Count one request of `identity` in `scope`; seconds to wait if it is over `limit`."""
    window = settings.OMNI_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    window_number = int(now // window)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    key = f"rate-limit:{scope}:{digest}:{window_number}"
    cache = caches["default"]
    try:
        # add() creates the counter only if absent; incr() is atomic on Redis and in memory.
        count = 1 if cache.add(key, 1, timeout=window + 1) else _increment(key, window)
    except Exception:
        # The cache is down: serve rather than refuse everything (webhooks are stored even
        # while Redis is down, for the sweep to process later).
        logger.warning("Rate limit not counted: the cache is unavailable.", exc_info=True)
        return None
    if count <= limit:
        return None
    return max(1, math.ceil((window_number + 1) * window - now))


def _increment(key: str, window: int) -> int:
    cache = caches["default"]
    try:
        return cache.incr(key)
    except ValueError:  # Expired between add() and incr(): this request starts it again.
        cache.add(key, 1, timeout=window + 1)
        return 1


@dataclass(frozen=True)
class AddressLimit:
    scope: str
    setting: str
    applies: Callable[[HttpRequest], bool]
    refuse: Callable[[HttpRequest, int], HttpResponse]


def _too_many(response: HttpResponse, retry_after: int) -> HttpResponse:
    response["Retry-After"] = str(retry_after)
    return response


def _api_refusal(request: HttpRequest, retry_after: int) -> HttpResponse:
    detail = _("Too many requests from this address: try again in %(seconds)d seconds.") % {
        "seconds": retry_after
    }
    # The API's error body (omni.api.exception_handler.error_body).
    body = {"code": "throttled", "detail": detail, "errors": {NON_FIELD: [detail]}}
    return _too_many(JsonResponse(body, status=429), retry_after)


def _webhook_refusal(request: HttpRequest, retry_after: int) -> HttpResponse:
    detail = _("Too many webhooks from this address: the shop will retry.")
    body = {"error": "rate_limited", "detail": detail, "retry_after": retry_after}
    return _too_many(JsonResponse(body, status=429), retry_after)


def _sign_in_refusal(request: HttpRequest, retry_after: int) -> HttpResponse:
    context = {"reason": "rate", "retry_after_minutes": math.ceil(retry_after / 60)}
    response = render(request, "clienteling/locked_out.html", context, status=429)
    return _too_many(response, retry_after)


def _is_sign_in(request: HttpRequest) -> bool:
    match = request.resolver_match
    return request.method == "POST" and match is not None and match.view_name in SIGN_IN_VIEWS


def _is_webhook(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.namespace == "webhooks"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


ADDRESS_LIMITS = (
    AddressLimit("sign-in", "OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS", _is_sign_in, _sign_in_refusal),
    AddressLimit("webhooks", "OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS", _is_webhook, _webhook_refusal),
    AddressLimit("api", "OMNI_RATE_LIMIT_API_PER_ADDRESS", _is_api, _api_refusal),
)


class AddressRateLimitMiddleware:
    """Refuses (429) what one address sends beyond its limit to sign-in, webhooks or the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        for limit in ADDRESS_LIMITS:
            if limit.applies(request):
                address = client_address(request) or "unknown"
                retry_after = retry_after_if_over(
                    limit.scope, address, getattr(settings, limit.setting)
                )
                return None if retry_after is None else limit.refuse(request, retry_after)
        return None


@checks.register(checks.Tags.security, deploy=True)
def rate_limit_cache_is_shared(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Counters in a per-process cache would let each worker allow the whole limit."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith((".LocMemCache", ".DummyCache")):
        return [
            checks.Warning(
                "Rate limits are counted per process: the cache is not shared.",
                hint="Set OMNI_CACHE_URL to a Redis database, e.g. redis://redis:6379/1.",
                id="omni.W001",
            )
        ]
    return []
