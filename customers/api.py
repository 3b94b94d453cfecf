"""Customers over the REST API: read the unified profile, upsert from a channel system.

`PUT /api/v1/customers/{source}/{external_id}` goes through identity resolution, so a
customer the e-shop sends is attached to the profile a store already knows (no duplicate).
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.consent_wordings import consent_wording_of_version
from customers.identity import InboundCustomer, Resolution, customer_resolve
from customers.ingest import ConsentInput, CustomerInput, customer_upsert, customers_write
from customers.masking import (
    ASSOCIATE_READER,
    birthday_without_year,
    current_decisions,
    mask_address,
    mask_email,
    mask_phone,
)
from customers.models import (
    Address,
    Consent,
    ConsentPurpose,
    ConsentWording,
    ContactChannel,
    Customer,
    ExternalIdentity,
    LoyaltyTier,
    Preference,
    Tag,
)
from customers.normalization import PLAIN_EMAIL, normalize_email, normalize_phone
from customers.services import PROFILE_FIELDS, consent_record
from customers.tags import customer_tags_set
from omni.api import fast
from omni.api.access_journal import JournaledReadsMixin
from omni.api.batch import (
    BatchResponseSerializer,
    batch_records,
    batch_request_serializer,
    batch_response,
    records_validate,
)
from omni.api.compiled_lists import CompiledListSerializer, represent_many
from omni.api.filters import UpdatedSinceFilterSet
from omni.api.idempotency import idempotent
from omni.api.pagination import ApiCursorPagination
from omni.api.viewsets import ApiViewSet
from omni.models import Channel, Store
from omni.records import RecordResult

SOURCE_PATTERN = r"[A-Za-z][A-Za-z0-9_.-]{0,63}"
EXTERNAL_ID_PATTERN = r"[^/]{1,128}"
OPTIONAL_TEXT = {"required": False, "allow_blank": True}
OPTIONAL_KEY = {"required": False, "allow_blank": True, "allow_null": True}


def validate_phone_number(value: str | None) -> str | None:
    try:
        return normalize_phone(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages, code="invalid_phone") from None


def validate_email_address(value: str | None) -> str | None:
    try:
        return normalize_email(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages, code="invalid_email") from None


# Reading ------------------------------------------------------------------------------------


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalIdentity
        fields = ["source", "external_id", "matched_on", "created_at", "last_seen_at"]
        read_only_fields = fields


class ConsentStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = [
            "purpose",
            "channel",
            "granted",
            "recorded_at",
            "collected_via",
            "wording_version",
        ]
        read_only_fields = fields


class PreferenceSerializer(serializers.ModelSerializer):
    sizes = serializers.DictField(child=serializers.CharField(max_length=20), required=False)
    favourite_brands = serializers.ListField(
        child=serializers.CharField(max_length=80), max_length=50, required=False
    )
    favourite_categories = serializers.ListField(
        child=serializers.CharField(max_length=80), max_length=50, required=False
    )
    attributes = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False
    )

    class Meta:
        model = Preference
        fields = ["sizes", "favourite_brands", "favourite_categories", "skin_type", "attributes"]


class AddressSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(max_length=40, **OPTIONAL_TEXT)

    class Meta:
        model = Address
        fields = [
            "kind",
            "recipient",
            "line1",
            "line2",
            "postal_code",
            "city",
            "country",
            "phone",
            "is_default",
        ]

    def validate_phone(self, value: str) -> str:
        return validate_phone_number(value) or ""

    def validate_country(self, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise serializers.ValidationError(_("Use a two-letter ISO 3166 country code."))
        return value.upper()


class CustomerMetricsSummarySerializer(serializers.Serializer):
    """Figures kept by the lifecycle computation (journeys), read through `customer.metrics`."""

    order_count = serializers.IntegerField(help_text="Purchases (orders not cancelled).")
    total_spent = serializers.DecimalField(max_digits=12, decimal_places=2)
    channels = serializers.ListField(
        source="channel_list", child=serializers.CharField(), help_text="Purchase channels."
    )
    last_order_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(OpenApiTypes.STR)
class TagNameField(serializers.SlugRelatedField):
    """A tag's name: the schema generator cannot follow a prefetched list to Tag.name."""


