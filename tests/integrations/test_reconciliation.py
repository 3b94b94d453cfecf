"""The reconciliation pull against a local fake shop over real HTTP (fake_shop.py).

Nothing is patched: httpx talks to a server on 127.0.0.1 that paginates, rate-limits and fails
the way Shopify's Admin REST API and WooCommerce's REST API do.
"""

import copy
import datetime
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from journeys.integrations.models import ShopIntegration, SyncRun, WebhookDelivery
from journeys.integrations.sync import integration_pull
from journeys.models import Order, Pickup, Return
from journeys.tasks import integrations_reconcile_task
from tests.integrations.conftest import payload, shopify_order, woocommerce_order
from tests.integrations.fake_shop import SHOPIFY_PREFIX, WOOCOMMERCE_PREFIX, Answer, FakeShop

pytestmark = pytest.mark.django_db
ORDERS_PATH = f"{SHOPIFY_PREFIX}orders.json"
REFUNDS_723 = f"{WOOCOMMERCE_PREFIX}orders/723/refunds"
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def shopify(shopify_shop: ShopIntegration, fake_shop: FakeShop) -> ShopIntegration:
    shopify_shop.base_url = fake_shop.base_url
    shopify_shop.save()
    return shopify_shop


@pytest.fixture
def woocommerce(woocommerce_shop: ShopIntegration, fake_shop: FakeShop) -> ShopIntegration:
    woocommerce_shop.base_url = fake_shop.base_url
    woocommerce_shop.save()
    return woocommerce_shop


def _shopify_orders(count: int) -> list[dict]:
    return [
        shopify_order(
            id=1000 + number,
            name=f"#{1000 + number}",
            refunds=[],
            updated_at=(T0 + datetime.timedelta(minutes=number)).isoformat(),
        )
        for number in range(count)
    ]


