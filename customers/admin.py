"""Head-office admin of the unified customer: profiles, identities, consent ledger, duplicates."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import (
    Address,
    Consent,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    ExternalIdentity,
    MatchKey,
    Preference,
    Tag,
)
from customers.normalization import normalize_phone
from customers.services import (
    consent_record,
    customer_merge,
    customer_merge_undo,
    duplicate_suggest,
    duplicate_suggestion_dismiss,
)
from omni.admin import (
    AppendOnlyAdminMixin,
    CreateThroughServiceMixin,
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    StackedInline,
    TabularInline,
    related_count,
    service_action,
)
from omni.errors import DomainError

CUSTOMER_SEARCH_FIELDS = ("customer__last_name", "customer__email", "customer__loyalty_number")


def has_merge_permission(request: HttpRequest) -> bool:
    """Merging profiles and undoing a merge both record a customer merge."""
    return request.user.has_perm("customers.add_customermerge")


class MergedFilter(admin.SimpleListFilter):
    title = _("merged")
    parameter_name = "merged"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("no", _("Active profiles")), ("yes", _("Merged into another profile"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(merged_into__isnull=self.value() == "no")
        return queryset


class ExternalIdentityInline(TabularInline):
    model = ExternalIdentity
    fields = ("source", "external_id", "matched_on", "created_at", "last_seen_at")
    readonly_fields = ("matched_on", "created_at", "last_seen_at")


class AddressInline(TabularInline):
    model = Address
    fields = (
        "kind",
        "recipient",
        "line1",
        "line2",
        "postal_code",
        "city",
        "country",
        "phone",
        "is_default",
    )


class PreferenceInline(StackedInline):
    model = Preference
    fields = ("sizes", "skin_type", "favourite_brands", "favourite_categories", "attributes")
    max_num = 1
    can_delete = False


class ConsentInline(ReadOnlyTabularInline):
    """The customer's consent history; new decisions are recorded in the consent ledger."""

    model = Consent
    fields = (
        "recorded_at",
        "purpose",
        "channel",
        "granted",
        "collected_via",
        "collected_at_store",
        "recorded_by",
        "wording_version",
    )
    related_to_load = ("collected_at_store", "recorded_by")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "phone",
        "loyalty_number",
        "loyalty_tier",
        "lifecycle_stage",
        "preferred_store",
        "order_count",
        "created_at",
    )
    list_filter = (
        "lifecycle_stage",
        "loyalty_tier",
        "preferred_store",
        "acquisition_channel",
        "tags",
        MergedFilter,
    )
    list_select_related = ("preferred_store",)
    search_fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "loyalty_number",
        "=identities__external_id",
    )
    search_help_text = _("Name, email, phone, loyalty number or id in another system.")
    date_hierarchy = "created_at"
    readonly_fields = ("merged_into", "merged_at", "erased_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "birth_date", "preferred_language")}),
        (_("Contact"), {"fields": ("email", "phone")}),
        (
            _("Loyalty and marketing"),
            {
                "fields": (
                    "loyalty_number",
                    "loyalty_tier",
                    "lifecycle_stage",
                    "acquisition_channel",
                    "preferred_store",
                    "tags",
                )
            },
        ),
        (_("Record"), {"fields": readonly_fields}),
    )
    inlines = (ExternalIdentityInline, AddressInline, PreferenceInline, ConsentInline)
    autocomplete_fields = ("tags",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        order_count = related_count(Customer, "orders")
        return super().get_queryset(request).annotate(order_count=order_count)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: BaseFormSet, change: bool
    ) -> None:
        if formset.model is ExternalIdentity:
            for identity in formset.extra_forms:
                identity.instance.matched_on = MatchKey.MANUAL
        super().save_formset(request, form, formset, change)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Also find a phone number however it is typed (06 12 34 56 78, +33 6...)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except ValidationError:
            phone = None
        if phone:
            results |= queryset.filter(phone=phone)
        return results, may_have_duplicates

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # A merged profile is kept for the record and the undo; edit the kept profile instead.
        if obj is not None and obj.is_merged:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, customer: Customer) -> str:
        return str(customer)

    @admin.display(description=_("orders"), ordering="order_count")
    def order_count(self, customer: Customer) -> int:
        return customer.order_count


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "source",
        "customer",
        "matched_on",
        "created_at",
        "last_seen_at",
    )
    list_filter = ("source", "matched_on")
    list_select_related = ("customer",)
    search_fields = ("=external_id", *CUSTOMER_SEARCH_FIELDS)
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer",)
    readonly_fields = ("matched_on", "created_at", "last_seen_at")

    def save_model(
        self, request: HttpRequest, obj: ExternalIdentity, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.matched_on = MatchKey.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "line1", "postal_code", "city", "country", "is_default")
    list_filter = ("kind", "country", "is_default")
    list_select_related = ("customer",)
    search_fields = ("line1", "postal_code", "city", *CUSTOMER_SEARCH_FIELDS)
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("customer", "skin_type", "sizes", "favourite_brands", "updated_at")
    list_filter = ("skin_type",)
    list_select_related = ("customer",)
    search_fields = CUSTOMER_SEARCH_FIELDS
    date_hierarchy = "updated_at"
    autocomplete_fields = ("customer",)