MASKED_HELP = (
    "Masked (c•••@example.fr, •• •• •• 56 78) for a store associate's session when the "
    "customer did not agree to personalised advice, as on the tablet."
)


class CustomerSerializer(serializers.ModelSerializer):
    lifecycle_stage_since = serializers.DateTimeField(
        source="stage_since",
        read_only=True,
        allow_null=True,
        help_text="When she entered her lifecycle stage (null before the first change).",
    )
    metrics = CustomerMetricsSummarySerializer(read_only=True, allow_null=True)
    preferred_store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # The relations are read from the lists customers_with_profile() prefetches (a related
    # manager and a queryset per row and relation would cost more than the rendering).
    identities = IdentitySerializer(source="prefetched_identities", many=True, read_only=True)
    consents = serializers.SerializerMethodField()
    preferences = PreferenceSerializer(source="preference", read_only=True, allow_null=True)
    addresses = AddressSerializer(
        source="prefetched_addresses",
        many=True,
        read_only=True,
        help_text="For a store associate's session, without recipient, lines and postal code "
        "and with the phone masked when the customer did not agree to personalised advice.",
    )
    tags = TagNameField(source="prefetched_tags", slug_field="name", many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "birth_date",
            "loyalty_number",
            "loyalty_tier",
            "preferred_store",
            "preferred_language",
            "acquisition_channel",
            "lifecycle_stage",
            "lifecycle_stage_since",
            "metrics",
            "merged_into",
            "created_at",
            "updated_at",
            "identities",
            "consents",
            "preferences",
            "addresses",
            "tags",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "email": {"help_text": MASKED_HELP},
            "phone": {"help_text": MASKED_HELP},
            "birth_date": {"help_text": "--MM-DD (no year) for a store associate's session."},
        }
        list_serializer_class = CompiledListSerializer

    @extend_schema_field(ConsentStateSerializer(many=True))
    def get_consents(self, customer: Customer) -> list[dict[str, Any]]:
        """The decision in force per purpose × channel (the ledger is prefetched oldest first)."""
        current: dict[tuple[str, str], Consent] = {}
        for entry in customer.prefetched_consents:
            current[(entry.purpose, entry.channel)] = entry
        return represent_many(ConsentStateSerializer, current.values())


class MaskedCustomerSerializer(CustomerSerializer):
    """The profile as a store associate is shown it on the tablet (customers.masking): her
    email and phone masked and her addresses withheld unless she agreed to personalised
    advice, her birthday without the year. What an associate's session reads; integrations and
    store managers read CustomerSerializer, whose rendering stays the fast compiled one."""

    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    addresses = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        extra_kwargs: dict[str, Any] = {}

    @staticmethod
    def _masked(customer: Customer) -> bool:
        return ASSOCIATE_READER.masks_for(current_decisions(customer.prefetched_consents))

    def get_email(self, customer: Customer) -> str | None:
        return mask_email(customer.email) if self._masked(customer) else customer.email

    def get_phone(self, customer: Customer) -> str | None:
        return mask_phone(customer.phone) if self._masked(customer) else customer.phone

    def get_birth_date(self, customer: Customer) -> str | None:
        return birthday_without_year(customer.birth_date)

    def get_addresses(self, customer: Customer) -> list[dict[str, Any]]:
        addresses = represent_many(AddressSerializer, customer.prefetched_addresses)
        return [mask_address(row) for row in addresses] if self._masked(customer) else addresses


class ResolutionSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="A new profile was created.")
    matched_on = serializers.CharField(
        help_text="The key that found the profile: external_id, email, phone, loyalty_number, "
        "or new_profile."
    )
    duplicate_suggestions = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Other profiles sharing a key, left for a person to review (never merged).",
    )


class CustomerUpsertResponseSerializer(CustomerSerializer):
    resolution = ResolutionSerializer(read_only=True)

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "resolution"]
        read_only_fields = fields


class MaskedCustomerUpsertResponseSerializer(MaskedCustomerSerializer):
    resolution = ResolutionSerializer(read_only=True)

    class Meta(MaskedCustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "resolution"]
        read_only_fields = fields


