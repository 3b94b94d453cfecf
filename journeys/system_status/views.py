"""The System status page in the admin (its login, layout and navigation), and its replays.

Staff with `omni.view_system_status` (the operations role) and superusers read it; anyone else
signed in to the admin gets a 403, and people who are not staff (store associates) are sent to
the admin's login as for every admin page. Replays change the inbox: they need the permission
the admin's own "Process again" action needs (`journeys.change_webhookdelivery`), are POST
only, with the CSRF token, and answer with a message on the page they come back to.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from journeys.system_status.replays import delivery_replay, failed_deliveries_replay
from journeys.system_status.selectors import system_status
from omni.errors import DomainError

VIEW_PERMISSION = "omni.view_system_status"
REPLAY_PERMISSION = "journeys.change_webhookdelivery"
View = Callable[..., HttpResponse]


def may_view(user: Any) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(VIEW_PERMISSION))


def may_replay(user: Any) -> bool:
    return may_view(user) and user.has_perm(REPLAY_PERMISSION)


def _status_view(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return admin.site.admin_view(checked)

    return decorate


def _post_only(view: View) -> View:
    """A replay changes the inbox: only the page's buttons (POST) do it. A GET (a link
    followed, a reload) is told so and changes nothing."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(
                ["POST"],
                content=_("Replays are made with the buttons of the System status page."),
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return checked


def _back_to_page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("system_status:page"))


@_status_view(may_view)
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": _("System status"),
        "status": system_status(),
        "may_replay": may_replay(request.user),
    }
    return TemplateResponse(request, "journeys/system_status.html", context)


@_status_view(may_replay)
@_post_only
def replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        delivery = delivery_replay(delivery_id=delivery_id, actor=request.user)
    except DomainError as error:
        messages.error(
            request,
            _("Webhook delivery #%(id)s: %(error)s") % {"id": delivery_id, "error": error.message},
        )
    else:
        messages.success(
            request,
            _("Webhook delivery #%(id)s (%(topic)s) will be processed again.")
            % {"id": delivery.pk, "topic": delivery.topic},
        )
    return _back_to_page()


@_status_view(may_replay)
@_post_only
def replay_failed(request: HttpRequest) -> HttpResponse:
    batch = failed_deliveries_replay(actor=request.user)
    if not batch.replayed:
        messages.info(request, _("No failed webhook delivery to replay."))
        return _back_to_page()
    messages.success(
        request,
        ngettext(
            "%(count)s failed webhook delivery will be processed again.",
            "%(count)s failed webhook deliveries will be processed again.",
            batch.replayed,
        )
        % {"count": batch.replayed},
    )
    if batch.remaining:
        messages.warning(
            request,
            _("More failed deliveries remain: replay them once these are done."),
        )
    return _back_to_page()
