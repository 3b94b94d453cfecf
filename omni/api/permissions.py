"""Scopes: each endpoint names the resource family it belongs to; reads and writes differ."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from omni.api.principals import principal_of


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
