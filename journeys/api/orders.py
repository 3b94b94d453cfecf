"""Orders and their returns: read, upsert by reference (one or a batch), record a return."""

import dataclasses
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import (
    EXTERNAL_ID_PATTERN,
    SOURCE_PATTERN,
    InboundCustomerSerializer,
    inbound_customer,
    inbound_customer_read,
)
from journeys.api.common import CURRENCY, MAX_AMOUNT, MONEY, store_by_code
from journeys.ingest import LineInput, OrderInput, UpsertResult, order_upsert
from journeys.ingest.batch import orders_write, records_known_unchanged
from journeys.models import Fulfilment, Order, OrderLine, Pickup, Return, ReturnLine
from journeys.services import return_record
from omni.api import fast
from omni.api.access_journal import JournaledReadsMixin
from omni.api.batch import (
    BatchResponseSerializer,
    batch_records,
    batch_request_serializer,
    batch_response,
    records_validate,
)
from omni.api.compiled_lists import CompiledListSerializer, represent_one
from omni.api.fields import AwareDateTimeField
from omni.api.filters import UpdatedSinceFilterSet, UtcDateTimeFilter
from omni.api.idempotency import idempotent
from omni.api.principals import ApiPrincipal
from omni.api.viewsets import ApiViewSet
from omni.errors import DomainError
from omni.models import Channel
from omni.records import RecordResult, record_failure


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "line_number",
            "product",
            "sku",
            "name",
            "size",
            "quantity",
            "unit_price",
            "discount",
            "total",
        ]
        read_only_fields = fields


class ReturnLineSerializer(serializers.ModelSerializer):
    line_number = serializers.IntegerField(source="order_line.line_number", read_only=True)

    class Meta:
        model = ReturnLine
        fields = ["line_number", "quantity", "refund_amount"]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = ReturnLineSerializer(many=True, read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "order",
            "source",
            "external_reference",
            "channel",
            "store",
            "status",
            "returned_at",
            "reason",
            "refund_amount",
            "shipping_refund",
            "adjustment",
            "adjustment_reason",
            "currency",
            "lines",
            "updated_at",
        ]
        read_only_fields = fields


class PickupSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Pickup
        fields = ["id", "status", "store", "pickup_by"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Read from the lists orders_with_details() prefetches (a related manager and a queryset
    # per row and relation would cost more than the rendering).
    lines = OrderLineSerializer(source="prefetched_lines", many=True, read_only=True)
    returns = ReturnSerializer(source="prefetched_returns", many=True, read_only=True)
    pickup = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "source",
            "external_reference",
            "customer",
            "channel",
            "status",
            "placed_at",
            "currency",
            "subtotal",
            "discount_total",
            "shipping_total",
            "tax_total",
            "total",
            "store",
            "fulfilment",
            "source_updated_at",
            "created_at",
            "updated_at",
            "lines",
            "returns",
            "pickup",
        ]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer

    @extend_schema_field(PickupSummarySerializer(allow_null=True))
    def get_pickup(self, order: Order) -> dict[str, Any] | None:
        pickup = getattr(order, "pickup", None)
        return represent_one(PickupSummarySerializer, pickup) if pickup else None


class OrderUpsertResponseSerializer(OrderSerializer):
    outcome = serializers.ChoiceField(
        choices=["created", "updated", "unchanged", "stale"],
        read_only=True,
        help_text="`stale`: older (by source_updated_at) than what is stored, so ignored.",
    )

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "outcome"]
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = serializers.DecimalField(**MONEY)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    discount = serializers.DecimalField(**MONEY, default=Decimal("0"))
    size = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        amount = attrs["unit_price"] * attrs["quantity"]
        if amount > MAX_AMOUNT:
            raise serializers.ValidationError(_("The line amount is too large."))
        if attrs["discount"] > amount:
            raise serializers.ValidationError({"discount": [_("More than the line amount.")]})
        return attrs


