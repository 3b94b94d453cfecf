"""Signing in and out, and the associate's language."""

import contextlib

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clienteling.models import Associate
from clienteling.services import associate_set_language
from clienteling.views.common import associate_required, current_associate, head_office_start_url
from omni.errors import DomainError


class LoginView(auth_views.LoginView):
    """The sign-in of everyone: associates land on My day, head office on its start page in
    the admin (dashboards or index). A `next` of this site is still followed; one to another
    host is ignored (Django's check of the redirect)."""

    template_name = "clienteling/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        # The associate middleware ran before the sign-in: it found no one then.
        is_associate = Associate.objects.filter(user=user, is_active=True).exists()
        if user.is_staff and not is_associate:
            return head_office_start_url(user)
        return reverse("clienteling:my_day")


login = login_not_required(LoginView.as_view())
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
