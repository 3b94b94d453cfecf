"""Every topic, with the platforms' real sample payloads (tests/integrations/payloads/)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.factories import CustomerFactory
from customers.models import Customer, ExternalIdentity
from journeys.factories import AfterSalesTicketFactory
from journeys.integrations.inbox import webhook_delivery_process
from journeys.integrations.models import WebhookDelivery
from journeys.integrations.upstream import UpstreamRecordMissing
from journeys.models import Order, Pickup, Return
from journeys.tasks import integrations_reconcile_task
from tests.integrations.conftest import payload, shopify_order, woocommerce_order

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.latest("id")


# Shopify ---------------------------------------------------------------------------------------


def test_shopify_orders_create_maps_lines_money_customer_and_embedded_refunds(
    send, shopify_shop
) -> None:
    response = send.shopify("orders/create", shopify_order())

    assert response.status_code == 200
    order = Order.objects.get(source="shopify")
    assert (order.external_reference, order.channel, order.status) == (
        "450789469",
        "web",
        "confirmed",
    )
    assert order.placed_at == datetime.datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert order.source_updated_at == order.placed_at
    assert order.currency == "USD"
    lines = list(order.lines.values_list("sku", "quantity", "unit_price", "discount", "total"))
    assert lines == [
        ("IPOD2008GREEN", 1, Decimal("199.00"), Decimal("3.34"), Decimal("195.66")),
        ("IPOD2008RED", 1, Decimal("199.00"), Decimal("3.33"), Decimal("195.67")),
        ("IPOD2008BLACK", 1, Decimal("199.00"), Decimal("3.33"), Decimal("195.67")),
    ]
    # The 10.00 discount code is allocated to the lines, so it is not counted twice.
    assert (order.subtotal, order.discount_total, order.tax_total) == (
        Decimal("587.00"),
        Decimal("0.00"),
        Decimal("11.94"),
    )
    assert order.fulfilment == "shipping"
    customer = order.customer
    assert (customer.first_name, customer.last_name) == ("Bob", "Norman")
    assert customer.email == "bob.norman@mail.example.com"
    assert customer.phone == "+16136120707"
    assert customer.identities.get().external_id == "207119551"
    refund = Return.objects.get()
    assert (refund.external_reference, refund.refund_amount, refund.status) == (
        "509562969",
        Decimal("209.00"),
        "refunded",
    )
    assert sorted(refund.lines.values_list("order_line__sku", "quantity")) == [
        ("IPOD2008BLACK", 1),
        ("IPOD2008GREEN", 1),
    ]
    assert _delivery().status == "processed"


def test_shopify_orders_updated_applies_a_newer_state_and_ignores_an_older_one(
    send, shopify_shop
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    send.shopify(
        "orders/updated",
        shopify_order(
            refunds=[], fulfillment_status="fulfilled", updated_at="2008-01-11T09:00:00-05:00"
        ),
    )
    send.shopify(
        "orders/updated", shopify_order(refunds=[], updated_at="2008-01-10T12:00:00-05:00")
    )

    order = Order.objects.get()
    assert order.status == "fulfilled"
    assert order.status_changes.get().to_status == "fulfilled"
    assert "stale" in _delivery().outcome


def test_shopify_orders_cancelled_cancels_the_order_and_its_pickup(send, shopify_shop) -> None:
    pickup_order = shopify_order(refunds=[])
    pickup_order["shipping_lines"][0]["delivery_method"] = {"method_type": "pickup"}
    send.shopify("orders/create", pickup_order)
    assert Pickup.objects.get().status == "placed"

    cancelled = {
        **pickup_order,
        "cancelled_at": "2008-01-10T12:00:00-05:00",
        "updated_at": "2008-01-10T12:00:00-05:00",
        "cancel_reason": "customer",
    }
    send.shopify("orders/cancelled", cancelled)

    assert Order.objects.get().status == "cancelled"
    assert Pickup.objects.get().status == "cancelled"


def test_shopify_orders_delete_keeps_the_order_for_history(send, shopify_shop) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))

    send.shopify("orders/delete", {"id": 450789469})

    order = Order.objects.get()
    assert order.status == "cancelled"
    assert order.lines.count() == 3
    assert "kept" in _delivery().outcome
    send.shopify("orders/delete", {"id": 1})
    assert _delivery().status == "ignored"


def test_shopify_refunds_create_records_a_return_once(send, shopify_shop) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    refund = payload("shopify_refunds_list.json")["refunds"][0]

    send.shopify("refunds/create", refund)
    send.shopify("refunds/create", refund)

    parent = Return.objects.get()
    assert (parent.source, parent.external_reference) == ("shopify", "509562969")
    assert parent.order.external_reference == "450789469"
    assert parent.reason == "it broke during shipping"
    assert parent.returned_at == datetime.datetime(2025, 4, 2, 16, 38, 15, tzinfo=UTC)
    assert parent.lines.count() == 2
    assert _delivery().outcome == "Refund 509562969 already recorded"


def test_shopify_refund_before_its_order_is_retried_then_fails_with_its_reason(
    send, shopify_shop, eager_retries
) -> None:
    send.shopify("refunds/create", payload("shopify_refunds_list.json")["refunds"][0])

    delivery = _delivery()
    assert delivery.status == "failed"
    assert delivery.attempts == 9  # The first try and 8 retries.
    assert "has not been received" in delivery.error
    assert not Return.objects.exists()


def test_a_refund_waiting_for_its_order_is_applied_once_the_order_arrives(
    send, shopify_shop, django_capture_on_commit_callbacks
) -> None:
    send.shopify("refunds/create", payload("shopify_refunds_list.json")["refunds"][0])
    waiting = _delivery()
    with pytest.raises(UpstreamRecordMissing):
        webhook_delivery_process(delivery_id=waiting.pk, final_attempt=False)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == ("received", 2)
    assert "has not been received" in waiting.error

    send.shopify("orders/create", shopify_order(refunds=[]))
    WebhookDelivery.objects.filter(pk=waiting.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        integrations_reconcile_task.delay()

    waiting.refresh_from_db()
    assert (waiting.status, waiting.error) == ("processed", "")
    assert Return.objects.get().external_reference == "509562969"


def test_shopify_customers_create_and_update_link_one_profile(send, shopify_shop) -> None:
    customer = payload("shopify_customer_get.json")["customer"]
    send.shopify("customers/create", customer)
    send.shopify("customers/update", {**customer, "updated_at": "2025-04-03T10:00:00-05:00"})

    profile = Customer.objects.get()
    assert (profile.email, profile.phone) == ("bob.norman@mail.example.com", "+16136120707")
    assert list(ExternalIdentity.objects.values_list("source", "external_id")) == [
        ("shopify", "207119551")
    ]
    assert _delivery().status == "processed"


def test_shopify_customer_known_by_email_is_linked_not_duplicated(send, shopify_shop) -> None:
    existing = CustomerFactory(email="bob.norman@mail.example.com", first_name="Robert")

    send.shopify("customers/create", payload("shopify_customers_list.json")["customers"][0])

    assert Customer.objects.get() == existing
    assert existing.identities.get().matched_on == "email"


def test_shopify_customers_delete_pseudonymises_a_web_only_profile_and_keeps_orders(
    send, shopify_shop
) -> None:
    send.shopify("orders/create", shopify_order())
    profile = Customer.objects.get()

    send.shopify("customers/delete", {"id": 207119551})

    profile.refresh_from_db()
    assert profile.erased_at is not None
    assert (profile.first_name, profile.last_name, profile.email, profile.phone) == (
        "",
        "",
        None,
        None,
    )
    assert not ExternalIdentity.objects.exists()
    assert Order.objects.get().customer == profile
    assert Return.objects.count() == 1
    assert "pseudonymised" in _delivery().outcome


def test_shopify_customers_delete_only_unlinks_a_customer_the_stores_know(
    send, shopify_shop
) -> None:
    send.shopify("orders/create", shopify_order())
    profile = Customer.objects.get()
    AfterSalesTicketFactory(customer=profile)

    send.shopify("customers/delete", {"id": 207119551})

    profile.refresh_from_db()
    assert profile.erased_at is None
    assert profile.email == "bob.norman@mail.example.com"
    assert not profile.identities.exists()
    assert "profile kept" in _delivery().outcome


def test_shopify_fulfillments_create_fulfils_the_order_only_on_success(send, shopify_shop) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    fulfilment = payload("shopify_fulfillments_list.json")["fulfillments"][0]
    assert fulfilment["status"] == "failure"  # As in the sample.

    send.shopify("fulfillments/create", fulfilment)
    assert (_delivery().status, Order.objects.get().status) == ("ignored", "confirmed")

    send.shopify("fulfillments/create", {**fulfilment, "id": 255858047, "status": "success"})
    assert (_delivery().status, Order.objects.get().status) == ("processed", "fulfilled")


def test_shopify_line_items_prepared_for_pickup_makes_the_pickup_ready(
    send, shopify_shop, store
) -> None:
    send.shopify("orders/create", shopify_order(refunds=[]))
    fulfilment_order = payload("shopify_fulfillment_orders_list.json")["fulfillment_orders"][0]
    fulfilment_order["delivery_method"] = {"method_type": "pick_up"}

    send.shopify(
        "fulfillment_orders/line_items_prepared_for_pickup", {"fulfillment_order": fulfilment_order}
    )

    pickup = Pickup.objects.get()
    assert (pickup.status, pickup.store) == ("ready", store)
    assert pickup.order.fulfilment == "click_and_collect"
    assert [change.to_status for change in pickup.status_changes.all()] == ["preparing", "ready"]
    # A later order update that does not mention the delivery method keeps the pickup.
    send.shopify("orders/updated", shopify_order(refunds=[], updated_at="2008-01-11T10:00:00Z"))
    assert Order.objects.get().fulfilment == "click_and_collect"
    assert Pickup.objects.get().status == "ready"


def test_shopify_fulfilment_order_for_shipping_is_ignored(send, shopify_shop) -> None:
    send.shopify(
        "fulfillment_orders/line_items_prepared_for_pickup",
        {
            "fulfillment_order": {
                "id": "gid://shopify/FulfillmentOrder/1",
                "status": "open",
                "delivery_method": {"method_type": "shipping"},
            }
        },
    )
    assert _delivery().status == "ignored"


def test_shopify_ids_beyond_2_53_are_kept_exactly(send, shopify_shop) -> None:
    big_order, big_customer = 2**53 + 1, 2**63 - 1
    order = shopify_order(id=big_order, refunds=[])
    order["customer"]["id"] = big_customer

    send.shopify("orders/create", order)

    assert Order.objects.get().external_reference == "9007199254740993"
    assert ExternalIdentity.objects.get().external_id == "9223372036854775807"


def test_an_unknown_topic_is_stored_and_ignored(send, shopify_shop) -> None:
    send.shopify("products/update", {"id": 632910392})
    assert (_delivery().status, _delivery().outcome) == (
        "ignored",
        "Topic “products/update” is not used by Omni",
    )


def test_a_malformed_payload_fails_with_its_error_kept(send, shopify_shop) -> None:
    send.shopify("orders/create", b"{not json")
    send.shopify("orders/create", [1, 2])
    send.shopify("orders/create", shopify_order(line_items=[{"price": "1.00"}]))

    errors = list(WebhookDelivery.objects.order_by("id").values_list("status", "error"))
    assert [status for status, _ in errors] == ["failed"] * 3
    assert errors[0][1].startswith("JSONDecodeError")
    assert "KeyError: 'quantity'" in errors[2][1]
    assert not Order.objects.exists()


# WooCommerce -----------------------------------------------------------------------------------


def test_woocommerce_order_created_maps_strings_gmt_dates_and_a_guest(
    send, woocommerce_shop
) -> None:
    send.woocommerce("order.created", payload("woocommerce_order.json"))

    order = Order.objects.get(source="woocommerce")
    assert (order.external_reference, order.status, order.currency) == ("727", "confirmed", "USD")
    assert order.placed_at == datetime.datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.source_updated_at == datetime.datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    lines = list(order.lines.values_list("sku", "name", "size", "quantity", "unit_price", "total"))
    assert lines == [
        ("woocommerce-product-93", "Woo Single #1", "", 2, Decimal("3.00"), Decimal("6.00")),
        (
            "Bar3",
            "Ship Your Idea – Color: Black, Size: M Test",
            "M Test",
            1,
            Decimal("12.00"),
            Decimal("12.00"),
        ),
    ]
    assert (order.shipping_total, order.tax_total) == (Decimal("10.00"), Decimal("1.35"))
    # A guest: no WooCommerce customer id, so the profile is found or made by email alone.
    assert order.customer.email == "john.doe@example.com"
    assert not ExternalIdentity.objects.exists()


def test_woocommerce_order_updated_records_refunds_and_the_customer_identity(
    send, woocommerce_shop, fake_shop
) -> None:
    # The order lists its refunds by id and total; their lines are read from the shop, once.
    woocommerce_shop.base_url = fake_shop.base_url
    woocommerce_shop.save()
    fake_shop.woocommerce_refunds["723"] = payload("woocommerce_order_refunds_list.json")
    completed = payload("woocommerce_orders_list.json")[1]

    send.woocommerce("order.updated", completed)
    send.woocommerce("order.updated", completed)

    order = Order.objects.get(external_reference="723")
    assert order.status == "completed"
    assert sorted(
        order.returns.values_list(
            "external_reference", "refund_amount", "shipping_refund", "adjustment"
        )
    ) == [
        ("724", Decimal("9.00"), Decimal("0.00"), Decimal("0.00")),
        ("726", Decimal("10.00"), Decimal("0.00"), Decimal("10.00")),
    ]
    assert list(
        Return.objects.get(external_reference="724").lines.values_list(
            "order_line__sku", "quantity", "refund_amount"
        )
    ) == [("woocommerce-product-87", 1, Decimal("9.00"))]
    assert Return.objects.get(external_reference="726").adjustment_reason != ""
    assert len(fake_shop.requests_to("/wp-json/wc/v3/orders/723/refunds")) == 1
    assert order.customer.identities.get().external_id == "26"
    assert order.customer.email == "joao.silva@example.com"
    assert "unchanged" in _delivery().outcome


def test_woocommerce_local_pickup_opens_a_pickup_in_the_shops_store(
    send, woocommerce_shop, store
) -> None:
    order = woocommerce_order()
    order["shipping_lines"][0].update(method_id="local_pickup:4", method_title="Click & collect")

    send.woocommerce("order.created", order)

    pickup = Pickup.objects.get()
    assert (pickup.store, pickup.status, pickup.order.fulfilment) == (
        store,
        "placed",
        "click_and_collect",
    )


def test_woocommerce_pickup_location_without_a_store_configured_fails_clearly(
    send, woocommerce_shop
) -> None:
    woocommerce_shop.pickup_store = None
    woocommerce_shop.save()
    order = woocommerce_order()
    order["shipping_lines"][0]["method_id"] = "pickup_location"

    send.woocommerce("order.created", order)

    assert _delivery().status == "failed"
    assert "needs a store" in _delivery().error


def test_woocommerce_order_deleted_keeps_the_order(send, woocommerce_shop) -> None:
    send.woocommerce("order.created", woocommerce_order())

    send.woocommerce("order.deleted", {"id": 727})

    assert Order.objects.get().status == "cancelled"


def test_woocommerce_customer_created_updated_deleted(send, woocommerce_shop) -> None:
    customer = payload("woocommerce_customer.json")
    send.woocommerce("customer.created", customer)
    send.woocommerce("customer.updated", {**customer, "date_modified_gmt": "2017-03-22T10:00:00"})
    profile = Customer.objects.get()
    assert (profile.first_name, profile.email) == ("John", "john.doe@example.com")
    assert profile.identities.get().external_id == "25"

    send.woocommerce("customer.deleted", {"id": 25})

    profile.refresh_from_db()
    assert profile.erased_at is not None
    assert profile.email is None


def test_woocommerce_customers_list_samples_each_make_a_profile(send, woocommerce_shop) -> None:
    for customer in payload("woocommerce_customers_list.json"):
        send.woocommerce("customer.created", customer)

    assert sorted(Customer.objects.values_list("email", flat=True)) == [
        "joao.silva@example.com",
        "john.doe@example.com",
    ]
    assert WebhookDelivery.objects.filter(status="processed").count() == 2


def test_processing_a_delivery_again_changes_nothing(send, shopify_shop) -> None:
    from journeys.tasks import webhook_delivery_process_task

    send.shopify("orders/create", shopify_order())
    delivery = _delivery()
    before = (Order.objects.get().updated_at, delivery.processed_at, delivery.attempts)

    assert webhook_delivery_process_task.delay(delivery.pk).get() == "processed"

    delivery.refresh_from_db()
    assert (Order.objects.get().updated_at, delivery.processed_at, delivery.attempts) == before
    assert timezone.now() > delivery.processed_at
