"""The unified customer: profile, identities in other systems, addresses, preferences, consents.

Which fields hold personal data is declared in customers/personal_data.py (the registry of
omni.privacy_registry), which export, erasure and retention read.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers.normalization import normalize_email, normalize_phone
from customers.search import folded_name_field, search_name_field
from omni.models import ApiClient, Channel, Store, TimeStampedModel


class LifecycleStage(models.TextChoices):
    REACH = "reach", _("Reach")
    ACQUISITION = "acquisition", _("Acquisition")
    CONVERSION = "conversion", _("Conversion")
    RETENTION = "retention", _("Retention")
    LOYALTY = "loyalty", _("Loyalty")
    LAPSED = "lapsed", _("Lapsed")


class LoyaltyTier(models.TextChoices):
    NONE = "none", _("No card")
    MEMBER = "member", _("Member")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    VIP = "vip", _("VIP")


class MatchKey(models.TextChoices):
    """How an inbound record was tied to a profile, strongest first."""

    EXTERNAL_ID = "external_id", _("External id")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    LOYALTY_NUMBER = "loyalty_number", _("Loyalty number")
    NEW_PROFILE = "new_profile", _("New profile")
    MANUAL = "manual", _("Linked by hand")


class Tag(models.Model):
    """A label head office puts on customers (VIP, press, bridal...) for segments and campaigns."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(TimeStampedModel):
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80, blank=True, db_index=True)
    email = models.EmailField(_("email"), null=True, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, null=True, blank=True, db_index=True, help_text=_("E.164")
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    loyalty_number = models.CharField(_("loyalty number"), max_length=32, null=True, blank=True)
    loyalty_tier = models.CharField(
        _("loyalty tier"), max_length=10, choices=LoyaltyTier, default=LoyaltyTier.NONE
    )
    preferred_store = models.ForeignKey(
        Store,
        verbose_name=_("preferred store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="preferred_by",
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    acquisition_channel = models.CharField(
        _("acquisition channel"), max_length=20, choices=Channel, blank=True
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=12,
        choices=LifecycleStage,
        default=LifecycleStage.REACH,
        db_index=True,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    # Names lower-cased without accents, written by the database: what the search reads.
    search_name = search_name_field()
    search_first_name = folded_name_field("first_name", _("first name for search"))
    search_last_name = folded_name_field("last_name", _("last name for search"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # Exact and prefix name searches, in name order, among profiles in use; the
            # preferred store is included so "her store first" reads the index alone.
            models.Index(
                fields=["search_last_name", "search_first_name", "id"],
                include=["preferred_store"],
                condition=models.Q(merged_into__isnull=True, erased_at__isnull=True),
                name="customer_live_last_name",
            ),
            models.Index(
                fields=["search_first_name", "search_last_name", "id"],
                include=["preferred_store"],
                condition=models.Q(merged_into__isnull=True, erased_at__isnull=True),
                name="customer_live_first_name",
            ),
            # The admin's filters: a rare value (VIP, phone) is found without a scan.
            models.Index(fields=["loyalty_tier"], name="customer_loyalty_tier"),
            models.Index(fields=["acquisition_channel"], name="customer_acquisition_channel"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(email__isnull=False),
                name="customer_unique_email",
                violation_error_message=_("Another customer already has this email."),
            ),
            models.UniqueConstraint(
                fields=["loyalty_number"],
                condition=models.Q(loyalty_number__isnull=False),
                name="customer_unique_loyalty_number",
                violation_error_message=_("Another customer already has this loyalty number."),
            ),
            models.CheckConstraint(
                condition=models.Q(lifecycle_stage__in=LifecycleStage.values),
                name="customer_lifecycle_stage_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="customer_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def clean_fields(self, exclude: object = None) -> None:
        """Normalise email and phone before the field validators see them."""
        errors: dict[str, list[str]] = {}
        for field, normalize in (("email", normalize_email), ("phone", normalize_phone)):
            try:
                setattr(self, field, normalize(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error.messages
        self.loyalty_number = (self.loyalty_number or "").strip() or None
        try:
            super().clean_fields(exclude={*(exclude or ()), *errors})
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)


class NameWord(models.Model):
    """A word of customers' names, folded (see `customers.search`): the vocabulary a mistyped
    name is corrected against. Words are only added; one nobody bears any more is harmless."""

    word = models.CharField(_("word"), max_length=80, primary_key=True)
    customers = models.PositiveIntegerField(
        _("customers"),
        default=0,
        help_text=_("How many customers bear it (counted nightly, estimated in between)."),
    )

    class Meta:
        verbose_name = _("name word")
        verbose_name_plural = _("name words")

    def __str__(self) -> str:
        return self.word


class ExternalIdentity(models.Model):
    """The customer's id in another system (e-shop, POS, booking widget, loyalty platform)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="identities"
    )
    source = models.CharField(
        _("source"), max_length=64, help_text=_("System of origin, e.g. shopify, pos, booking.")
    )
    external_id = models.CharField(_("external id"), max_length=128)
    matched_on = models.CharField(
        _("linked by"),
        max_length=16,
        choices=MatchKey,
        default=MatchKey.NEW_PROFILE,
        help_text=_("Which key tied this identity to the profile when it was first seen."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen at"), auto_now=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        # The admin finds an id typed alone, whatever its system (the unique index starts
        # with the system).
        indexes = [models.Index(fields=["external_id"], name="identity_external_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                name="identity_unique_source_external_id",
                violation_error_message=_("This external id already belongs to a customer."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Address(TimeStampedModel):
    class Kind(models.TextChoices):
        HOME = "home", pgettext_lazy("address", "Home")
        BILLING = "billing", _("Billing")
        SHIPPING = "shipping", _("Shipping")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.HOME)
    recipient = models.CharField(_("recipient"), max_length=160, blank=True)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12)
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(_("country"), max_length=2, default="FR")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return f"{self.line1}, {self.postal_code} {self.city}"


class SkinType(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    DRY = "dry", _("Dry")
    OILY = "oily", _("Oily")
    COMBINATION = "combination", _("Combination")
    NORMAL = "normal", _("Normal")
    SENSITIVE = "sensitive", _("Sensitive")


class Preference(TimeStampedModel):
    """What an associate needs to advise: sizes, favourite brands and categories, skin type."""

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="preference"
    )
    sizes = models.JSONField(
        _("sizes"),
        default=dict,
        blank=True,
        help_text=_('For example {"tops": "M", "shoes": "38"}'),
    )
    favourite_brands = models.JSONField(_("favourite brands"), default=list, blank=True)
    favourite_categories = models.JSONField(_("favourite categories"), default=list, blank=True)
    skin_type = models.CharField(
        _("skin type"), max_length=12, choices=SkinType, default=SkinType.UNKNOWN, blank=True
    )
    attributes = models.JSONField(_("other preferences"), default=dict, blank=True)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return str(_("Preferences of %(customer)s") % {"customer": self.customer_id})


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing offers")
    NEWSLETTER = "newsletter", _("Newsletter")
    PERSONALISED_ADVICE = "personalised_advice", _("Personalised advice")
    SATISFACTION = "satisfaction", _("Satisfaction surveys")
    PARTNERS = "partners", _("Sharing with partners")


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone call")
    POST = "post", _("Post")
    PUSH = "push", _("App notification")


class ConsentWording(models.Model):
    """The text a person is shown when asked for a consent: one record per purpose, version and
    language. Ledger entries point to the wording they were given under, so that what a person
    agreed to can be shown years later: a wording in use is never changed or deleted (head
    office adds a new version instead)."""

    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose)
    channel = models.CharField(
        _("contact channel"),
        max_length=8,
        choices=ContactChannel,
        blank=True,
        help_text=_("Leave empty for a wording that covers every contact channel."),
    )
    version = models.CharField(
        _("version"), max_length=40, help_text=_("As printed on the form or sent by the e-shop.")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    text = models.TextField(_("text"), help_text=_("Exactly what the customer reads."))
    valid_from = models.DateTimeField(
        _("in force from"),
        help_text=_("From this moment it replaces the earlier versions on the tablet."),
    )
    is_placeholder = models.BooleanField(
        _("text not recorded"),
        default=False,
        editable=False,
        help_text=_(
            "Stands for a version used before wordings were kept: its text is not the one "
            "shown, so no new consent is recorded under it."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")
        ordering = ["purpose", "-valid_from", "language"]
        indexes = [
            models.Index(
                fields=["purpose", "language", "-valid_from"], name="consent_wording_in_force"
            )
        ]
        constraints = [
            # A placeholder (a version used before wordings were kept) leaves its version free
            # for the real text, which head office may add under the same version.
            models.UniqueConstraint(
                fields=["purpose", "version", "language"],
                condition=models.Q(is_placeholder=False),
                name="consent_wording_unique_version",
            ),
            models.UniqueConstraint(
                fields=["purpose", "version", "language"],
                condition=models.Q(is_placeholder=True),
                name="consent_wording_unique_placeholder",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=ConsentPurpose.values),
                name="consent_wording_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=["", *ContactChannel.values]),
                name="consent_wording_channel_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(version=""), name="consent_wording_version_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.version} ({self.language})"

    @property
    def channel_label(self) -> str:
        return self.get_channel_display() if self.channel else str(_("all channels"))


class Consent(models.Model):
    """One entry of the append-only consent ledger; the latest per purpose × channel wins."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose)
    channel = models.CharField(_("contact channel"), max_length=8, choices=ContactChannel)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded at"), db_index=True)
    collected_via = models.CharField(_("collected via"), max_length=20, choices=Channel)
    collected_at_store = models.ForeignKey(
        Store,
        verbose_name=_("collected in store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_client = models.ForeignKey(
        ApiClient,
        verbose_name=_("recorded by API client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index: most entries have none
    )
    # Null only for rows inserted outside the services (benchmark generators): every service
    # records one, and migration 0009 linked the entries recorded before wordings were kept.
    wording = models.ForeignKey(
        ConsentWording,
        verbose_name=_("wording"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    wording_version = models.CharField(
        _("wording version"), max_length=40, help_text=_("The version of the wording shown.")
    )
    proof = models.JSONField(
        _("proof"), default=dict, blank=True, help_text=_("Form, IP address, signature...")
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent ledger")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "purpose", "channel", "-recorded_at"]),
            models.Index(
                fields=["api_client"],
                condition=models.Q(api_client__isnull=False),
                name="consent_api_client",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=ContactChannel.values), name="consent_channel_valid"
            ),
        ]

    def __str__(self) -> str:
        verb = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_purpose_display()} / {self.get_channel_display()}: {verb}"


class CurrentConsent(models.Model):
    """Each customer's latest decision per purpose and channel: the ledger's last entry,
    kept by database triggers on the ledger (migration customers 0010), so that "may be
    contacted" is one index probe per customer instead of a walk of her ledger. Never written
    by the application."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose)
    channel = models.CharField(_("contact channel"), max_length=8, choices=ContactChannel)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded at"))
    # The ledger entry it comes from (ties of recorded_at are broken by the later entry).
    consent_id = models.BigIntegerField(_("ledger entry"))

    class Meta:
        verbose_name = _("current consent")
        verbose_name_plural = _("current consents")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "purpose", "channel"], name="current_consent_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["purpose", "channel", "customer"],
                condition=models.Q(granted=True),
                name="current_consent_granted",
            ),
        ]

    def __str__(self) -> str:
        verb = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_purpose_display()} / {self.get_channel_display()}: {verb}"


class DuplicateSuggestion(models.Model):
    """Two profiles that may be one person, waiting for someone to merge or dismiss them."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    other = models.ForeignKey(
        Customer, verbose_name=_("possible duplicate"), on_delete=models.CASCADE, related_name="+"
    )
    matched_on = models.JSONField(
        _("matched on"), default=list, help_text=_("Keys that matched: email, phone...")
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate suggestion")
        verbose_name_plural = _("duplicate suggestions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "other"], name="duplicate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(customer__lt=models.F("other")), name="duplicate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.customer_id} ~ #{self.other_id}"


class CustomerMerge(models.Model):
    """A recorded merge: which rows moved from the absorbed profile, so it can be undone."""

    survivor = models.ForeignKey(
        Customer, verbose_name=_("kept profile"), on_delete=models.PROTECT, related_name="+"
    )
    absorbed = models.ForeignKey(
        Customer, verbose_name=_("merged profile"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    moved_rows = models.JSONField(_("moved rows"), default=dict)
    absorbed_snapshot = models.JSONField(_("merged profile before the merge"), default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"#{self.absorbed_id} → #{self.survivor_id}"