# The columns the API shows, so that rows carry no others (the stores' opening hours, the
# metrics' JSON figures...). A serializer field reading another column must be added here:
# the query-count tests fail otherwise (one query per row).
PROFILE_COLUMNS = (
    *(f"{name}__code" if name == "preferred_store" else name for name in PROFILE_FIELDS),
    "lifecycle_stage",
    "merged_into",
    "created_at",
    "updated_at",
    "metrics__order_count",
    "metrics__total_spent",
    "metrics__channels",
    "metrics__last_order_at",
    *(f"preference__{name}" for name in PreferenceSerializer.Meta.fields),
)
CONSENT_STATE_FIELDS = ConsentStateSerializer.Meta.fields


def _rows_by_customer(
    rows: QuerySet, fields: Sequence[str], customer_ids: list[int]
) -> dict[int, list[SimpleNamespace]]:
    """The rows of these customers as plain objects with `fields`, in the queryset's order."""
    found: dict[int, list[SimpleNamespace]] = defaultdict(list)
    values = rows.filter(customer_id__in=customer_ids).values_list("customer_id", *fields)
    for customer_id, *row in values:
        found[customer_id].append(SimpleNamespace(**dict(zip(fields, row, strict=True))))
    return found


def attach_profile_rows(customers: Sequence[Customer]) -> None:
    """Give each customer the lists the serializers read (`prefetched_identities`, `…_addresses`,
    `…_tags`, `…_consents`): one query per relation for the whole page, rows read as plain
    values (model instances cost three times as much to build, for a page of 200)."""
    ids = [customer.pk for customer in customers]
    if not ids:
        return
    tags = Customer.tags.through.objects.order_by("tag__name")
    relations = {
        "identities": (
            ExternalIdentity.objects.order_by("pk"),
            IdentitySerializer.Meta.fields,
        ),
        "addresses": (Address.objects.order_by("-is_default", "id"), AddressSerializer.Meta.fields),
        "tags": (tags.annotate(name=F("tag__name")), ["name"]),
        "consents": (Consent.objects.order_by("recorded_at", "id"), CONSENT_STATE_FIELDS),
    }
    for relation, (rows, fields) in relations.items():
        found = _rows_by_customer(rows, fields, ids)
        for customer in customers:
            setattr(customer, f"prefetched_{relation}", found[customer.pk])


