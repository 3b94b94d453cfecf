"""Signing in and out, login throttling, CSRF and the CSP (who lands where after signing in:
test_start_pages)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from clienteling.models import Associate

pytestmark = pytest.mark.django_db
PASSWORD = "omni-demo"


def test_anonymous_users_are_sent_to_sign_in(client: Client) -> None:
    for name in (
        "clienteling:my_day",
        "clienteling:search",
        "clienteling:pickups",
        "clienteling:agenda",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("clienteling:login"))


def test_sign_in_page_renders_without_inline_script(client: Client) -> None:
    response = client.get(reverse("clienteling:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))


def test_associate_signs_in_lands_on_my_day_and_signs_out(associate: Associate) -> None:
    client = Client()
    response = client.post(
        reverse("clienteling:login"), {"username": "camille", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.status_code == 200
    assert b"My tasks due" in response.content or "Mes tâches".encode() in response.content
    response = client.post(reverse("clienteling:logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account(associate: Associate, settings: object) -> None:
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):  # type: ignore[attr-defined]
        response = client.post(
            reverse("clienteling:login"), {"username": "camille", "password": "wrong"}
        )
        assert response.status_code in (200, 429)
    response = client.post(
        reverse("clienteling:login"), {"username": "camille", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_content_security_policy_forbids_inline_scripts(associate_client: Client) -> None:
    response = associate_client.get("/")
    policy = response["Content-Security-Policy"]
    script_source = next(part for part in policy.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script_source
    html = response.content.decode()
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_htmx_posts_need_the_csrf_token(associate: Associate, customer: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(associate.user)
    url = reverse("clienteling:note_create", args=[customer.pk])  # type: ignore[attr-defined]
    response = client.post(url, {"body": "Without a token"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not customer.notes.exists()  # type: ignore[attr-defined]


def test_actions_refuse_get(associate_client: Client, customer: object, pickup: object) -> None:
    for url in (
        reverse("clienteling:note_create", args=[customer.pk]),  # type: ignore[attr-defined]
        reverse("clienteling:wishlist_add", args=[customer.pk]),  # type: ignore[attr-defined]
        reverse("clienteling:pickup_ready", args=[pickup.pk]),  # type: ignore[attr-defined]
        reverse("clienteling:pickup_hand_over", args=[pickup.pk]),  # type: ignore[attr-defined]
    ):
        assert associate_client.get(url).status_code == 405
    pickup.refresh_from_db()  # type: ignore[attr-defined]
    assert pickup.status == "placed"  # type: ignore[attr-defined]


def test_language_comes_from_the_associate_profile(associate: Associate) -> None:
    associate.preferred_language = "fr"
    associate.save()
    client = Client()
    client.force_login(associate.user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "fr"
    assert "Ma journée" in response.content.decode()
    client.post(reverse("clienteling:set_language"), {"language": "en", "next": "/"})
    associate.refresh_from_db()
    assert associate.preferred_language == "en"
    response = client.get("/")
    assert response["Content-Language"] == "en"
    assert b"My day" in response.content
