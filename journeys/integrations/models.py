"""Models of the e-shop integration: the shops, their webhook inbox, sync runs, outbound hooks.

Registered with the journeys app by an import at the bottom of journeys/models.py.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.crypto import EncryptedTextField
from omni.models import Store, TimeStampedModel

# After a new webhook secret is set, the old one is still accepted this long by default:
# Shopify may sign with it for about an hour. A previous secret always has an end date: without
# one it is not accepted.
WEBHOOK_SECRET_ROTATION_GRACE = datetime.timedelta(hours=1)
# Secrets are typed up to this length; stored encrypted (omni.crypto), they take more room.
SECRET_MAX_LENGTH = 200


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"


class ShopIntegration(TimeStampedModel):
    """One e-shop: where to pull from, how its webhooks are signed, where its pickups go."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        max_length=64,
        unique=True,
        help_text=_(
            "Used in the webhook URL and written as the source of the orders and customers "
            "this shop brings (e.g. “shopify”). Do not change it once orders came in."
        ),
    )
    base_url = models.URLField(
        _("shop URL"), help_text=_("https://example.myshopify.com or https://shop.example.com")
    )
    api_key = models.CharField(
        _("API key"),
        max_length=200,
        blank=True,
        help_text=_("WooCommerce consumer key (ck_…); unused for Shopify."),
    )
    api_secret = EncryptedTextField(
        _("API secret"),
        max_length=SECRET_MAX_LENGTH,
        blank=True,
        help_text=_("Shopify Admin API access token (shpat_…) or WooCommerce consumer secret."),
    )
    webhook_secret = EncryptedTextField(
        _("webhook secret"),
        max_length=SECRET_MAX_LENGTH,
        help_text=_("Shopify app client secret, or the secret of the WooCommerce webhooks."),
    )
    previous_webhook_secret = EncryptedTextField(
        _("previous webhook secret"), max_length=SECRET_MAX_LENGTH, blank=True
    )
    previous_secret_valid_until = models.DateTimeField(
        _("previous secret accepted until"), null=True, blank=True
    )
    pickup_store = models.ForeignKey(
        Store,
        verbose_name=_("store for click & collect"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where orders to be picked up in store are collected."),
    )
    orders_synced_until = models.DateTimeField(
        _("orders synced until"),
        null=True,
        blank=True,
        help_text=_("Cursor of the reconciliation pull; empty pulls everything."),
    )
    customers_synced_until = models.DateTimeField(
        _("customers synced until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shop integration")
        verbose_name_plural = _("shop integrations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform__in=Platform.values),
                name="shop_integration_platform_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """The `source` written on the orders, returns and identities from this shop."""
        return self.slug

    def accepted_webhook_secrets(self) -> list[str]:
        """The current secret, and the previous one until its end date (none: not accepted)."""
        secrets = [self.webhook_secret]
        until = self.previous_secret_valid_until
        if self.previous_webhook_secret and until is not None and until > timezone.now():
            secrets.append(self.previous_webhook_secret)
        return [secret for secret in secrets if secret]


def webhook_lease() -> datetime.timedelta:
    """How long a waiting delivery, once queued or taken by a worker, has before its task is
    presumed lost (OMNI_WEBHOOK_LEASE_SECONDS)."""
    return datetime.timedelta(seconds=settings.OMNI_WEBHOOK_LEASE_SECONDS)


def webhook_lease_end() -> datetime.datetime:
    return timezone.now() + webhook_lease()


class WebhookDelivery(models.Model):
    """The inbox: every signed webhook, stored as received before it is processed."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        IGNORED = "ignored", _("Ignored")

    integration = models.ForeignKey(
        ShopIntegration,
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        related_name="webhook_deliveries",
    )
    topic = models.CharField(_("topic"), max_length=100, db_index=True)
    delivery_id = models.CharField(_("delivery id"), max_length=200)
    event_id = models.CharField(_("event id"), max_length=200, blank=True, db_index=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.BinaryField(_("raw body"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    requeue_at = models.DateTimeField(
        _("queued again at"),
        null=True,
        blank=True,
        default=webhook_lease_end,
        help_text=_("If still waiting then, its task was lost: it is queued again."),
    )
    requeued_count = models.PositiveIntegerField(
        _("queued again"),
        default=0,
        help_text=_("Times it was queued again because its task was lost."),
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # The sweep's query: only waiting deliveries, so the index stays small.
            models.Index(
                fields=["requeue_at"],
                condition=models.Q(status="received"),
                name="webhook_delivery_requeue_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "delivery_id"], name="webhook_delivery_unique_id"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["received", "processed", "failed", "ignored"]),
                name="webhook_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.delivery_id}"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


class SyncRun(models.Model):
    """One reconciliation pull of one resource of one shop, with what it did."""

    class Kind(models.TextChoices):
        ORDERS = "orders", _("Orders")
        CUSTOMERS = "customers", _("Customers")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    integration = models.ForeignKey(
        ShopIntegration, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="sync_runs"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cursor_from = models.DateTimeField(_("changes since"), null=True, blank=True)
    cursor_to = models.DateTimeField(_("cursor moved to"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    errors = models.JSONField(
        _("errors"), default=list, blank=True, help_text=_("The record that failed and why.")
    )

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at", "-id"]
        indexes = [
            # A shop's last pull of a kind (the System status, the metrics): a few index entries
            # even for a shop that has not pulled for months.
            models.Index(
                fields=["integration", "kind", "started_at", "id"], name="sync_run_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.integration} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class OutboundEvent(models.TextChoices):
    PICKUP_READY = "pickup.ready", _("Pickup ready")
    PICKUP_COLLECTED = "pickup.collected", _("Pickup collected")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("After-sales ticket status changed")
    CUSTOMER_TRIGGER_FIRED = "customer.trigger_fired", _("Customer trigger fired")


def validate_outbound_events(value: object) -> None:
    if not isinstance(value, list) or not set(value) <= set(OutboundEvent.values):
        raise ValidationError(
            _("Choose among: %(events)s."), params={"events": ", ".join(OutboundEvent.values)}
        )


class OutboundWebhook(TimeStampedModel):
    """A URL notified, with a signed POST, when a pickup or an after-sales ticket moves."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"))
    secret = EncryptedTextField(
        _("signing secret"),
        max_length=SECRET_MAX_LENGTH,
        help_text=_("Key of the HMAC-SHA256 signature sent in X-Omni-Hmac-Sha256."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_outbound_events],
        help_text=_("Empty: every event."),
    )
    integration = models.ForeignKey(
        ShopIntegration,
        verbose_name=_("only about orders of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_webhooks",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("outbound webhook")
        verbose_name_plural = _("outbound webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str, order_source: str | None) -> bool:
        if self.events and event not in self.events:
            return False
        return self.integration_id is None or (
            order_source is not None and order_source == self.integration.source
        )


class OutboundDelivery(models.Model):
    """One notification to one URL; the body is kept byte for byte so retries sign the same."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        OutboundWebhook,
        verbose_name=_("outbound webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40, choices=OutboundEvent)
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound delivery")
        verbose_name_plural = _("outbound deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