def customers_with_profile() -> QuerySet[Customer]:
    """Customers with the columns the API shows; their related rows come from
    `attach_profile_rows` once the page is known (a fixed number of queries)."""
    # The latest stage change: one entry of the (customer, -changed_at) index per row. The
    # model is reached through the reverse relation because journeys is a higher app.
    stage_changes = Customer._meta.get_field("stage_changes").related_model
    stage_since = (
        stage_changes.objects.filter(customer=OuterRef("pk"))
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    return (
        Customer.objects.select_related("preferred_store", "preference", "metrics")
        .only(*PROFILE_COLUMNS)
        .annotate(stage_since=Subquery(stage_since))
    )


# Where a customer has activity in a store: the rows of the higher apps (journeys' orders,
# pickups, returns and tickets, clienteling's appointments) that name her and a store, reached
# through their reverse relations.
STORE_ACTIVITY_RELATIONS = ("orders", "pickups", "returns", "appointments", "after_sales_tickets")


def customers_of_store(customers: QuerySet[Customer], store: Store) -> QuerySet[Customer]:
    """The customers a store-limited API client sees: those whose preferred store it is, or
    who have an order, a pickup, a return, an appointment or a ticket there.

    One EXISTS over the kinds of activity (UNION ALL: it stops at the first row found),
    probed per customer through her (customer, …) indexes as the list walks its order: the
    work follows the customers read, not the store's history. (Separate EXISTS joined by OR
    are planned on PostgreSQL as hash tables of all the store's orders, pickups, returns and
    tickets, built on every request: twice as slow on 1M customers and 5M orders.)"""
    activity = None
    for relation in STORE_ACTIVITY_RELATIONS:
        rows = Customer._meta.get_field(relation).related_model._default_manager
        # The branches of a union are subqueries of the union: the customer is two levels up.
        there = rows.filter(customer=OuterRef(OuterRef("pk")), store=store).values("customer")
        activity = there if activity is None else activity.union(there, all=True)
    return customers.filter(Q(preferred_store=store) | Exists(activity))


# Writing ------------------------------------------------------------------------------------


class InboundCustomerSerializer(serializers.Serializer):
    """What a channel system knows of a customer; the profile is found by identity resolution."""

    source = serializers.RegexField(SOURCE_PATTERN, required=False, max_length=64)
    external_id = serializers.CharField(max_length=128, required=False)
    email = serializers.EmailField(max_length=254, **OPTIONAL_KEY)
    phone = serializers.CharField(max_length=40, **OPTIONAL_KEY)
    loyalty_number = serializers.CharField(max_length=32, **OPTIONAL_KEY)
    first_name = serializers.CharField(max_length=80, **OPTIONAL_TEXT)
    last_name = serializers.CharField(max_length=80, **OPTIONAL_TEXT)

    def validate_email(self, value: str | None) -> str | None:
        return validate_email_address(value)

    def validate_phone(self, value: str | None) -> str | None:
        return validate_phone_number(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("source")) != bool(attrs.get("external_id")):
            raise serializers.ValidationError(_("Send source and external_id together."))
        keys = ("external_id", "email", "phone", "loyalty_number", "id")
        if not any(attrs.get(key) for key in keys):
            raise serializers.ValidationError(
                _("Identify the customer: id, source + external_id, email, phone or loyalty.")
            )
        return attrs


_SOURCE_SEARCH = re.compile(SOURCE_PATTERN)


def _email_normalized(value: str | None) -> str | None:
    """normalize_email(value), with what the EmailField checks first on the address as sent
    (plain addresses need no check: see PLAIN_EMAIL)."""
    if value and not PLAIN_EMAIL.fullmatch(value.lower()):
        _email_validator_run(value)
    return normalize_email(value)


def _email_validator_run(value: str) -> None:
    """What the EmailField runs on the address as sent (before lower-casing)."""
    try:
        EmailValidator()(value)
    except DjangoValidationError:
        raise fast.Unsure from None


_IDENTIFYING = ("external_id", "email", "phone", "loyalty_number")


def _keys_normalized(data: dict[str, Any]) -> None:
    """The email and phone read, normalised as the serializers' validators do (Unsure if
    either is invalid: the serializer words the error)."""
    try:
        if "email" in data:
            data["email"] = _email_normalized(data["email"])
        if "phone" in data:
            data["phone"] = normalize_phone(data["phone"])
    except DjangoValidationError:
        raise fast.Unsure from None


def inbound_customer_read(raw: Any) -> dict[str, Any]:
    """What InboundCustomerSerializer validates `raw` into, on the fast path (omni.api.fast:
    raises Unsure for anything it does not read as plainly as the serializer would)."""
    data: dict[str, Any] = {}
    for name, value in fast.mapping(raw).items():
        if (read := _INBOUND_READERS.get(name)) is not None:
            data[name] = read(value)
    _keys_normalized(data)
    if bool(data.get("source")) != bool(data.get("external_id")):
        raise fast.Unsure
    if not any(data.get(key) for key in _IDENTIFYING):
        raise fast.Unsure
    return data


# The fields InboundCustomerSerializer reads (others are ignored, as it ignores them).
_INBOUND_READERS: dict[str, Callable[[Any], Any]] = {
    "source": lambda value: fast.matching(value, _SOURCE_SEARCH, max_length=64),
    "external_id": lambda value: fast.text(value, max_length=128),
    "email": lambda value: fast.text(value, max_length=254, blank=True, null=True),
    "phone": lambda value: fast.text(value, max_length=40, blank=True, null=True),
    "loyalty_number": lambda value: fast.text(value, max_length=32, blank=True, null=True),
    "first_name": lambda value: fast.text(value, max_length=80, blank=True),
    "last_name": lambda value: fast.text(value, max_length=80, blank=True),
}


def inbound_customer(data: dict[str, Any]) -> InboundCustomer:
    profile = {name: data[name] for name in ("first_name", "last_name") if data.get(name)}
    return InboundCustomer(
        source=data.get("source", ""),
        external_id=data.get("external_id", ""),
        email=data.get("email"),
        phone=data.get("phone"),
        loyalty_number=data.get("loyalty_number"),
        profile=profile,
    )


class CustomerReferenceSerializer(InboundCustomerSerializer):
    """A customer: her Omni `id`, or what the channel knows (resolved, created if new)."""

    id = serializers.IntegerField(required=False, min_value=1, max_value=2**53)

    def validate_id(self, value: int) -> int:
        if not Customer.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("Unknown customer."), code="unknown_customer")
        return value


