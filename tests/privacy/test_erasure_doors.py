"""Erasure through each door: the API, the command line, Shopify's redact webhooks; and the
refusals, which change nothing."""

import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from customers.factories import CustomerFactory, ExternalIdentityFactory
from customers.models import Customer, ExternalIdentity
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from omni.api.clients import api_client_create
from omni.models import Store
from privacy.models import DataRequest, Door, Erasure
from tests.integrations.conftest import WebhookSender, send, shopify_shop  # noqa: F401

pytestmark = pytest.mark.django_db


def _token_client(scopes: list[str], store: Store | None = None) -> APIClient:
    _model, token = api_client_create(name=f"dpo-{len(scopes)}-{store}", scopes=scopes, store=store)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _person() -> Customer:
    return CustomerFactory(first_name="Ondine", last_name="Marchal", email="ondine@exemple.fr")


def _untouched(customer: Customer) -> bool:
    customer.refresh_from_db()
    return customer.erased_at is None and customer.email == "ondine@exemple.fr"


def test_the_api_erases_with_the_gdpr_write_scope_and_says_so_again_the_second_time() -> None:
    customer = _person()
    api = _token_client(["gdpr:write"])

    first = api.post(f"/api/v1/customers/{customer.pk}/erase")
    again = api.post(f"/api/v1/customers/{customer.pk}/erase")

    assert first.status_code == 200, first.content
    assert (first.json()["already_erased"], first.json()["profiles"]) == (False, 1)
    assert again.status_code == 200
    assert again.json()["already_erased"] is True
    customer.refresh_from_db()
    assert (customer.email, customer.first_name) == (None, "")
    erasure = Erasure.objects.get()
    assert (erasure.door, erasure.api_client.name, erasure.user) == (Door.API, "dpo-1-None", None)


@pytest.mark.parametrize(
    ("scopes", "limited", "status", "code"),
    [
        (["customers:write", "gdpr:read"], False, 403, "permission_denied"),
        (["gdpr:write"], True, 403, "permission_denied"),
    ],
)
def test_the_api_refuses_a_client_without_the_scope_or_limited_to_a_store(
    scopes: list[str], limited: bool, status: int, code: str, store: Store
) -> None:
    customer = _person()
    api = _token_client(scopes, store if limited else None)

    answer = api.post(f"/api/v1/customers/{customer.pk}/erase")

    assert answer.status_code == status, answer.content
    assert answer.json()["detail"]
    assert _untouched(customer)
    assert not Erasure.objects.exists()


def test_the_api_refuses_an_unknown_customer_a_merged_profile_and_a_body() -> None:
    survivor = _person()
    absorbed = CustomerFactory(merged_into=survivor)
    api = _token_client(["gdpr:write"])

    unknown = api.post("/api/v1/customers/999999/erase")
    merged = api.post(f"/api/v1/customers/{absorbed.pk}/erase")
    with_body = api.post(f"/api/v1/customers/{survivor.pk}/erase", {"reason": "x"}, format="json")
    malformed = api.post(
        f"/api/v1/customers/{survivor.pk}/erase", "{not json", content_type="application/json"
    )

    assert unknown.status_code == 404
    assert merged.status_code == 409
    assert merged.json()["survivor"] == survivor.pk
    assert (with_body.status_code, malformed.status_code) == (400, 400)
    assert _untouched(survivor)
    assert not Erasure.objects.exists()


def test_a_signed_in_user_needs_the_erase_permission(client: Any) -> None:
    customer = _person()
    user = get_user_model().objects.create_user("dpo", password="pw-123456789", is_staff=True)
    client.force_login(user)

    refused = client.post(f"/api/v1/customers/{customer.pk}/erase", content_type="application/json")
    user.user_permissions.add(Permission.objects.get(codename="erase_customer"))
    user = get_user_model().objects.get(pk=user.pk)
    client.force_login(user)
    erased = client.post(f"/api/v1/customers/{customer.pk}/erase", content_type="application/json")

    assert refused.status_code == 403
    assert erased.status_code == 200, erased.content
    assert Erasure.objects.get().user == user


def test_the_command_erases_and_refuses_an_unknown_customer() -> None:
    customer = _person()
    out = io.StringIO()

    call_command("gdpr_erase", "--customer", str(customer.pk), stdout=out)
    call_command("gdpr_erase", "--customer", str(customer.pk), stdout=out)
    with pytest.raises(CommandError, match="Unknown customer"):
        call_command("gdpr_erase", "--customer", "999999")

    assert f"Customer #{customer.pk} erased (1 profiles" in out.getvalue()
    assert "already erased" in out.getvalue()
    assert Erasure.objects.get().door == Door.COMMAND


def test_shopify_customers_redact_erases_her_and_redacts_the_request_itself(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
) -> None:
    customer = _person()
    ExternalIdentityFactory(customer=customer, source=shopify_shop.source, external_id="9912")
    body = {
        "shop_id": 954889,
        "shop_domain": "maison-omni.myshopify.com",
        "customer": {"id": 9912, "email": "ondine@exemple.fr", "phone": "+33611223344"},
        "orders_to_redact": [],
    }

    answer = send.shopify("customers/redact", body)
    unknown = send.shopify("customers/redact", {**body, "customer": {"id": 1, "email": "x@y.fr"}})

    assert (answer.status_code, unknown.status_code) == (200, 200)
    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert Erasure.objects.get().door == Door.SHOP
    stored = WebhookDelivery.objects.filter(topic="customers/redact").order_by("pk")
    assert [delivery.status for delivery in stored] == ["processed", "ignored"]
    assert b"ondine@exemple.fr" not in bytes(stored[0].body)
    assert "unknown" in stored[1].outcome.lower()


def test_shopify_shop_redact_forgets_the_shop_data_and_keeps_orders(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
) -> None:
    customer = _person()
    ExternalIdentityFactory(customer=customer, source=shopify_shop.source, external_id="77")
    send.shopify("customers/update", {"id": 77, "email": "ondine@exemple.fr"})
    request = DataRequest.objects.create(
        integration=shopify_shop, shop_customer_id="77", email="ondine@exemple.fr"
    )

    answer = send.shopify("shop/redact", {"shop_id": 954889, "shop_domain": "maison-omni"})

    assert answer.status_code == 200
    assert not ExternalIdentity.objects.filter(source=shopify_shop.source).exists()
    bodies = [bytes(d.body) for d in WebhookDelivery.objects.filter(integration=shopify_shop)]
    assert len(bodies) == 2
    assert all(b"ondine" not in body for body in bodies)
    request.refresh_from_db()
    assert (request.email, request.shop_customer_id) == ("", "")
    shopify_shop.refresh_from_db()
    assert shopify_shop.is_active is False
    assert json.loads(json.dumps(shopify_shop.api_secret or "")) == ""


def test_a_data_request_is_no_relationship_that_keeps_a_deleted_shop_customer(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
) -> None:
    customer = _person()
    ExternalIdentityFactory(customer=customer, source=shopify_shop.source, external_id="88")
    DataRequest.objects.create(integration=shopify_shop, customer=customer, shop_customer_id="88")

    answer = send.shopify("customers/delete", {"id": 88})

    assert answer.status_code == 200
    customer.refresh_from_db()
    assert customer.erased_at is not None
