"""After an erasure, none of her values is left anywhere in the database.

Her traces are seeded as they arrive in real life: a Shopify customer and order through the
signed webhooks (stored raw bodies), a touchpoint through the API with an Idempotency-Key
(stored response), a duplicate profile merged into hers (merge snapshot), a tablet note and a
task naming her, a ticket and its outbound notification, an appointment request, a wishlist
note, a consent proof, an admin change, import and sync errors quoting her. Then every text,
JSON and binary column of every table is read back and searched for each of her values.
"""

import datetime
import json
from typing import Any

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.factories import AppointmentFactory
from clienteling.models import Task
from clienteling.services import note_add, task_create
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer, DuplicateSuggestion
from customers.services import customer_merge
from journeys.factories import AfterSalesTicketFactory, WishlistItemFactory
from journeys.history_import.models import HistoryImport, HistoryImportChunk
from journeys.integrations.models import OutboundWebhook, ShopIntegration, SyncRun
from journeys.models import AfterSalesMessage, Order
from journeys.outbound import ticket_status_notify
from omni.api.clients import api_client_create
from omni.models import Store
from privacy.erasure import customer_erase
from privacy.models import Door
from tests.integrations.conftest import (  # noqa: F401 - fixtures
    WebhookSender,
    payload,
    send,
    shopify_order,
    shopify_shop,
)

pytestmark = pytest.mark.django_db(transaction=False)

FIRST, LAST = "Capucine", "Vasseur-Lemaire"
EMAIL, OTHER_EMAIL = "capucine.vl@exemple.fr", "capu.perso@exemple.fr"
PHONE_SPELLINGS = ("+33671829304", "0671829304", "06 71 82 93 04", "06.71.82.93.04", "671829304")
SHOP_ID = 7391846205731
VALUES = (
    FIRST,
    LAST,
    EMAIL,
    OTHER_EMAIL,
    *PHONE_SPELLINGS,
    "1987-09-14",
    "14/09/1987",
    "LC-4478213",
    "18 rue des Glycines",
    str(SHOP_ID),
)


def _shopify_customer() -> dict[str, Any]:
    customer = payload("shopify_customer_get.json")["customer"]
    address = {
        **customer["default_address"],
        "customer_id": SHOP_ID,
        "first_name": FIRST,
        "last_name": LAST,
        "address1": "18 rue des Glycines",
        "city": "Lyon",
        "zip": "69003",
        "country_code": "FR",
        "phone": "06 71 82 93 04",
        "name": f"{FIRST} {LAST}",
    }
    customer.update(
        id=SHOP_ID,
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        phone="+33671829304",
        note=f"VIP — appeler {FIRST} au 06 71 82 93 04",
        addresses=[address],
        default_address=address,
    )
    return customer


