"""Retention: what is past its period is erased or purged, in batches; a dry run counts it and
changes nothing."""

import datetime
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.models import ProfileAccess
from customers.factories import CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory, TouchpointFactory
from journeys.integrations.models import ShopIntegration, WebhookDelivery
from omni.api.clients import api_client_create
from privacy.models import Door, Erasure
from privacy.retention import expired_customers, retention_run
from tests.integrations.conftest import shopify_shop  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = timezone.now()
YEAR = datetime.timedelta(days=365)


def _created(customer: Customer, ago: datetime.timedelta) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(created_at=NOW - ago)
    return customer


@pytest.fixture
def people() -> dict[str, Customer]:
    lapsed = _created(CustomerFactory(email="lapsed@exemple.fr"), 6 * YEAR)
    OrderFactory(customer=lapsed, placed_at=NOW - 4 * YEAR)
    prospect = _created(CustomerFactory(email="prospect@exemple.fr"), 4 * YEAR)
    recent_buyer = _created(CustomerFactory(email="buyer@exemple.fr"), 6 * YEAR)
    OrderFactory(customer=recent_buyer, placed_at=NOW - 4 * YEAR)
    OrderFactory(customer=recent_buyer, placed_at=NOW - YEAR)
    browsing = _created(CustomerFactory(email="browsing@exemple.fr"), 5 * YEAR)
    TouchpointFactory(customer=browsing, occurred_at=NOW - 2 * YEAR)
    newcomer = CustomerFactory(email="new@exemple.fr")
    merged = _created(CustomerFactory(email="merged@exemple.fr", merged_into=newcomer), 5 * YEAR)
    return {
        "lapsed": lapsed,
        "prospect": prospect,
        "recent_buyer": recent_buyer,
        "browsing": browsing,
        "newcomer": newcomer,
        "merged": merged,
    }


def _emails() -> set[str]:
    return set(Customer.objects.exclude(email=None).values_list("email", flat=True))


def test_customers_without_contact_for_three_years_are_erased_the_others_kept(
    people: dict[str, Customer],
) -> None:
    cutoff = NOW - 3 * YEAR
    assert set(expired_customers(cutoff)) == {people["lapsed"], people["prospect"]}

    report = retention_run(batch=1)

    step = next(step for step in report.steps if step.label == "customers.Customer")
    assert (step.action, step.rows) == ("erase", 2)
    assert _emails() == {
        "buyer@exemple.fr",
        "browsing@exemple.fr",
        "new@exemple.fr",
        "merged@exemple.fr",
    }
    assert set(Erasure.objects.values_list("customer_id", "door")) == {
        (people["lapsed"].pk, Door.RETENTION),
        (people["prospect"].pk, Door.RETENTION),
    }
    # Her order stays, for the accounts.
    assert people["lapsed"].orders.count() == 1
    # A second run finds nothing more.
    again = retention_run()
    assert next(s for s in again.steps if s.label == "customers.Customer").rows == 0


def test_old_webhook_bodies_and_access_journal_entries_are_purged(
    shopify_shop: ShopIntegration,  # noqa: F811
    people: dict[str, Customer],
) -> None:
    def delivery(number: int, processed_ago: datetime.timedelta | None) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            integration=shopify_shop,
            topic="orders/create",
            delivery_id=str(number),
            body=b'{"email": "buyer@exemple.fr"}',
            status="processed" if processed_ago else "received",
            processed_at=NOW - processed_ago if processed_ago else None,
        )

    old = delivery(1, datetime.timedelta(days=40))
    recent = delivery(2, datetime.timedelta(days=5))
    waiting = delivery(3, None)
    buyer = people["recent_buyer"]
    ProfileAccess.objects.create(customer=buyer, context="profile", accessed_at=NOW - 2 * YEAR)
    kept_access = ProfileAccess.objects.create(customer=buyer, context="profile")

    retention_run()

    bodies = dict(WebhookDelivery.objects.values_list("pk", "body"))
    assert bytes(bodies[old.pk]) == b""
    assert bytes(bodies[recent.pk]) != b""
    assert bytes(bodies[waiting.pk]) != b""
    assert list(ProfileAccess.objects.filter(customer=buyer)) == [kept_access]


def test_a_dry_run_reports_and_changes_nothing(people: dict[str, Customer]) -> None:
    out = io.StringIO()

    call_command("gdpr_retention", "--dry-run", stdout=out)

    assert "customers.Customer: 2 to erase" in out.getvalue()
    assert "Dry run: nothing was changed." in out.getvalue()
    assert len(_emails()) == 6
    assert not Erasure.objects.exists()


def test_the_command_erases_and_refuses_a_bad_batch(people: dict[str, Customer]) -> None:
    out = io.StringIO()

    call_command("gdpr_retention", "--batch", "1", stdout=out)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("gdpr_retention", "--batch", "0")

    assert "customers.Customer: 2 erased" in out.getvalue()
    assert len(_emails()) == 4


def test_the_api_reports_and_starts_the_purge_for_the_dpo_s_clients(
    people: dict[str, Customer], django_capture_on_commit_callbacks: Any
) -> None:
    def client_with(scopes: list[str]) -> APIClient:
        _model, token = api_client_create(name="dpo-" + "-".join(scopes), scopes=scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    reader, writer = client_with(["gdpr:read"]), client_with(["gdpr:write"])

    report = reader.get("/api/v1/retention")
    refused = reader.post("/api/v1/retention")
    with django_capture_on_commit_callbacks(execute=True):
        started = writer.post("/api/v1/retention")

    assert report.status_code == 200
    steps = {step["model"]: step for step in report.json()["steps"]}
    assert (steps["customers.Customer"]["action"], steps["customers.Customer"]["rows"]) == (
        "erase",
        2,
    )
    assert refused.status_code == 403
    assert started.status_code == 202
    assert len(_emails()) == 4
    assert Erasure.objects.filter(door=Door.RETENTION).count() == 2
