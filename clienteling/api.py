"""Appointments over the REST API: who can serve, free slots, booking and its workflow.

A booking names the customer as the channel knows her; identity resolution attaches it to
the profile the institute already has (the Benefit scenario), so the esthetician sees her
history before the appointment.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clienteling.availability import free_slots, qualified_associates
from clienteling.models import Appointment, Associate
from clienteling.services import appointment_book, appointment_transition
from customers.api import SOURCE_PATTERN, CustomerReferenceSerializer, customer_from_reference
from omni.api.access_journal import JournaledReadsMixin
from omni.api.fields import AwareDateTimeField
from omni.api.filters import UpdatedSinceFilterSet, UtcDateTimeFilter
from omni.api.idempotency import idempotent
from omni.api.viewsets import ApiViewSet
from omni.errors import ConflictError
from omni.models import Channel, Service, Store

MAX_AVAILABILITY_DAYS = 14


def associate_display_name(associate: Associate) -> str:
    """First name and initial: what a booking page shows of the staff."""
    user = associate.user
    initial = f" {user.last_name[:1]}." if user.last_name else ""
    return f"{user.first_name}{initial}".strip() or user.get_username()


class AssociateSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    specialties = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Associate
        fields = ["id", "name", "store", "specialties"]
        read_only_fields = fields

    def get_name(self, associate: Associate) -> str:
        return associate_display_name(associate)


class AssociateFilter(filters.FilterSet):
    store = filters.CharFilter(field_name="store__code", label="Store code.")
    specialty = filters.CharFilter(field_name="specialties__code", label="Specialty code.")

    class Meta:
        model = Associate
        fields: list[str] = []


class AssociateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Active associates, to pick a named one when booking."""

    scope_resource = "appointments"
    serializer_class = AssociateSerializer
    filterset_class = AssociateFilter
    cursor_ordering = ("id",)

    def get_queryset(self) -> QuerySet[Associate]:
        associates = Associate.objects.filter(is_active=True).select_related("user", "store")
        return self.limit_to_store(associates.prefetch_related("specialties")).distinct()


# Availability -------------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    store = serializers.CharField(max_length=20, help_text="Store code.")
    service = serializers.CharField(max_length=40, help_text="Service code.")
    date = serializers.DateField(help_text="First day (in the store's time zone).")
    days = serializers.IntegerField(min_value=1, max_value=MAX_AVAILABILITY_DAYS, default=1)
    associate = serializers.IntegerField(
        required=False, min_value=1, max_value=2**53, help_text="Only this associate's slots."
    )


class SlotSerializer(serializers.Serializer):
    associate = AssociateSerializer()
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()


