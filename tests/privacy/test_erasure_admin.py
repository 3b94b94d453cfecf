"""The DPO erases from the admin: from the customers list or the erasures page, after an
explicit confirmation; nobody else can."""

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from customers.factories import CustomerFactory
from customers.models import Customer
from privacy.models import Door, Erasure

pytestmark = pytest.mark.django_db

ADD = "/admin/privacy/erasure/add/"


def _staff(client: Client, *permissions: str) -> Client:
    user = get_user_model().objects.create_user("dpo", password="pw-123456789", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customer", *permissions])
    )
    client.force_login(user)
    return client


def test_the_dpo_erases_after_confirming(client: Client) -> None:
    _staff(client, "erase_customer")
    customer = CustomerFactory(email="lou@exemple.fr")

    page = client.get(f"{ADD}?customer={customer.pk}")
    unconfirmed = client.post(ADD, {"customer": customer.pk})
    confirmed = client.post(ADD, {"customer": customer.pk, "confirm": "on"})

    assert page.status_code == 200
    assert "I confirm the erasure" in page.content.decode()
    assert "Erase for good" in page.content.decode()
    assert "_addanother" not in page.content.decode()
    assert unconfirmed.status_code == 200  # The form again, with its error.
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/privacy/erasure/"
    customer.refresh_from_db()
    assert customer.email is None
    erasure = Erasure.objects.get()
    assert (erasure.door, erasure.user.username) == (Door.ADMIN, "dpo")


def test_a_merged_or_erased_profile_is_refused_with_a_reason(client: Client) -> None:
    _staff(client, "erase_customer")
    survivor = CustomerFactory()
    absorbed = CustomerFactory(merged_into=survivor, email="old@exemple.fr")

    merged = client.post(ADD, {"customer": absorbed.pk, "confirm": "on"})
    client.post(ADD, {"customer": survivor.pk, "confirm": "on"})
    twice = client.post(ADD, {"customer": survivor.pk, "confirm": "on"})

    assert f"merged into #{survivor.pk}" in merged.content.decode()
    assert "already erased" in twice.content.decode()
    assert Erasure.objects.count() == 1


def test_without_the_permission_nothing_is_offered_nor_done(client: Client) -> None:
    _staff(client, "change_customer")
    customer = CustomerFactory(email="lou@exemple.fr")

    page = client.get(ADD)
    posted = client.post(ADD, {"customer": customer.pk, "confirm": "on"})
    listing = client.get("/admin/customers/customer/")

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "erase_customer_action" not in listing.content.decode()
    assert Customer.objects.get(pk=customer.pk).email == "lou@exemple.fr"


def test_the_customers_list_leads_to_the_confirmation_of_one_profile(client: Client) -> None:
    _staff(client, "erase_customer")
    one, two = CustomerFactory(), CustomerFactory()
    changelist = "/admin/customers/customer/"

    listing = client.get(changelist)
    chosen = client.post(
        changelist, {"action": "erase_customer_action", "_selected_action": [one.pk]}
    )
    both = client.post(
        changelist,
        {"action": "erase_customer_action", "_selected_action": [one.pk, two.pk]},
        follow=True,
    )

    assert "erase_customer_action" in listing.content.decode()
    assert chosen["Location"] == f"{ADD}?customer={one.pk}"
    assert "Select one customer" in both.content.decode()
    assert not Erasure.objects.exists()


def test_the_retention_page_counts_what_is_due_and_starts_the_purge(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    _staff(client, "erase_customer")
    lapsed = CustomerFactory(email="lapsed@exemple.fr")
    Customer.objects.filter(pk=lapsed.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=4 * 365)
    )
    CustomerFactory(email="recent@exemple.fr")

    page = client.get("/admin/privacy/erasure/retention/")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/admin/privacy/erasure/retention/")

    assert page.status_code == 200
    rows = {step.label: step.rows for step in page.context["report"].steps}
    assert rows["customers.Customer"] == 1
    assert started.status_code == 302
    assert list(Erasure.objects.values_list("customer_id", "door")) == [(lapsed.pk, Door.RETENTION)]
    assert Customer.objects.get(email="recent@exemple.fr")


def test_the_retention_page_is_the_dpo_s(client: Client) -> None:
    _staff(client, "view_erasure")

    assert client.get("/admin/privacy/erasure/retention/").status_code == 403
    assert client.post("/admin/privacy/erasure/retention/").status_code == 403