def test_shopify_orders_are_pulled_page_by_page_through_a_rate_limit(
    shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    fake_shop.shopify["orders"] = _shopify_orders(5)
    fake_shop.interrupt(ORDERS_PATH, Answer(429, {"errors": "Exceeded"}, {"Retry-After": "1.0"}))

    started = time.monotonic()
    run = integration_pull(integration=shopify, kind="orders")

    assert time.monotonic() - started >= 1.0  # Waited as Retry-After asked.
    assert (run.status, run.pages, run.created_count, run.failed_count) == ("completed", 3, 5, 0)
    assert sorted(Order.objects.values_list("external_reference", flat=True)) == [
        "1000",
        "1001",
        "1002",
        "1003",
        "1004",
    ]
    calls = fake_shop.requests_to(ORDERS_PATH)
    assert len(calls) == 4  # The 429, then three pages.
    assert (
        calls[0].query
        == calls[1].query
        == {"limit": "250", "order": "updated_at asc", "status": "any"}
    )
    # Later pages follow the Link header: page_info and limit only, as Shopify requires.
    assert all(set(call.query) == {"limit", "page_info"} for call in calls[2:])
    assert all(call.headers["x-shopify-access-token"] == "shpat_test_token" for call in calls)
    shopify.refresh_from_db()
    assert shopify.orders_synced_until == T0 + datetime.timedelta(minutes=4)
    assert run.cursor_to == shopify.orders_synced_until


def test_one_failing_record_is_reported_and_never_blocks_the_others(
    shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    orders = _shopify_orders(4)
    orders[1]["line_items"] = [{"sku": "BROKEN", "price": "10.00"}]  # No quantity.
    orders[2]["created_at"] = "not a date"
    fake_shop.shopify["orders"] = orders

    run = integration_pull(integration=shopify, kind="orders")

    assert (run.status, run.created_count, run.failed_count) == ("completed", 2, 2)
    assert [error["record"] for error in run.errors] == ["1001", "1002"]
    assert "KeyError: 'quantity'" in run.errors[0]["error"]
    assert "not a date" in run.errors[1]["error"]
    assert sorted(Order.objects.values_list("external_reference", flat=True)) == ["1000", "1003"]


def test_the_next_pull_is_incremental_and_brings_back_what_a_lost_webhook_missed(
    send, shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    fake_shop.shopify["orders"] = _shopify_orders(3)
    send.shopify("orders/create", fake_shop.shopify["orders"][0])
    first = integration_pull(integration=shopify, kind="orders")
    # The shop cancels order 1001 later; the webhook for it never arrives.
    fake_shop.shopify["orders"][1].update(
        cancelled_at=(T0 + datetime.timedelta(hours=1)).isoformat(),
        updated_at=(T0 + datetime.timedelta(hours=1)).isoformat(),
    )
    shopify.refresh_from_db()

    second = integration_pull(integration=shopify, kind="orders")

    assert (first.created_count, first.unchanged_count) == (2, 1)
    assert second.cursor_from == T0 + datetime.timedelta(minutes=2)
    filtered = [
        call for call in fake_shop.requests_to(ORDERS_PATH) if "updated_at_min" in call.query
    ]
    since = filtered[-1].query["updated_at_min"]
    assert datetime.datetime.fromisoformat(since) == T0 - datetime.timedelta(minutes=3)
    # The overlap fetches the two others again: they are unchanged, not applied twice.
    assert (second.updated_count, second.unchanged_count, second.created_count) == (1, 2, 0)
    assert Order.objects.get(external_reference="1001").status == "cancelled"


def test_shopify_customers_are_pulled(shopify: ShopIntegration, fake_shop: FakeShop) -> None:
    fake_shop.shopify["customers"] = payload("shopify_customers_list.json")["customers"]

    run = integration_pull(integration=shopify, kind="customers")

    assert (run.status, run.created_count) == ("completed", 1)
    assert Customer.objects.get().identities.get().external_id == "207119551"


def test_woocommerce_orders_are_pulled_by_page_number_with_basic_auth(
    woocommerce: ShopIntegration, fake_shop: FakeShop
) -> None:
    orders = payload("woocommerce_orders_list.json")
    extra = copy.deepcopy(orders[0])
    extra.update(id=728, number="728", date_modified_gmt="2017-03-23T08:00:00")
    fake_shop.woocommerce["orders"] = [*orders, extra]
    fake_shop.woocommerce_refunds["723"] = payload("woocommerce_order_refunds_list.json")
    woocommerce.orders_synced_until = datetime.datetime(2017, 3, 21, 0, 0, tzinfo=datetime.UTC)
    woocommerce.save()

    run = integration_pull(integration=woocommerce, kind="orders")

    assert (run.status, run.pages, run.created_count) == ("completed", 2, 3)
    calls = fake_shop.requests_to("/wp-json/wc/v3/orders")
    assert [call.query["page"] for call in calls] == ["1", "2"]
    assert calls[0].query["modified_after"] == "2017-03-20T23:55:00"  # GMT, minus the overlap.
    assert calls[0].query["dates_are_gmt"] == "true"
    assert sorted(Return.objects.values_list("external_reference", "refund_amount")) == [
        ("724", Decimal("9.00")),
        ("726", Decimal("10.00")),
    ]
    # The order lists its refunds by id and total: their lines are read from the shop.
    assert [call.query["page"] for call in fake_shop.requests_to(REFUNDS_723)] == ["1"]
    woocommerce.refresh_from_db()
    assert woocommerce.orders_synced_until == datetime.datetime(
        2017, 3, 23, 8, 0, tzinfo=datetime.UTC
    )


def test_woocommerce_customers_are_filtered_by_modification_date(
    woocommerce: ShopIntegration, fake_shop: FakeShop
) -> None:
    fake_shop.woocommerce["customers"] = payload("woocommerce_customers_list.json")
    woocommerce.customers_synced_until = datetime.datetime(2017, 3, 21, 19, 15, tzinfo=datetime.UTC)
    woocommerce.save()

    run = integration_pull(integration=woocommerce, kind="customers")

    # 26 was modified at 19:11:16 (after the cursor minus 5 minutes), 25 at 19:09:30 (before).
    assert (run.status, run.created_count) == ("completed", 1)
    assert Customer.objects.get().email == "joao.silva@example.com"


def test_a_shop_that_keeps_failing_fails_the_run_and_keeps_the_cursor(
    shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    fake_shop.shopify["orders"] = _shopify_orders(1)
    down = Answer(503, {"errors": "Unavailable"}, {"Retry-After": "0"})
    fake_shop.interrupt(ORDERS_PATH, *[down] * 5)

    run = integration_pull(integration=shopify, kind="orders")

    assert run.status == "failed"
    assert "HTTP 503 after 5 attempts" in run.errors[0]["error"]
    assert run.finished_at is not None
    shopify.refresh_from_db()
    assert shopify.orders_synced_until is None
    assert not Order.objects.exists()


def test_wrong_credentials_fail_the_run_without_retrying(
    woocommerce: ShopIntegration, fake_shop: FakeShop
) -> None:
    woocommerce.api_secret = "cs_wrong"
    woocommerce.save()

    run = integration_pull(integration=woocommerce, kind="orders")

    assert run.status == "failed"
    assert "401" in run.errors[0]["error"]
    assert len(fake_shop.requests) == 1


def test_a_run_already_going_is_not_doubled_but_an_interrupted_one_is_replaced(
    shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    going = SyncRun.objects.create(integration=shopify, kind="orders")
    assert integration_pull(integration=shopify, kind="orders") is None

    SyncRun.objects.filter(pk=going.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    run = integration_pull(integration=shopify, kind="orders")

    assert run.status == "completed"
    going.refresh_from_db()
    assert going.status == "failed"


def test_the_periodic_task_pulls_every_active_shop(
    shopify: ShopIntegration,
    woocommerce: ShopIntegration,
    fake_shop: FakeShop,
    django_capture_on_commit_callbacks,
) -> None:
    fake_shop.shopify["orders"] = _shopify_orders(1)
    fake_shop.woocommerce["orders"] = [woocommerce_order()]

    assert integrations_reconcile_task.delay().get() == 4

    runs = SyncRun.objects.values_list("integration__slug", "kind", "status")
    assert sorted(runs) == [
        ("shopify", "customers", "completed"),
        ("shopify", "orders", "completed"),
        ("woocommerce", "customers", "completed"),
        ("woocommerce", "orders", "completed"),
    ]
    assert Order.objects.count() == 2


def test_pickup_ready_naming_only_the_fulfilment_order_asks_the_shop_for_the_order(
    send, shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    fulfilment_order = payload("shopify_fulfillment_orders_list.json")["fulfillment_orders"][0]
    fake_shop.shopify_fulfilment_orders["1046000780"] = fulfilment_order

    # The webhook body, as Shopify documents it: a GraphQL id and no order id.
    send.shopify(
        "fulfillment_orders/line_items_prepared_for_pickup",
        {
            "fulfillment_order": {
                "id": "gid://shopify/FulfillmentOrder/1046000780",
                "status": "open",
                "preparable": True,
                "delivery_method": {"method_type": "pickup"},
            }
        },
    )

    assert WebhookDelivery.objects.latest("id").status == "processed"
    assert Pickup.objects.get().status == "ready"
    assert len(fake_shop.requests_to(f"{SHOPIFY_PREFIX}fulfillment_orders/1046000780.json")) == 1


def _pull_statements(shopify: ShopIntegration, fake_shop: FakeShop, count: int) -> int:
    fake_shop.page_size = count
    fake_shop.shopify["orders"] = [
        dict(order, id=order["id"] + 10 * count, name=f"#{order['id'] + 10 * count}")
        for order in _shopify_orders(count)
    ]
    with CaptureQueriesContext(connection) as queries:
        run = integration_pull(integration=shopify, kind="orders")
    assert (run.status, run.pages, run.created_count) == ("completed", 1, count)
    return len(queries)


def test_a_pulled_page_of_orders_is_written_together(
    shopify: ShopIntegration, fake_shop: FakeShop
) -> None:
    """One orders_write per page: its statements do not grow with the orders it holds."""
    _pull_statements(shopify, fake_shop, 1)  # the first run reads what later ones have cached

    assert _pull_statements(shopify, fake_shop, 3) == _pull_statements(shopify, fake_shop, 30)
