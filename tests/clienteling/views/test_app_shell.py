"""The tablet app around its pages (issue 13, item 10): an installable web app (manifest and
icons), a service worker that shows an offline page instead of the browser's error, and a
language switch in sight on every page."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.template import TemplateSyntaxError
from django.test import Client
from django.urls import reverse

from clienteling.models import Associate

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_the_app_installable(client: Client) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["display"], manifest["scope"]) == (
        "/",
        "standalone",
        "/",
    )
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), f"{icon['src']} is a file of the app"


def test_the_service_worker_serves_the_offline_page_from_the_root(client: Client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert 'const OFFLINE_URL = "/offline/"' in script
    assert '"/static/clienteling/app.css"' in script
    assert 'request.mode === "navigate"' in script


def test_the_offline_page_is_public_and_says_it_in_both_languages(client: Client) -> None:
    response = client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pas de réseau" in html
    assert "No network" in html
    assert "/static/clienteling/app.css" in html


def test_every_page_names_the_manifest_and_offers_the_other_language(
    associate_client: Client, associate: Associate
) -> None:
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    rail = _rail_language(html)
    assert 'value="fr"' in rail, "in English, French is one tap away"
    assert 'value="en"' not in rail
    switched = associate_client.post(
        reverse("clienteling:set_language"), {"language": "fr", "next": "/"}
    )
    assert switched.status_code == 302
    associate.refresh_from_db()
    assert associate.preferred_language == "fr"
    html = associate_client.get(reverse("clienteling:my_day")).content.decode()
    assert 'value="en"' in _rail_language(html)
    assert "Ma journée" in html


def _rail_language(html: str) -> str:
    found = re.search(r'<form[^>]*class="rail-language"[^>]*>(.*?)</form>', html, re.S)
    assert found, "the rail holds the language switch"
    return found.group(1)


def test_icons_are_one_sprite_the_pages_reference_by_name(associate_client: Client) -> None:
    from clienteling.templatetags.tablet import icon

    tag = str(icon("heart"))
    url = re.search(r'<use href="([^"#]+)#heart">', tag)
    assert url, tag
    response = associate_client.get(url.group(1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "immutable" in response["Cache-Control"]
    sprite = response.content.decode()
    assert '<symbol id="heart" viewBox="0 0 24 24"' in sprite
    assert 'stroke="currentColor"' in sprite
    with pytest.raises(TemplateSyntaxError):
        icon("no-such-icon")
