"""GET /metrics: the Prometheus scrape, for a bearer token and/or from allowed networks.

- OMNI_METRICS_TOKEN set: the request must carry `Authorization: Bearer <token>`.
- OMNI_METRICS_ALLOWED_NETWORKS set: the client address (read through OMNI_TRUSTED_PROXY_COUNT
  proxies, as the rate limits do) must be in one of them.
- Both set: both are required. Neither: the endpoint does not exist (404), except with
  DJANGO_DEBUG on, where a browser on the same machine may read it.

A refusal says nothing about why (401 or 403 with an empty body). The page is no one's
session: it needs no login, journals nothing (no personal data in it) and is not counted by the
API's rate limits; a scraper calls it every 15 to 60 seconds.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from omni.metrics import exposition
from omni.rate_limits import client_address

BEARER = "bearer"


def _address_in(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in ipaddress.ip_network(network, strict=False) for network in networks)


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == BEARER else ""


def _is_local_debug_request(request: HttpRequest) -> bool:
    """DEBUG without settings: a browser on this machine, not a request relayed by a proxy."""
    address = request.META.get("REMOTE_ADDR") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return settings.DEBUG and not forwarded and _address_in(address, ["127.0.0.0/8", "::1/128"])


def refusal(request: HttpRequest) -> HttpResponse | None:
    """The answer to a request that may not read the metrics, or None if it may."""
    token: str = settings.OMNI_METRICS_TOKEN
    networks: list[str] = settings.OMNI_METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        if _is_local_debug_request(request):
            return None
        raise Http404
    if networks and not _address_in(client_address(request), networks):
        return HttpResponse(status=403)
    if token:
        given = _bearer_token(request)
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return None


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    refused = refusal(request)
    if refused is not None:
        return refused
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