class AvailabilityViewSet(ApiViewSet):
    """Free slots per store, service and (optionally) associate."""

    scope_resource = "appointments"
    serializer_class = SlotSerializer
    extra_error_codes = ("404",)  # A store this client may not see.
    pagination_class = None
    filter_backends: list = []

    def _lookup(self, query: dict[str, Any]) -> tuple[Store, Service, Associate | None]:
        store = Store.objects.prefetch_related("services").filter(code=query["store"]).first()
        if store is None or not self.principal.can_see_store(store.pk):
            raise exceptions.NotFound(_("Unknown store."))
        service = Service.objects.filter(code=query["service"]).first()
        if service is None:
            raise exceptions.ValidationError({"service": [_("Unknown service.")]})
        associate = None
        if "associate" in query:
            associate = Associate.objects.filter(pk=query["associate"], store=store).first()
            if associate is None:
                raise exceptions.ValidationError(
                    {"associate": [_("No such associate in this store.")]}
                )
        return store, service, associate

    @extend_schema(
        summary="Free appointment slots",
        parameters=[AvailabilityQuerySerializer],
        responses={200: SlotSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        """Slots inside the store's opening hours where a qualified associate is free;
        `days` (1-14) consecutive days from `date`."""
        query_serializer = AvailabilityQuerySerializer(data=request.query_params)
        query_serializer.is_valid(raise_exception=True)
        query = query_serializer.validated_data
        store, service, associate = self._lookup(query)
        slots = []
        for offset in range(query["days"]):
            day = query["date"] + datetime.timedelta(days=offset)
            slots += free_slots(store=store, service=service, day=day, associate=associate)
        return Response(SlotSerializer(slots, many=True).data)


# Appointments -------------------------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    associate = AssociateSerializer(read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "customer",
            "store",
            "associate",
            "service",
            "starts_at",
            "ends_at",
            "status",
            "booked_via",
            "customer_request",
            "source",
            "external_reference",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentBookSerializer(serializers.Serializer):
    customer = CustomerReferenceSerializer()
    store = serializers.CharField(max_length=20, help_text="Store code.")
    service = serializers.CharField(max_length=40, help_text="Service code.")
    associate = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**53,
        help_text="The associate asked for; without it, any qualified associate free then.",
    )
    starts_at = AwareDateTimeField()
    booked_via = serializers.ChoiceField(choices=Channel.choices, default=Channel.WEB)
    customer_request = serializers.CharField(max_length=500, required=False, allow_blank=True)
    source = serializers.RegexField(SOURCE_PATTERN, max_length=64, required=False)
    external_reference = serializers.CharField(
        max_length=128,
        required=False,
        help_text="The booking's id in the source: sending it again returns the same booking.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("external_reference") and not attrs.get("source"):
            raise serializers.ValidationError({"source": [_("A reference needs its source.")]})
        return attrs


class AppointmentTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[
            Appointment.Status.CONFIRMED,
            Appointment.Status.COMPLETED,
            Appointment.Status.NO_SHOW,
            Appointment.Status.CANCELLED,
        ]
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AppointmentFilter(UpdatedSinceFilterSet):
    store = filters.CharFilter(field_name="store__code", label="Store code.")
    service = filters.CharFilter(field_name="service__code", label="Service code.")
    starts_after = UtcDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UtcDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Appointment
        fields = ["customer", "associate", "status", "source", "external_reference"]


def _free_associate(store: Store, service: Service, starts_at: datetime.datetime) -> Associate:
    day = timezone.localtime(starts_at, store.zone).date()
    for slot in free_slots(store=store, service=service, day=day):
        if slot.starts_at == starts_at:
            return slot.associate
    raise ConflictError(_("No qualified associate is free at that time."))


class AppointmentViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """Appointments; a store-bound client sees only its store's."""

    scope_resource = "appointments"
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter

    def get_queryset(self) -> QuerySet[Appointment]:
        appointments = Appointment.objects.select_related(
            "store", "service", "associate__user", "associate__store"
        ).prefetch_related("associate__specialties")
        return self.limit_to_store(appointments)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return {
            "create": AppointmentBookSerializer,
            "transitions": AppointmentTransitionSerializer,
        }.get(self.action, AppointmentSerializer)

    def _booking_targets(self, data: dict[str, Any]) -> tuple[Store, Service, Associate | None]:
        store = Store.objects.filter(code=data["store"]).first()
        if store is None:
            raise exceptions.ValidationError({"store": [_("Unknown store.")]})
        self.check_store_allowed(store.pk)
        service = Service.objects.filter(code=data["service"]).first()
        if service is None:
            raise exceptions.ValidationError({"service": [_("Unknown service.")]})
        associate = None
        if "associate" in data:
            associate = (
                qualified_associates(store=store, service=service)
                .select_related("store")
                .filter(pk=data["associate"])
                .first()
            )
            if associate is None:
                raise exceptions.ValidationError(
                    {"associate": [_("No associate of this store can give this service.")]}
                )
        return store, service, associate

    def _known_booking(self, data: dict[str, Any]) -> Appointment | None:
        if not data.get("external_reference"):
            return None
        return (
            self.get_queryset()
            .filter(source=data["source"], external_reference=data["external_reference"])
            .first()
        )

    @extend_schema(
        summary="Book an appointment",
        request=AppointmentBookSerializer,
        responses={200: AppointmentSerializer, 201: AppointmentSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """The customer is resolved like an upsert (a known customer keeps her profile). 409
        when the associate is not free then; 200 with the stored booking when its
        (source, external_reference) is already known."""
        serializer = AppointmentBookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        known = self._known_booking(data)
        if known is not None:
            return Response(AppointmentSerializer(known).data)
        store, service, associate = self._booking_targets(data)
        with transaction.atomic():
            appointment = appointment_book(
                customer=customer_from_reference(data["customer"]),
                associate=associate or _free_associate(store, service, data["starts_at"]),
                service=service,
                starts_at=data["starts_at"],
                booked_via=data["booked_via"],
                actor=self.principal.actor,
                customer_request=data.get("customer_request", ""),
                source=data.get("source", ""),
                external_reference=data.get("external_reference"),
            )
        appointment = self.get_queryset().get(pk=appointment.pk)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm, complete, mark a no-show or cancel an appointment",
        request=AppointmentTransitionSerializer,
        responses={200: AppointmentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    @idempotent
    def transitions(self, request: Request, pk: str) -> Response:
        """booked → confirmed → completed / no_show; cancelled before. Closing one that has
        not started answers 422; a move the workflow does not allow, 409."""
        appointment = self.get_object()
        serializer = AppointmentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment_transition(
            appointment=appointment,
            status=serializer.validated_data["status"],
            note=serializer.validated_data.get("note", ""),
            actor=self.principal.actor,
        )
        appointment = self.get_queryset().get(pk=appointment.pk)
        return Response(AppointmentSerializer(appointment).data)
