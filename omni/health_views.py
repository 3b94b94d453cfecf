"""/health/live and /health/ready (see omni.health): open without signing in, never cached,
answered in a few milliseconds, before the other middlewares (HealthCheckMiddleware): no rate
limit, no session, no access journal, and no personal data read."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from omni.health import readiness


@login_not_required
@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is checked (a database down does not restart it)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 naming the ones that fail. `?worker=1` also fails
    when no Celery worker has a fresh heartbeat (for the workers' own readiness)."""
    require_worker = settings.OMNI_HEALTH_REQUIRE_WORKER or request.GET.get("worker") == "1"
    result = readiness(require_worker=require_worker)
    return JsonResponse(result.body(), status=200 if result.ok else 503)


HEALTH_VIEWS = {"/health/live": live, "/health/ready": ready}


class HealthCheckMiddleware:
    """Answers the probes first, before host validation, the HTTPS redirect and sessions.

    A load balancer or the kubelet asks by the server's own address over plain HTTP (an AWS
    load balancer's health check sends the target's IP as Host, which DJANGO_ALLOWED_HOSTS does
    not name, and cannot be told otherwise): through the other middlewares it would get a 400
    or a redirect. The answers quote nothing from the request. The URLs are also in
    omni/urls.py, which serves them if this middleware is left out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        return self.get_response(request) if view is None else view(request)
