"""Who is calling the API: an integration's API client, or an associate's browser session."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.request import Request

from omni.models import ApiClient, ApiScope, Store

# What the tablet app reads through the API with the associate's session (never writes).
SESSION_READ_SCOPES = frozenset(scope for scope in ApiScope.values if scope.endswith(":read"))


@dataclass(frozen=True)
class ApiPrincipal:
    scopes: frozenset[str]
    store: Store | None
    client: ApiClient | None = None
    user: Any = None

    @property
    def actor(self) -> Any:
        """The user to record in histories (`actor=`): None for an integration."""
        return self.user

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def can_see_store(self, store_id: int | None) -> bool:
        return self.store is None or store_id == self.store.pk


class ApiClientUser:
    """Stands for an API client in `request.user`; never stored, never a Django user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def __str__(self) -> str:
        return f"API client {self.client.name}"


def _session_principal(user: Any) -> ApiPrincipal:
    try:
        associate = user.associate
    except ObjectDoesNotExist:
        associate = None
    if associate is None or not associate.is_active:
        return ApiPrincipal(scopes=frozenset(), store=None, user=user)
    return ApiPrincipal(scopes=SESSION_READ_SCOPES, store=associate.store, user=user)


def principal_of(request: Request) -> ApiPrincipal | None:
    """The authenticated principal of `request` (cached on it), None if anonymous."""
    cached = getattr(request, "_omni_principal", None)
    if cached is not None:
        return cached
    if isinstance(request.auth, ApiClient):
        client = request.auth
        principal = ApiPrincipal(scopes=frozenset(client.scopes), store=client.store, client=client)
    elif request.user is not None and request.user.is_authenticated:
        principal = _session_principal(request.user)
    else:
        return None
    request._omni_principal = principal
    return principal
