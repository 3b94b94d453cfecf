"""Least privilege (issue 10, part 7).

- An associate's session reads customers through the API masked exactly as the tablet shows
  them (customers.masking, one rule for both).
- A store-limited API token sees only its store's orders, returns, pickups and customers.
- The built-in roles: what associates, store managers, head office, the DPO and superusers may
  do in the admin with the sensitive models.

Every refusal leaves the database as it was.
"""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from clienteling.factories import AppointmentFactory, AssociateFactory
from clienteling.models import Associate
from customers.api import MaskedCustomerSerializer
from customers.factories import AddressFactory, ConsentFactory, CustomerFactory
from customers.masking import mask_email, mask_phone
from customers.models import Customer
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    ReturnFactory,
)
from journeys.models import Order, Pickup, Return
from omni.api.clients import api_client_create
from omni.api.compiled_lists import CompiledListSerializer, uncompiled_fields
from omni.api.principals import SESSION_READ_SCOPES
from omni.factories import UserFactory
from omni.models import ApiScope, Store
from omni.roles import DPO_GROUP, ensure_dpo_group, ensure_head_office_group
from tests.api.conftest import database_state, order_payload

pytestmark = pytest.mark.django_db

ADVICE = "personalised_advice"


def token_client(store: Store | None = None, scopes: tuple[str, ...] = ()) -> APIClient:
    _model, token = api_client_create(
        name=f"pos-{store.code if store else 'e-shop'}-{len(scopes)}",
        scopes=list(scopes or ApiScope.values),
        store=store,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def session_of(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# Session reads are masked exactly like the tablet ---------------------------------------------


@pytest.fixture
def claire(store: Store) -> Customer:
    customer = CustomerFactory(
        email="claire.martin@example.fr",
        phone="+33612345678",
        birth_date=datetime.date(1990, 4, 17),
        preferred_store=store,
    )
    AddressFactory(
        customer=customer,
        recipient="Claire Martin",
        line1="12 rue de Rivoli",
        postal_code="75004",
        city="Paris",
        phone="+33611223344",
    )
    return customer


def tablet_page(associate: Associate, customer: Customer) -> str:
    tablet = Client()
    tablet.force_login(associate.user)
    response = tablet.get(reverse("clienteling:customer", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_associates_session_reads_her_contact_details_masked_as_the_tablet_shows_them(
    associate: Associate, claire: Customer
) -> None:
    detail = session_of(associate.user).get(f"/api/v1/customers/{claire.pk}").json()
    assert detail["email"] == "c•••@example.fr" == mask_email(claire.email)
    assert detail["phone"] == "•• •• •• 56 78" == mask_phone(claire.phone)
    assert detail["birth_date"] == "--04-17"
    [address] = detail["addresses"]
    assert (address["recipient"], address["line1"], address["postal_code"]) == ("", "", "")
    assert address["city"] == "Paris"
    assert address["phone"] == "•• •• •• 33 44"
    # The tablet shows her the very same strings, and not the real ones.
    page = tablet_page(associate, claire)
    assert detail["email"] in page
    assert detail["phone"] in page
    assert claire.email not in page
    assert "17/04" in page
    assert "17/04/1990" not in page


def test_with_consent_to_personal_advice_the_session_reads_them_in_full_as_the_tablet(
    associate: Associate, claire: Customer
) -> None:
    ConsentFactory(customer=claire, purpose=ADVICE, channel="email", granted=True)
    detail = session_of(associate.user).get(f"/api/v1/customers/{claire.pk}").json()
    assert (detail["email"], detail["phone"]) == (claire.email, claire.phone)
    assert detail["addresses"][0]["line1"] == "12 rue de Rivoli"
    assert detail["birth_date"] == "--04-17"  # The year stays the manager's, as on the tablet.
    assert claire.email in tablet_page(associate, claire)


def test_a_withdrawn_consent_masks_them_again(associate: Associate, claire: Customer) -> None:
    granted = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    ConsentFactory(customer=claire, purpose=ADVICE, channel="email", recorded_at=granted)
    ConsentFactory(
        customer=claire,
        purpose=ADVICE,
        channel="email",
        granted=False,
        recorded_at=granted + datetime.timedelta(days=30),
    )
    detail = session_of(associate.user).get(f"/api/v1/customers/{claire.pk}").json()
    assert detail["email"] == mask_email(claire.email)
    assert claire.email not in tablet_page(associate, claire)


def test_a_store_managers_session_and_an_integration_read_them_in_full(
    store_manager: Associate, claire: Customer
) -> None:
    for reader in (session_of(store_manager.user), token_client()):
        detail = reader.get(f"/api/v1/customers/{claire.pk}").json()
        assert (detail["email"], detail["phone"]) == (claire.email, claire.phone)
        assert detail["birth_date"] == "1990-04-17"
        assert detail["addresses"][0]["recipient"] == "Claire Martin"
    assert claire.email in tablet_page(store_manager, claire)


def _list_queries(client: APIClient) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/customers", {"page_size": 200})
    assert response.status_code == 200
    return len(queries.captured_queries), response.content


def test_an_associates_list_of_200_shows_no_unconsented_email_in_a_fixed_number_of_queries(
    associate: Associate, store: Store
) -> None:
    session = session_of(associate.user)
    consenting = CustomerFactory(email="yes@example.fr")
    ConsentFactory(customer=consenting, purpose=ADVICE, channel="sms")
    CustomerFactory.create_batch(3)
    session.get("/api/v1/customers")
    few_queries, _body = _list_queries(session)
    others = CustomerFactory.create_batch(40)
    for customer in others[:20]:
        AddressFactory(customer=customer, phone="+33699887766")
        ConsentFactory(customer=customer, purpose="newsletter", channel="email")
    many_queries, body = _list_queries(session)
    assert many_queries == few_queries
    text = body.decode()
    assert "yes@example.fr" in text
    assert not any(customer.email in text for customer in others)
    assert not any(customer.phone in text for customer in others)
    assert len(re.findall(r"•••@example\.fr", text)) == 43


def test_the_masked_list_renders_what_drf_would(
    associate: Associate, claire: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its fields are all compiled, and its answer is DRF's own, masked or not."""
    assert uncompiled_fields(MaskedCustomerSerializer) == []
    consenting = CustomerFactory(birth_date=None, email=None)
    ConsentFactory(customer=consenting, purpose=ADVICE, channel="phone")
    AddressFactory(customer=consenting, phone="+33611223344")
    session = session_of(associate.user)
    compiled = session.get("/api/v1/customers", {"page_size": 200}).content
    drf = serializers.ListSerializer.to_representation
    monkeypatch.setattr(CompiledListSerializer, "to_representation", drf)
    assert session.get("/api/v1/customers", {"page_size": 200}).content == compiled
    assert mask_email(claire.email).encode() in compiled


def test_a_session_reads_neither_segments_nor_subject_access_exports(
    associate: Associate, store_manager: Associate
) -> None:
    assert {ApiScope.SEGMENTS_READ, ApiScope.GDPR_READ}.isdisjoint(SESSION_READ_SCOPES)
    for user in (associate.user, store_manager.user):
        response = session_of(user).get("/api/v1/segments")
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"


# A store-limited API token --------------------------------------------------------------------


@pytest.fixture
def stores(store: Store, other_store: Store) -> SimpleNamespace:
    """The Paris flagship and the Lyon store, and one customer per way of being Lyon's."""
    paris, lyon = store, other_store
    lyon_order = OrderFactory(store=lyon, source="pos", external_reference="LY-1")
    OrderLineFactory(order=lyon_order, line_number=1)
    paris_order = OrderFactory(store=paris, source="pos", external_reference="PA-1")
    OrderLineFactory(order=paris_order, line_number=1)
    web_order = OrderFactory(store=None, channel="web", source="shopify", external_reference="W-7")
    OrderLineFactory(order=web_order, line_number=1)
    collected_in_lyon = OrderFactory(
        store=lyon, channel="web", fulfilment="click_and_collect", external_reference="W-8"
    )
    lyon_pickup = PickupFactory(order=collected_in_lyon)
    paris_pickup = PickupFactory(order=OrderFactory(store=paris, fulfilment="click_and_collect"))
    returned_in_lyon = ReturnFactory(order=OrderFactory(store=paris), store=lyon)
    booked_in_lyon = AppointmentFactory(associate=AssociateFactory(store=lyon)).customer
    ticket_in_lyon = AfterSalesTicketFactory(store=lyon).customer
    prefers_lyon = CustomerFactory(preferred_store=lyon)
    return SimpleNamespace(
        paris=paris,
        lyon=lyon,
        lyon_order=lyon_order,
        paris_order=paris_order,
        web_order=web_order,
        lyon_pickup=lyon_pickup,
        paris_pickup=paris_pickup,
        lyons_customers={
            lyon_order.customer_id,
            collected_in_lyon.customer_id,
            returned_in_lyon.customer_id,
            booked_in_lyon.pk,
            ticket_in_lyon.pk,
            prefers_lyon.pk,
        },
        paris_only=paris_order.customer,
    )


def _ids(client: APIClient, path: str, **filters: str) -> set[int]:
    response = client.get(path, {"page_size": 200, **filters})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_store_limited_token_lists_only_its_stores_customers_orders_and_pickups(
    stores: SimpleNamespace,
) -> None:
    lyon = token_client(stores.lyon)
    assert _ids(lyon, "/api/v1/customers") == stores.lyons_customers
    lyon_orders = set(Order.objects.filter(store=stores.lyon).values_list("pk", flat=True))
    assert _ids(lyon, "/api/v1/orders") == lyon_orders
    assert _ids(lyon, "/api/v1/pickups") == {stores.lyon_pickup.pk}
    # Its filters narrow within its store, never beyond it.
    assert _ids(lyon, "/api/v1/orders", store=stores.paris.code) == set()
    assert _ids(lyon, "/api/v1/orders", customer=str(stores.paris_only.pk)) == set()
    everyone = token_client()
    assert _ids(everyone, "/api/v1/customers") == set(Customer.objects.values_list("pk", flat=True))
    assert _ids(everyone, "/api/v1/orders") == set(Order.objects.values_list("pk", flat=True))
    assert _ids(everyone, "/api/v1/pickups") == set(Pickup.objects.values_list("pk", flat=True))


DETAILS: list[tuple[str, Callable[[SimpleNamespace], str], Callable[[SimpleNamespace], str]]] = [
    (
        "customers",
        lambda s: f"/api/v1/customers/{min(s.lyons_customers)}",
        lambda s: f"/api/v1/customers/{s.paris_only.pk}",
    ),
    (
        "orders",
        lambda s: f"/api/v1/orders/{s.lyon_order.pk}",
        lambda s: f"/api/v1/orders/{s.paris_order.pk}",
    ),
    (
        "pickups",
        lambda s: f"/api/v1/pickups/{s.lyon_pickup.pk}",
        lambda s: f"/api/v1/pickups/{s.paris_pickup.pk}",
    ),
]


@pytest.mark.parametrize(("resource", "its_own", "another_stores"), DETAILS)
def test_details_outside_the_store_are_404_for_a_store_limited_token_only(
    resource: str, its_own: Callable, another_stores: Callable, stores: SimpleNamespace
) -> None:
    lyon, everyone = token_client(stores.lyon), token_client()
    assert lyon.get(its_own(stores)).status_code == 200
    refused = lyon.get(another_stores(stores))
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert everyone.get(another_stores(stores)).status_code == 200


def test_the_store_customers_list_runs_a_fixed_number_of_queries(stores: SimpleNamespace) -> None:
    lyon = token_client(stores.lyon)
    lyon.get("/api/v1/customers")  # The first call of a token notes when it was last used.
    with CaptureQueriesContext(connection) as few:
        lyon.get("/api/v1/customers", {"page_size": 200})
    for _number in range(15):
        OrderFactory(store=stores.lyon)
        CustomerFactory(preferred_store=stores.lyon)
    with CaptureQueriesContext(connection) as many:
        response = lyon.get("/api/v1/customers", {"page_size": 200})
    assert len(response.json()["results"]) == len(stores.lyons_customers) + 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_store_limited_upsert_answers_a_customer_it_does_not_see_masked(
    stores: SimpleNamespace,
) -> None:
    """Its POS may attach a walk-in customer to her profile (found by email), and is answered
    about her as its associates would be, not with her full profile."""
    lyon = token_client(stores.lyon)
    stranger = stores.paris_only
    response = lyon.put("/api/v1/customers/pos/C-1", {"email": stranger.email}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == stranger.pk
    assert response.json()["email"] == mask_email(stranger.email)
    assert stranger.phone not in response.content.decode()
    regular = stores.lyon_order.customer
    response = lyon.put("/api/v1/customers/pos/C-2", {"email": regular.email}, format="json")
    assert (response.json()["id"], response.json()["email"]) == (regular.pk, regular.email)


def _return_body(**overrides: Any) -> dict[str, Any]:
    return {"lines": [{"line_number": 1, "quantity": 1}], "channel": "store", **overrides}


def test_a_store_records_the_return_of_its_sale_and_of_a_web_order_brought_to_it(
    stores: SimpleNamespace,
) -> None:
    lyon = token_client(stores.lyon)
    own = lyon.post(f"/api/v1/orders/{stores.lyon_order.pk}/returns", _return_body(), format="json")
    assert own.status_code == 201, own.content
    web = lyon.post(f"/api/v1/orders/{stores.web_order.pk}/returns", _return_body(), format="json")
    assert web.status_code == 201, web.content
    assert web.json()["store"] == stores.lyon.code
    assert Return.objects.get(pk=web.json()["id"]).store == stores.lyon


REFUSED_WRITES: list[tuple[str, str, Callable[[SimpleNamespace], str], Callable, int, str]] = [
    (
        "a return of another store's sale",
        "post",
        lambda s: f"/api/v1/orders/{s.paris_order.pk}/returns",
        lambda s: _return_body(),
        404,
        "not_found",
    ),
    (
        "its sale taken back in another store",
        "post",
        lambda s: f"/api/v1/orders/{s.lyon_order.pk}/returns",
        lambda s: _return_body(store=s.paris.code),
        403,
        "store_forbidden",
    ),
    (
        "another store's order rewritten",
        "put",
        lambda s: "/api/v1/orders/pos/PA-1",
        lambda s: order_payload(store=s.lyon.code),
        403,
        "store_forbidden",
    ),
    (
        "an order placed for another store",
        "put",
        lambda s: "/api/v1/orders/pos/NEW-1",
        lambda s: order_payload(store=s.paris.code),
        403,
        "store_forbidden",
    ),
    (
        "another store's pickup moved",
        "post",
        lambda s: f"/api/v1/pickups/{s.paris_pickup.pk}/transitions",
        lambda s: {"status": "preparing"},
        404,
        "not_found",
    ),
    (
        "a consent recorded for a customer it does not see",
        "post",
        lambda s: f"/api/v1/customers/{s.paris_only.pk}/consents",
        lambda s: {
            "purpose": "newsletter",
            "channel": "email",
            "granted": True,
            "wording_version": "v1",
            "collected_via": "store",
        },
        404,
        "not_found",
    ),
    (
        "tags set on a customer it does not see",
        "put",
        lambda s: f"/api/v1/customers/{s.paris_only.pk}/tags",
        lambda s: {"tags": []},
        404,
        "not_found",
    ),
]


@pytest.mark.parametrize(
    ("label", "method", "path", "body", "status", "code"),
    REFUSED_WRITES,
    ids=[write[0] for write in REFUSED_WRITES],
)
def test_writes_for_another_store_are_refused_and_change_nothing(
    label: str,
    method: str,
    path: Callable,
    body: Callable,
    status: int,
    code: str,
    stores: SimpleNamespace,
) -> None:
    lyon = token_client(stores.lyon)
    before = database_state()
    response = getattr(lyon, method)(path(stores), body(stores), format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert database_state() == before


def test_a_known_return_of_another_store_is_not_shown_to_a_store_limited_token(
    stores: SimpleNamespace,
) -> None:
    """Sending a return's reference again answers the stored return: not another store's."""
    ReturnFactory(
        order=stores.web_order, store=stores.paris, source="pos", external_reference="R-9"
    )
    lyon = token_client(stores.lyon)
    before = database_state()
    response = lyon.post(
        f"/api/v1/orders/{stores.web_order.pk}/returns",
        _return_body(source="pos", external_reference="R-9", store=stores.lyon.code),
        format="json",
    )
    assert response.status_code == 404
    assert database_state() == before


# Roles in the admin ---------------------------------------------------------------------------


@pytest.fixture
def dpo(db: None) -> User:
    user = UserFactory(username="dpo", is_staff=True)
    user.groups.add(ensure_dpo_group())
    return user


@pytest.fixture
def personas(
    associate: Associate, store_manager: Associate, marketer: User, dpo: User, superuser: User
) -> dict[str, User]:
    return {
        "associate": associate.user,
        "store_manager": store_manager.user,
        "head_office": marketer,
        "dpo": dpo,
        "superuser": superuser,
    }


SENSITIVE_MODELS = [
    ("journeys", "order"),
    ("journeys", "return"),
    ("journeys", "pickup"),
    ("journeys", "shopintegration"),
    ("journeys", "outboundwebhook"),
    ("clienteling", "associate"),
    ("omni", "apiclient"),
    ("customers", "customer"),
    ("customers", "consent"),
    ("clienteling", "profileaccess"),
]
# Who may view / add / change / delete each sensitive model in the admin (others: nothing).
ALLOWED: dict[str, dict[str, set[str]]] = {
    "associate": {},
    "store_manager": {},
    "head_office": {
        "order": {"view"},
        "return": {"view"},
        "pickup": {"view"},
        "shopintegration": {"view"},
        "outboundwebhook": {"view"},
        "associate": {"view"},
        "customer": {"view", "add", "change", "delete"},
        "consent": {"view", "add"},
        "profileaccess": {"view", "add"},
    },
    "dpo": {model: {"view"} for _app, model in SENSITIVE_MODELS if model != "apiclient"},
    "superuser": {model: {"view", "add", "change", "delete"} for _app, model in SENSITIVE_MODELS},
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize(("app_label", "model"), SENSITIVE_MODELS)
def test_the_permission_matrix_of_the_sensitive_models(
    role: str, app_label: str, model: str, personas: dict[str, User]
) -> None:
    user = User.objects.get(pk=personas[role].pk)  # Fresh: permissions are cached per object.
    granted = {
        action
        for action in ("view", "add", "change", "delete")
        if user.has_perm(f"{app_label}.{action}_{model}")
    }
    assert granted == ALLOWED[role].get(model, set())


PRIVACY_PERMISSIONS = [
    "privacy.erase_customer",
    "privacy.export_customer",
    "privacy.view_erasure",
    "privacy.view_subjectexport",
]


@pytest.mark.parametrize("role", list(ALLOWED))
def test_only_the_dpo_and_superusers_erase_and_export_a_person(
    role: str, personas: dict[str, User]
) -> None:
    user = User.objects.get(pk=personas[role].pk)
    expected = role in ("dpo", "superuser")
    assert {user.has_perm(name) for name in PRIVACY_PERMISSIONS} == {expected}


def test_the_dpo_reads_every_kind_of_customer_data_and_changes_none(dpo: User) -> None:
    permissions = set(ensure_dpo_group().permissions.values_list("codename", flat=True))
    assert {"view_customer", "view_order", "view_note", "view_profileaccess"} <= permissions
    writes = {name for name in permissions if not name.startswith("view_")}
    assert writes == {"erase_customer", "export_customer"}
    assert "view_apiclient" not in permissions


def test_the_groups_are_created_by_migrate_and_refreshed_idempotently() -> None:
    """The test database was built by migrate: the groups are there, with their permissions."""
    head_office, dpo_group = ensure_head_office_group(), ensure_dpo_group()
    assert dpo_group.name == DPO_GROUP
    counts = (head_office.permissions.count(), dpo_group.permissions.count())
    assert ensure_head_office_group().permissions.count() == counts[0]
    assert ensure_dpo_group().permissions.count() == counts[1]
    assert ensure_dpo_group().pk == dpo_group.pk


@pytest.fixture
def order_and_pickup(store: Store) -> SimpleNamespace:
    order = OrderFactory(
        store=store, total=Decimal("120.00"), fulfilment="click_and_collect", channel="web"
    )
    return SimpleNamespace(order=order, pickup=PickupFactory(order=order))


ADMIN_WRITES: list[tuple[str, Callable[[SimpleNamespace, Any], str], dict[str, str]]] = [
    (
        "change an order",
        lambda w, a: reverse("admin:journeys_order_change", args=[w.order.pk]),
        {"total": "1.00"},
    ),
    (
        "delete an order",
        lambda w, a: reverse("admin:journeys_order_delete", args=[w.order.pk]),
        {"post": "yes"},
    ),
    ("add an order", lambda w, a: reverse("admin:journeys_order_add"), {}),
    (
        "change a pickup",
        lambda w, a: reverse("admin:journeys_pickup_change", args=[w.pickup.pk]),
        {"status": "cancelled"},
    ),
    (
        "delete a pickup",
        lambda w, a: reverse("admin:journeys_pickup_delete", args=[w.pickup.pk]),
        {"post": "yes"},
    ),
    ("add a shop integration", lambda w, a: reverse("admin:journeys_shopintegration_add"), {}),
    (
        "change an associate",
        lambda w, a: reverse("admin:clienteling_associate_change", args=[a.pk]),
        {"role": "store_manager"},
    ),
    (
        "delete an associate",
        lambda w, a: reverse("admin:clienteling_associate_delete", args=[a.pk]),
        {"post": "yes"},
    ),
    ("add an API client", lambda w, a: reverse("admin:omni_apiclient_add"), {"name": "x"}),
]


@pytest.mark.parametrize("role", ["head_office", "dpo"])
@pytest.mark.parametrize(
    ("label", "url", "data"), ADMIN_WRITES, ids=[write[0] for write in ADMIN_WRITES]
)
def test_head_office_and_the_dpo_cannot_write_in_the_admin_and_change_nothing(
    role: str,
    label: str,
    url: Callable,
    data: dict[str, str],
    personas: dict[str, User],
    order_and_pickup: SimpleNamespace,
    associate: Associate,
) -> None:
    admin = Client()
    admin.force_login(personas[role])
    before = database_state()
    response = admin.post(url(order_and_pickup, associate), data)
    assert response.status_code == 403, (label, response.status_code)
    assert database_state() == before


@pytest.mark.parametrize("role", ["head_office", "dpo"])
def test_head_office_and_the_dpo_read_orders_pickups_and_associates_in_the_admin(
    role: str, personas: dict[str, User], order_and_pickup: SimpleNamespace, associate: Associate
) -> None:
    admin = Client()
    admin.force_login(personas[role])
    for url in (
        reverse("admin:journeys_order_change", args=[order_and_pickup.order.pk]),
        reverse("admin:journeys_pickup_change", args=[order_and_pickup.pickup.pk]),
        reverse("admin:clienteling_associate_change", args=[associate.pk]),
        reverse("admin:journeys_shopintegration_changelist"),
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert b'name="_save"' not in response.content, url  # Read-only: nothing to save.


@pytest.mark.parametrize("role", ["associate", "store_manager"])
def test_store_staff_do_not_enter_the_admin(role: str, personas: dict[str, User]) -> None:
    admin = Client()
    admin.force_login(personas[role])
    response = admin.get(reverse("admin:journeys_order_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
