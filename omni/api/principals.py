"""Who is calling the API: an integration's API client, or an associate's browser session."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.request import Request

from omni.models import ApiClient, ApiScope, Store

# What the tablet app reads through the API with the associate's session (never writes):
# not head office's segments, a person's data protection export (the DPO's), nor the system
# status (monitoring's).
SESSION_READ_SCOPES = frozenset(
    scope
    for scope in ApiScope.values
    if scope.endswith(":read")
    and scope not in (ApiScope.SEGMENTS_READ, ApiScope.GDPR_READ, ApiScope.SYSTEM_STATUS_READ)
)


@dataclass(frozen=True)
class ApiPrincipal:
    scopes: frozenset[str]
    store: Store | None
    client: ApiClient | None = None
    user: Any = None
    # Whether it is shown customers' contact details in full whatever their consent
    # (customers.masking): a session reads what the tablet shows its associate (a store
    # manager, in full); an integration what its scopes allow.
    sees_all_contact_details: bool = True

    @property
    def actor(self) -> Any:
        """The user to record in histories (`actor=`): None for an integration."""
        return self.user

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def can_see_store(self, store_id: int | None) -> bool:
        return self.store is None or store_id == self.store.pk

    @property
    def customers_store(self) -> Store | None:
        """The store whose customers, orders and returns only this principal sees: a
        store-limited API client's. An associate's session shares customer profiles and their
        history with every store, as the tablet's customer 360 does (None)."""
        return self.store if self.client is not None else None


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
    return ApiPrincipal(
        scopes=SESSION_READ_SCOPES,
        store=associate.store,
        user=user,
        sees_all_contact_details=associate.is_store_manager,
    )


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
