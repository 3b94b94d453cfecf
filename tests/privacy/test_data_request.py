"""Shopify's customers/data_request, through the real signed webhook: a task for the DPO, who
produces the export from the admin (downloaded, journaled, the task done)."""

import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from customers.factories import CustomerFactory, ExternalIdentityFactory
from customers.models import Customer
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from omni.factories import UserFactory
from privacy.models import DataRequest, Door, SubjectExport
from tests.integrations.conftest import WebhookSender, send, shopify_shop  # noqa: F401

pytestmark = pytest.mark.django_db
ACTION_URL = "/admin/privacy/datarequest/"


def _data_request(shop_customer_id: int, email: str, request_id: int = 9999) -> dict[str, Any]:
    """Shopify's documented payload."""
    return {
        "shop_id": 954889,
        "shop_domain": "maison-omni.myshopify.com",
        "orders_requested": [299938, 280263],
        "customer": {"id": shop_customer_id, "email": email, "phone": "555-625-1199"},
        "data_request": {"id": request_id},
    }


@pytest.fixture
def dpo(db: None) -> Any:
    user = UserFactory(username="dpo", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="export_customer", content_type__app_label="privacy"),
        Permission.objects.get(codename="view_customer", content_type__app_label="customers"),
    )
    return user


@pytest.fixture
def person(shopify_shop: ShopIntegration) -> Customer:  # noqa: F811
    customer = CustomerFactory(first_name="Ondine", email="ondine@exemple.fr")
    ExternalIdentityFactory(customer=customer, source=shopify_shop.source, external_id="191167")
    return customer


def test_a_data_request_becomes_a_task_for_the_dpo(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
) -> None:
    response = send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr"))

    assert response.status_code == 200
    task = DataRequest.objects.get()
    assert (task.integration, task.customer, task.status) == (shopify_shop, person, "open")
    assert (task.shop_request_id, task.shop_customer_id, task.email) == (
        "9999",
        "191167",
        "ondine@exemple.fr",
    )
    assert task.orders_requested == ["299938", "280263"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "processed"
    assert f"#{person.pk}" in delivery.outcome
    assert not SubjectExport.objects.exists()  # the DPO produces it


def test_the_same_request_sent_again_is_the_same_task(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
) -> None:
    send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr"))
    send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr"))

    assert DataRequest.objects.count() == 1


def test_an_unknown_customer_gives_a_task_without_a_profile(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
) -> None:
    send.shopify("customers/data_request", _data_request(5, "nobody@exemple.fr"))

    task = DataRequest.objects.get()
    assert (task.customer, task.email, task.status) == (None, "nobody@exemple.fr", "open")
    assert "unknown" in WebhookDelivery.objects.get().outcome


def test_the_dpo_produces_the_export_from_the_task(
    client: Client,
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
    dpo: Any,
) -> None:
    send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr"))
    task = DataRequest.objects.get()
    client.force_login(dpo)
    assert client.get(ACTION_URL).status_code == 200

    response = client.post(ACTION_URL, {"action": "produce_json", "_selected_action": [task.pk]})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    sections = {section["model"]: section["rows"] for section in document["sections"]}
    assert sections["privacy.DataRequest"][0]["integration"]["name"] == "Maison Omni (Shopify)"
    assert sections["customers.Customer"][0]["email"] == "ondine@exemple.fr"
    task.refresh_from_db()
    record = SubjectExport.objects.get()
    assert (task.status, task.export) == ("done", record)
    assert (record.customer, record.door, record.user) == (person, Door.SHOP, dpo)


def test_a_task_without_a_profile_is_linked_by_hand_first(
    client: Client,
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
    dpo: Any,
) -> None:
    send.shopify("customers/data_request", _data_request(5, "other@exemple.fr"))
    task = DataRequest.objects.get()
    client.force_login(dpo)

    refused = client.post(
        ACTION_URL, {"action": "produce_html", "_selected_action": [task.pk]}, follow=True
    )
    assert "set the customer first" in refused.content.decode()
    assert not SubjectExport.objects.exists()

    linked = client.post(f"{ACTION_URL}{task.pk}/change/", {"customer": person.pk})
    assert linked.status_code == 302
    produced = client.post(ACTION_URL, {"action": "produce_html", "_selected_action": [task.pk]})

    assert produced["Content-Type"].startswith("text/html")
    task.refresh_from_db()
    assert (task.customer, task.status) == (person, "done")


def test_only_the_dpo_sees_the_tasks(
    client: Client,
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
    marketer: Any,
) -> None:
    send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr"))
    task = DataRequest.objects.get()
    client.force_login(marketer)

    listing = client.get(ACTION_URL)
    action = client.post(ACTION_URL, {"action": "produce_json", "_selected_action": [task.pk]})

    assert listing.status_code == 403
    assert action.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"
    assert not SubjectExport.objects.exists()


def test_erasing_her_leaves_the_task_without_her_values(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    person: Customer,
) -> None:
    from privacy.erasure import customer_erase

    send.shopify("customers/data_request", _data_request(191167, "ondine@exemple.fr", 1))
    send.shopify("customers/data_request", _data_request(5, "ondine@exemple.fr", 2))  # unmatched

    customer_erase(customer=person, door=Door.ADMIN)

    tasks = DataRequest.objects.order_by("shop_request_id")
    assert [task.shop_request_id for task in tasks] == ["1", "2"]
    assert not any("ondine@exemple.fr" in task.email for task in tasks)
    assert "191167" not in tasks[0].shop_customer_id
