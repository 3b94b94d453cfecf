"""Fixtures for the REST API tests: API clients with tokens, a catalogue, payload builders."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from clienteling.factories import AppointmentFactory
from clienteling.models import Appointment
from customers.factories import ConsentWordingFactory, CustomerFactory, ExternalIdentityFactory
from customers.models import Customer
from journeys.factories import (
    AfterSalesTicketFactory,
    LifecycleStageChangeFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.models import AfterSalesTicket, Order, Pickup, WishlistItem
from omni.api.clients import api_client_create
from omni.factories import ProductFactory, ServiceFactory, SpecialtyFactory
from omni.models import ApiClient, ApiScope, Product, Store

ALL_SCOPES = tuple(ApiScope.values)
PLACED_AT = timezone.make_aware(datetime.datetime(2026, 11, 2, 15, 30))


class TokenClient(APIClient):
    """DRF's test client sending one API client's Bearer token."""

    api_client: ApiClient
    token: str


MakeClient = Callable[..., TokenClient]


@pytest.fixture
def make_api_client(db: None) -> MakeClient:
    made = {"count": 0}

    def make(scopes: tuple[str, ...] = ALL_SCOPES, store: Store | None = None) -> TokenClient:
        made["count"] += 1
        model, token = api_client_create(
            name=f"integration-{made['count']}", scopes=scopes, store=store
        )
        client = TokenClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        client.api_client, client.token = model, token
        return client

    return make


@pytest.fixture
def api_client(make_api_client: MakeClient) -> TokenClient:
    """The e-shop integration: every scope, every store."""
    return make_api_client()


@pytest.fixture
def catalogue(store: Store) -> dict[str, Product]:
    return {
        "TRENCH-M": ProductFactory(sku="TRENCH-M", name="Trench coat", price=Decimal("890.00")),
        "SCARF": ProductFactory(sku="SCARF", name="Cashmere scarf", price=Decimal("120.00")),
        "BROW-GEL": ProductFactory(sku="BROW-GEL", name="Brow gel", price=Decimal("24.50")),
    }


def order_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "channel": "web",
        "placed_at": PLACED_AT.isoformat(),
        "currency": "EUR",
        "customer": {"source": "shopify", "external_id": "55", "email": "claire@example.fr"},
        "shipping_total": "10.00",
        "lines": [
            {"sku": "TRENCH-M", "quantity": 1, "unit_price": "890.00"},
            {"sku": "SCARF", "quantity": 2, "unit_price": "120.00", "discount": "20.00"},
            {"sku": "BROW-GEL", "quantity": 3, "unit_price": "24.50"},
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def world(store: Store, catalogue: dict[str, Product], associate: Any) -> SimpleNamespace:
    """One of everything, in the Paris flagship: what the permission tests act on."""
    customer = CustomerFactory(email="claire@example.fr", phone="+33612345678")
    ExternalIdentityFactory(customer=customer, source="shopify", external_id="55")
    ConsentWordingFactory(purpose="newsletter", version="v1")
    order = OrderFactory(customer=customer, store=store, source="pos", external_reference="P-1")
    line = OrderLineFactory(order=order, line_number=1, product=catalogue["TRENCH-M"])
    web_order = OrderFactory(
        customer=customer,
        store=store,
        channel="web",
        source="shopify",
        external_reference="W-1",
        fulfilment="click_and_collect",
    )
    OrderLineFactory(order=web_order, line_number=1, product=catalogue["SCARF"])
    pickup = PickupFactory(order=web_order, store=store, status="placed")
    ticket = AfterSalesTicketFactory(customer=customer, store=store)
    item = WishlistItemFactory(wishlist__customer=customer, product=catalogue["SCARF"])
    specialty = SpecialtyFactory(code="brows", name="Brows")
    service = ServiceFactory(code="brow-styling", required_specialty=specialty)
    store.services.add(service)
    associate.specialties.add(specialty)
    appointment = AppointmentFactory(customer=customer, associate=associate, service=service)
    touchpoint = TouchpointFactory(customer=customer, source="web", external_id="ev-1")
    stage_change = LifecycleStageChangeFactory(customer=customer)
    return SimpleNamespace(
        store=store,
        customer=customer,
        order=order,
        line=line,
        web_order=web_order,
        pickup=pickup,
        ticket=ticket,
        item=item,
        wishlist=item.wishlist,
        service=service,
        associate=associate,
        appointment=appointment,
        touchpoint=touchpoint,
        stage_change=stage_change,
        products=catalogue,
    )


def database_state() -> dict[str, Any]:
    """Row counts of every Omni table and the workflow statuses: 'nothing changed' checks."""
    state: dict[str, Any] = {}
    for label in ("omni", "customers", "journeys", "clienteling"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name in ("apiclient", "idempotencyrecord"):
                continue
            state[model._meta.label] = model._default_manager.count()
    for model in (Pickup, AfterSalesTicket, Appointment, Order):
        state[f"{model._meta.label}.status"] = sorted(model.objects.values_list("pk", "status"))
    state["wishlist_removed"] = sorted(
        WishlistItem.objects.filter(removed_at__isnull=False).values_list("pk", flat=True)
    )
    state["customers"] = sorted(
        Customer.objects.values_list("pk", "email", "phone", "first_name", "updated_at")
    )
    return state
