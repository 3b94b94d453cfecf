"""The DPO's records: each erasure and each subject access export, without personal data.

A record names the profile by its number only (the profile stays, pseudonymised, for the orders
the retailer must keep), the door it came through and who asked for it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from omni.models import ApiClient


class Door(models.TextChoices):
    """Through which entry point a data protection request came."""

    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    COMMAND = "command", _("Command line")
    SHOP = "shop", _("Shop webhook")
    RETENTION = "retention", _("Retention period over")


class DataProtectionRecord(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    door = models.CharField(_("through"), max_length=12, choices=Door)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class Erasure(DataProtectionRecord):
    """One erasure of a person: when, through which door, by whom, and how many rows of each
    kind were erased, redacted or deleted (counts only)."""

    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, db_index=True)
    profiles = models.PositiveIntegerField(_("profiles erased"), default=1)
    counts = models.JSONField(_("rows changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        ordering = ["-erased_at", "-id"]
        permissions = [("erase_customer", _("Can erase a customer's personal data"))]

    def __str__(self) -> str:
        return f"#{self.customer_id} {self.erased_at:%Y-%m-%d %H:%M}"


class SubjectExport(DataProtectionRecord):
    """One subject access export (GDPR art. 15 and 20): who produced it, when, in which form."""

    class Form(models.TextChoices):
        JSON = "json", "JSON"
        HTML = "html", "HTML"

    exported_at = models.DateTimeField(_("exported at"), default=timezone.now, db_index=True)
    form = models.CharField(_("form"), max_length=4, choices=Form)
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("subject access export")
        verbose_name_plural = _("subject access exports")
        ordering = ["-exported_at", "-id"]
        permissions = [("export_customer", _("Can export a customer's personal data"))]

    def __str__(self) -> str:
        return f"#{self.customer_id} {self.exported_at:%Y-%m-%d %H:%M}"


class DataRequest(models.Model):
    """A subject access request received from a shop (Shopify's `customers/data_request`):
    a task for the DPO, done once the export is produced (privacy.data_requests)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")

    integration = models.ForeignKey(
        "journeys.ShopIntegration",
        verbose_name=_("shop"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shop_request_id = models.CharField(_("request id in the shop"), max_length=64, blank=True)
    shop_customer_id = models.CharField(_("customer id in the shop"), max_length=64, blank=True)
    email = models.CharField(_("email given"), max_length=254, blank=True)
    orders_requested = models.JSONField(
        _("orders named"), default=list, blank=True, help_text=_("The shop's order ids.")
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The profile found for the shop's customer; set it by hand if none was."),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status, default=Status.OPEN, db_index=True
    )
    export = models.ForeignKey(
        SubjectExport,
        verbose_name=_("export produced"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("data request from a shop")
        verbose_name_plural = _("data requests from shops")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "shop_request_id"],
                condition=~models.Q(shop_request_id=""),
                name="data_request_unique_per_shop",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} #{self.pk}"
