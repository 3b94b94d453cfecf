"""After-sales (SAV) tickets: read, open, move through the workflow."""

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import CustomerReferenceSerializer, customer_from_reference
from journeys.api.common import product_by_sku, store_by_code
from journeys.models import AfterSalesStatusChange, AfterSalesTicket, Order, OrderLine, TicketKind
from journeys.services import ticket_open, ticket_transition
from omni.api.access_journal import JournaledReadsMixin
from omni.api.compiled_lists import CompiledListSerializer
from omni.api.filters import UpdatedSinceFilterSet
from omni.api.idempotency import idempotent
from omni.api.principals import principal_of
from omni.api.viewsets import ApiViewSet
from omni.models import Channel


class TicketHistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = AfterSalesStatusChange
        fields = ["from_status", "to_status", "changed_at", "note"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    order_line = serializers.IntegerField(
        source="order_line.line_number", read_only=True, allow_null=True
    )
    history = TicketHistorySerializer(source="status_changes", many=True, read_only=True)

    class Meta:
        model = AfterSalesTicket
        fields = [
            "id",
            "reference",
            "customer",
            "kind",
            "status",
            "subject",
            "description",
            "order",
            "order_line",
            "product",
            "store",
            "channel_opened",
            "sla_due_at",
            "resolution",
            "closed_at",
            "created_at",
            "updated_at",
            "history",
        ]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer


class TicketCreateSerializer(serializers.Serializer):
    customer = CustomerReferenceSerializer()
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    store = serializers.CharField(max_length=20, required=False, allow_null=True)
    order = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    line_number = serializers.IntegerField(required=False, min_value=1, max_value=32767)
    sku = serializers.CharField(max_length=64, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "line_number" in attrs and "order" not in attrs:
            raise serializers.ValidationError({"order": [_("Give the order of this line.")]})
        return attrs


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class TicketTransitionSerializer(TransitionSerializer):
    status = serializers.ChoiceField(choices=AfterSalesTicket.Status.choices)


class TicketFilter(UpdatedSinceFilterSet):
    store = filters.CharFilter(field_name="store__code", label="Store code.")

    class Meta:
        model = AfterSalesTicket
        fields = ["customer", "status", "kind", "reference", "order"]


def _ticket_order_line(data: dict[str, Any]) -> OrderLine | None:
    if "order" not in data:
        return None
    order = Order.objects.filter(pk=data["order"]).first()
    if order is None:
        raise serializers.ValidationError({"order": [_("Unknown order.")]})
    lines = order.lines.select_related("order", "product")
    line = lines.filter(line_number=data.get("line_number", 1)).first()
    if line is None:
        raise serializers.ValidationError({"line_number": [_("The order has no such line.")]})
    return line


class TicketViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """After-sales (SAV) tickets and their workflow."""

    scope_resource = "tickets"
    serializer_class = TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self) -> QuerySet[AfterSalesTicket]:
        tickets = AfterSalesTicket.objects.select_related("store", "order_line").prefetch_related(
            "status_changes"
        )
        principal = principal_of(self.request)
        if self.action == "transitions" and principal and principal.store is not None:
            # A store-bound client moves only its own store's tickets (and web ones).
            return tickets.filter(Q(store=principal.store) | Q(store__isnull=True))
        return tickets

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "create": TicketCreateSerializer,
            "transitions": TicketTransitionSerializer,
        }.get(self.action, TicketSerializer)

    @extend_schema(
        summary="Open an after-sales ticket",
        request=TicketCreateSerializer,
        responses={201: TicketSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """The SLA due date follows from the kind (a question: 2 days; a repair: 21)."""
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = store_by_code(data.get("store"))
        self.check_store_allowed(store.pk if store else None)
        order_line = _ticket_order_line(data)
        product = product_by_sku(data.get("sku"))
        with transaction.atomic():
            ticket = ticket_open(
                customer=customer_from_reference(data["customer"]),
                kind=data["kind"],
                subject=data["subject"],
                channel=data["channel"],
                actor=self.principal.actor,
                store=store,
                description=data.get("description", ""),
                order_line=order_line,
                product=product,
            )
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a ticket through its workflow",
        request=TicketTransitionSerializer,
        responses={200: TicketSerializer},
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    @idempotent
    def transitions(self, request: Request, pk: str) -> Response:
        """open → in_progress → waiting_customer / ready → closed; cancelled from any open
        state. A move the workflow does not allow answers 409 `invalid_transition`."""
        ticket = self.get_object()
        serializer = TicketTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_transition(
            ticket=ticket,
            status=serializer.validated_data["status"],
            note=serializer.validated_data.get("note", ""),
            actor=self.principal.actor,
        )
        return Response(TicketSerializer(self.get_queryset().get(pk=ticket.pk)).data)
