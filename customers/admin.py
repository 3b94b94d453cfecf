"""Head-office admin of the unified customer: profiles, identities, consent ledger, duplicates."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.consent_wordings import consent_wording_in_use
from customers.models import (
    Address,
    Consent,
    ConsentWording,
    CurrentConsent,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    ExternalIdentity,
    MatchKey,
    NameWord,
    Preference,
    Tag,
)
from customers.normalization import normalize_phone
from customers.preference_form import PreferenceAdminForm, preference_fieldsets
from customers.search import fold_text
from customers.services import (
    consent_record,
    consent_wording_create,
    customer_merge,
    customer_merge_undo,
    duplicate_suggest,
    duplicate_suggestion_dismiss,
)
from omni.access_journal_admin import JournaledAdminMixin, JournaledCustomerAdminMixin
from omni.admin_toolkit import (
    RECORD_SECTION,
    AppendOnlyAdminMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    StackedInline,
    TabularInline,
    indexed_values_filter,
    related_count,
    service_action,
    sorted_not_walked,
)
from omni.errors import DomainError

# What the search box reads, through indexes only (see `customer_search_condition`).
CUSTOMER_SEARCH_FIELDS = (
    "search_last_name",
    "search_first_name",
    "search_name",
    "email",
    "phone",
    "loyalty_number",
    "identities__external_id",
)
CUSTOMER_SEARCH_HELP = _(
    "Name (or its start), email (or its start), phone in any format, loyalty number or id "
    "in another system."
)
# A search of another list by customer reads the rows of at most this many customers.
CUSTOMERS_PER_RELATED_SEARCH = 500
RELATED_SEARCH_HELP = _(
    "Customer: name (or its start), email, phone, loyalty number or id in another system "
    "(the first 500 customers found)."
)
# A name search needs a word this long; a word this long is also looked for inside names
# (trigram index on PostgreSQL).
NAME_MINIMUM_LENGTH = 2
INSIDE_NAME_MINIMUM_LENGTH = 3
LIVE = Q(merged_into__isnull=True, erased_at__isnull=True)


# Search through indexes only -----------------------------------------------------------------


def _following(prefix: str) -> str:
    """The first string after every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(column: str, prefix: str) -> Q:
    """A range a b-tree index reads (whatever the collation), and the exact test."""
    return Q(
        **{
            f"{column}__gte": prefix,
            f"{column}__lt": _following(prefix),
            f"{column}__startswith": prefix,
        }
    )


def _name_word_condition(word: str) -> Q:
    """Live profiles whose first or last name starts with `word` (the partial b-tree indexes
    of the tablet's search), or any profile whose full name contains it (trigram index)."""
    condition = LIVE & (
        _starts_with("search_last_name", word) | _starts_with("search_first_name", word)
    )
    if len(word) >= INSIDE_NAME_MINIMUM_LENGTH:
        condition |= Q(search_name__contains=word)
    return condition


def _name_condition(term: str) -> Q | None:
    """Every typed word in the name, accents and case folded ("lea dupont-eluard")."""
    if "@" in term:
        return None
    words = fold_text(term).split()
    if not any(character.isalpha() for character in "".join(words)):
        return None
    if max(len(word) for word in words) < NAME_MINIMUM_LENGTH:
        return None  # a lone initial would list a tenth of the customers
    condition = Q()
    for word in words:
        condition &= _name_word_condition(word)
    return condition


def _contact_condition(term: str) -> Q:
    """Loyalty number as typed or upper-cased; phone however typed; email or its start."""
    condition = Q(loyalty_number__in=sorted({term, term.upper()}))
    try:
        phone = normalize_phone(term)
    except ValidationError:
        phone = None
    if phone:
        condition |= Q(phone=phone)
    typed = term.lower()
    if "@" in typed or (" " not in typed and {".", "_"} & set(typed)):
        condition |= Q(email__startswith=typed)
    return condition


