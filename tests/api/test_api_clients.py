"""API clients: created in the admin or with a command, token shown once and stored hashed."""

import hashlib
import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from omni.models import ApiClient, ApiScope, Store

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r"omni_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def _works(token: str, path: str = "/api/v1/orders") -> int:
    return APIClient().get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_the_command_prints_the_token_once_and_stores_only_its_digest(store: Store) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_client",
        "e-shop",
        "--scopes",
        "orders:read",
        "customers:write",
        "--store",
        store.code,
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    assert TOKEN.fullmatch(token)
    client = ApiClient.objects.get(name="e-shop")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiClient.objects.values().get())
    assert (client.scopes, client.store) == (["customers:write", "orders:read"], store)
    assert "shown only now" in err.getvalue()
    assert _works(token) == 200
    assert _works(token, "/api/v1/pickups") == 403
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_the_command_accepts_all_scopes() -> None:
    out = StringIO()
    call_command("create_api_client", "pos", "--scopes", "all", stdout=out, stderr=StringIO())
    assert ApiClient.objects.get().scopes == sorted(ApiScope.values)


@pytest.mark.parametrize(
    "arguments",
    [["x", "--scopes", "orders:delete"], ["x", "--scopes", "all", "--store", "atlantis"]],
)
def test_the_command_refuses_unknown_scopes_and_stores(arguments: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_client", *arguments, stdout=StringIO(), stderr=StringIO())
    assert not ApiClient.objects.exists()


def _token_in_messages(response: Any) -> str:
    text = " ".join(str(message) for message in get_messages(response.wsgi_request))
    match = TOKEN.search(text)
    assert match, text
    return match.group()


def test_the_admin_shows_the_token_once_after_saving(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        reverse("admin:omni_apiclient_add"),
        {"name": "Booking widget", "scopes": ["appointments:read", "appointments:write"]},
        follow=True,
    )
    assert response.status_code == 200
    token = _token_in_messages(response)
    assert _works(token, "/api/v1/appointments") == 200
    api_client = ApiClient.objects.get(name="Booking widget")
    page = client.get(reverse("admin:omni_apiclient_change", args=[api_client.pk]))
    assert token not in page.content.decode()

    rotated = client.post(
        reverse("admin:omni_apiclient_changelist"),
        {"action": "issue_new_token", "_selected_action": [api_client.pk]},
        follow=True,
    )
    new_token = _token_in_messages(rotated)
    assert new_token != token
    assert _works(token, "/api/v1/appointments") == 401
    assert _works(new_token, "/api/v1/appointments") == 200


def test_head_office_does_not_manage_api_clients(client: Client, marketer: User) -> None:
    client.force_login(marketer)
    assert client.get(reverse("admin:omni_apiclient_changelist")).status_code == 403
    assert client.get(reverse("admin:omni_apiclient_add")).status_code == 403