def customer_from_reference(data: dict[str, Any]) -> Customer:
    """The live profile a validated CustomerReferenceSerializer designates."""
    if data.get("id"):
        customer = Customer.objects.get(pk=data["id"])
        while customer.merged_into_id is not None:
            customer = customer.merged_into
        return customer
    return customer_resolve(inbound_customer(data)).customer


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    granted = serializers.BooleanField()
    wording_version = serializers.CharField(
        max_length=40,
        help_text="The version of the wording the customer was shown, as head office recorded "
        "it in Omni (Consent wordings); an unknown version is refused and nothing is written.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The language of the wording shown. Default: the customer's language, else "
        "the site's, else the only language of that version.",
    )
    proof = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False
    )

    def to_input(self, data: dict[str, Any]) -> ConsentInput:
        return ConsentInput(
            purpose=data["purpose"],
            channel=data["channel"],
            granted=data["granted"],
            wording_version=data["wording_version"],
            proof=data.get("proof", {}),
            language=data.get("language", ""),
        )


class StoreCodeField(serializers.SlugRelatedField):
    """A store by its code; read from the serializer's `stores_by_code` when its caller loaded
    them once for a whole batch, instead of one query per record."""

    def to_internal_value(self, data: Any) -> Store:
        stores = self.context.get("stores_by_code")
        if stores is None or not isinstance(data, str):
            return super().to_internal_value(data)
        try:
            return stores[data]
        except KeyError:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)


class CustomerWriteSerializer(serializers.Serializer):
    """The profile a channel system sends. Profile fields fill what Omni does not know yet;
    what an associate entered is never overwritten."""

    email = serializers.EmailField(max_length=254, **OPTIONAL_KEY)
    phone = serializers.CharField(max_length=40, **OPTIONAL_KEY)
    loyalty_number = serializers.CharField(max_length=32, **OPTIONAL_KEY)
    first_name = serializers.CharField(max_length=80, **OPTIONAL_TEXT)
    last_name = serializers.CharField(max_length=80, **OPTIONAL_TEXT)
    birth_date = serializers.DateField(required=False, allow_null=True)
    loyalty_tier = serializers.ChoiceField(choices=LoyaltyTier.choices, required=False)
    preferred_store = StoreCodeField(
        slug_field="code", queryset=Store.objects.all(), required=False, allow_null=True
    )
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    acquisition_channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    collected_via = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.WEB,
        help_text="Where the consents below were collected.",
    )
    preferences = PreferenceSerializer(required=False)
    addresses = AddressSerializer(many=True, required=False, max_length=20)
    consents = ConsentInputSerializer(many=True, required=False, max_length=50)

    def validate_email(self, value: str | None) -> str | None:
        return validate_email_address(value)

    def validate_phone(self, value: str | None) -> str | None:
        return validate_phone_number(value)

    @staticmethod
    def to_input(data: dict[str, Any], *, source: str, external_id: str) -> CustomerInput:
        profile_names = (
            "first_name",
            "last_name",
            "birth_date",
            "loyalty_tier",
            "preferred_store",
            "preferred_language",
            "acquisition_channel",
        )
        inbound = InboundCustomer(
            source=source,
            external_id=external_id,
            email=data.get("email"),
            phone=data.get("phone"),
            loyalty_number=data.get("loyalty_number"),
            profile={name: data[name] for name in profile_names if data.get(name)},
        )
        return CustomerInput(
            inbound=inbound,
            collected_via=data["collected_via"],
            preferences=data.get("preferences"),
            addresses=tuple(data.get("addresses", ())),
            consents=tuple(
                ConsentInputSerializer().to_input(consent) for consent in data.get("consents", ())
            ),
        )


class CustomerBatchRecordSerializer(CustomerWriteSerializer):
    source = serializers.RegexField(SOURCE_PATTERN, max_length=64)
    external_id = serializers.CharField(max_length=128)


