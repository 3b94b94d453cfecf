"""The site's icon: named by the pages, and /favicon.ico (asked for by every browser, the
admin's pages included) leads to it instead of a 404 on every page."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from clienteling.models import Associate


def test_favicon_ico_leads_to_the_icon_without_signing_in(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("omni/favicon.svg")
    assert finders.find("omni/favicon.svg")


@pytest.mark.django_db
def test_the_tablet_pages_name_their_icon(client: Client, associate: Associate) -> None:
    client.force_login(associate.user)

    page = client.get(reverse("clienteling:my_day"))

    assert b'rel="icon"' in page.content
    assert b"omni/favicon.svg" in page.content
