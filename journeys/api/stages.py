"""Lifecycle stage changes: what a CRM or e-mailing tool pulls to act on a customer's new stage."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers

from customers.models import LifecycleStage
from journeys.models import LifecycleStageChange, LifecycleTrigger
from omni.api.access_journal import JournaledReadsMixin
from omni.api.compiled_lists import CompiledListSerializer
from omni.api.filters import UtcDateTimeFilter
from omni.api.viewsets import ApiViewSet


class StageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecycleStageChange
        fields = ["id", "customer", "from_stage", "to_stage", "changed_at", "reason", "trigger"]
        read_only_fields = fields
        list_serializer_class = CompiledListSerializer


class StageChangeFilter(filters.FilterSet):
    changed_since = UtcDateTimeFilter(
        field_name="changed_at", lookup_expr="gte", label=_("Changes made since (ISO 8601).")
    )
    to_stage = filters.ChoiceFilter(choices=LifecycleStage.choices)
    trigger = filters.ChoiceFilter(choices=LifecycleTrigger.choices)

    class Meta:
        model = LifecycleStageChange
        fields = ["customer", "to_stage", "trigger"]


class StageChangeViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Each change of a customer's lifecycle stage, with when and why (read only)."""

    scope_resource = "customers"
    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilter
    cursor_ordering = ("changed_at", "id")

    def get_queryset(self) -> QuerySet[LifecycleStageChange]:
        return LifecycleStageChange.objects.all()