class OrderWriteSerializer(serializers.Serializer):
    """An order as the channel system sees it; `lines` replace the stored lines."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=Order.Status.choices, default=Order.Status.CONFIRMED)
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices, default=Fulfilment.SHIPPING)
    placed_at = AwareDateTimeField()
    currency = serializers.RegexField(**CURRENCY)
    store = serializers.CharField(
        max_length=20, required=False, allow_null=True, help_text="Store code."
    )
    customer = InboundCustomerSerializer(required=False, allow_null=True)
    shipping_total = serializers.DecimalField(**MONEY, default=Decimal("0"))
    discount_total = serializers.DecimalField(**MONEY, default=Decimal("0"))
    tax_total = serializers.DecimalField(**MONEY, default=Decimal("0"))
    prices_include_tax = serializers.BooleanField(
        default=True,
        help_text="false when unit prices, shipping and discounts are before tax: tax_total "
        "is then added to the total.",
    )
    source_updated_at = AwareDateTimeField(
        required=False, allow_null=True, help_text="The order's update time in the source."
    )
    lines = LineInputSerializer(many=True, min_length=1, max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lines_total = sum(line["unit_price"] * line["quantity"] for line in attrs["lines"])
        if lines_total + attrs["shipping_total"] + attrs["tax_total"] > MAX_AMOUNT:
            raise serializers.ValidationError(_("The order total is too large."))
        return attrs

    @staticmethod
    def to_input(data: dict[str, Any], *, source: str, external_reference: str) -> OrderInput:
        customer = data.get("customer")
        return OrderInput(
            source=source,
            external_reference=external_reference,
            channel=data["channel"],
            placed_at=data["placed_at"],
            lines=tuple(LineInput(**line) for line in data["lines"]),
            currency=data["currency"],
            status=data["status"],
            fulfilment=data["fulfilment"],
            customer=inbound_customer(customer) if customer else None,
            store_code=data.get("store") or None,
            shipping_total=data["shipping_total"],
            discount_total=data["discount_total"],
            tax_total=data["tax_total"],
            prices_include_tax=data["prices_include_tax"],
            source_updated_at=data.get("source_updated_at"),
        )


class OrderBatchRecordSerializer(OrderWriteSerializer):
    source = serializers.RegexField(SOURCE_PATTERN, max_length=64)
    external_reference = serializers.CharField(max_length=128)


def _batch_record_input(data: dict[str, Any]) -> OrderInput:
    source, reference = data.pop("source"), data.pop("external_reference")
    return OrderWriteSerializer.to_input(data, source=source, external_reference=reference)


_SOURCE_SEARCH = re.compile(SOURCE_PATTERN)
_CURRENCY_SEARCH = re.compile(CURRENCY["regex"])
_CHANNELS = frozenset(Channel.values)
_STATUSES = frozenset(Order.Status.values)
_FULFILMENTS = frozenset(Fulfilment.values)
_ZERO = Decimal("0")  # the serializers' default, given as it is


def order_records_write(
    records: Sequence[Any], *, actor: Any = None, refresh_lifecycle: bool = True
) -> list[RecordResult]:
    """Order records as received in JSON (the batch API, an import file) validated and
    written: a result per record, in their order. A record received as it was last written
    changes nothing: reported unchanged without being validated again or written (a replayed
    batch costs one query); the others carry their fingerprint, of the JSON record."""
    known = records_known_unchanged(records)
    unchanged = {index: order for index, (_print, order) in known.items() if order}
    to_write = [index for index in range(len(records)) if index not in unchanged]
    inputs = order_records_validate([records[index] for index in to_write])
    written = orders_write(
        inputs,
        actor=actor,
        refresh_lifecycle=refresh_lifecycle,
        fingerprints=[known[index][0] if index in known else "" for index in to_write],
    )
    if not unchanged:  # the positions are the records' own
        return written
    results = [RecordResult(index, "unchanged", order) for index, order in unchanged.items()]
    results += [
        dataclasses.replace(result, index=index)
        for index, result in zip(to_write, written, strict=True)
    ]
    return sorted(results, key=lambda result: result.index)


def _line_read(raw: Any) -> dict[str, Any]:
    raw = fast.mapping(raw)
    get = raw.get
    line = {
        "sku": fast.text(get("sku"), max_length=64),
        "quantity": fast.integer(get("quantity"), low=1, high=100_000),
        "unit_price": fast.money(get("unit_price")),
        "discount": fast.money_or(get("discount", fast.MISSING), _ZERO),
    }
    for name, max_length in (("name", 200), ("size", 20)):
        value = get(name, fast.MISSING)
        if value is not fast.MISSING:
            line[name] = fast.text(value, max_length=max_length, blank=True)
    amount = line["unit_price"] * line["quantity"]
    if amount > MAX_AMOUNT or line["discount"] > amount:
        raise fast.Unsure
    return line


def order_record_read(raw: Any) -> dict[str, Any]:
    """What OrderBatchRecordSerializer validates `raw` into, on the fast path (see
    omni.api.fast; raises Unsure for anything it does not read as plainly)."""
    raw = fast.mapping(raw)
    get = raw.get
    lines = get("lines")
    if type(lines) is not list or not 1 <= len(lines) <= 500:
        raise fast.Unsure
    data: dict[str, Any] = {
        "source": fast.matching(get("source"), _SOURCE_SEARCH, max_length=64),
        "external_reference": fast.text(get("external_reference"), max_length=128),
        "channel": fast.choice(get("channel"), _CHANNELS),
        "status": fast.choice(get("status", Order.Status.CONFIRMED), _STATUSES),
        "fulfilment": fast.choice(get("fulfilment", Fulfilment.SHIPPING), _FULFILMENTS),
        "placed_at": fast.aware_datetime(get("placed_at")),
        "currency": fast.matching(get("currency", "EUR"), _CURRENCY_SEARCH, max_length=3),
        "shipping_total": fast.money_or(get("shipping_total", fast.MISSING), _ZERO),
        "discount_total": fast.money_or(get("discount_total", fast.MISSING), _ZERO),
        "tax_total": fast.money_or(get("tax_total", fast.MISSING), _ZERO),
        "prices_include_tax": fast.boolean(get("prices_include_tax", True)),
        "lines": [_line_read(line) for line in lines],
    }
    if (store := get("store", fast.MISSING)) is not fast.MISSING:
        data["store"] = fast.text(store, max_length=20, null=True)
    if (customer := get("customer", fast.MISSING)) is not fast.MISSING:
        data["customer"] = None if customer is None else inbound_customer_read(customer)
    if (updated := get("source_updated_at", fast.MISSING)) is not fast.MISSING:
        data["source_updated_at"] = fast.aware_datetime(updated, null=True)
    lines_total = sum(line["unit_price"] * line["quantity"] for line in data["lines"])
    if lines_total + data["shipping_total"] + data["tax_total"] > MAX_AMOUNT:
        raise fast.Unsure
    return data


def order_records_validate(records: Sequence[Any]) -> list[OrderInput | RecordResult]:
    """Orders as the batch API and the history import receive them (see OrderBatchRecordSerializer)
    turned into inputs for `orders_write`, or into the error result of each invalid one."""
    return records_validate(
        records, OrderBatchRecordSerializer, _batch_record_input, fast=order_record_read
    )


class ReturnLineInputSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1, max_value=32767)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class ReturnCreateSerializer(serializers.Serializer):
    # No lines: a refund of shipping alone, or an adjustment alone (return_record checks).
    lines = ReturnLineInputSerializer(many=True, max_length=500, default=list)
    channel = serializers.ChoiceField(choices=Channel.choices)
    store = serializers.CharField(max_length=20, required=False, allow_null=True)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    shipping_refund = serializers.DecimalField(**MONEY, default=Decimal("0.00"))
    adjustment = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=-MAX_AMOUNT,
        max_value=MAX_AMOUNT,
        default=Decimal("0.00"),
        help_text=_(
            "Paid back beyond the lines and shipping (a goodwill gesture), or short of them "
            "(negative). Needs adjustment_reason."
        ),
    )
    adjustment_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source = serializers.RegexField(SOURCE_PATTERN, max_length=64, default="omni")
    external_reference = serializers.CharField(
        max_length=128,
        required=False,
        help_text="The return's id in the source: sending it again returns the same return.",
    )


# What the API shows of an order's store, pickup and returns, so that rows carry no other
# columns (the store's opening hours...). A serializer field reading another column must be
# added here: the query-count tests fail otherwise (one query per row).
ORDER_COLUMNS = (
    *(name for name in OrderSerializer.Meta.fields if name not in ("lines", "returns", "pickup")),
    "store__code",
    *(f"pickup__{name}" for name in PickupSummarySerializer.Meta.fields),
)
RETURN_COLUMNS = (
    *(name for name in ReturnSerializer.Meta.fields if name != "lines"),
    "store__code",
)
RETURN_LINE_COLUMNS = ("parent", "quantity", "refund_amount", "order_line__line_number")


def orders_with_details() -> QuerySet[Order]:
    returns = (
        Return.objects.select_related("store")
        .only(*RETURN_COLUMNS)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReturnLine.objects.select_related("order_line").only(*RETURN_LINE_COLUMNS),
            )
        )
    )
    return (
        Order.objects.select_related("store", "pickup")
        .only(*ORDER_COLUMNS)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.all(), to_attr="prefetched_lines"),
            Prefetch("returns", queryset=returns, to_attr="prefetched_returns"),
        )
    )


class OrderFilter(UpdatedSinceFilterSet):
    store = filters.CharFilter(field_name="store__code", label="Store code.")
    placed_after = UtcDateTimeFilter(field_name="placed_at", lookup_expr="gte")
    placed_before = UtcDateTimeFilter(field_name="placed_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["customer", "source", "external_reference", "channel", "status", "fulfilment"]


def check_order_store(
    principal: ApiPrincipal, *, store_code: str | None, source: str, reference: str
) -> None:
    """A store-bound client writes only its own store's orders (and orders with no store)."""
    if principal.store is None:
        return
    stored = Order.objects.filter(source=source, external_reference=reference).first()
    _check_store(principal, store_code, stored.store_id if stored else None)


