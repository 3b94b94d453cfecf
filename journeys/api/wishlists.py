"""Wishlists, the same on the web and in store: read, add an item, remove one."""

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import CustomerReferenceSerializer, customer_from_reference
from journeys.api.common import product_by_sku, store_by_code
from journeys.models import Wishlist, WishlistItem
from journeys.services import wishlist_add_item, wishlist_remove_item
from omni.api.access_journal import JournaledReadsMixin
from omni.api.compiled_lists import CompiledListSerializer
from omni.api.filters import UtcDateTimeFilter
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet
from omni.models import Channel


class WishlistItemSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="wishlist.customer_id", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    added_at_store = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = WishlistItem
        fields = [
            "id",
            "wishlist",
            "customer",
            "product",
            "sku",
            "size",
            "note",
            "added_at",
            "added_via",
            "added_at_store",
            "removed_at",
            "removed_via",
        ]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer


class WishlistSerializer(serializers.ModelSerializer):
    items = WishlistItemSerializer(
        source="active_items", many=True, read_only=True, help_text="Items not removed."
    )

    class Meta:
        model = Wishlist
        fields = ["id", "customer", "name", "created_at", "updated_at", "items"]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer


class WishlistFilter(filters.FilterSet):
    updated_since = UtcDateTimeFilter(
        method="filter_updated_since",
        label="Wishlists changed (or with items added or removed) at or after this time.",
    )

    class Meta:
        model = Wishlist
        fields = ["customer"]

    def filter_updated_since(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        changed = WishlistItem.objects.filter(
            Q(added_at__gte=value) | Q(removed_at__gte=value)
        ).values("wishlist_id")
        return queryset.filter(Q(updated_at__gte=value) | Q(pk__in=changed))


class WishlistViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Wishlists (the same on the web and in store), with their current items."""

    scope_resource = "wishlists"
    serializer_class = WishlistSerializer
    filterset_class = WishlistFilter

    def get_queryset(self) -> QuerySet[Wishlist]:
        active = WishlistItem.objects.filter(removed_at__isnull=True).select_related(
            "product", "added_at_store", "wishlist"
        )
        return Wishlist.objects.prefetch_related(
            Prefetch("items", queryset=active, to_attr="active_items")
        )


class WishlistItemCreateSerializer(serializers.Serializer):
    customer = CustomerReferenceSerializer()
    sku = serializers.CharField(max_length=64)
    size = serializers.CharField(max_length=20, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices)
    store = serializers.CharField(max_length=20, required=False, allow_null=True)


class WishlistItemRemoveSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class WishlistItemFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="wishlist__customer")
    active = filters.BooleanFilter(
        field_name="removed_at", lookup_expr="isnull", label="Only items not removed."
    )

    class Meta:
        model = WishlistItem
        fields = ["wishlist"]


class WishlistItemViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    scope_resource = "wishlists"
    serializer_class = WishlistItemSerializer
    filterset_class = WishlistItemFilter
    cursor_ordering = ("added_at", "id")

    def get_queryset(self) -> QuerySet[WishlistItem]:
        return WishlistItem.objects.select_related("product", "added_at_store", "wishlist")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "create": WishlistItemCreateSerializer,
            "remove": WishlistItemRemoveSerializer,
        }.get(self.action, WishlistItemSerializer)

    @extend_schema(
        summary="Add a product to the customer's wishlist",
        request=WishlistItemCreateSerializer,
        responses={201: WishlistItemSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = WishlistItemCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = product_by_sku(data["sku"])
        store = store_by_code(data.get("store"))
        self.check_store_allowed(store.pk if store else None)
        with transaction.atomic():
            item = wishlist_add_item(
                customer=customer_from_reference(data["customer"]),
                product=product,
                channel=data["channel"],
                actor=self.principal.actor,
                store=store,
                size=data.get("size", ""),
                note=data.get("note", ""),
            )
        return Response(WishlistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove an item from the wishlist",
        request=WishlistItemRemoveSerializer,
        responses={200: WishlistItemSerializer},
    )
    @action(detail=True, methods=["post"], url_path="remove")
    @idempotent
    def remove(self, request: Request, pk: str) -> Response:
        """The item is kept with its removal time, for the customer's history."""
        item = self.get_object()
        serializer = WishlistItemRemoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = wishlist_remove_item(
            item=item, channel=serializer.validated_data["channel"], actor=self.principal.actor
        )
        return Response(WishlistItemSerializer(item).data)
