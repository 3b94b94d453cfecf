"""Read-only reference data for channel systems: stores, products, bookable services."""

from django.db.models import QuerySet
from rest_framework import mixins, serializers

from omni.api.filters import UpdatedSinceFilterSet
from omni.api.viewsets import ApiViewSet
from omni.models import Product, Service, Store


class StoreSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "address_line",
            "postal_code",
            "city",
            "region",
            "country",
            "phone",
            "email",
            "timezone",
            "opening_hours",
            "offers_click_and_collect",
            "services",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "brand",
            "department",
            "category",
            "price",
            "currency",
            "image_url",
            "attributes",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


class ServiceSerializer(serializers.ModelSerializer):
    required_specialty = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "code",
            "name",
            "description",
            "duration_minutes",
            "required_specialty",
            "price",
            "currency",
            "is_active",
        ]
        read_only_fields = fields


class StoreFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Store
        fields = ["code", "kind", "city", "is_active", "offers_click_and_collect"]


class ProductFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Product
        fields = ["sku", "brand", "department", "category", "is_active"]


class StoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Stores, looked up by their code."""

    scope_resource = "catalog"
    serializer_class = StoreSerializer
    filterset_class = StoreFilter
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Store]:
        return Store.objects.prefetch_related("services")


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    scope_resource = "catalog"
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.all()


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Services a customer can book (see the appointments endpoints)."""

    scope_resource = "catalog"
    serializer_class = ServiceSerializer
    filterset_fields = ["code", "is_active"]
    cursor_ordering = ("name", "id")
    queryset = Service.objects.select_related("required_specialty")