def orders_store_check(
    principal: ApiPrincipal, inputs: Sequence[OrderInput | RecordResult]
) -> list[OrderInput | RecordResult]:
    """check_order_store for a batch, its stored orders read in one query: each order outside
    the client's store becomes its error result."""
    if principal.store is None:
        return list(inputs)
    orders = [item for item in inputs if isinstance(item, OrderInput)]
    references = {item.external_reference for item in orders}
    stored_stores = {
        (source, reference): store_id
        for source, reference, store_id in Order.objects.filter(
            source__in={item.source for item in orders}, external_reference__in=references
        ).values_list("source", "external_reference", "store_id")
    }
    checked: list[OrderInput | RecordResult] = []
    for index, item in enumerate(inputs):
        if isinstance(item, OrderInput):
            try:
                stored = stored_stores.get((item.source, item.external_reference))
                _check_store(principal, item.store_code, stored)
            except DomainError as error:
                item = record_failure(index, error)
        checked.append(item)
    return checked


def _check_store(principal: ApiPrincipal, store_code: str | None, stored_store: int | None) -> None:
    if store_code and store_code != principal.store.code:
        raise DomainError(
            _("This API client may only act for its own store."), code="store_forbidden"
        )
    if stored_store and not principal.can_see_store(stored_store):
        raise DomainError(_("This order belongs to another store."), code="store_forbidden")


class OrderViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Orders from every channel, with their lines, returns and click & collect pickup."""

    scope_resource = "orders"
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self) -> QuerySet[Order]:
        store = self.customers_store
        if store is None:
            return orders_with_details()
        if self.action == "returns":
            # A store takes back its own sales and web orders (store-less) brought to it.
            return orders_with_details().filter(Q(store=store) | Q(store__isnull=True))
        return orders_with_details().filter(store=store)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "upsert": OrderWriteSerializer,
            "batch": batch_request_serializer(OrderBatchRecordSerializer),
            "returns": ReturnCreateSerializer,
        }.get(self.action, OrderSerializer)

    def _write(self, data: dict[str, Any], *, source: str, reference: str) -> UpsertResult:
        check_order_store(
            self.principal, store_code=data.get("store"), source=source, reference=reference
        )
        order_input = OrderWriteSerializer.to_input(
            data, source=source, external_reference=reference
        )
        return order_upsert(order_input, actor=self.principal.actor)

    @extend_schema(
        summary="Create or update an order by its reference in a channel system",
        request=OrderWriteSerializer,
        responses={200: OrderUpsertResponseSerializer, 201: OrderUpsertResponseSerializer},
    )
    @action(
        detail=False,
        methods=["put"],
        url_path=(
            rf"(?P<source>{SOURCE_PATTERN})/(?P<external_reference>(?!returns$){EXTERNAL_ID_PATTERN})"
        ),
    )
    def upsert(self, request: Request, source: str, external_reference: str) -> Response:
        """Idempotent: the same body again changes nothing; an update older than the stored
        one (`source_updated_at`) is ignored. The customer goes through identity resolution."""
        serializer = OrderWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            result = self._write(
                serializer.validated_data, source=source, reference=external_reference
            )
        order = orders_with_details().get(pk=result.order.pk)
        order.outcome = result.outcome
        code = status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
        return Response(OrderUpsertResponseSerializer(order).data, status=code)

    @extend_schema(
        summary="Create or update up to 1,000 orders",
        request=batch_request_serializer(OrderBatchRecordSerializer),
        responses={200: BatchResponseSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    @idempotent
    def batch(self, request: Request) -> Response:
        """Every record is validated, then the valid ones are written together: valid records
        are written even when others fail; `results` gives each record's outcome or errors, by
        index."""
        records = batch_records(request.data)
        if self.principal.store is not None:  # its orders are checked store by store
            inputs = orders_store_check(self.principal, order_records_validate(records))
            return Response(batch_response(orders_write(inputs, actor=self.principal.actor)))
        results = order_records_write(records, actor=self.principal.actor)
        return Response(batch_response(results))

    @extend_schema(
        summary="Record a return: some of the order's lines, shipping refunded, an adjustment",
        request=ReturnCreateSerializer,
        responses={200: ReturnSerializer, 201: ReturnSerializer},
    )
    @action(detail=True, methods=["post"], url_path="returns")
    @idempotent
    def returns(self, request: Request, pk: str) -> Response:
        """In any channel: a web order may be returned in a store. 200 with the existing
        return when its `external_reference` is already known."""
        order = self.get_object()
        serializer = ReturnCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        known = Return.objects.filter(
            source=data["source"], external_reference=data.get("external_reference")
        ).first()
        if known is not None:
            self._check_return_visible(known, order)
            return Response(ReturnSerializer(known).data)
        # A store-limited client's returns are taken back in its store.
        store = store_by_code(data.get("store")) or self.customers_store
        self.check_store_allowed(store.pk if store else None)
        with transaction.atomic():
            created = return_record(
                order=order,
                lines=self._return_lines(order, data["lines"]),
                channel=data["channel"],
                actor=self.principal.actor,
                store=store,
                reason=data.get("reason", ""),
                source=data["source"],
                external_reference=data.get("external_reference"),
                shipping_refund=data["shipping_refund"],
                adjustment=data["adjustment"],
                adjustment_reason=data.get("adjustment_reason", ""),
            )
        return Response(ReturnSerializer(created).data, status=status.HTTP_201_CREATED)

    def _check_return_visible(self, known: Return, order: Order) -> None:
        """A store-limited client is answered with a known return only if it is of this order
        and its store's: taken back there, or of its own sale (otherwise 404)."""
        store = self.customers_store
        if store is None:
            return
        if known.order_id != order.pk or store.pk not in (known.store_id, order.store_id):
            raise NotFound()

    @staticmethod
    def _return_lines(order: Order, lines: list[dict]) -> list[tuple[OrderLine, int]]:
        by_number = {line.line_number: line for line in order.lines.all()}
        missing = sorted({line["line_number"] for line in lines} - by_number.keys())
        if missing:
            raise serializers.ValidationError(
                {"lines": [_("The order has no line %s.") % ", ".join(map(str, missing))]}
            )
        return [(by_number[line["line_number"]], line["quantity"]) for line in lines]
