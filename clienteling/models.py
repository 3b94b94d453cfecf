"""The associates' side: who works where, appointments, follow-up tasks and notes."""

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from omni.constraints import PostgresExclusionConstraint
from omni.models import Channel, Service, Specialty, StatusChange, Store, TimeStampedModel


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Associate(TimeStampedModel):
    class Role(models.TextChoices):
        ASSOCIATE = "associate", _("Store associate")
        STORE_MANAGER = "store_manager", _("Store manager")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="associate",
    )
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="associates"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.ASSOCIATE)
    specialties = models.ManyToManyField(
        Specialty, verbose_name=_("specialties"), blank=True, related_name="associates"
    )
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("associate")
        verbose_name_plural = _("associates")
        ordering = ["store", "user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_store_manager(self) -> bool:
        return self.role == self.Role.STORE_MANAGER


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(TimeStampedModel):
    Status = AppointmentStatus

    # Statuses in which the associate's time is taken.
    OCCUPYING_STATUSES = (Status.BOOKED, Status.CONFIRMED, Status.COMPLETED)

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="appointments"
    )
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="appointments"
    )
    associate = models.ForeignKey(
        Associate,
        verbose_name=_("associate"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.BOOKED)
    booked_via = models.CharField(_("booked via"), max_length=20, choices=Channel)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    customer_request = models.CharField(_("customer's request"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    external_reference = models.CharField(_("reference"), max_length=128, null=True, blank=True)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["store", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values),
                name="appointment_status_valid",
            ),
            models.UniqueConstraint(
                fields=["source", "external_reference"],
                condition=models.Q(external_reference__isnull=False),
                name="appointment_unique_source_reference",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_overlap_per_associate",
                expressions=[
                    ("associate", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=models.Q(status__in=["booked", "confirmed", "completed"]),
                violation_error_message=_("This associate already has an appointment then."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} — {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatusChange(StatusChange):
    subject = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="status_changes"
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("appointment status change")
        verbose_name_plural = _("appointment status changes")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(TimeStampedModel):
    """A follow-up for an associate, usually about one customer."""

    class Reason(models.TextChoices):
        FOLLOW_UP = "follow_up", _("Follow-up")
        APPOINTMENT_FOLLOW_UP = "appointment_follow_up", _("After an appointment")
        PUT_BACK = "put_back", _("Put back uncollected pickup")
        CALL_BACK = "call_back", _("Call back")
        AFTER_SALES = "after_sales", _("After-sales follow-up")
        BIRTHDAY = "birthday", _("Birthday")
        OTHER = "other", _("Other")

    Status = TaskStatus

    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="tasks"
    )
    assignee = models.ForeignKey(
        Associate,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason, default=Reason.FOLLOW_UP)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """An associate's note on a customer, visible to every store."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written at"), default=Now, db_index=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:60]


class ProfileAccess(models.Model):
    """One entry of the access journal: who opened which customer's profile, and when.

    Written for every view of personal data in the tablet app, for the data protection
    officer; never edited.
    """

    class Context(models.TextChoices):
        PROFILE = "profile", _("Customer 360")
        BRIEF = "brief", _("Customer brief")
        ORDER = "order", _("Order detail")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("from store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    context = models.CharField(_("screen"), max_length=10, choices=Context)
    accessed_at = models.DateTimeField(_("viewed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("profile access")
        verbose_name_plural = _("access journal")
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-accessed_at"]),
            models.Index(fields=["user", "-accessed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.customer_id} ({self.context})"


class CustomerNotification(models.Model):
    """A service message sent to a customer (pickup ready...), once per subject and channel.

    The row is written before the message leaves, in the same transaction: a notification
    task that runs twice sends nothing the second time, and one that fails leaves no row, so
    its retry sends.
    """

    class Kind(models.TextChoices):
        PICKUP_READY = "pickup_ready", _("Pickup ready")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    pickup = models.ForeignKey(
        "journeys.Pickup",
        verbose_name=_("pickup"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("customer notification")
        verbose_name_plural = _("customer notifications")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pickup", "kind", "channel"], name="notification_once_per_pickup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"
