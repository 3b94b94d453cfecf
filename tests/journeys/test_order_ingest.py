import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers.identity import InboundCustomer
from customers.models import Customer
from journeys.ingest import LineInput, OrderInput, order_upsert
from journeys.models import Order, OrderLine, Pickup
from omni.errors import DomainError
from omni.factories import ProductFactory, StoreFactory

T0 = timezone.make_aware(datetime.datetime(2026, 11, 1, 10, 0))


@pytest.fixture
def catalogue(db: None) -> None:
    ProductFactory(sku="TRENCH-M", name="Trench coat", price=Decimal("890.00"))
    ProductFactory(sku="SCARF", name="Cashmere scarf", price=Decimal("120.00"))
    StoreFactory(code="paris")


def _order(**overrides) -> OrderInput:
    values = {
        "source": "shopify",
        "external_reference": "1001",
        "channel": "web",
        "placed_at": T0,
        "lines": (
            LineInput(sku="TRENCH-M", quantity=1, unit_price=Decimal("890.00")),
            LineInput(
                sku="SCARF", quantity=2, unit_price=Decimal("120.00"), discount=Decimal("20.00")
            ),
        ),
        "shipping_total": Decimal("10.00"),
        "customer": InboundCustomer(source="shopify", external_id="55", email="claire@example.fr"),
        "source_updated_at": T0,
    }
    return OrderInput(**{**values, **overrides})


@pytest.mark.django_db
def test_new_order_is_created_with_lines_totals_and_its_customer(catalogue) -> None:
    result = order_upsert(_order())
    order = result.order
    assert result.outcome == "created"
    assert order.subtotal == Decimal("1110.00")
    assert order.total == Decimal("1120.00")
    assert [line.total for line in order.lines.all()] == [Decimal("890.00"), Decimal("220.00")]
    assert order.customer.email == "claire@example.fr"


@pytest.mark.django_db
def test_replaying_the_same_payload_changes_nothing(catalogue) -> None:
    first = order_upsert(_order())
    again = order_upsert(_order())
    assert again.outcome == "unchanged"
    assert again.order.pk == first.order.pk
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == (1, 2, 1)


@pytest.mark.django_db
def test_an_older_update_never_overwrites_a_newer_one(catalogue) -> None:
    order_upsert(_order(status="fulfilled", source_updated_at=T0 + datetime.timedelta(hours=2)))
    result = order_upsert(
        _order(status="confirmed", source_updated_at=T0 + datetime.timedelta(hours=1))
    )
    assert result.outcome == "stale"
    assert Order.objects.get().status == "fulfilled"


@pytest.mark.django_db
def test_a_newer_update_changes_status_and_lines_with_history(catalogue) -> None:
    order_upsert(_order())
    result = order_upsert(
        _order(
            status="cancelled",
            lines=(LineInput(sku="TRENCH-M", quantity=1, unit_price=Decimal("890.00")),),
            source_updated_at=T0 + datetime.timedelta(minutes=5),
        )
    )
    assert result.outcome == "updated"
    order = Order.objects.get()
    assert order.status == "cancelled"
    assert order.lines.count() == 1
    assert order.total == Decimal("900.00")
    assert order.status_changes.get().to_status == "cancelled"


@pytest.mark.django_db
def test_click_and_collect_order_opens_a_pickup_and_cancelling_cancels_it(catalogue) -> None:
    order_upsert(_order(fulfilment="click_and_collect", store_code="paris"))
    pickup = Pickup.objects.get()
    assert pickup.store.code == "paris"
    order_upsert(
        _order(
            fulfilment="click_and_collect",
            store_code="paris",
            status="cancelled",
            source_updated_at=T0 + datetime.timedelta(minutes=1),
        )
    )
    pickup.refresh_from_db()
    assert pickup.status == Pickup.Status.CANCELLED


@pytest.mark.django_db
def test_click_and_collect_order_first_seen_cancelled_opens_no_pickup(catalogue) -> None:
    # Events arrive out of order: the cancellation may be the first one received.
    result = order_upsert(
        _order(fulfilment="click_and_collect", store_code="paris", status="cancelled")
    )
    assert result.outcome == "created"
    assert not Pickup.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message", "code"),
    [
        ({"store_code": "atlantis"}, "Unknown store", "unknown_store"),
        (
            {"lines": (LineInput(sku="NOPE", quantity=1, unit_price=Decimal(1)),)},
            "NOPE",
            "unknown_product",
        ),
        (
            {"lines": (LineInput(sku="SCARF", quantity=-1, unit_price=Decimal(1)),)},
            "positive",
            "invalid",
        ),
        (
            {"lines": (LineInput(sku="SCARF", quantity=1, unit_price=Decimal(-5)),)},
            "negative",
            "invalid",
        ),
        ({"channel": "pigeon"}, "Unknown channel", "invalid"),
        ({"lines": ()}, "at least one line", "invalid"),
        ({"placed_at": datetime.datetime(2026, 1, 1)}, "time zone", "invalid"),
        ({"customer": InboundCustomer(phone="12")}, "not a valid phone number", "invalid_phone"),
    ],
)
@pytest.mark.django_db
def test_bad_input_says_why_and_writes_nothing(catalogue, overrides, message, code) -> None:
    with pytest.raises(DomainError, match=message) as error:
        order_upsert(_order(**overrides))
    assert error.value.code == code
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_deliveries_make_one_order(catalogue) -> None:
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def deliver() -> None:
        barrier.wait()
        try:
            outcomes.append(order_upsert(_order()).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["created"] + ["unchanged"] * 19
    assert (Order.objects.count(), OrderLine.objects.count(), Customer.objects.count()) == (1, 2, 1)
