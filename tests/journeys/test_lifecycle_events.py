"""Incremental lifecycle updates: a refresh queued after the commit of each write, once per
customer per transaction, and the incremental result equal to the nightly recompute."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from customers.factories import CustomerFactory
from customers.identity import InboundCustomer
from customers.models import Customer, LifecycleStage
from journeys.ingest import LineInput, OrderInput, order_upsert
from journeys.integrations.models import ShopIntegration
from journeys.integrations.upstream import RefundInput, RefundLineInput, upstream_refund_save
from journeys.lifecycle.services import METRIC_FIELDS, lifecycle_recompute_all
from journeys.models import CustomerMetrics, LifecycleStageChange, LifecycleTrigger, Order
from journeys.services import (
    order_set_status,
    return_record,
    ticket_open,
    touchpoint_record,
    wishlist_add_item,
)
from journeys.tasks import customer_lifecycle_refresh_task
from omni.api.clients import api_client_create
from omni.factories import ProductFactory, StoreFactory
from omni.models import ApiScope

pytestmark = pytest.mark.django_db
Capture = Callable[..., object]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The customer ids of each refresh task queued; the task still runs (in process)."""
    calls: list[list[int]] = []

    def delay(customer_ids: list[int]) -> None:
        calls.append(list(customer_ids))
        customer_lifecycle_refresh_task(customer_ids)

    monkeypatch.setattr(customer_lifecycle_refresh_task, "delay", delay)
    return calls


@pytest.fixture
def catalogue(db: None) -> None:
    ProductFactory(sku="TRENCH-M", name="Trench", price=Decimal("890.00"))
    StoreFactory(code="paris")


def order_input(reference: str, email: str, **overrides: object) -> OrderInput:
    values: dict[str, object] = {
        "source": "shopify",
        "external_reference": reference,
        "channel": "web",
        "placed_at": overrides.pop("placed_at", None) or _now(),
        "lines": (LineInput(sku="TRENCH-M", quantity=1, unit_price=Decimal("890.00")),),
        "customer": InboundCustomer(source="shopify", external_id=email, email=email),
    }
    return OrderInput(**{**values, **overrides})  # type: ignore[arg-type]


def _now() -> datetime.datetime:
    return timezone.now()


def _then_fail(write: Callable[[], object]) -> None:
    """Write in a savepoint, then fail: the savepoint is rolled back."""
    with transaction.atomic():
        write()
        raise RuntimeError("this record fails")