def _seed_her_traces(sender: WebhookSender, shop: ShopIntegration, store: Store) -> Customer:
    user = get_user_model().objects.create_user("vendeuse", password="x")
    customer_data = _shopify_customer()
    assert sender.shopify("customers/create", customer_data).status_code == 200
    order = shopify_order(
        id=5550001,
        name="#C5550001",
        email=EMAIL,
        phone="+33671829304",
        customer=customer_data,
        refunds=[],
    )
    order["shipping_address"] = customer_data["default_address"]
    order["billing_address"] = customer_data["default_address"]
    assert sender.shopify("orders/create", order).status_code == 200
    her = Customer.objects.get(email=EMAIL)
    assert Order.objects.filter(customer=her).exists()
    Customer.objects.filter(pk=her.pk).update(
        birth_date=datetime.date(1987, 9, 14), loyalty_number="LC-4478213"
    )

    # A duplicate profile made in store, merged into hers.
    duplicate = CustomerFactory(
        first_name=FIRST, last_name=LAST, email=OTHER_EMAIL, birth_date="1987-09-14"
    )
    DuplicateSuggestion.objects.create(
        customer=her, other=duplicate, matched_on="name", reason=f"Même nom : {FIRST} {LAST}"
    )
    customer_merge(survivor=her, absorbed=duplicate, actor=user, reason=f"{FIRST} {LAST} x2")

    # The API: a touchpoint carrying her email, sent with an Idempotency-Key.
    _model, token = api_client_create(name="e-shop", scopes=["touchpoints:write"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.post(
        "/api/v1/touchpoints",
        {
            "customer": {"email": EMAIL},
            "channel": "email",
            "kind": "email_opened",
            "occurred_at": "2026-11-02T10:00:00+01:00",
            "payload": {"to": EMAIL, "campaign": "soldes-hiver"},
        },
        format="json",
        headers={"Idempotency-Key": "signup-1"},
    )
    assert answer.status_code == 201, answer.content

    # The tablet and the desk.
    note_add(customer=her, body="Robe en 38 — rappeler au 06 71 82 93 04", actor=user)
    task_create(
        store=store,
        title=f"Rappeler {FIRST} {LAST}",
        due_on=datetime.date(2026, 12, 10),
        actor=user,
        customer=her,
        reason=Task.Reason.FOLLOW_UP,
        details=f"Son mail : {EMAIL}",
    )
    OutboundWebhook.objects.create(
        name="CRM", url="https://crm.example.com/hook", secret="s" * 32, events=["*"]
    )
    ticket = AfterSalesTicketFactory(
        customer=her,
        subject=f"Zip cassé — Mme {LAST}",
        description="Joignable au 06.71.82.93.04",
    )
    AfterSalesMessage.objects.create(
        ticket=ticket, body=f"Bonjour {FIRST}, votre manteau…", sent_at=timezone.now()
    )
    ticket_status_notify(ticket)
    AppointmentFactory(customer=her, customer_request=f"{FIRST} voudrait un soin visage")
    WishlistItemFactory(customer=her, note=f"Pour l'anniversaire de {FIRST}")
    ConsentFactory(customer=her, proof=f"Formulaire signé par {FIRST} {LAST}")

    # The admin's history, import and sync errors quoting her.
    LogEntry.objects.log_actions(
        user.pk, [her], CHANGE, change_message=json.dumps([{"changed": {"fields": ["email"]}}])
    )
    history = HistoryImport.objects.create(
        path="/tmp/customers.csv",
        size=1,
        head_hash="h",
        fingerprint="f",
        kind="customers",
        format="csv",
        chunk_records=1000,
    )
    HistoryImportChunk.objects.create(
        history_import=history,
        number=0,
        start=0,
        end=1,
        first_line=1,
        status="done",
        errors=[{"line": 2, "errors": {"email": [f"“{EMAIL}” is already used."]}}],
    )
    SyncRun.objects.create(
        integration=shop, kind="customers", errors=[f"customer {SHOP_ID}: phone +33671829304"]
    )
    return Customer.objects.get(pk=her.pk)


def _everything_stored() -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every text, JSON and binary cell of every table."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            names = [column.name for column in columns]
            quoted = ", ".join(connection.ops.quote_name(name) for name in names)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    elif isinstance(value, dict | list):
                        value = json.dumps(value, ensure_ascii=False)
                    elif isinstance(value, datetime.date):
                        value = value.isoformat()
                    elif not isinstance(value, str):
                        value = str(value)
                    found.append((table, name, value))
    return found


def _where(value: str, cells: list[tuple[str, str, str]]) -> list[str]:
    needle = value.casefold()
    escaped = json.dumps(value)[1:-1].casefold()
    return [
        f"{table}.{column}"
        for table, column, text in cells
        if needle in text.casefold() or escaped in text.casefold()
    ]


def test_after_erasure_none_of_her_values_is_stored_anywhere(
    send: WebhookSender,  # noqa: F811
    shopify_shop: ShopIntegration,  # noqa: F811
    store: Store,
) -> None:
    her = _seed_her_traces(send, shopify_shop, store)
    before = _everything_stored()
    # The seeding left her values in every kind of place the erasure must reach.
    for value in (EMAIL, LAST, "06 71 82 93 04", str(SHOP_ID)):
        assert len(_where(value, before)) >= 3, value

    outcome = customer_erase(customer=her, door=Door.ADMIN)

    after = _everything_stored()
    left = {value: _where(value, after) for value in VALUES}
    assert {value: places for value, places in left.items() if places} == {}
    assert outcome.erasure.profiles == 2
    # What accounting needs stays: her order, with its amounts, on the pseudonymised profile.
    order = Order.objects.get(external_reference="5550001")
    assert order.customer_id == her.pk
    assert order.total > 0
