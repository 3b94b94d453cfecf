"""Signing in and out, and the associate's language."""

import contextlib

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clienteling.services import associate_set_language
from clienteling.views.common import associate_required, current_associate
from omni.errors import DomainError

login = login_not_required(
    auth_views.LoginView.as_view(
        template_name="clienteling/login.html", redirect_authenticated_user=True
    )
)
logout = auth_views.LogoutView.as_view(next_page="clienteling:login")


@require_POST
@associate_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Save the associate's language in the profile: it follows them to any tablet."""
    with contextlib.suppress(DomainError):
        associate_set_language(
            associate=current_associate(request), language=request.POST.get("language", "")
        )
    back = request.POST.get("next", "/")
    allowed = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if allowed else "/")