def test_a_batch_of_orders_queues_one_refresh_with_each_customer_once(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    emails = ["anne@example.fr", "berthe@example.fr", "chloe@example.fr"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for number in range(30):
            order_upsert(order_input(f"B-{number}", emails[number % 3]))
        assert sent == []  # nothing before the commit

    customers = Customer.objects.filter(email__in=emails).order_by("pk")
    assert sent == [[customer.pk for customer in customers]]
    assert {customer.lifecycle_stage for customer in customers} == {LifecycleStage.LOYALTY}
    assert {metrics.order_count for metrics in CustomerMetrics.objects.all()} == {10}


def test_the_api_batch_queues_one_refresh(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    _client, token = api_client_create(name="shop", scopes=ApiScope.values)
    records = [
        {
            "source": "shopify",
            "external_reference": f"API-{number}",
            "channel": "web",
            "placed_at": "2026-01-10T10:00:00Z",
            "lines": [{"sku": "TRENCH-M", "quantity": 1, "unit_price": "890.00"}],
            "customer": {"email": f"api{number % 4}@example.fr"},
        }
        for number in range(12)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/orders/batch",
            {"records": records},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == {"created": 12}
    assert len(sent) == 1
    assert len(sent[0]) == 4


def test_a_savepoint_rolled_back_does_not_lose_the_other_customers(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    first, second = CustomerFactory(), CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError):
            _then_fail(
                lambda: touchpoint_record(
                    customer=first, channel="web", kind="web_visit", occurred_at=_now()
                )
            )
        touchpoint_record(customer=second, channel="web", kind="web_visit", occurred_at=_now())
    assert len(sent) == 1
    assert second.pk in sent[0]
    assert CustomerMetrics.objects.get(customer=second).touchpoint_count == 1


def test_nothing_is_queued_when_the_transaction_rolls_back(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _then_fail(lambda: order_upsert(order_input("R-1", "rolled@example.fr")))
    assert sent == []


def test_a_replayed_order_queues_nothing(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    data = order_input("SAME-1", "same@example.fr")
    with django_capture_on_commit_callbacks(execute=True):
        order_upsert(data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert order_upsert(data).outcome == "unchanged"
    assert len(sent) == 1
    assert callbacks == []


def test_every_kind_of_activity_refreshes_the_stage_and_matches_the_nightly_run(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    product = ProductFactory()
    prospect = CustomerFactory(loyalty_number=None)
    buyer = CustomerFactory(loyalty_number=None)
    steps: list[Callable[[], object]] = [
        lambda: touchpoint_record(
            customer=prospect, channel="social", kind="social", occurred_at=_now()
        ),
        lambda: wishlist_add_item(customer=buyer, product=product, channel="web"),
        lambda: order_upsert(order_input("E-1", buyer.email or "")),
        lambda: order_upsert(order_input("E-2", buyer.email or "", channel="store")),
        lambda: ticket_open(
            customer=prospect, kind="question", subject="Sizes?", channel="phone", actor=None
        ),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()
    assert Customer.objects.get(pk=prospect.pk).lifecycle_stage == LifecycleStage.ACQUISITION
    assert Customer.objects.get(pk=buyer.pk).lifecycle_stage == LifecycleStage.RETENTION

    second = Order.objects.get(external_reference="E-2")
    with django_capture_on_commit_callbacks(execute=True):
        order_set_status(order=second, status=Order.Status.CANCELLED, actor=None)
    assert Customer.objects.get(pk=buyer.pk).lifecycle_stage == LifecycleStage.CONVERSION
    first = Order.objects.get(external_reference="E-1")
    with django_capture_on_commit_callbacks(execute=True):
        return_record(order=first, lines=[(first.lines.get(), 1)], channel="store", actor=None)
    # Her only purchase fully refunded: identified (an account), no purchase any more.
    assert Customer.objects.get(pk=buyer.pk).lifecycle_stage == LifecycleStage.ACQUISITION
    triggers = set(LifecycleStageChange.objects.values_list("trigger", flat=True))
    assert triggers == {LifecycleTrigger.EVENT}
    assert len(sent) == len(steps) + 2

    incremental = _snapshot()
    CustomerMetrics.objects.all().delete()
    assert lifecycle_recompute_all().changes == 0
    assert _snapshot() == incremental


def _snapshot() -> dict[int, tuple]:
    stages = dict(Customer.objects.values_list("pk", "lifecycle_stage"))
    return {
        row[0]: (stages[row[0]], *row[1:])
        for row in CustomerMetrics.objects.values_list("customer_id", *METRIC_FIELDS)
    }


def test_a_refund_from_the_shop_refreshes_her_figures(
    catalogue: None, sent: list[list[int]], django_capture_on_commit_callbacks: Capture
) -> None:
    shop = ShopIntegration.objects.create(
        platform="shopify",
        name="Shop",
        slug="shopify",
        base_url="https://shop.example",
        api_secret="secret",
        webhook_secret="whsec",
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_upsert(order_input("S-1", "refund@example.fr"))
    refund = RefundInput(
        external_reference="RF-1",
        order_reference="S-1",
        refunded_at=_now(),
        amount=Decimal("890.00"),
        lines=(RefundLineInput(sku="TRENCH-M", quantity=1, amount=Decimal("890.00")),),
    )
    with django_capture_on_commit_callbacks(execute=True):
        upstream_refund_save(integration=shop, refund=refund)
    customer = Customer.objects.get(email="refund@example.fr")
    metrics = CustomerMetrics.objects.get(customer=customer)
    assert (metrics.order_count, metrics.total_refunded) == (0, Decimal("890.00"))
    assert customer.lifecycle_stage == LifecycleStage.ACQUISITION
    assert len(sent) == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_refresh_runs_after_the_write(sent: list[list[int]]) -> None:
    """No transaction (autocommit): the refresh is sent at once, and must see the new row."""
    wisher, asker = CustomerFactory(loyalty_number=None), CustomerFactory(loyalty_number=None)
    wishlist_add_item(customer=wisher, product=ProductFactory(), channel="web")
    assert Customer.objects.get(pk=wisher.pk).lifecycle_stage == LifecycleStage.ACQUISITION
    ticket_open(customer=asker, kind="question", subject="Sizes?", channel="web", actor=None)
    assert Customer.objects.get(pk=asker.pk).lifecycle_stage == LifecycleStage.ACQUISITION
    assert sent == [[wisher.pk], [asker.pk]]
