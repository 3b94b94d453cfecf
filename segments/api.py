"""Segments over the REST API, for head-office integrations (campaign and emailing tools).

Members are only those whose current consent covers the segment's purpose and contact channel.
Segments span every store: store-bound API clients and the tablet app's sessions are refused.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import ContactChannel, Customer
from omni.access_journal import Door, journal_reads
from omni.api.idempotency import idempotent
from omni.api.pagination import ApiCursorPagination
from omni.api.permissions import HasApiScope
from omni.api.principals import principal_of
from omni.api.viewsets import ApiViewSet
from segments.models import Segment, SegmentRule, SegmentSnapshot
from segments.selectors import (
    export_rows,
    segment_counts,
    segment_reachable_members,
    segments_with_rules,
)
from segments.services import segment_snapshot_create


class HeadOfficeClientOnly(BasePermission):
    message = _("Segments are for head-office API clients (not bound to a store).")
    code = "head_office_only"

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_of(request)
        return principal is not None and principal.client is not None and principal.store is None


class SegmentRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = SegmentRule
        fields = ["group", "field", "operator", "value"]
        read_only_fields = fields


class SegmentSerializer(serializers.ModelSerializer):
    rules = SegmentRuleSerializer(
        many=True,
        read_only=True,
        help_text="Rules sharing a group are ANDed; the groups are ORed.",
    )

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "purpose",
            "contact_channel",
            "is_active",
            "rules",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SegmentDetailSerializer(SegmentSerializer):
    member_count = serializers.IntegerField(read_only=True, help_text="Members now.")
    contactable_count = serializers.IntegerField(
        read_only=True,
        help_text="Members whose current consent covers the purpose and contact channel.",
    )

    class Meta(SegmentSerializer.Meta):
        fields = [*SegmentSerializer.Meta.fields, "member_count", "contactable_count"]
        read_only_fields = fields


class SegmentMemberSerializer(serializers.ModelSerializer):
    preferred_store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "first_name",
            "last_name",
            "preferred_language",
            "lifecycle_stage",
            "loyalty_tier",
            "preferred_store",
            "contact",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_contact(self, customer: Customer) -> str | None:
        """Email or phone for the segment's channel; the loyalty number for app pushes."""
        channel = self.context["channel"]
        if channel == ContactChannel.EMAIL:
            return customer.email
        if channel in (ContactChannel.SMS, ContactChannel.PHONE):
            return customer.phone
        if channel == ContactChannel.POST:
            address = next(iter(customer.addresses.all()), None)
            return f"{address.line1}, {address.postal_code} {address.city}" if address else None
        return customer.loyalty_number


class SegmentMemberPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SegmentMemberSerializer(many=True)


class SnapshotCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160, required=False, allow_blank=True)


class SnapshotSerializer(serializers.ModelSerializer):
    rules = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = SegmentSnapshot
        fields = [
            "id",
            "segment",
            "name",
            "created_at",
            "member_count",
            "purpose",
            "contact_channel",
            "rules",
        ]
        read_only_fields = fields


class MemberPagination(ApiCursorPagination):
    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return ("id",)


class SegmentFilter(filters.FilterSet):
    class Meta:
        model = Segment
        fields = ["is_active", "purpose", "contact_channel"]


CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The `next` link's cursor."),
    OpenApiParameter("page_size", int, description="Members per page (≤ 500, default 50)."),
]


class SegmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Head office's customer segments; members limited to those who consent."""

    scope_resource = "segments"
    permission_classes = [HasApiScope, HeadOfficeClientOnly]
    serializer_class = SegmentSerializer
    filterset_class = SegmentFilter

    def get_queryset(self) -> QuerySet[Segment]:
        return segments_with_rules()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "retrieve": SegmentDetailSerializer,
            "members": SegmentMemberSerializer,
            "snapshots": SnapshotCreateSerializer,
        }.get(self.action, SegmentSerializer)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow the list; a segment's own address answers whatever the query string.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def retrieve(self, request: Request, pk: str) -> Response:
        """The segment with its live member count and how many may be contacted."""
        segment = self.get_object()
        counts = segment_counts(segment)
        segment.member_count, segment.contactable_count = counts.members, counts.reachable
        return Response(SegmentDetailSerializer(segment).data)

    @extend_schema(
        summary="Members who may be contacted for the segment's purpose and channel",
        parameters=CURSOR_PARAMETERS,
        responses={200: SegmentMemberPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str) -> Response:
        """Cursor-paginated in id order; members without current consent are left out."""
        segment = self.get_object()
        rows = export_rows(segment_reachable_members(segment), channel=segment.contact_channel)
        paginator = MemberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        journal_reads(
            [member.pk for member in page], Door.SEGMENT_PULL, api_client=self.principal.client
        )
        context = {**self.get_serializer_context(), "channel": segment.contact_channel}
        data = SegmentMemberSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        summary="Freeze the segment's current members for a campaign",
        request=SnapshotCreateSerializer,
        responses={201: SnapshotSerializer},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def snapshots(self, request: Request, pk: str) -> Response:
        """A frozen copy of the members and rules; later changes do not alter it."""
        segment = self.get_object()
        serializer = SnapshotCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snapshot = segment_snapshot_create(
            segment=segment,
            actor=self.principal.actor,
            name=serializer.validated_data.get("name", ""),
        )
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)