def _batch_record_input(data: dict[str, Any]) -> CustomerInput:
    source, external_id = data.pop("source"), data.pop("external_id")
    return CustomerWriteSerializer.to_input(data, source=source, external_id=external_id)


_PROFILE_CHOICES = {
    "loyalty_tier": frozenset(LoyaltyTier.values),
    "preferred_language": frozenset(code for code, _name in settings.LANGUAGES),
    "acquisition_channel": frozenset(Channel.values),
}
_CHANNELS = frozenset(Channel.values)
_NESTED = ("preferences", "addresses", "consents")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_read(value: Any) -> datetime.date | None:
    """A DateField(allow_null=True) given an ISO 8601 date."""
    if value is None:
        return None
    if type(value) is not str or not _ISO_DATE.fullmatch(value):
        raise fast.Unsure
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise fast.Unsure from None


def customer_record_reader(
    validator: "CustomerBatchRecordSerializer", stores_by_code: dict[str, Store]
) -> Callable[[Any], dict[str, Any]]:
    """The fast reader (omni.api.fast) of CustomerBatchRecordSerializer: the profile's plain
    values read directly, its preferences, addresses and consents by the serializer's own
    nested fields (`validator`'s, built once). Raises Unsure where the serializer decides."""
    nested = {name: validator.fields[name] for name in _NESTED}

    def read(raw: Any) -> dict[str, Any]:
        raw = fast.mapping(raw)
        get = raw.get
        data: dict[str, Any] = {}
        for name in ("source", "external_id", "email", "phone", "loyalty_number"):
            if (value := get(name, fast.MISSING)) is not fast.MISSING:
                data[name] = _INBOUND_READERS[name](value)
        if "source" not in data or "external_id" not in data:
            raise fast.Unsure
        for name in ("first_name", "last_name"):
            if (value := get(name, fast.MISSING)) is not fast.MISSING:
                data[name] = _INBOUND_READERS[name](value)
        if (value := get("birth_date", fast.MISSING)) is not fast.MISSING:
            data["birth_date"] = _date_read(value)
        for name, choices in _PROFILE_CHOICES.items():
            if (value := get(name, fast.MISSING)) is not fast.MISSING:
                data[name] = fast.choice(value, choices)
        if (store := get("preferred_store", fast.MISSING)) is not fast.MISSING:
            if store is not None and (type(store) is not str or store not in stores_by_code):
                raise fast.Unsure
            data["preferred_store"] = None if store is None else stores_by_code[store]
        collected_via = get("collected_via", fast.MISSING)
        data["collected_via"] = (
            Channel.WEB if collected_via is fast.MISSING else fast.choice(collected_via, _CHANNELS)
        )  # the serializer's default, given as it is
        for name, field in nested.items():
            if (value := get(name, fast.MISSING)) is not fast.MISSING:
                try:
                    data[name] = field.run_validation(value)
                except serializers.ValidationError:
                    raise fast.Unsure from None
        _keys_normalized(data)
        return data

    return read


def customer_records_validate(records: Sequence[Any]) -> list[CustomerInput | RecordResult]:
    """Customers as the batch API and the history import receive them (see
    CustomerBatchRecordSerializer) turned into inputs for `customers_write`, or into the error
    result of each invalid one (the plain ones read on the fast path, omni.api.fast)."""
    stores_by_code = {store.code: store for store in Store.objects.all()}
    validator = CustomerBatchRecordSerializer(context={"stores_by_code": stores_by_code})
    return records_validate(
        records,
        CustomerBatchRecordSerializer,
        _batch_record_input,
        fast=customer_record_reader(validator, stores_by_code),
        context={"stores_by_code": stores_by_code},
    )


class ConsentCreateSerializer(ConsentInputSerializer):
    collected_via = serializers.ChoiceField(choices=Channel.choices)
    store = serializers.SlugRelatedField(
        slug_field="code", queryset=Store.objects.all(), required=False, allow_null=True
    )


class ConsentWordingSerializer(serializers.ModelSerializer):
    text_recorded = serializers.SerializerMethodField(
        help_text="False for a version used before Omni kept wordings: its text says so."
    )

    class Meta:
        model = ConsentWording
        fields = ["version", "language", "channel", "text", "valid_from", "text_recorded"]
        read_only_fields = fields

    def get_text_recorded(self, wording: ConsentWording) -> bool:
        return not wording.is_placeholder


