"""Click & collect pickups, a store operation: read, and move them (ready, collected...)."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from journeys.models import Pickup
from journeys.services import (
    pickup_cancel,
    pickup_hand_over,
    pickup_mark_ready,
    pickup_start_preparing,
)
from omni.api.access_journal import JournaledReadsMixin
from omni.api.compiled_lists import CompiledListSerializer
from omni.api.filters import UpdatedSinceFilterSet
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet


class PickupSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    order_source = serializers.CharField(source="order.source", read_only=True)
    order_reference = serializers.CharField(source="order.external_reference", read_only=True)
    customer = serializers.IntegerField(source="order.customer_id", read_only=True)
    code = serializers.SerializerMethodField(
        help_text="The code the customer shows at the desk; given to API clients only."
    )

    class Meta:
        model = Pickup
        fields = [
            "id",
            "order",
            "order_source",
            "order_reference",
            "customer",
            "store",
            "status",
            "code",
            "ready_at",
            "pickup_by",
            "collected_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_code(self, pickup: Pickup) -> str | None:
        # The associate at the desk must be shown the code by the customer, not by the screen.
        principal = self.context.get("principal")
        return pickup.code if principal is not None and principal.client is not None else None


class PickupTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            Pickup.Status.PREPARING,
            Pickup.Status.READY,
            Pickup.Status.COLLECTED,
            Pickup.Status.CANCELLED,
        ]
    )
    code = serializers.CharField(
        max_length=40, required=False, help_text="Required to hand over (`collected`)."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["status"] == Pickup.Status.COLLECTED and not attrs.get("code"):
            raise serializers.ValidationError({"code": [_("The pickup code is required.")]})
        return attrs


class PickupFilter(UpdatedSinceFilterSet):
    store = filters.CharFilter(field_name="store__code", label="Store code.")
    order_reference = filters.CharFilter(field_name="order__external_reference")

    class Meta:
        model = Pickup
        fields = ["status", "order"]


class PickupViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Click & collect pickups; a store-bound client sees only its store's."""

    scope_resource = "pickups"
    serializer_class = PickupSerializer
    filterset_class = PickupFilter

    def get_queryset(self) -> QuerySet[Pickup]:
        return self.limit_to_store(Pickup.objects.select_related("store", "order"))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "transitions":
            return PickupTransitionSerializer
        return PickupSerializer

    @extend_schema(
        summary="Move a pickup: preparing, ready, collected (with the code) or cancelled",
        request=PickupTransitionSerializer,
        responses={200: PickupSerializer},
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    @idempotent
    def transitions(self, request: Request, pk: str) -> Response:
        """placed → preparing → ready → collected. A wrong code answers 422 `wrong_code`;
        a move the workflow does not allow, 409 `invalid_transition`."""
        pickup = self.get_object()
        serializer = PickupTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, actor = serializer.validated_data, self.principal.actor
        target = data["status"]
        if target == Pickup.Status.PREPARING:
            pickup = pickup_start_preparing(pickup=pickup, actor=actor)
        elif target == Pickup.Status.READY:
            pickup = pickup_mark_ready(pickup=pickup, actor=actor)
        elif target == Pickup.Status.COLLECTED:
            pickup = pickup_hand_over(pickup=pickup, code=data["code"], actor=actor)
        else:
            pickup = pickup_cancel(pickup=pickup, actor=actor, reason=data.get("reason", ""))
        pickup = self.get_queryset().get(pk=pickup.pk)
        return Response(PickupSerializer(pickup, context=self.get_serializer_context()).data)
