"""API clients: issuing tokens (shown once, stored as a SHA-256 digest) and checking them."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.errors import DomainError
from omni.models import ApiClient, Store, validate_api_scopes

TOKEN_NAMESPACE = "omni"
PREFIX_BYTES = 6  # 12 hex characters: public, only used to find the row.
SECRET_BYTES = 32  # 256 bits of entropy: a plain SHA-256 digest is enough, no slow hash needed.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(PREFIX_BYTES)
    return prefix, f"{TOKEN_NAMESPACE}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"


def _prefix_of(raw_token: str) -> str | None:
    parts = raw_token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_NAMESPACE or len(parts[1]) != PREFIX_BYTES * 2:
        return None
    return parts[1]


def api_client_create(
    *, name: str, scopes: Iterable[str], store: Store | None = None, actor: Any = None
) -> tuple[ApiClient, str]:
    """Create a client and return it with its raw token, which is never retrievable again."""
    scope_list = sorted(set(scopes))
    try:
        validate_api_scopes(scope_list)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), code="invalid") from error
    if not name.strip():
        raise DomainError(_("Give the API client a name."), code="invalid")
    if ApiClient.objects.filter(name=name.strip()).exists():
        raise DomainError(_("An API client with this name already exists."), code="conflict")
    prefix, raw_token = _new_token()
    client = ApiClient.objects.create(
        name=name.strip(),
        token_prefix=prefix,
        token_hash=token_digest(raw_token),
        scopes=scope_list,
        store=store,
    )
    return client, raw_token


def api_client_issue_token(*, client: ApiClient, actor: Any = None) -> str:
    """Replace the client's token (rotation, or a lost token); the old one stops working."""
    prefix, raw_token = _new_token()
    with transaction.atomic():
        ApiClient.objects.filter(pk=client.pk).update(
            token_prefix=prefix, token_hash=token_digest(raw_token)
        )
    client.token_prefix, client.token_hash = prefix, token_digest(raw_token)
    return raw_token


def api_client_for_token(raw_token: str) -> ApiClient | None:
    """The active client holding `raw_token`, or None; the digest is compared in constant time."""
    prefix = _prefix_of(raw_token)
    if prefix is None:
        return None
    client = ApiClient.objects.select_related("store").filter(token_prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.token_hash, token_digest(raw_token)):
        return None
    if not client.is_active:
        return None
    _touch(client)
    return client


def _touch(client: ApiClient) -> None:
    """Record the last use, at most once a minute so busy clients do not write on every call."""
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_PRECISION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