def customer_search_condition(term: str) -> Q:
    """Profiles a search box term designates: name, email, phone, loyalty number, or id in
    another system. Each part reads an index; the ids in other systems are read first (one
    query on their `external_id` index), since an IN (subquery) among ORs would make the
    database scan every profile instead of combining the indexes."""
    term = term.strip()
    identities = ExternalIdentity.objects.filter(external_id=term).values_list("customer_id")
    condition = _contact_condition(term) | Q(pk__in=[pk for (pk,) in identities[:100]])
    name = _name_condition(term)
    return condition | name if name is not None else condition


def customer_ids_matching(term: str, limit: int = CUSTOMERS_PER_RELATED_SEARCH) -> list[int]:
    """Up to `limit` profiles a search box term designates, the first the database finds:
    sorting them first (in name order, say) would read every match of a common name."""
    matching = Customer.objects.filter(customer_search_condition(term)).order_by()
    return list(matching.values_list("pk", flat=True)[:limit])


class CustomerSearchMixin:
    """Searches a table by its rows' customer and by exact, indexed keys.

    `customer_paths` lead to the customer (`customer`, `wishlist__customer`...), each through
    an indexed foreign key; `exact_search_fields` are columns an index starts with, matched
    exactly (a reference, a code). The customers are found first (at most
    `CUSTOMERS_PER_RELATED_SEARCH`), then their rows through the foreign key's index: no scan
    of the table, no SELECT DISTINCT.
    """

    customer_paths: Sequence[str] = ("customer",)
    exact_search_fields: Sequence[str] = ()
    search_help_text = RELATED_SEARCH_HELP

    @property
    def search_fields(self) -> tuple[str, ...]:
        # Read by no search (see below), but the search box and autocompletes need some.
        return (*self.exact_search_fields, *self.customer_paths)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        customer_ids = customer_ids_matching(term)
        condition = Q()
        for path in self.customer_paths:
            condition |= Q(**{f"{path}__in": customer_ids})
        for field in self.exact_search_fields:
            condition |= self._exact_condition(field, term)
        return sorted_not_walked(queryset.filter(condition)), False

    def _exact_condition(self, field: str, term: str) -> Q:
        """`field` equal to `term`. Through a relation (`order__external_reference`), the
        related rows are read first, by their index: among ORs, a condition on a joined table
        would make the database scan this one."""
        *relation, column = field.split("__")
        if not relation:
            return Q(**{field: term})
        path = "__".join(relation)
        related_model = get_fields_from_path(self.model, path)[-1].related_model
        related = related_model._default_manager.filter(**{column: term})
        return Q(**{f"{path}__in": list(related.values_list("pk", flat=True)[:100])})


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


