"""The associates' side: who works where, appointments, follow-up tasks and notes."""

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import ConsentPurpose, ContactChannel, Customer, LoyaltyTier
from omni.access_journal import QUERY_MAX_LENGTH, Door
from omni.constraints import PostgresExclusionConstraint
from omni.models import (
    ApiClient,
    Channel,
    Product,
    Service,
    Specialty,
    StatusChange,
    Store,
    TimeStampedModel,
)


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
        indexes = [
            models.Index(fields=["store", "starts_at"]),
            models.Index(fields=["customer", "-starts_at"]),
        ]
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
        WISHLIST = "wishlist", _("Wishlist alert")
        CART_ABANDONED = "cart_abandoned", _("Abandoned cart")
        SATISFACTION = "satisfaction", _("Satisfaction call")
        WIN_BACK = "win_back", _("Win back a lapsed customer")
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
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.body[:60]


class ProfileAccess(models.Model):
    """One entry of the access journal: whose personal data was read, by whom, when, and
    through which door (tablet screen, admin page, API, segment pull or export).

    Written for every read of personal data (see omni.access_journal), for the data
    protection officer; never edited. The reader is a person (`user`) or an integration
    (`api_client`).
    """

    Context = Door

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
    # Partial indexes below instead of the foreign keys' own: most entries have neither.
    api_client = models.ForeignKey(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
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
    context = models.CharField(_("through"), max_length=16, choices=Door)
    query = models.CharField(
        _("search typed"),
        max_length=QUERY_MAX_LENGTH,
        blank=True,
        help_text=_("What was typed in the search box, for a search (its start only)."),
    )
    segment_export = models.ForeignKey(
        "segments.SegmentExport",
        verbose_name=_("segment export"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    accessed_at = models.DateTimeField(_("viewed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("profile access")
        verbose_name_plural = _("access journal")
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-accessed_at"]),
            models.Index(fields=["user", "-accessed_at"]),
            models.Index(
                fields=["api_client", "-accessed_at"],
                condition=models.Q(api_client__isnull=False),
                name="profile_access_by_client",
            ),
            models.Index(
                fields=["segment_export"],
                condition=models.Q(segment_export__isnull=False),
                name="profile_access_by_export",
            ),
        ]

    def __str__(self) -> str:
        reader = self.user_id or f"api:{self.api_client_id}"
        return f"{reader} → {self.customer_id} ({self.context})"


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


# Triggers: head office's rules that turn what customers do into associate tasks or events --


class TriggerKind(models.TextChoices):
    WISHLIST_BACK_IN_STOCK = "wishlist_back_in_stock", _("Wishlist item back in stock")
    WISHLIST_PRICE_DROP = "wishlist_price_drop", _("Wishlist item price drop")
    CART_ABANDONED_FAVOURITE_ASSOCIATE = (
        "cart_abandoned_favourite_associate",
        _("Cart abandoned by a customer with a favourite associate"),
    )
    TICKET_CLOSED_SATISFACTION = (
        "ticket_closed_satisfaction",
        _("After-sales ticket closed: satisfaction follow-up"),
    )
    BIRTHDAY_SOON = "birthday_soon", _("Birthday coming up")
    LAPSED_VIP = "lapsed_vip", _("Lapsed VIP")
    APPOINTMENT_COMPLETED_FOLLOW_UP = (
        "appointment_completed_follow_up",
        _("Appointment completed: follow-up"),
    )


# Kinds that look back over recent events (lookback_hours); the others read a state.
EVENT_TRIGGER_KINDS = (
    TriggerKind.CART_ABANDONED_FAVOURITE_ASSOCIATE,
    TriggerKind.TICKET_CLOSED_SATISFACTION,
    TriggerKind.APPOINTMENT_COMPLETED_FOLLOW_UP,
)
# Kinds evaluated once a day (birthdays and lapsed customers change by the day).
DAILY_TRIGGER_KINDS = (TriggerKind.BIRTHDAY_SOON, TriggerKind.LAPSED_VIP)


class Trigger(TimeStampedModel):
    """A rule head office sets in the admin: when it holds for a customer, an associate gets a
    task and/or the outbound webhooks get a `customer.trigger_fired` event.

    Only the parameters of the trigger's kind are used (see `clean`). Any contact needs the
    customer's consent for `consent_purpose` by `consent_channel`, and stays within the
    contact cap of TriggerSettings.
    """

    Kind = TriggerKind

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    creates_task = models.BooleanField(
        _("creates an associate task"), default=True, help_text=_("A task in the store's “My day”.")
    )
    sends_event = models.BooleanField(
        _("sends an outbound event"),
        default=False,
        help_text=_("A signed “customer.trigger_fired” webhook, e.g. for the e-mailing tool."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    consent_purpose = models.CharField(
        _("consent purpose needed"), max_length=24, choices=ConsentPurpose
    )
    consent_channel = models.CharField(
        _("consent channel needed"),
        max_length=8,
        choices=ContactChannel,
        help_text=_("The customer must have granted this purpose for this channel."),
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("days ahead"), default=7, help_text=_("Birthday: how many days before it to act.")
    )
    loyalty_tiers = models.JSONField(
        _("loyalty tiers"),
        default=list,
        blank=True,
        help_text=_('Lapsed VIP: the tiers concerned, for example ["gold", "vip"].'),
    )
    minimum_price_drop_percent = models.PositiveSmallIntegerField(
        _("minimum price drop (%)"), default=10, help_text=_("Price drop: smallest drop announced.")
    )
    task_due_in_days = models.PositiveSmallIntegerField(
        _("task due in (days)"), default=0, help_text=_("0: the task is due the day it is created.")
    )
    lookback_hours = models.PositiveSmallIntegerField(
        _("lookback (hours)"),
        default=48,
        help_text=_(
            "Closed tickets, completed appointments, abandoned carts: how far back to look."
        ),
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=TriggerKind.values), name="trigger_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(creates_task=True) | models.Q(sends_event=True),
                name="trigger_has_an_action",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.creates_task or self.sends_event):
            errors["creates_task"] = _("Choose at least one action: a task or an event.")
        if self.creates_task and self.task_due_in_days > 30:
            errors["task_due_in_days"] = _("A task is due within 30 days at most.")
        errors.update(self._kind_parameter_errors())
        if errors:
            raise ValidationError(errors)

    def _kind_parameter_errors(self) -> dict[str, str]:
        kind = self.kind
        if kind == TriggerKind.BIRTHDAY_SOON and not 1 <= self.days_ahead <= 60:
            return {"days_ahead": _("Between 1 and 60 days before the birthday.")}
        drop = self.minimum_price_drop_percent
        if kind == TriggerKind.WISHLIST_PRICE_DROP and not 1 <= drop <= 90:
            return {"minimum_price_drop_percent": _("A drop between 1 and 90 %.")}
        if kind in EVENT_TRIGGER_KINDS and not 1 <= self.lookback_hours <= 720:
            return {"lookback_hours": _("Look back between 1 and 720 hours (30 days).")}
        if kind == TriggerKind.LAPSED_VIP:
            tiers = self.loyalty_tiers
            allowed = [tier for tier in LoyaltyTier.values if tier != LoyaltyTier.NONE]
            if not isinstance(tiers, list) or not tiers or not set(tiers) <= set(allowed):
                return {
                    "loyalty_tiers": _("Give a list of tiers among: %(tiers)s.")
                    % {"tiers": ", ".join(allowed)}
                }
        return {}

    @property
    def action_label(self) -> str:
        labels = [_("task")] * self.creates_task + [_("event")] * self.sends_event
        return " + ".join(str(label) for label in labels)


class TriggerSettings(models.Model):
    """The contact cap shared by every trigger (a single row, edited in the admin)."""

    contact_cap = models.PositiveSmallIntegerField(
        _("contacts per customer at most"),
        default=2,
        help_text=_("Tasks and events from all triggers together count as contacts."),
    )
    contact_cap_days = models.PositiveSmallIntegerField(_("within (days)"), default=7)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("trigger settings")
        verbose_name_plural = _("trigger settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="trigger_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(contact_cap__gte=1, contact_cap_days__gte=1),
                name="trigger_settings_cap_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Trigger settings"))

    @classmethod
    def load(cls) -> "TriggerSettings":
        return cls.objects.get_or_create(pk=1)[0]


class FiringOutcome(models.TextChoices):
    TASK_CREATED = "task_created", _("Task created")
    EVENT_SENT = "event_sent", _("Event sent")
    TASK_AND_EVENT = "task_and_event", _("Task created and event sent")
    SKIPPED_CAP = "skipped_cap", _("Skipped: contact cap reached")
    SKIPPED_NO_CONSENT = "skipped_no_consent", _("Skipped: no consent")
    SKIPPED_NO_ASSIGNEE = "skipped_no_assignee", _("Skipped: no store to follow up")
    SKIPPED_NO_RECEIVER = "skipped_no_receiver", _("Skipped: no webhook takes the event")
    SKIPPED_CUSTOMER_GONE = "skipped_customer_gone", _("Skipped: customer erased or merged")


# Outcomes that reached the customer, counted by the contact cap.
CONTACT_OUTCOMES = (
    FiringOutcome.TASK_CREATED,
    FiringOutcome.EVENT_SENT,
    FiringOutcome.TASK_AND_EVENT,
)


class TriggerFiring(models.Model):
    """One time a trigger held for a customer, and what came of it (a contact or a skip).

    `dedupe_key` names the event ("ticket:123", "birthday:2026"): unique per trigger and
    customer, so an evaluation run twice, or two at once, never acts twice on one event.
    A merge moves the firings to the surviving profile, which then counts them too.
    """

    Outcome = FiringOutcome

    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.PROTECT, related_name="firings"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="trigger_firings",
    )
    dedupe_key = models.CharField(_("event"), max_length=120)
    # The profile it fired for, kept when a merge moves the row to the surviving profile:
    # the uniqueness below then never blocks a merge of two profiles that both fired.
    fired_for_customer_id = models.BigIntegerField(_("fired for customer #"), editable=False)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome)
    detail = models.CharField(_("why"), max_length=300, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deliveries = models.PositiveSmallIntegerField(_("webhook deliveries"), default=0)

    class Meta:
        verbose_name = _("trigger firing")
        verbose_name_plural = _("trigger firings")
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["customer", "-fired_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "fired_for_customer_id", "dedupe_key"],
                name="trigger_firing_once_per_event",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=FiringOutcome.values),
                name="trigger_firing_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger_id} → {self.customer_id} ({self.dedupe_key})"


class WatchedProduct(models.Model):
    """What a wishlist trigger last saw of a wished-for product, to notice a change next run.

    `price` is the reference a drop is measured from: it follows rises and announced drops,
    so several small drops add up to an announced one.
    """

    trigger = models.ForeignKey(
        Trigger, verbose_name=_("trigger"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    price = models.DecimalField(_("reference price"), max_digits=12, decimal_places=2)
    in_stock = models.BooleanField(_("in stock"))
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("watched product")
        verbose_name_plural = _("watched products")
        constraints = [
            models.UniqueConstraint(
                fields=["trigger", "product"], name="watched_product_once_per_trigger"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ({self.trigger_id})"