class ConsentEntrySerializer(serializers.ModelSerializer):
    collected_at_store = serializers.SlugRelatedField(slug_field="code", read_only=True)
    wording = ConsentWordingSerializer(
        read_only=True, allow_null=True, help_text="What the customer was shown."
    )

    class Meta:
        model = Consent
        fields = [
            "id",
            "purpose",
            "channel",
            "granted",
            "recorded_at",
            "collected_via",
            "collected_at_store",
            "wording_version",
            "wording",
        ]
        read_only_fields = fields


class ConsentLedgerPagination(ApiCursorPagination):
    """A customer's ledger, newest first."""

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        return ("-recorded_at", "-id")


class CustomerTagsSerializer(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=50,
        help_text="Tag names (any case); they replace the customer's tags. Head office keeps "
        "the list of tags.",
    )

    def validate_tags(self, names: list[str]) -> list[str]:
        known = {name.lower() for name in Tag.objects.values_list("name", flat=True)}
        unknown = sorted({name for name in names if name.strip().lower() not in known})
        if unknown:
            raise serializers.ValidationError(
                _("Unknown tags: %(names)s.") % {"names": ", ".join(unknown)}, code="unknown_tag"
            )
        return names


# Endpoints ----------------------------------------------------------------------------------


class CustomerFilter(UpdatedSinceFilterSet):
    email = filters.CharFilter(method="filter_email", label="Email (any case).")
    phone = filters.CharFilter(method="filter_phone", label="Phone, in any common format.")
    source = filters.CharFilter(method="filter_identity", label="Source of an external id.")
    external_id = filters.CharFilter(method="filter_identity", label="Id in that source.")

    class Meta:
        model = Customer
        fields = ["loyalty_number", "lifecycle_stage", "loyalty_tier"]

    def filter_email(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            return queryset.filter(email=normalize_email(value))
        except DjangoValidationError:
            return queryset.none()

    def filter_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        try:
            return queryset.filter(phone=normalize_phone(value))
        except DjangoValidationError:
            return queryset.none()

    def filter_identity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Source and external id must match on the same identity row.
        wanted = {
            key: self.form.cleaned_data[key]
            for key in ("source", "external_id")
            if self.form.cleaned_data.get(key)
        }
        owners = ExternalIdentity.objects.filter(**wanted).values("customer_id")
        return queryset.filter(pk__in=owners)


class CustomerViewSet(
    JournaledReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet
):
    """The unified customer profile, with identities, consents, preferences and addresses."""

    scope_resource = "customers"
    journal_customer = "pk"
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self) -> QuerySet[Customer]:
        store = self.customers_store
        if store is None:
            return customers_with_profile()
        return customers_of_store(customers_with_profile(), store)

    def paginate_queryset(self, queryset: QuerySet) -> list[Customer] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_profile_rows(page)
        return page

    def get_object(self) -> Customer:
        customer = super().get_object()
        if self.action == "retrieve":
            attach_profile_rows([customer])
        return customer

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "upsert":
            return CustomerWriteSerializer
        if self.action == "consents":
            return ConsentCreateSerializer
        if self.action == "batch":
            return batch_request_serializer(CustomerBatchRecordSerializer)
        return CustomerSerializer if self._sees_all_contact_details() else MaskedCustomerSerializer

    def _sees_all_contact_details(self) -> bool:
        if getattr(self, "swagger_fake_view", False):
            return True  # The schema describes the profile in full.
        return self.principal.sees_all_contact_details

    def _upsert_response(self, resolution: Resolution) -> Response:
        customer = customers_with_profile().get(pk=resolution.customer.pk)
        attach_profile_rows([customer])
        customer.resolution = {
            "created": resolution.created,
            "matched_on": str(resolution.matched_on),
            "duplicate_suggestions": [other.pk for other in resolution.conflicts],
        }
        code = status.HTTP_201_CREATED if resolution.created else status.HTTP_200_OK
        serializer_class = (
            CustomerUpsertResponseSerializer
            if self._sees_in_full(customer)
            else MaskedCustomerUpsertResponseSerializer
        )
        return Response(serializer_class(customer).data, status=code)

    def _sees_in_full(self, customer: Customer) -> bool:
        """A store-limited client is answered about a customer it does not see (no activity
        in its store yet) as the store's associates would be: contact details masked."""
        store = self.customers_store
        if store is None:
            return True
        return customers_of_store(Customer.objects.filter(pk=customer.pk), store).exists()

    @extend_schema(
        summary="Create or update a customer by her id in a channel system",
        request=CustomerWriteSerializer,
        responses={200: CustomerUpsertResponseSerializer, 201: CustomerUpsertResponseSerializer},
    )
    @action(
        detail=False,
        methods=["put"],
        url_path=rf"(?P<source>{SOURCE_PATTERN})/(?P<external_id>(?!(?:consents|tags)$){EXTERNAL_ID_PATTERN})",
    )
    def upsert(self, request: Request, source: str, external_id: str) -> Response:
        """Resolved by external id, then email, phone, loyalty number; conflicting matches
        become duplicate suggestions. Replaying the same body changes nothing."""
        serializer = CustomerWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = CustomerWriteSerializer.to_input(
            serializer.validated_data, source=source, external_id=external_id
        )
        principal = self.principal
        resolution = customer_upsert(data, actor=principal.actor, api_client=principal.client)
        return self._upsert_response(resolution)

    @extend_schema(
        summary="Create or update up to 1,000 customers",
        request=batch_request_serializer(CustomerBatchRecordSerializer),
        responses={200: BatchResponseSerializer},
    )
    @action(detail=False, methods=["post"], url_path="batch")
    @idempotent
    def batch(self, request: Request) -> Response:
        """Each record is validated and written on its own: valid records are written even
        when others fail; `results` gives each record's outcome or errors, by index."""

        inputs = customer_records_validate(batch_records(request.data))
        principal = self.principal
        written = customers_write(inputs, actor=principal.actor, api_client=principal.client)
        return Response(batch_response(written))

    @extend_schema(
        summary="Record a consent decision",
        request=ConsentCreateSerializer,
        responses={201: ConsentEntrySerializer},
    )
    @action(detail=True, methods=["post"], url_path="consents")
    @idempotent
    def consents(self, request: Request, pk: str) -> Response:
        """Appends to the customer's consent ledger, under the wording of the version sent;
        earlier decisions are kept as proof. An unknown wording version is refused (nothing
        is written)."""
        customer = self.get_object()
        serializer = ConsentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        store = data.get("store")
        self.check_store_allowed(store.pk if store else None)
        wording = consent_wording_of_version(
            purpose=data["purpose"],
            channel=data["channel"],
            version=data["wording_version"],
            language=data.get("language", ""),
            customer_language=customer.preferred_language,
        )
        consent = consent_record(
            customer=customer,
            purpose=data["purpose"],
            channel=data["channel"],
            granted=data["granted"],
            collected_via=data["collected_via"],
            wording=wording,
            proof=data.get("proof", {}),
            store=store,
            actor=self.principal.actor,
            api_client=self.principal.client,
        )
        return Response(ConsentEntrySerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read the customer's consent ledger, with the wording of each decision",
        responses={200: ConsentEntrySerializer(many=True)},
        filters=False,
    )
    @consents.mapping.get
    def consent_ledger(self, request: Request, pk: str) -> Response:
        """Every decision, newest first, with the text of the wording it was given under."""
        customer = self.get_object()
        entries = Consent.objects.filter(customer=customer).select_related(
            "wording", "collected_at_store"
        )
        paginator = ConsentLedgerPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(ConsentEntrySerializer(page, many=True).data)

    @extend_schema(
        summary="Replace the customer's tags",
        request=CustomerTagsSerializer,
        responses={200: CustomerTagsSerializer},
    )
    @action(detail=True, methods=["put"], url_path="tags")
    def tags(self, request: Request, pk: str) -> Response:
        """Sets exactly the tags sent (an empty list removes them all); a replay changes nothing."""
        customer = self.get_object()
        serializer = CustomerTagsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tags = customer_tags_set(
            customer=customer, names=serializer.validated_data["tags"], actor=self.principal.actor
        )
        return Response({"tags": [tag.name for tag in tags]})
