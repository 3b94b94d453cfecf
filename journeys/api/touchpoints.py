"""Touchpoints from any channel: read, and record (idempotent by source and external id)."""

import json
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import SOURCE_PATTERN, CustomerReferenceSerializer, customer_from_reference
from journeys.api.common import product_by_sku, store_by_code
from journeys.models import Touchpoint, TouchpointKind
from journeys.services import touchpoint_record
from omni.api.access_journal import JournaledReadsMixin
from omni.api.compiled_lists import CompiledListSerializer
from omni.api.fields import AwareDateTimeField
from omni.api.filters import UtcDateTimeFilter
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet
from omni.models import Channel

MAX_PAYLOAD_CHARACTERS = 20_000


class TouchpointSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True, allow_null=True)

    class Meta:
        model = Touchpoint
        fields = [
            "id",
            "customer",
            "channel",
            "kind",
            "occurred_at",
            "store",
            "product",
            "sku",
            "source",
            "external_id",
            "payload",
            "created_at",
        ]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer


class TouchpointCreateSerializer(serializers.Serializer):
    customer = CustomerReferenceSerializer()
    channel = serializers.ChoiceField(choices=Channel.choices)
    kind = serializers.ChoiceField(choices=TouchpointKind.choices)
    occurred_at = AwareDateTimeField()
    store = serializers.CharField(max_length=20, required=False, allow_null=True)
    sku = serializers.CharField(max_length=64, required=False, allow_null=True)
    source = serializers.RegexField(SOURCE_PATTERN, max_length=64, required=False)
    external_id = serializers.CharField(
        max_length=128,
        required=False,
        help_text="The event's id in the source: sending it again records nothing new.",
    )
    payload = serializers.DictField(required=False, help_text="Free-form details (≤ 20 kB).")

    def validate_payload(self, value: dict) -> dict:
        text = json.dumps(value)
        if len(text) > MAX_PAYLOAD_CHARACTERS:
            raise serializers.ValidationError(_("The payload is too large."))
        if "\\u0000" in text:
            raise serializers.ValidationError(_("Null characters are not allowed."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("external_id") and not attrs.get("source"):
            raise serializers.ValidationError({"source": [_("An external id needs its source.")]})
        return attrs


class TouchpointFilter(filters.FilterSet):
    updated_since = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Touchpoints received since (ISO 8601)."
    )
    occurred_after = UtcDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Touchpoint
        fields = ["customer", "channel", "kind", "source", "external_id"]


class TouchpointViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Interactions from any channel: web visits, emails opened, store visits..."""

    scope_resource = "touchpoints"
    serializer_class = TouchpointSerializer
    filterset_class = TouchpointFilter
    cursor_ordering = ("created_at", "id")

    def get_queryset(self) -> QuerySet[Touchpoint]:
        return Touchpoint.objects.select_related("store", "product")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return TouchpointCreateSerializer if self.action == "create" else TouchpointSerializer

    @extend_schema(
        summary="Record a touchpoint (idempotent by source and external_id)",
        request=TouchpointCreateSerializer,
        responses={200: TouchpointSerializer, 201: TouchpointSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """201 when recorded; 200 with the stored one when (source, external_id) is known."""
        serializer = TouchpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = store_by_code(data.get("store"))
        self.check_store_allowed(store.pk if store else None)
        product = product_by_sku(data.get("sku"))
        with transaction.atomic():
            touchpoint, created = touchpoint_record(
                customer=customer_from_reference(data["customer"]),
                channel=data["channel"],
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                source=data.get("source", ""),
                external_id=data.get("external_id"),
                store=store,
                product=product,
                payload=data.get("payload"),
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TouchpointSerializer(touchpoint).data, status=code)
