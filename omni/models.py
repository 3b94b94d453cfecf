"""The shared retail reference: channels, stores, the services they offer, products and stock."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code."))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Channel(models.TextChoices):
    """Where a customer interacts with the retailer."""

    STORE = "store", _("Store")
    WEB = "web", _("Web")
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Phone")
    MARKETPLACE = "marketplace", _("Marketplace")
    SOCIAL = "social", _("Social media")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class StatusChange(models.Model):
    """One row of a workflow's history; concrete models add `subject`, the record that moved."""

    from_status = models.CharField(_("from"), max_length=32)
    to_status = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # An integration's write (a token request): the API client; `actor` stays empty.
    api_client = models.ForeignKey(
        "omni.ApiClient",
        verbose_name=_("API client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_opening_hours(value: object) -> None:
    """Opening hours: {"monday": [["10:00", "19:00"]], ...}; a missing day is closed."""
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must map weekdays to time ranges."))
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(_("“%(day)s” is not a weekday."), params={"day": day})
        if not isinstance(ranges, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and pair[0] < pair[1] for pair in ranges
        ):
            raise ValidationError(
                _("Hours of %(day)s must be a list of [opening, closing] pairs."),
                params={"day": day},
            )


def validate_translated_names(value: object) -> None:
    """Names in the other languages of the app: {"en": "Brow styling"}."""
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict) or not all(
        language in languages and isinstance(name, str) for language, name in value.items()
    ):
        raise ValidationError(
            _('Give names by language code (%(languages)s), e.g. {"en": "Brow styling"}.'),
            params={"languages": ", ".join(sorted(languages))},
        )


class Specialty(models.Model):
    """A skill an associate holds and a service may require (esthetician, tailor...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A bookable in-store service: personal shopping, brow styling, fitting..."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # The retailer names its services in its own language; an associate or a customer who
    # reads another one sees the name given for it here, else the name.
    translated_names = models.JSONField(
        _("name in other languages"),
        default=dict,
        blank=True,
        validators=[validate_translated_names],
        help_text=_('For example {"en": "Brow styling", "fr": "Restructuration des sourcils"}.'),
    )
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5)]
    )
    required_specialty = models.ForeignKey(
        Specialty,
        verbose_name=_("required specialty"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
    )
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5), name="service_duration_min_5"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="service_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name_in(get_language())

    def name_in(self, language: str | None) -> str:
        """The service's name for readers of `language` (“fr”, “en-gb”...)."""
        names = self.translated_names or {}
        return names.get((language or "").split("-")[0]) or self.name


class Store(TimeStampedModel):
    class Kind(models.TextChoices):
        BOUTIQUE = "boutique", _("Boutique")
        FLAGSHIP = "flagship", _("Flagship")
        INSTITUTE = "institute", _("Beauty institute")
        OUTLET = "outlet", _("Outlet")
        WAREHOUSE = "warehouse", _("Web warehouse")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.BOUTIQUE)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=80, db_index=True)
    region = models.CharField(_("region"), max_length=80, blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_('For example {"monday": [["10:00", "19:00"]]}; a missing day is closed.'),
    )
    offers_click_and_collect = models.BooleanField(_("offers click & collect"), default=True)
    services = models.ManyToManyField(
        Service, verbose_name=_("services offered"), blank=True, related_name="stores"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Product(TimeStampedModel):
    class Department(models.TextChoices):
        FASHION = "fashion", _("Fashion")
        BEAUTY = "beauty", _("Beauty")
        ACCESSORIES = "accessories", _("Accessories")

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    brand = models.CharField(_("brand"), max_length=80, db_index=True)
    department = models.CharField(_("department"), max_length=20, choices=Department)
    category = models.CharField(_("category"), max_length=80, db_index=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    image_url = models.URLField(_("image URL"), blank=True)
    attributes = models.JSONField(
        _("attributes"), default=dict, blank=True, help_text=_("Size, colour, material...")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="product_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class StockLevel(models.Model):
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="stock_levels"
    )
    quantity = models.IntegerField(_("quantity"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["store", "product"], name="stock_unique_store_product"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="stock_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.store_id}: {self.quantity}"


class ApiScope(models.TextChoices):
    """What an API client may do: read or write one family of resources."""

    CUSTOMERS_READ = "customers:read", _("Read customers")
    CUSTOMERS_WRITE = "customers:write", _("Write customers")
    ORDERS_READ = "orders:read", _("Read orders and returns")
    ORDERS_WRITE = "orders:write", _("Write orders and returns")
    WISHLISTS_READ = "wishlists:read", _("Read wishlists")
    WISHLISTS_WRITE = "wishlists:write", _("Write wishlists")
    TICKETS_READ = "tickets:read", _("Read after-sales tickets")
    TICKETS_WRITE = "tickets:write", _("Write after-sales tickets")
    PICKUPS_READ = "pickups:read", _("Read pickups")
    PICKUPS_WRITE = "pickups:write", _("Write pickups")
    APPOINTMENTS_READ = "appointments:read", _("Read appointments and availability")
    APPOINTMENTS_WRITE = "appointments:write", _("Book and change appointments")
    TOUCHPOINTS_READ = "touchpoints:read", _("Read touchpoints")
    TOUCHPOINTS_WRITE = "touchpoints:write", _("Record touchpoints")
    CATALOG_READ = "catalog:read", _("Read stores, products and services")
    SEGMENTS_READ = "segments:read", _("Read segments and their consenting members")
    SEGMENTS_WRITE = "segments:write", _("Freeze segment snapshots")
    GDPR_READ = "gdpr:read", _("Export a person's data (subject access)")
    GDPR_WRITE = "gdpr:write", _("Erase a person's data")
    SYSTEM_STATUS_READ = "system_status:read", _("Read the system status (monitoring)")


def validate_api_scopes(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(scope, str) for scope in value):
        raise ValidationError(_("Scopes must be a list of names."))
    unknown = sorted(set(value) - set(ApiScope.values))
    if unknown:
        raise ValidationError(
            _("Unknown scopes: %(scopes)s."), params={"scopes": ", ".join(unknown)}
        )


class ApiClient(models.Model):
    """One integration (e-shop, POS, booking widget) calling the REST API with its own token.

    Only a SHA-256 digest of the token is stored; `token_prefix` (the public start of the
    token) finds the row, and the digest is compared in constant time.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    token_prefix = models.CharField(_("token prefix"), max_length=16, unique=True, editable=False)
    token_hash = models.CharField(_("token digest"), max_length=64, editable=False)
    scopes = models.JSONField(
        _("scopes"), default=list, blank=True, validators=[validate_api_scopes]
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("limited to store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        help_text=_("Leave empty for a client that works for every store (the e-shop)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdempotencyRecord(models.Model):
    """The stored outcome of a POST sent with an Idempotency-Key, replayed on a retry.

    The row is inserted before the request runs (unique per client and key), so a concurrent
    request with the same key sees it and does not run a second time.
    """

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.CASCADE,
        related_name="idempotency_records",
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request digest"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_client_key"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class FormSubmission(models.Model):
    """A tablet form's one-time token, used: the same form sent twice (a double tap, a retry on
    a slow network) is written once.

    The row is inserted in the transaction that writes what the form asks, so a second
    submission waits for the first and then finds its token taken (see omni.form_tokens).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    token = models.CharField(_("form token"), max_length=64)
    action = models.CharField(_("action"), max_length=40)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_unique_token"),
        ]

    def __str__(self) -> str:
        return f"{self.action}:{self.token}"


# Operations: what the person on call reads (health checks, the system status page) -----------


class ScheduledJobRun(models.Model):
    """The last run of one beat job (a key of CELERY_BEAT_SCHEDULE), kept by the Celery signals
    of omni.job_runs: one row per job, upserted when a run starts and when it ends.

    Only the class of a failure's exception is kept: its message may quote personal data.
    """

    job = models.CharField(_("job"), max_length=200, unique=True)
    task = models.CharField(_("task"), max_length=200)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_succeeded_at = models.DateTimeField(_("last succeeded at"), null=True, blank=True)
    last_failed_at = models.DateTimeField(_("last failed at"), null=True, blank=True)
    last_error = models.CharField(
        _("last error"),
        max_length=200,
        blank=True,
        help_text=_("The kind of error of the last failed run (never its message)."),
    )
    last_duration = models.DurationField(_("last duration"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        ordering = ["job"]
        # The head-office "System status" page and its API: superusers and the operations group.
        permissions = [("view_system_status", _("Can view the system status"))]

    def __str__(self) -> str:
        return self.job


class WorkerHeartbeat(models.Model):
    """A Celery worker saying it is alive: written when it is ready, then every
    OMNI_WORKER_HEARTBEAT_SECONDS, deleted when it stops (omni.worker_health)."""

    worker = models.CharField(_("worker"), max_length=255, unique=True)
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["worker"]

    def __str__(self) -> str:
        return self.worker
