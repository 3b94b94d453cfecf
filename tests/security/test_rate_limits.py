"""Rate limits: per address on the API, the shops' webhooks and sign-in; per API client.

Each refusal is a 429 with Retry-After and a clear message, and changes nothing.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
import redis
from axes.models import AccessAttempt
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from clienteling.models import Associate
from customers.models import Customer
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from omni.models import Store
from tests.api.conftest import MakeClient, TokenClient, make_api_client  # noqa: F401
from tests.omni.test_settings import _manage

pytestmark = pytest.mark.django_db
SHOP_SECRET = "shpss_rate_limit_test"
PASSWORD = "omni-demo"
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def shop(store: Store) -> ShopIntegration:
    return ShopIntegration.objects.create(
        platform="shopify",
        name="Shop",
        slug="shopify",
        base_url="https://shop.myshopify.com",
        webhook_secret=SHOP_SECRET,
    )


def _assert_refused(response: HttpResponse, *, retry_at_most: int = 60) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= retry_at_most


def _customer_upsert(client: TokenClient, external_id: str, **extra: str) -> HttpResponse:
    body = {"email": f"{external_id}@example.com", "first_name": "Ana"}
    return client.put(f"/api/v1/customers/shopify/{external_id}", body, format="json", **extra)


@override_settings(OMNI_RATE_LIMIT_API_PER_CLIENT=3)
def test_an_api_client_over_its_limit_is_refused_and_nothing_is_written(
    make_api_client: MakeClient,  # noqa: F811
) -> None:
    eshop, pos = make_api_client(), make_api_client()
    for number in range(3):
        assert _customer_upsert(eshop, f"c{number}").status_code in (200, 201)

    response = _customer_upsert(eshop, "c-refused")

    _assert_refused(response)
    body = response.json()
    assert body["code"] == "throttled"
    # It says when to retry, as Retry-After does ("1 second" on a slow machine, "N seconds").
    assert f"in {response['Retry-After']} second" in body["detail"]
    assert not Customer.objects.filter(email="c-refused@example.com").exists()
    assert Customer.objects.count() == 3
    # Another client, from the same address, has its own count.
    assert pos.get("/api/v1/stores").status_code == 200


@override_settings(OMNI_RATE_LIMIT_API_PER_CLIENT=2)
def test_a_signed_in_associate_reading_the_api_is_limited_too(associate: Associate) -> None:
    client = Client()
    client.force_login(associate.user)
    assert [client.get("/api/v1/stores").status_code for _ in range(2)] == [200, 200]
    _assert_refused(client.get("/api/v1/stores"))


@override_settings(OMNI_RATE_LIMIT_API_PER_ADDRESS=5)
def test_one_address_guessing_tokens_is_refused_before_authentication(
    make_api_client: MakeClient,  # noqa: F811
) -> None:
    guesser = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer omni_guess_x")
    assert {guesser.get("/api/v1/customers").status_code for _ in range(5)} == {401}

    response = guesser.get("/api/v1/customers")

    _assert_refused(response)
    assert response.json()["code"] == "throttled"
    # The count is per address: a real client elsewhere is served.
    other = make_api_client()
    assert other.get("/api/v1/stores", REMOTE_ADDR="198.51.100.7").status_code == 200


def _signed_webhook(client: Client) -> HttpResponse:
    body = json.dumps({"id": uuid.uuid4().int % 10**12}).encode()
    signature = base64.b64encode(hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest())
    headers = {
        "X-Shopify-Topic": "app/uninstalled",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }
    return client.post(
        "/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers
    )


@override_settings(OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS=2)
def test_webhooks_over_the_address_limit_get_429_for_the_shop_to_retry(
    shop: ShopIntegration, django_capture_on_commit_callbacks
) -> None:
    shop_client = Client(REMOTE_ADDR="192.0.2.10")
    with django_capture_on_commit_callbacks():
        assert [_signed_webhook(shop_client).status_code for _ in range(2)] == [200, 200]
        response = _signed_webhook(shop_client)

    _assert_refused(response)
    assert response.json()["error"] == "rate_limited"
    assert WebhookDelivery.objects.count() == 2  # The refused one was not stored.
    with django_capture_on_commit_callbacks():
        other_shop_server = Client(REMOTE_ADDR="192.0.2.11")
        assert _signed_webhook(other_shop_server).status_code == 200


def test_the_default_webhook_limit_takes_a_shop_burst(
    shop: ShopIntegration, django_capture_on_commit_callbacks, settings
) -> None:
    """A flash sale: a few hundred webhooks in a minute from one shop server all get in."""
    assert settings.OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS >= 3000
    shop_client = Client(REMOTE_ADDR="192.0.2.10")
    with django_capture_on_commit_callbacks():
        statuses = {_signed_webhook(shop_client).status_code for _ in range(300)}
    assert statuses == {200}


@override_settings(OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS=3)
def test_sign_in_attempts_over_the_address_limit_get_a_429_page(associate: Associate) -> None:
    client = Client(REMOTE_ADDR="203.0.113.20")
    login = reverse("clienteling:login")
    assert client.get(login).status_code == 200  # Showing the form is not an attempt.
    for _attempt in range(3):
        client.post(login, {"username": "someone", "password": "wrong"})
    attempts_before = list(AccessAttempt.objects.values_list("failures_since_start", flat=True))

    response = client.post(login, {"username": "camille", "password": PASSWORD})

    _assert_refused(response)
    assert "Too many sign-in attempts from this network" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == (
        attempts_before
    )
    other_store = Client(REMOTE_ADDR="203.0.113.21")
    response = other_store.post(login, {"username": "camille", "password": PASSWORD})
    assert response.status_code == 302


@override_settings(OMNI_RATE_LIMIT_SIGN_IN_PER_ADDRESS=2)
def test_the_admin_sign_in_is_limited_per_address(superuser: object) -> None:
    client = Client(REMOTE_ADDR="203.0.113.30")
    login = reverse("admin:login")
    for _attempt in range(2):
        client.post(login, {"username": "admin", "password": "wrong"})
    _assert_refused(client.post(login, {"username": "admin", "password": PASSWORD}))
    assert "_auth_user_id" not in client.session


@override_settings(OMNI_RATE_LIMIT_API_PER_ADDRESS=2, OMNI_RATE_LIMIT_WINDOW_SECONDS=1)
def test_the_count_starts_again_with_the_next_window(
    make_api_client: MakeClient,  # noqa: F811
) -> None:
    client = make_api_client()
    time.sleep(1 - time.time() % 1)  # At the start of a window, so the three land in one.
    assert [client.get("/api/v1/stores").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1.05)
    assert client.get("/api/v1/stores").status_code == 200


@override_settings(OMNI_RATE_LIMIT_API_PER_ADDRESS=2, OMNI_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_address_counted_is_the_one_the_proxy_saw(
    make_api_client: MakeClient,  # noqa: F811
) -> None:
    client = make_api_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    # A client cannot escape its count by writing its own X-Forwarded-For entries.
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.1"}
    assert client.get("/api/v1/stores", **first).status_code == 200
    assert client.get("/api/v1/stores", **spoofed).status_code == 200
    assert client.get("/api/v1/stores", **first).status_code == 429
    second = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert client.get("/api/v1/stores", **second).status_code == 200


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_counters_in_redis_are_shared_by_every_process(
    make_api_client: MakeClient,  # noqa: F811
) -> None:
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"omni-test-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=redis_cache, OMNI_RATE_LIMIT_API_PER_CLIENT=2):
        client = make_api_client()
        assert [client.get("/api/v1/stores").status_code for _ in range(3)] == [200, 200, 429]
        keys = redis.Redis.from_url(REDIS_URL).keys(
            f"{redis_cache['default']['KEY_PREFIX']}:*rate-limit:api-client:*"
        )
        assert len(keys) == 1
        caches["default"].clear()


def test_deploy_check_warns_when_counters_are_not_shared() -> None:
    result = _manage(
        "check",
        "--deploy",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="omni.example.com",
        OMNI_ENCRYPTION_KEYS="GGfv_WDUq2JOUc6zBMlDNQnNA7UOSZpBVlmCis2qelU=",
    )
    assert "omni.W001" in result.stdout + result.stderr
    assert "OMNI_CACHE_URL" in result.stdout + result.stderr


def test_requests_are_served_when_the_cache_is_down(
    shop: ShopIntegration,
    make_api_client: MakeClient,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable, OMNI_RATE_LIMIT_API_PER_CLIENT=1):
        client = make_api_client()
        assert [client.get("/api/v1/stores").status_code for _ in range(2)] == [200, 200]
        with django_capture_on_commit_callbacks():
            assert _signed_webhook(Client()).status_code == 200
    assert WebhookDelivery.objects.count() == 1


def test_a_limit_below_one_fails_loudly() -> None:
    result = _manage("check", DJANGO_DEBUG="1", OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS="0")
    assert result.returncode != 0
    assert "OMNI_RATE_LIMIT_WEBHOOKS_PER_ADDRESS must be at least 1" in result.stderr
