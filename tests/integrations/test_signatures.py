"""Signatures: known answers, tampering, rotation — nothing is stored without a valid one."""

import datetime

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from journeys.integrations.models import WebhookDelivery
from journeys.integrations.signatures import sign, signature_matches
from journeys.models import Order
from tests.integrations.conftest import (
    SHOPIFY_SECRET,
    as_body,
    shopify_headers,
    shopify_order,
    woocommerce_headers,
    woocommerce_order,
)

# Computed with `openssl dgst -sha256 -hmac KEY -binary | base64`, independently of Python.
KNOWN_ANSWERS = [
    (
        "hush",
        b'{"id":820982911946154508,"email":"jon@example.com"}',
        "D0UMXmhjwBRi4y66TmhJrDlhQABD7zI2fm3p6/QLMo8=",
    ),
    (
        "shpss_rotated_2026",
        "webhook body with ünïcode".encode(),
        "f8ZAOVLcV4pb/yuAMVizusDKLQ+ONuECpUhuROMPn/0=",
    ),
    ("key", b"", "XV0TlWPJW1lnub2ajJsjOp3ttFByeUzSMtwbdIMmB9A="),
]


@pytest.mark.parametrize(("secret", "body", "expected"), KNOWN_ANSWERS)
def test_signature_known_answers(secret: str, body: bytes, expected: str) -> None:
    assert sign(body, secret) == expected
    assert signature_matches(body, expected, [secret])


@pytest.mark.parametrize(("secret", "body", "expected"), KNOWN_ANSWERS)
def test_a_changed_byte_or_another_key_does_not_match(
    secret: str, body: bytes, expected: str
) -> None:
    assert not signature_matches(body + b" ", expected, [secret])
    assert not signature_matches(body, expected, [secret + "x"])
    assert not signature_matches(body, expected.lower(), [secret])
    assert not signature_matches(body, "", [secret])
    assert not signature_matches(body, expected, [])


def test_any_of_several_secrets_may_match() -> None:
    secret, body, expected = KNOWN_ANSWERS[0]
    assert signature_matches(body, expected, ["new-secret", secret])
    assert signature_matches(body, f"  {expected}\n", ["new-secret", secret])


def _nothing_stored() -> bool:
    return not WebhookDelivery.objects.exists() and not Order.objects.exists()


@pytest.mark.django_db
def test_a_signed_shopify_webhook_is_stored_byte_for_byte_and_applied(send, shopify_shop) -> None:
    body = as_body(shopify_order()).replace(b", ", b",  ")  # Unusual spacing is kept as is.
    response = send.shopify("orders/create", body, **{"X-Shopify-Webhook-Id": "delivery-1"})

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.delivery_id == "delivery-1"
    assert delivery.topic == "orders/create"
    assert delivery.headers["X-Shopify-Shop-Domain"] == "maison-omni.myshopify.com"
    assert delivery.status == "processed"
    assert Order.objects.get().external_reference == "450789469"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body: body.replace(b"450789469", b"450789470", 1), id="changed id"),
        pytest.param(lambda body: body + b"\n", id="trailing newline"),
        pytest.param(lambda body: body.replace(b'"USD"', b'"EUR"'), id="changed currency"),
        pytest.param(lambda body: b"", id="empty"),
    ],
)
def test_a_tampered_body_is_refused_and_nothing_is_stored(
    client: Client, shopify_shop, tamper
) -> None:
    body = as_body(shopify_order())
    headers = shopify_headers("orders/create", body)

    response = client.post(
        "/webhooks/shopify/shopify/", tamper(body), content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert _nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("not base64 at all ✗", id="garbage"),
        pytest.param(sign(b"{}", SHOPIFY_SECRET), id="signature of another body"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(client: Client, shopify_shop, signature) -> None:
    body = as_body(shopify_order())
    headers = shopify_headers("orders/create", body)
    if signature is None:
        del headers["X-Shopify-Hmac-Sha256"]
    else:
        headers["X-Shopify-Hmac-Sha256"] = signature

    response = client.post(
        "/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert _nothing_stored()


@pytest.mark.django_db
def test_header_names_are_case_insensitive(client: Client, shopify_shop) -> None:
    body = as_body(shopify_order())
    headers = {
        name.lower(): value for name, value in shopify_headers("orders/create", body).items()
    }

    response = client.post(
        "/webhooks/shopify/shopify/", body, content_type="application/json", headers=headers
    )

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().topic == "orders/create"


@pytest.mark.django_db
def test_woocommerce_signature_is_checked_too(client: Client, send, woocommerce_shop) -> None:
    body = as_body(woocommerce_order())
    headers = woocommerce_headers("order.created", body)
    headers["X-WC-Webhook-Signature"] = sign(body, "someone else's secret")

    refused = client.post(
        "/webhooks/woocommerce/woocommerce/", body, content_type="application/json", headers=headers
    )
    accepted = send.woocommerce("order.created", body)

    assert (refused.status_code, accepted.status_code) == (401, 200)
    assert Order.objects.get().external_reference == "727"


@pytest.mark.django_db
def test_woocommerce_url_check_ping_is_answered_without_storing(
    client: Client, woocommerce_shop
) -> None:
    response = client.post(
        "/webhooks/woocommerce/woocommerce/",
        b"webhook_id=12",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert _nothing_stored()


@pytest.mark.django_db
def test_the_previous_secret_is_accepted_during_a_rotation_only(send, shopify_shop) -> None:
    shopify_shop.webhook_secret = "shpss_new_secret"
    shopify_shop.previous_webhook_secret = SHOPIFY_SECRET
    shopify_shop.previous_secret_valid_until = timezone.now() + datetime.timedelta(hours=1)
    shopify_shop.save()
    body = as_body(shopify_order())

    during = send.shopify("orders/create", body)
    new_secret = send.shopify(
        "orders/updated", body, **{"X-Shopify-Hmac-Sha256": sign(body, "shpss_new_secret")}
    )
    shopify_shop.previous_secret_valid_until = timezone.now() - datetime.timedelta(seconds=1)
    shopify_shop.save()
    after = send.shopify("orders/updated", body)

    assert (during.status_code, new_secret.status_code, after.status_code) == (200, 200, 401)
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_unknown_inactive_or_other_platform_shops_are_not_found(
    client: Client, send, shopify_shop
) -> None:
    body = as_body(shopify_order())
    headers = shopify_headers("orders/create", body)

    def post(path: str) -> HttpResponse:
        return client.post(path, body, content_type="application/json", headers=headers)

    unknown = post("/webhooks/shopify/atlantis/")
    other_platform = post("/webhooks/woocommerce/shopify/")
    shopify_shop.is_active = False
    shopify_shop.save()
    inactive = post("/webhooks/shopify/shopify/")

    assert (unknown.status_code, other_platform.status_code, inactive.status_code) == (
        404,
        404,
        404,
    )
    assert _nothing_stored()


@pytest.mark.django_db
def test_only_post_is_allowed(client: Client, shopify_shop) -> None:
    assert client.get("/webhooks/shopify/shopify/").status_code == 405
    assert not WebhookDelivery.objects.exists()