@admin.register(Consent)
class ConsentLedgerAdmin(AppendOnlyAdminMixin, CreateThroughServiceMixin, admin.ModelAdmin):
    """The append-only consent ledger: a new decision is a new row, recorded by the service."""

    list_display = (
        "recorded_at",
        "customer",
        "purpose",
        "channel",
        "granted",
        "collected_via",
        "collected_at_store",
        "recorded_by",
        "wording_version",
    )
    list_filter = ("purpose", "channel", "granted", "collected_via", "collected_at_store")
    list_select_related = ("customer", "collected_at_store", "recorded_by")
    search_fields = ("wording_version", *CUSTOMER_SEARCH_FIELDS)
    date_hierarchy = "recorded_at"
    autocomplete_fields = ("customer",)
    add_fields = (
        "customer",
        "purpose",
        "channel",
        "granted",
        "collected_via",
        "collected_at_store",
        "wording_version",
        "proof",
    )
    fields = (*add_fields, "recorded_at", "recorded_by")

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Consent:
        return consent_record(
            customer=data["customer"],
            purpose=data["purpose"],
            channel=data["channel"],
            granted=data["granted"],
            collected_via=data["collected_via"],
            wording_version=data["wording_version"],
            actor=request.user,
            store=data["collected_at_store"],
            proof=data["proof"],
        )


class DuplicateSuggestionForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        customer, other = cleaned_data.get("customer"), cleaned_data.get("other")
        if customer and other and customer.pk == other.pk:
            raise ValidationError(_("Choose two different profiles."))
        if customer and other and customer.pk > other.pk:
            # The pair is stored in id order so that it is recorded once.
            cleaned_data["customer"], cleaned_data["other"] = other, customer
        return cleaned_data


def _merge_keeping_older(request: HttpRequest, suggestion: DuplicateSuggestion) -> str:
    if suggestion.status != DuplicateSuggestion.Status.OPEN:
        raise DomainError(gettext("This suggestion was already reviewed."))
    older, newer = sorted(
        (suggestion.customer, suggestion.other),
        key=lambda customer: (customer.created_at, customer.pk),
    )
    customer_merge(
        survivor=older,
        absorbed=newer,
        actor=request.user,
        reason=gettext("Duplicate suggestion: %(reason)s") % {"reason": suggestion.reason},
    )
    return gettext("%(absorbed)s was merged into %(survivor)s.") % {
        "absorbed": newer,
        "survivor": older,
    }


def _dismiss(request: HttpRequest, suggestion: DuplicateSuggestion) -> str:
    duplicate_suggestion_dismiss(suggestion=suggestion, actor=request.user)
    return gettext("%(suggestion)s was dismissed.") % {"suggestion": suggestion}


@admin.register(DuplicateSuggestion)
class DuplicateSuggestionAdmin(CreateThroughServiceMixin, admin.ModelAdmin):
    form = DuplicateSuggestionForm
    list_display = (
        "created_at",
        "customer",
        "other",
        "matched_on",
        "reason",
        "status",
        "reviewed_by",
        "reviewed_at",
    )
    list_filter = ("status",)
    list_select_related = ("customer", "other", "reviewed_by")
    search_fields = (
        *CUSTOMER_SEARCH_FIELDS,
        "other__last_name",
        "other__email",
        "other__loyalty_number",
    )
    date_hierarchy = "created_at"
    autocomplete_fields = ("customer", "other")
    add_fields = ("customer", "other", "matched_on", "reason")
    fields = (*add_fields, "status", "created_at", "reviewed_by", "reviewed_at")
    actions = (
        service_action(
            name="merge_keeping_older",
            description=_("Merge (keep the older profile)"),
            description_plural=_("Merge selected pairs (keep the older profile)"),
            perform=_merge_keeping_older,
            permission="merge",
        ),
        service_action(
            name="dismiss",
            description=_("Dismiss"),
            description_plural=_("Dismiss selected suggestions"),
            perform=_dismiss,
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        # The pair and its state are the service's; the reviewer may only reword the reason.
        return tuple(field for field in self.fields if field != "reason")

    def create_through_service(
        self, request: HttpRequest, data: dict[str, Any]
    ) -> DuplicateSuggestion:
        return duplicate_suggest(
            customer=data["customer"],
            other=data["other"],
            matched_on=data["matched_on"] or [],
            reason=data["reason"],
        )

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return has_merge_permission(request)


def _undo_merge(request: HttpRequest, merge: CustomerMerge) -> str:
    customer_merge_undo(merge=merge, actor=request.user)
    return gettext("%(merge)s was undone.") % {"merge": merge}


class UndoneFilter(admin.SimpleListFilter):
    title = _("undone")
    parameter_name = "undone"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("no", _("In effect")), ("yes", _("Undone"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(undone_at__isnull=self.value() == "no")
        return queryset


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "merged_at",
        "absorbed",
        "survivor",
        "actor",
        "reason",
        "undone_at",
        "undone_by",
    )
    list_filter = (UndoneFilter,)
    list_select_related = ("survivor", "absorbed", "actor", "undone_by")
    search_fields = (
        "reason",
        "survivor__last_name",
        "survivor__email",
        "absorbed__last_name",
        "absorbed__email",
    )
    date_hierarchy = "merged_at"
    actions = (
        service_action(
            name="undo_merge",
            description=_("Undo merge"),
            description_plural=_("Undo selected merges"),
            perform=_undo_merge,
            permission="merge",
        ),
    )

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return has_merge_permission(request)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Labels for customers (VIP, press...): segments select on them."""

    list_display = ("name", "description", "customer_count", "created_at")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        customers = related_count(Tag, "customers")
        return super().get_queryset(request).annotate(customer_count=customers)

    @admin.display(description=_("customers"), ordering="customer_count")
    def customer_count(self, tag: Tag) -> int:
        return tag.customer_count
