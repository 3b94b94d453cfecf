"""Login lockout through the real sign-in views: a username from one address locks after
OMNI_LOGIN_FAILURE_LIMIT failures; an address trying many usernames locks after
OMNI_LOGIN_ADDRESS_FAILURE_LIMIT failures across them, whoever signs in from it next."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from clienteling.factories import AssociateFactory
from clienteling.models import Associate
from omni.models import Store

pytestmark = pytest.mark.django_db
PASSWORD = "omni-demo"
SPRAYER = "203.0.113.66"
STORE_NETWORK = "198.51.100.10"


def _sign_in(address: str, username: str, password: str, *, view: str = "clienteling:login"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse(view), {"username": username, "password": password})
    return client, response


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_usernames_from_one_address_lock_that_address(
    associate: Associate, settings: object
) -> None:
    limit = settings.OMNI_LOGIN_ADDRESS_FAILURE_LIMIT  # type: ignore[attr-defined]
    assert limit < 30
    statuses = [
        _sign_in(SPRAYER, f"user{number}", "Summer2026!")[1].status_code for number in range(30)
    ]

    assert statuses[: limit - 1] == [200] * (limit - 1)  # The form again, with its error.
    assert set(statuses[limit - 1 :]) == {429}
    # Even the right password of a real associate is refused from that address...
    client, response = _sign_in(SPRAYER, "camille", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()  # type: ignore[attr-defined]
    assert "from this network" in response.content.decode()
    # ...and served from anywhere else.
    client, response = _sign_in(STORE_NETWORK, "camille", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_admin_sign_in_is_locked_across_usernames_too(superuser: object, settings) -> None:
    for number in range(settings.OMNI_LOGIN_ADDRESS_FAILURE_LIMIT):
        _sign_in(SPRAYER, f"admin{number}", "wrong", view="admin:login")
    client, response = _sign_in(SPRAYER, "admin", PASSWORD, view="admin:login")
    assert response.status_code == 429
    assert not _signed_in(client)


def test_one_associates_typos_lock_only_that_username_from_that_address(
    associate: Associate, store: Store, settings
) -> None:
    colleague = AssociateFactory(user__username="jules", store=store)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(STORE_NETWORK, "camille", "omni-dmeo")

    client, response = _sign_in(STORE_NETWORK, "camille", PASSWORD)
    assert response.status_code == 429
    assert "This account is locked" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not _signed_in(client)
    # The colleague on the same store network signs in; camille can from elsewhere.
    client, response = _sign_in(STORE_NETWORK, colleague.user.username, PASSWORD)
    assert (response.status_code, _signed_in(client)) == (302, True)
    client, response = _sign_in("192.0.2.44", "camille", PASSWORD)
    assert (response.status_code, _signed_in(client)) == (302, True)


def test_a_colleague_signing_in_does_not_unlock_a_locked_username(
    associate: Associate, store: Store, settings
) -> None:
    colleague = AssociateFactory(user__username="jules", store=store)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(STORE_NETWORK, "camille", "wrong")

    _client, response = _sign_in(STORE_NETWORK, colleague.user.username, PASSWORD)
    assert response.status_code == 302

    _client, response = _sign_in(STORE_NETWORK, "camille", PASSWORD)
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username="camille", ip_address=STORE_NETWORK).exists()


def test_an_associate_signing_in_after_typos_starts_again_from_zero(
    associate: Associate, settings
) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(STORE_NETWORK, "camille", "wrong")
    assert _sign_in(STORE_NETWORK, "camille", PASSWORD)[1].status_code == 302

    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(STORE_NETWORK, "camille", "wrong")
    assert _sign_in(STORE_NETWORK, "camille", PASSWORD)[1].status_code == 302


def test_a_busy_store_making_typos_across_associates_is_not_locked(store: Store, settings) -> None:
    """Ten associates behind one address, each mistyping once, still all sign in."""
    associates = [AssociateFactory(user__username=f"vendeur{n}", store=store) for n in range(10)]
    for each in associates:
        _sign_in(STORE_NETWORK, each.user.username, "wrong")
    for each in associates:
        client, response = _sign_in(STORE_NETWORK, each.user.username, PASSWORD)
        assert (response.status_code, _signed_in(client)) == (302, True)


def test_behind_a_proxy_the_lockout_counts_the_address_the_proxy_saw(
    associate: Associate, settings
) -> None:
    settings.OMNI_TRUSTED_PROXY_COUNT = 1
    login = reverse("clienteling:login")
    for number in range(settings.OMNI_LOGIN_ADDRESS_FAILURE_LIMIT):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=SPRAYER).post(
            login, {"username": f"user{number}", "password": "wrong"}
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {SPRAYER}
    through_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=SPRAYER)
    response = through_proxy.post(login, {"username": "camille", "password": PASSWORD})
    assert response.status_code == 429
    # Another client behind the same proxy signs in; a forwarded value that is not an address
    # is not taken as one.
    colleague = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=STORE_NETWORK)
    assert colleague.post(login, {"username": "camille", "password": PASSWORD}).status_code == 302
    odd = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    assert odd.post(login, {"username": "camille", "password": PASSWORD}).status_code == 302
