"""The compiled list rendering gives, byte for byte, what DRF's own serializers give.

Every comparison renders the same instances twice: through the serializer's
`CompiledListSerializer` (what the API lists use) and through DRF's plain `ListSerializer`
with the same child, then compares the JSON bytes.
"""

import datetime
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Prefetch
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from customers.api import (
    ConsentStateSerializer,
    CustomerSerializer,
    attach_profile_rows,
    customers_with_profile,
)
from customers.factories import (
    AddressFactory,
    ConsentFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.models import Consent, Customer, ExternalIdentity, LoyaltyTier, Tag
from journeys.api.orders import OrderSerializer, PickupSummarySerializer, orders_with_details
from journeys.api.pickups import PickupSerializer
from journeys.api.stages import StageChangeSerializer
from journeys.api.tickets import TicketSerializer
from journeys.api.touchpoints import TouchpointSerializer
from journeys.api.wishlists import WishlistItemSerializer, WishlistSerializer
from journeys.factories import (
    AfterSalesTicketFactory,
    LifecycleStageChangeFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.models import CustomerMetrics, Order, ReturnLine
from journeys.services import ticket_transition
from omni.api.compiled_lists import (
    CompiledListSerializer,
    represent_many,
    represent_one,
    uncompiled_fields,
)
from omni.factories import ProductFactory, StoreFactory
from omni.models import Store
from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]
UTC = datetime.UTC


def moment(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def json_bytes(data: Any) -> bytes:
    return JSONRenderer().render(data)


def plain_drf(serializer_class: type[serializers.Serializer], items: list, **kwargs: Any) -> bytes:
    return json_bytes(serializers.ListSerializer(items, child=serializer_class(), **kwargs).data)


def compiled(serializer_class: type[serializers.Serializer], items: list, **kwargs: Any) -> bytes:
    serializer = serializer_class(items, many=True, **kwargs)
    assert isinstance(serializer, CompiledListSerializer)
    return json_bytes(serializer.data)


@pytest.fixture(params=ZONES)
def active_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    with timezone.override(ZoneInfo(request.param)):
        yield request.param


# The mechanism, on plain objects: every field type, and the cases DRF handles itself ---------


class Label(SimpleNamespace):
    pass


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    opened = serializers.DateTimeField()


class ShoutingSerializer(serializers.Serializer):
    """Overrides to_representation: rendered by its own code, never compiled."""

    code = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"code": instance.code.upper()}


class EverythingSerializer(serializers.Serializer):
    text = serializers.CharField()
    email = serializers.EmailField()
    number = serializers.IntegerField()
    big = serializers.BigIntegerField()
    big_text = serializers.BigIntegerField(source="big", coerce_to_string=True)
    flag = serializers.BooleanField()
    flag_word = serializers.BooleanField()
    tier = serializers.ChoiceField(choices=LoyaltyTier.choices)
    tier_member = serializers.ChoiceField(choices=LoyaltyTier.choices)
    rating = serializers.ChoiceField(choices=[(1, "One"), (2, "Two")])
    rating_number = serializers.ChoiceField(source="rating_int", choices=[(1, "One"), (2, "Two")])
    moment = serializers.DateTimeField()
    naive_moment = serializers.DateTimeField()
    moment_text = serializers.DateTimeField()
    moment_in_new_york = serializers.DateTimeField(
        source="moment", default_timezone=ZoneInfo("America/New_York")
    )
    moment_formatted = serializers.DateTimeField(source="moment", format="%d/%m/%Y %H:%M")
    day = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    float_amount = serializers.DecimalField(max_digits=8, decimal_places=3)
    amount_native = serializers.DecimalField(
        source="amount", max_digits=12, decimal_places=2, coerce_to_string=False
    )
    amount_normalized = serializers.DecimalField(
        source="amount", max_digits=12, decimal_places=4, normalize_output=True
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True)
    parent_name_or_null = serializers.CharField(source="parent.name", allow_null=True)
    missing_with_default = serializers.CharField(source="missing", default="fallback")
    shout = serializers.CharField()
    from_mapping = serializers.CharField(source="mapping.key")
    numbers = serializers.ListField(child=serializers.IntegerField())
    words = serializers.ListField(child=serializers.CharField())
    sizes = serializers.DictField(child=serializers.CharField())
    anything = serializers.JSONField()
    anything_encoded = serializers.JSONField(source="anything", binary=True)
    same_text = serializers.ReadOnlyField(source="text")
    who = serializers.SerializerMethodField()
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    labels = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    first_label = CodeSerializer(source="store", allow_null=True)
    all_labels = CodeSerializer(source="labels", many=True)
    shouted = ShoutingSerializer(source="store", allow_null=True)

    class Meta:
        list_serializer_class = CompiledListSerializer

    def get_who(self, thing: Any) -> str:
        return f"{self.context.get('who')} sees {thing.text}"


def thing(number: int, **overrides: Any) -> SimpleNamespace:
    store = Label(code=f"store-{number}", opened=moment(2024, 3, 31, 0, 59, 59, 999999))
    values: dict[str, Any] = {
        "text": f"Élodie “{number}” ✓",
        "email": "claire@example.fr",
        "number": number,
        "big": 2**40 + number,
        "flag": number % 2 == 0,
        "flag_word": "yes",
        "tier": "gold",
        "tier_member": LoyaltyTier.VIP,
        "rating": "1",
        "rating_int": 2,
        "moment": moment(2026, 3, 29, 0, 30, 15, 123456),
        "naive_moment": datetime.datetime(2026, 10, 25, 1, 30),
        "moment_text": "2026-01-01T00:00:00Z",
        "day": datetime.date(2024, 2, 29),
        "amount": Decimal("1234567.8"),
        "float_amount": 12.5,
        "parent": None,
        "shout": lambda: "called",
        "mapping": {"key": "from a mapping"},
        "numbers": [1, None, 3],
        "words": ["a", None, "c"],
        "sizes": {"tops": "M", 38: "shoes", "none": None},
        "anything": {"nested": [1, {"a": None}]},
        "store": store,
        "labels": [store, Label(code="other", opened=moment(2025, 1, 1))],
    }
    values.update(overrides)
    return SimpleNamespace(**values)


THINGS = [
    thing(1),
    thing(2, parent=SimpleNamespace(name="Parent"), store=None, labels=[], email=None),
    thing(3, moment=moment(2025, 12, 31, 23, 59, 59), amount=Decimal("0"), tier=""),
]


def test_every_field_type_renders_as_drf_does(active_zone: str) -> None:
    context = {"who": "Léa"}
    expected = plain_drf(EverythingSerializer, THINGS, context=context)
    assert compiled(EverythingSerializer, THINGS, context=context) == expected


def test_fields_of_other_types_are_rendered_by_drf_and_reported() -> None:
    assert uncompiled_fields(EverythingSerializer) == [
        "moment_formatted",
        "amount_native",
        "anything_encoded",
        "shouted",
    ]


def test_settings_read_at_compile_time_are_read_again_when_they_change() -> None:
    before = compiled(EverythingSerializer, THINGS)
    with override_settings(
        REST_FRAMEWORK={"COERCE_DECIMAL_TO_STRING": False, "DATETIME_FORMAT": "%Y"}
    ):
        expected = plain_drf(EverythingSerializer, THINGS)
        assert compiled(EverythingSerializer, THINGS) == expected != before
    assert compiled(EverythingSerializer, THINGS) == before


def test_a_list_serializer_whose_child_renders_itself_is_left_to_it() -> None:
    class OwnRendering(ShoutingSerializer):
        class Meta:
            list_serializer_class = CompiledListSerializer

    labels = [Label(code="a"), Label(code="b")]
    assert OwnRendering(labels, many=True).data == [{"code": "A"}, {"code": "B"}]


def test_a_missing_required_attribute_fails_as_in_drf() -> None:
    class Strict(serializers.Serializer):
        code = serializers.CharField()

        class Meta:
            list_serializer_class = CompiledListSerializer

    with pytest.raises(AttributeError, match="Got AttributeError when attempting to get"):
        Strict([SimpleNamespace()], many=True).data  # noqa: B018


# The API serializers, on the database ---------------------------------------------------------


@pytest.mark.parametrize(
    "serializer_class",
    [
        CustomerSerializer,
        OrderSerializer,
        PickupSerializer,
        StageChangeSerializer,
        TicketSerializer,
        TouchpointSerializer,
        WishlistItemSerializer,
        WishlistSerializer,
    ],
)
def test_the_api_list_serializers_compile_every_field(
    serializer_class: type[serializers.Serializer],
) -> None:
    assert serializer_class.Meta.list_serializer_class is CompiledListSerializer
    assert uncompiled_fields(serializer_class) == []


def _consent_history(customer: Customer) -> None:
    """Several decisions per purpose and channel, recorded out of id order and with ties."""
    history = [
        ("marketing", "email", True, moment(2024, 1, 5, 10)),
        ("newsletter", "email", True, moment(2024, 1, 5, 10)),
        ("marketing", "sms", False, moment(2024, 2, 1)),
        ("marketing", "email", False, moment(2025, 6, 1, 8, 0, 0, 1)),
        ("marketing", "email", True, moment(2024, 12, 24)),
        ("partners", "post", False, moment(2024, 1, 5, 10)),
        ("newsletter", "email", False, moment(2024, 1, 5, 10)),
    ]
    for purpose, channel, granted, recorded_at in history:
        ConsentFactory(
            customer=customer,
            purpose=purpose,
            channel=channel,
            granted=granted,
            recorded_at=recorded_at,
            collected_via="store" if channel == "post" else "web",
            wording_version=f"v-{recorded_at:%Y}",
        )


def rich_customer(store: Store, tags: list[Tag], merged_into: Customer | None = None) -> Customer:
    customer = CustomerFactory(
        birth_date=datetime.date(1988, 2, 29),
        preferred_store=store,
        loyalty_tier="gold",
        preferred_language="en",
        acquisition_channel="web",
        lifecycle_stage="retention",
        merged_into=merged_into,
    )
    ExternalIdentityFactory(customer=customer, source="shopify")
    ExternalIdentityFactory(customer=customer, source="pos", matched_on="email")
    PreferenceFactory(
        customer=customer,
        sizes={"tops": "M", "shoes": "38½"},
        favourite_brands=["Maison Omni", "Atelier “Nord”"],
        attributes={"shade": "N2", "note": ""},
        skin_type="sensitive",
    )
    AddressFactory(customer=customer, kind="home", is_default=True, line2="Bât. B")
    AddressFactory(customer=customer, kind="shipping", phone="+33612345678", country="BE")
    _consent_history(customer)
    customer.tags.add(*tags)
    CustomerMetrics.objects.create(
        customer=customer,
        order_count=3,
        total_spent=Decimal("1234.50"),
        channels=",store,web,",
        last_order_at=moment(2026, 3, 29, 1, 0, 0, 1),
    )
    for changed_at in (moment(2025, 1, 1), moment(2026, 10, 25, 0, 59, 59, 999999)):
        LifecycleStageChangeFactory(customer=customer, changed_at=changed_at)
    return customer


@pytest.fixture
def varied_customers(db: None) -> None:
    store = StoreFactory(code="paris-flagship")
    tags = [Tag.objects.create(name="VIP"), Tag.objects.create(name="ambassadrice")]
    kept = rich_customer(store, tags)
    rich_customer(StoreFactory(code="lyon"), tags[:1], merged_into=kept)
    CustomerFactory(email=None, phone=None, loyalty_number=None, first_name="", last_name="")
    bare_with_figures = CustomerFactory(acquisition_channel="store")
    CustomerMetrics.objects.create(customer=bare_with_figures, channels="", last_order_at=None)
    ConsentFactory(customer=bare_with_figures, purpose="satisfaction", channel="push")


@pytest.mark.usefixtures("varied_customers")
def test_customers_render_as_drf_does(active_zone: str) -> None:
    customers = profiles(customers_with_profile().order_by("id"))
    assert compiled(CustomerSerializer, customers) == plain_drf(CustomerSerializer, customers)


def profiles(queryset: Any) -> list[Any]:
    """Customers with their related rows, as the API's views give them to the serializers."""
    customers = list(queryset)
    attach_profile_rows(customers)
    return customers


@pytest.mark.usefixtures("varied_customers")
def test_related_rows_read_as_values_render_as_the_model_instances_do() -> None:
    """`attach_profile_rows` reads plain values; Django's prefetch gives model instances."""
    as_values = profiles(customers_with_profile().order_by("id"))
    as_instances = list(
        customers_with_profile()
        .order_by("id")
        .prefetch_related(
            Prefetch(
                "identities", ExternalIdentity.objects.order_by("pk"), "prefetched_identities"
            ),
            Prefetch("addresses", to_attr="prefetched_addresses"),
            Prefetch("tags", to_attr="prefetched_tags"),
            Prefetch(
                "consents", Consent.objects.order_by("recorded_at", "id"), "prefetched_consents"
            ),
        )
    )
    assert any(customer.prefetched_identities for customer in as_values)
    assert any(customer.prefetched_addresses for customer in as_values)
    assert any(customer.prefetched_tags for customer in as_values)
    assert plain_drf(CustomerSerializer, as_values) == plain_drf(CustomerSerializer, as_instances)


def _order_lines(order: Order, products: list[Any], discount: Decimal) -> list[Any]:
    return [
        OrderLineFactory(
            order=order,
            line_number=number,
            product=product,
            size="38" if number == 1 else "",
            quantity=number,
            discount=discount,
        )
        for number, product in enumerate(products, start=1)
    ]


@pytest.fixture
def varied_orders(db: None) -> None:
    store, other_store = StoreFactory(code="paris-flagship"), StoreFactory(code="lille")
    products = [ProductFactory(price=Decimal("890.00")), ProductFactory(price=Decimal("24.5"))]
    customer = CustomerFactory()
    in_store = OrderFactory(
        customer=customer,
        store=store,
        currency="EUR",
        subtotal=Decimal("0.10"),
        total=Decimal("9999999999.99"),
        tax_total=Decimal("1.5"),
        placed_at=moment(2026, 3, 29, 0, 30, 15, 123456),
        source_updated_at=moment(2026, 3, 29, 1, 0),
        status="completed",
    )
    lines = _order_lines(in_store, products, Decimal("0"))
    for returned_at, return_store in (
        (moment(2026, 4, 2), other_store),
        (moment(2026, 4, 9), None),
    ):
        returned = ReturnFactory(
            order=in_store,
            store=return_store,
            returned_at=returned_at,
            refund_amount=Decimal("24.50"),
            reason="Trop petit",
        )
        for line in lines:
            ReturnLine.objects.create(
                parent=returned, order_line=line, quantity=1, refund_amount=Decimal("12.25")
            )
    web = OrderFactory(
        customer=customer,
        store=store,
        channel="web",
        source="shopify",
        currency="GBP",
        fulfilment="click_and_collect",
        placed_at=moment(2025, 12, 31, 23, 59, 59),
    )
    _order_lines(web, products[:1], Decimal("20.00"))
    PickupFactory(order=web, store=store, status="ready")
    unknown = OrderFactory(customer=None, store=None, currency="JPY", total=Decimal("0"))
    web_pickup_undated = OrderFactory(customer=customer, store=other_store, channel="app")
    PickupFactory(order=web_pickup_undated, store=other_store, pickup_by=None)
    assert unknown.pk


@pytest.mark.usefixtures("varied_orders")
def test_orders_render_as_drf_does(active_zone: str) -> None:
    orders = list(orders_with_details().order_by("id"))
    assert compiled(OrderSerializer, orders) == plain_drf(OrderSerializer, orders)


@pytest.mark.usefixtures("varied_customers")
def test_method_fields_render_their_nested_serializers_as_drf_does(active_zone: str) -> None:
    customer = profiles(customers_with_profile().filter(consents__isnull=False)[:1])[0]
    current = list(customer.prefetched_consents)[-3:]
    expected = ConsentStateSerializer(current, many=True).data
    assert json_bytes(represent_many(ConsentStateSerializer, current)) == json_bytes(expected)


@pytest.mark.usefixtures("varied_orders")
def test_the_pickup_summary_renders_as_drf_does(active_zone: str) -> None:
    for order in orders_with_details().filter(pickup__isnull=False):
        expected = json_bytes(PickupSummarySerializer(order.pickup).data)
        assert json_bytes(represent_one(PickupSummarySerializer, order.pickup)) == expected


def _api_page(client: TokenClient, path: str) -> bytes:
    response = client.get(path, {"page_size": 200})
    assert response.status_code == 200
    return response.content


def _expected_page(serializer_class: type[serializers.Serializer], rows: Any) -> bytes:
    """DRF's answer for one page, times in UTC as the API gives them."""
    with timezone.override(UTC):
        results = serializers.ListSerializer(rows, child=serializer_class()).data
    return json_bytes({"next": None, "previous": None, "results": results})


@pytest.mark.usefixtures("varied_customers", "varied_orders")
def test_the_list_endpoints_answer_what_drf_would(api_client: TokenClient) -> None:
    customers = profiles(customers_with_profile().order_by("updated_at", "id"))
    orders = orders_with_details().order_by("updated_at", "id")
    with timezone.override(ZoneInfo("Europe/Paris")):  # The API answers in UTC regardless.
        assert _api_page(api_client, "/api/v1/customers") == _expected_page(
            CustomerSerializer, customers
        )
        assert _api_page(api_client, "/api/v1/orders") == _expected_page(OrderSerializer, orders)


@pytest.mark.usefixtures("varied_customers")
def test_a_store_bound_client_sees_its_stores_customers_rendered_the_same(
    make_api_client: Any,
) -> None:
    lyon = Store.objects.get(code="lyon")
    store_client = make_api_client(store=lyon)
    # The profile that prefers Lyon, and not the others (no activity in Lyon).
    lyon_customers = profiles(
        customers_with_profile().filter(preferred_store=lyon).order_by("updated_at", "id")
    )
    assert len(lyon_customers) == 1
    expected = _expected_page(CustomerSerializer, lyon_customers)
    assert _api_page(store_client, "/api/v1/customers") == expected


# Every list endpoint using the compiled rendering, through the API: the same request answered
# by the compiled rendering, then by DRF's (the context and the principal are the request's).

COMPILED_LIST_PATHS = [
    "/api/v1/customers",
    "/api/v1/orders",
    "/api/v1/wishlists",
    "/api/v1/wishlist-items",
    "/api/v1/tickets",
    "/api/v1/pickups",
    "/api/v1/touchpoints",
    "/api/v1/stage-changes",
]


@pytest.fixture
def more_history(world: SimpleNamespace, other_store: Store) -> None:
    customer, store = world.customer, world.store
    AfterSalesTicketFactory(customer=customer, store=None, channel_opened="web")
    ticket = AfterSalesTicketFactory(customer=customer, store=other_store, order_line=world.line)
    ticket_transition(ticket=ticket, status="in_progress", actor=None, note="Sent to the workshop")
    TouchpointFactory(customer=customer, store=store, product=world.products["SCARF"])
    TouchpointFactory(customer=customer, payload={"query": "trench", "results": [1, None]})
    removed = WishlistItemFactory(wishlist=world.wishlist, product=world.products["BROW-GEL"])
    removed.removed_at, removed.removed_via = moment(2026, 5, 1), "store"
    removed.save()
    WishlistItemFactory(wishlist=world.wishlist, product=world.products["TRENCH-M"], size="M")
    LifecycleStageChangeFactory(customer=customer, from_stage="", to_stage="reach")


def _pages_both_ways(client: Any, path: str, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    answers = []
    for rendering in ("compiled", "drf"):
        if rendering == "drf":
            drf = serializers.ListSerializer.to_representation
            monkeypatch.setattr(CompiledListSerializer, "to_representation", drf)
        response = client.get(path, {"page_size": 200})
        assert response.status_code == 200
        assert len(response.json()["results"]) > 0
        answers.append(response.content)
    return answers


@pytest.mark.usefixtures("more_history", "varied_customers", "varied_orders")
@pytest.mark.parametrize("path", COMPILED_LIST_PATHS)
def test_every_compiled_list_answers_what_drf_would(
    api_client: TokenClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled_answer, drf_answer = _pages_both_ways(api_client, path, monkeypatch)
    assert compiled_answer == drf_answer


@pytest.mark.usefixtures("more_history")
def test_an_associate_session_gets_the_pickups_drf_would_give(
    world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = APIClient()
    session.force_login(world.associate.user)
    compiled_answer, drf_answer = _pages_both_ways(session, "/api/v1/pickups", monkeypatch)
    assert compiled_answer == drf_answer
    assert b'"code":null' in compiled_answer  # The desk is shown the code by the customer.