class TagFilter(admin.SimpleListFilter):
    """Customers with a tag, as a semi-join: Django's filter on a many-to-many relation joins
    the tags and then needs SELECT DISTINCT over the customers."""

    title = _("tags")
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return list(Tag.objects.values_list("pk", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        if not self.value().isdigit():
            return queryset.none()
        tagged = Customer.tags.through.objects.filter(tag_id=int(self.value()))
        return queryset.filter(pk__in=tagged.values("customer_id"))


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
    form = PreferenceAdminForm
    fieldsets = preference_fieldsets()
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
        "api_client",
        "wording",
    )
    related_to_load = ("collected_at_store", "recorded_by", "api_client", "wording")


@admin.register(Customer)
class CustomerAdmin(JournaledCustomerAdminMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "email",
        "phone",
        "loyalty_number",
        "loyalty_tier",
        "lifecycle_stage",
        "preferred_store",
        "purchase_count",
        "created_at",
    )
    list_filter = (
        "lifecycle_stage",
        "loyalty_tier",
        "preferred_store",
        "acquisition_channel",
        TagFilter,
        MergedFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    # The purchases come from the lifecycle's per-customer figures, not from her orders.
    list_select_related = ("preferred_store", "metrics")
    sortable_by = ("name", "created_at")
    search_fields = CUSTOMER_SEARCH_FIELDS
    search_help_text = CUSTOMER_SEARCH_HELP
    record_fields = ("merged_into", "merged_at", "erased_at", "created_at", "updated_at")
    # The stage is computed from her history (the lifecycle's rules), never typed in.
    readonly_fields = ("lifecycle_stage", *record_fields)
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
        (RECORD_SECTION, {"fields": record_fields}),
    )
    inlines = (ExternalIdentityInline, AddressInline, PreferenceInline, ConsentInline)
    autocomplete_fields = ("tags",)

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
        if not search_term.strip():
            return queryset, False
        return sorted_not_walked(queryset.filter(customer_search_condition(search_term))), False

    def has_change_permission(self, request: HttpRequest, obj: Customer | None = None) -> bool:
        # A merged profile is kept for the record and the undo; edit the kept profile instead.
        if obj is not None and obj.is_merged:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, customer: Customer) -> str:
        return str(customer)

    @admin.display(description=_("purchases"))
    def purchase_count(self, customer: Customer) -> int | None:
        metrics = getattr(customer, "metrics", None)  # none before her first computation
        return metrics.order_count if metrics else None


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = (
        "external_id",
        "source",
        "customer",
        "matched_on",
        "created_at",
        "last_seen_at",
    )
    list_filter = (indexed_values_filter("source", _("source")), "matched_on")
    list_select_related = ("customer",)
    exact_search_fields = ("external_id",)
    search_help_text = _("Id in another system, exactly; or the customer.")
    autocomplete_fields = ("customer",)
    readonly_fields = ("matched_on", "created_at", "last_seen_at")

    def save_model(
        self, request: HttpRequest, obj: ExternalIdentity, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.matched_on = MatchKey.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(Address)
class AddressAdmin(JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "kind", "line1", "postal_code", "city", "country", "is_default")
    list_filter = ("kind", "is_default", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("customer",)
    # Newest first, as the index on the creation time reads them (the model's order, default
    # address first, would sort the whole table).
    ordering = ("-created_at", "-id")
    autocomplete_fields = ("customer",)


@admin.register(Preference)
class PreferenceAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = ("customer", "skin_type", "sizes", "favourite_brands", "updated_at")
    list_filter = ("skin_type", ("updated_at", admin.DateFieldListFilter))
    list_select_related = ("customer",)
    sortable_by = ("updated_at",)
    autocomplete_fields = ("customer",)
    form = PreferenceAdminForm

    def get_fieldsets(self, request: HttpRequest, obj: Preference | None = None) -> list:
        return [(None, {"fields": ["customer"]}), *preference_fieldsets()]


@admin.register(CurrentConsent)
class CurrentConsentAdmin(
    JournaledAdminMixin, BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """Each customer's latest decision per purpose and channel, kept from the ledger by the
    database (read-only: a new decision is recorded in the ledger). Customers appear by their
    number only (no join to their profiles); a decision is still hers, so the access journal
    records the customers of each page shown."""

    list_display = ("customer_number", "purpose", "channel", "granted", "recorded_at")
    list_filter = ("purpose", "channel", "granted")
    sortable_by = ()
    fields = ("customer_number", "purpose", "channel", "granted", "recorded_at", "consent_id")
    readonly_fields = fields

    @admin.display(description=_("customer"))
    def customer_number(self, current: CurrentConsent) -> str:
        url = reverse("admin:customers_customer_change", args=[current.customer_id])
        return format_html('<a href="{}">#{}</a>', url, current.customer_id)


@admin.register(Consent)
class ConsentLedgerAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    AppendOnlyAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
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
        "api_client",
        "wording_version",
    )
    list_filter = (
        "purpose",
        "channel",
        "granted",
        "collected_via",
        "collected_at_store",
        ("recorded_at", admin.DateFieldListFilter),
    )
    list_select_related = ("customer", "collected_at_store", "recorded_by", "api_client")
    sortable_by = ("recorded_at",)
    autocomplete_fields = ("customer", "wording")
    add_fields = (
        "customer",
        "purpose",
        "channel",
        "granted",
        "collected_via",
        "collected_at_store",
        "wording",
        "proof",
    )
    fields = (*add_fields, "recorded_at", "recorded_by", "api_client", "wording_text")
    readonly_fields = ("wording_text",)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "wording" in form.base_fields:
            form.base_fields["wording"].required = True
            form.base_fields["wording"].help_text = _(
                "The wording the customer was shown: for this purpose and channel, in force."
            )
        return form

    @admin.display(description=_("text of the wording"))
    def wording_text(self, consent: Consent) -> str:
        return consent.wording.text if consent.wording_id else "—"

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Consent:
        return consent_record(
            customer=data["customer"],
            purpose=data["purpose"],
            channel=data["channel"],
            granted=data["granted"],
            collected_via=data["collected_via"],
            wording=data["wording"],
            actor=request.user,
            store=data["collected_at_store"],
            proof=data["proof"],
        )


@admin.register(ConsentWording)
class ConsentWordingAdmin(CreateThroughServiceMixin, admin.ModelAdmin):
    """The texts customers are shown when asked for consent. Once a consent was given under a
    wording, it is the proof of what the person agreed to: it can no longer be changed or
    deleted, and a new text is added as a new version."""

    list_display = ("purpose", "version", "language", "channel_label", "valid_from", "in_use")
    list_filter = ("purpose", "language", "channel", "is_placeholder")
    search_fields = ("version",)
    ordering = ("purpose", "-valid_from", "language")
    add_fields = ("purpose", "channel", "version", "language", "text", "valid_from")
    fields = (*add_fields, "is_placeholder", "created_at", "created_by")
    recorded_fields = ("is_placeholder", "created_at", "created_by")

    @admin.display(description=_("contact channel"))
    def channel_label(self, wording: ConsentWording) -> str:
        return wording.channel_label

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentWording]:
        given_under = Consent.objects.filter(wording=OuterRef("pk"))
        return super().get_queryset(request).annotate(given_under=Exists(given_under))

    @admin.display(description=_("consents given under it"), boolean=True)
    def in_use(self, wording: ConsentWording) -> bool:
        return wording.given_under

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if obj is not None and consent_wording_in_use(obj):
            return self.fields
        return self.recorded_fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        if obj is None or not consent_wording_in_use(obj):
            return super().get_fieldsets(request, obj)
        new_version = (
            reverse("admin:customers_consentwording_add")
            + "?"
            + urlencode({"purpose": obj.purpose, "channel": obj.channel, "language": obj.language})
        )
        locked = format_html(
            '{} <a href="{}">{}</a>',
            gettext("Consents were given under this wording: it can no longer be changed."),
            new_version,
            gettext("Add a new version"),
        )
        return [(None, {"fields": self.fields, "description": locked})]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and consent_wording_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ConsentWording, form: forms.ModelForm, change: bool
    ) -> None:
        if change and consent_wording_in_use(obj):
            raise DomainError(
                gettext("Consents were given under this wording: add a new version instead.")
            )
        super().save_model(request, obj, form, change)

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return consent_wording_create(actor=request.user, **data)


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
class DuplicateSuggestionAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
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
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("customer", "other", "reviewed_by")
    customer_paths = ("customer", "other")
    sortable_by = ("created_at",)
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
class CustomerMergeAdmin(
    JournaledAdminMixin, CustomerSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
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
    customer_paths = ("survivor", "absorbed")
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


@admin.register(NameWord)
class NameWordAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The words of customers' names that the tablet's search corrects typos against; written
    only by `name_words_refresh`."""

    list_display = ("word", "customers")
    ordering = ("word",)
    sortable_by = ("word",)
    search_fields = ("word",)
    search_help_text = _("Start of the word, accents and case ignored.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        folded = fold_text(search_term)
        return (queryset.filter(_starts_with("word", folded)) if folded else queryset), False
