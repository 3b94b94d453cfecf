"""What every tablet view shares: the associate guard, partial rendering and feedback."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap, retarget, trigger_client_event

from clienteling.models import Associate
from insights.views import PERMISSION as DASHBOARD_PERMISSION
from journeys.system_status.views import VIEW_PERMISSION as SYSTEM_STATUS_PERMISSION
from omni.access_journal import journal_reads

View = Callable[..., HttpResponse]


def head_office_start_url(user: AbstractBaseUser | AnonymousUser) -> str:
    """Where head office starts: the dashboards for those who may read them (marketers,
    superusers), the System status for operations, else the admin's index (the data protection
    officer's journal, erasures)."""
    if user.has_perm(DASHBOARD_PERMISSION):
        return reverse("insights:dashboard")
    if user.has_perm(SYSTEM_STATUS_PERMISSION):
        return reverse("system_status:page")
    return reverse("admin:index")


def associate_required(view: View) -> View:
    """The tablet app is for associates. Head office users (staff without an associate
    profile) are sent to their start page in the admin; anyone else gets a page (403) saying
    that their account belongs to no store, with a way to sign out."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "associate", None) is None:
            if request.user.is_staff:
                return redirect(head_office_start_url(request.user))
            return render(request, "clienteling/no_store.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def current_associate(request: HttpRequest) -> Associate:
    return request.associate  # type: ignore[attr-defined]


def journal_tablet_reads(
    request: HttpRequest, customer_ids: Iterable[int], door: str, *, query: str = ""
) -> None:
    """Journal what the associate was shown of these customers (written once the response
    succeeds, in one INSERT: see omni.access_journal)."""
    store = current_associate(request).store
    journal_reads(customer_ids, door, user=request.user, store=store, query=query)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only `partial` of it for an htmx request (not a boosted link).

    Such a URL answers two ways: it varies on HX-Request, or the browser, going Back to a URL
    htmx pushed, would show the fragment it cached for it instead of the page."""
    wants_partial = partial and request.htmx and not request.htmx.boosted  # type: ignore[attr-defined]
    name = f"{template}#{partial}" if wants_partial else template
    response = render(request, name, context, status=status)
    if partial:
        patch_vary_headers(response, ("HX-Request",))
    return response


def render_partial(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render(request, f"{template}#{partial}", context, status=status)


def toast(response: HttpResponse, message: str, *, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": str(message), "level": level})


def done(
    response: HttpResponse, message: str, *, target: str, events: tuple[str, ...] = ()
) -> HttpResponse:
    """A successful action from a sheet: swap `target`, close the sheet, confirm, notify."""
    retarget(response, target)
    reswap(response, "outerHTML")
    trigger_client_event(response, "closeSheet")
    for event in events:
        trigger_client_event(response, event)
    return toast(response, message)
