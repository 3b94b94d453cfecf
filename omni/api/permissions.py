"""Scopes: each endpoint names the resource family it belongs to; reads and writes differ."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from omni.api.principals import principal_of
from omni.models import ApiClient


def required_scope(view: Any, method: str) -> str:
    """`customers:read` for a GET on a `scope_resource = "customers"` view, `:write` otherwise."""
    explicit = getattr(view, "required_scopes", {}).get(getattr(view, "action", None))
    if explicit:
        return explicit
    access = "read" if method in SAFE_METHODS else "write"
    return f"{view.scope_resource}:{access}"


class HasApiScope(BasePermission):
    message = gettext_lazy("This API client is not allowed to do this (missing scope).")
    code = "missing_scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_of(request)
        if principal is None:
            return False  # DRF turns this into 401 since the request is not authenticated.
        scope = required_scope(view, request.method)
        self.message = _("This API client lacks the “%(scope)s” scope.") % {"scope": scope}
        return principal.allows(scope)


class GlobalScopeOrPermission(BasePermission):
    """Head office's endpoints (erasure, the system status): an API client needs `scope` and
    must not be limited to a store; a signed-in user needs what `user_allowed` asks (by default
    the Django permission `permission`)."""

    scope: str
    permission: str = ""
    message = gettext_lazy("You are not allowed to do this.")
    code = "forbidden"

    def user_allowed(self, user: Any) -> bool:
        return user.has_perm(self.permission)

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiClient):
            client = request.auth
            if client.store_id is not None:
                self.message = _("A client limited to one store cannot do this.")
                self.code = "store_forbidden"
                return False
            self.message = _("This API client lacks the “%(scope)s” scope.") % {"scope": self.scope}
            self.code = "missing_scope"
            return self.scope in client.scopes
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return self.user_allowed(user)
