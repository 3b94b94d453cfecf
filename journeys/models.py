"""What customers do across channels: orders, returns, wishlists, SAV tickets, pickups, touchpoints.

Records that come from another system carry `source` + their id there, unique together, and
`source_updated_at`, so that an older update never overwrites a newer one.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, LifecycleStage
from omni.models import Channel, Product, StatusChange, Store, TimeStampedModel, currency_validator

MONEY = {"max_digits": 12, "decimal_places": 2}


def _user_fk(verbose_name: str, **options: object) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **options,
    )


def _customer_copy(related_name: str, on_delete: Any = models.PROTECT) -> models.ForeignKey:
    """A copy of the customer of the row this one belongs to (an order's, a wishlist's), so that
    her rows are read by an index on (customer, time) whatever her history. It follows its
    owner: `order_customer_propagate`, the admin, and merges (which move every customer row)."""
    return models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        db_index=False,  # the (customer, time) index serves lookups by customer
    )


def _status_is_valid(name: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(status__in=choices.values), name=name)


class Fulfilment(models.TextChoices):
    SHIPPING = "shipping", _("Home delivery")
    CLICK_AND_COLLECT = "click_and_collect", _("Click & collect")
    IN_STORE = "in_store", _("Taken in store")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    CONFIRMED = "confirmed", _("Confirmed")
    FULFILLED = "fulfilled", _("Fulfilled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Order(TimeStampedModel):
    Status = OrderStatus

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        # Looked up through the (customer, -placed_at) and (customer, store) indexes: a third
        # index of the same column would only slow every order written down.
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=64, help_text=_("shopify, pos, app..."))
    external_reference = models.CharField(_("reference"), max_length=128)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.CONFIRMED)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=0)
    discount_total = models.DecimalField(_("discounts"), **MONEY, default=0)
    shipping_total = models.DecimalField(_("shipping"), **MONEY, default=0)
    tax_total = models.DecimalField(_("taxes"), **MONEY, default=0)
    total = models.DecimalField(_("total"), **MONEY, default=0)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        help_text=_("Where it was sold, or where it is collected."),
    )
    sold_by = _user_fk(_("sold or influenced by"))
    fulfilment = models.CharField(
        _("fulfilment"), max_length=20, choices=Fulfilment, default=Fulfilment.IN_STORE
    )
    source_updated_at = models.DateTimeField(_("updated at source"), null=True, blank=True)
    # What the ingest last wrote (fingerprints of the record and of its customer as received)
    # and when: a record received again with the same fingerprint, when nothing else changed
    # the order since (updated_at <= ingested_at), is known unchanged without being resolved or
    # staged; a changed record with the same customer keeps its customer without resolving.
    ingest_digest = models.CharField(
        _("fingerprint of the last record received"),
        max_length=32,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    ingest_customer_digest = models.CharField(
        _("fingerprint of the customer last received with it"),
        max_length=32,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    ingested_at = models.DateTimeField(
        _("last written from a record received"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"]),
            # The search box finds an order by its reference whatever its source.
            models.Index(fields=["external_reference"], name="order_reference_idx"),
            # A plain index: db_index on a CharField adds a LIKE one no query uses.
            models.Index(fields=["channel"], name="order_channel"),
            # The admin's status filter, newest first: a rare status without a scan.
            models.Index(fields=["status", "placed_at"], name="order_status_placed_at"),
            # A store-limited API client: is she a customer of this store (an order there),
            # and this store's orders in the API's cursor order.
            models.Index(fields=["customer", "store"], name="order_customer_store"),
            models.Index(fields=["store", "updated_at", "id"], name="order_store_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_reference"],
                name="order_unique_source_reference",
                violation_error_message=_("An order with this reference already exists."),
            ),
            _status_is_valid("order_status_valid", OrderStatus),
            models.CheckConstraint(
                condition=models.Q(
                    subtotal__gte=0,
                    discount_total__gte=0,
                    shipping_total__gte=0,
                    tax_total__gte=0,
                    total__gte=0,
                ),
                name="order_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_reference}"


class OrderStatusChange(StatusChange):
    subject = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # line_unique_number (order, line_number) is the index of the order
    )
    line_number = models.PositiveSmallIntegerField(_("line"))
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    size = models.CharField(_("size"), max_length=20, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount = models.DecimalField(_("discount"), **MONEY, default=0)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="line_unique_number"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="line_quantity_gt_0"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0, discount__gte=0, total__gte=0),
                name="line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Received")
    REFUNDED = "refunded", _("Refunded")
    REJECTED = "rejected", _("Rejected")


class Return(TimeStampedModel):
    """Goods brought back or money paid back, possibly in another channel than the sale.

    What a refund is made of: its lines (each with its tax when the shop adds tax to prices),
    the shipping refunded, and an adjustment without lines: a goodwill gesture, or a refund
    discrepancy when the shop paid back less (negative) or more than the lines and shipping.
    `refund_amount` is what was paid back, always `lines + shipping_refund + adjustment`; a
    refund of shipping alone, or an adjustment alone, has no lines.
    """

    Status = ReturnStatus

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns"
    )
    customer = _customer_copy("returns")
    source = models.CharField(_("source"), max_length=64)
    external_reference = models.CharField(_("reference"), max_length=128)
    channel = models.CharField(_("returned via"), max_length=20, choices=Channel)
    store = models.ForeignKey(
        Store,
        verbose_name=_("returned in store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RECEIVED)
    returned_at = models.DateTimeField(_("returned at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    refund_amount = models.DecimalField(
        _("refund amount"),
        **MONEY,
        default=0,
        help_text=_("Paid back in all: the lines, the shipping refunded and the adjustment."),
    )
    # db_default: rows written by SQL (history import, benchmarks) get them too.
    shipping_refund = models.DecimalField(_("shipping refunded"), **MONEY, default=0, db_default=0)
    adjustment = models.DecimalField(
        _("adjustment"),
        **MONEY,
        default=0,
        db_default=0,
        help_text=_(
            "Paid back beyond the lines and shipping (a goodwill gesture), or short of them "
            "(negative: a refund discrepancy)."
        ),
    )
    adjustment_reason = models.CharField(
        _("reason for the adjustment"), max_length=200, blank=True, default="", db_default=""
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    processed_by = _user_fk(_("processed by"))
    source_updated_at = models.DateTimeField(_("updated at source"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-returned_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-returned_at"]),
            # The admin finds a return by its reference whatever its source.
            models.Index(fields=["external_reference"], name="return_reference_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_reference"], name="return_unique_source_reference"
            ),
            _status_is_valid("return_status_valid", ReturnStatus),
            models.CheckConstraint(
                condition=models.Q(refund_amount__gte=0), name="return_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(shipping_refund__gte=0),
                name="return_shipping_refund_not_negative",
            ),
            # The lines' share (refund - shipping - adjustment) cannot be negative.
            models.CheckConstraint(
                condition=models.Q(
                    refund_amount__gte=models.F("shipping_refund") + models.F("adjustment")
                ),
                name="return_lines_share_not_negative",
                violation_error_message=_(
                    "The shipping refunded and the adjustment exceed the refund amount."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(adjustment=0) | ~models.Q(adjustment_reason=""),
                name="return_adjustment_has_reason",
                violation_error_message=_("Say why the refund has an adjustment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_reference}"

    @property
    def lines_amount(self) -> Decimal:
        """What the lines account for (the rest of the refund is shipping and adjustment)."""
        return self.refund_amount - self.shipping_refund - self.adjustment


class ReturnLine(models.Model):
    parent = models.ForeignKey(
        Return, verbose_name=_("return"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    refund_amount = models.DecimalField(_("refund amount"), **MONEY, default=0)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="return_line_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(refund_amount__gte=0), name="return_line_refund_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line_id}"


class Wishlist(TimeStampedModel):
    """A customer's wishlist, the same one on the web and in store."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="wishlists"
    )
    name = models.CharField(_("name"), max_length=80, default="Wishlist")

    class Meta:
        verbose_name = _("wishlist")
        verbose_name_plural = _("wishlists")
        constraints = [
            models.UniqueConstraint(fields=["customer", "name"], name="wishlist_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"


class WishlistItem(models.Model):
    wishlist = models.ForeignKey(
        Wishlist, verbose_name=_("wishlist"), on_delete=models.CASCADE, related_name="items"
    )
    customer = _customer_copy("wishlist_items", on_delete=models.CASCADE)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    size = models.CharField(_("size"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("added at"), db_index=True)
    added_via = models.CharField(_("added via"), max_length=20, choices=Channel)
    added_at_store = models.ForeignKey(
        Store,
        verbose_name=_("added in store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_by = _user_fk(_("added by"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_via = models.CharField(_("removed via"), max_length=20, choices=Channel, blank=True)

    class Meta:
        verbose_name = _("wishlist item")
        verbose_name_plural = _("wishlist items")
        ordering = ["-added_at"]
        indexes = [models.Index(fields=["customer", "-added_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["wishlist", "product", "size"],
                condition=models.Q(removed_at__isnull=True),
                name="wishlist_item_unique_active",
                violation_error_message=_("This product is already on the wishlist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.wishlist_id}"


class TicketKind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange")
    REFUND = "refund", _("Refund")
    COMPLAINT = "complaint", _("Complaint")
    QUESTION = "question", _("Question")
    WARRANTY = "warranty", _("Warranty")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    READY = "ready", _("Ready")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class AfterSalesTicket(TimeStampedModel):
    """An SAV ticket: repair, exchange, refund, complaint, question or warranty claim."""

    Kind = TicketKind

    Status = TicketStatus

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="after_sales_tickets",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.OPEN)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="after_sales_tickets",
    )
    order_line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="after_sales_tickets",
    )
    channel_opened = models.CharField(_("opened via"), max_length=20, choices=Channel)
    opened_by = _user_fk(_("opened by"))
    assigned_to = _user_fk(_("assigned to"))
    sla_due_at = models.DateTimeField(_("due by (SLA)"), db_index=True)
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales ticket")
        verbose_name_plural = _("after-sales tickets")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        constraints = [
            _status_is_valid("ticket_status_valid", TicketStatus),
            models.CheckConstraint(
                condition=models.Q(kind__in=TicketKind.values), name="ticket_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class AfterSalesStatusChange(StatusChange):
    subject = models.ForeignKey(
        AfterSalesTicket, on_delete=models.CASCADE, related_name="status_changes"
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("ticket status change")
        verbose_name_plural = _("ticket status changes")


class AfterSalesMessage(models.Model):
    ticket = models.ForeignKey(
        AfterSalesTicket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = _user_fk(_("author"))
    from_customer = models.BooleanField(_("from the customer"), default=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(_("internal note"), default=False)
    sent_at = models.DateTimeField(_("sent at"), db_index=True)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class PickupStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PREPARING = "preparing", _("Preparing")
    READY = "ready", _("Ready for pickup")
    COLLECTED = "collected", _("Collected")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Pickup(TimeStampedModel):
    """Click & collect: one per order, collected in a store with an unguessable code."""

    Status = PickupStatus

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="pickup"
    )
    customer = _customer_copy("pickups")
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="pickups"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLACED)
    code = models.CharField(_("pickup code"), max_length=12, unique=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    pickup_by = models.DateField(_("collect by"), null=True, blank=True, db_index=True)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = _user_fk(_("handed over by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        constraints = [
            _status_is_valid("pickup_status_valid", PickupStatus),
            models.CheckConstraint(
                condition=~models.Q(status="collected") | models.Q(collected_at__isnull=False),
                name="pickup_collected_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PickupStatusChange(StatusChange):
    subject = models.ForeignKey(Pickup, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        verbose_name = _("pickup status change")
        verbose_name_plural = _("pickup status changes")


class TouchpointKind(models.TextChoices):
    WEB_VISIT = "web_visit", _("Web visit")
    PRODUCT_VIEW = "product_view", _("Product viewed")
    CART_ABANDONED = "cart_abandoned", _("Cart abandoned")
    EMAIL_OPENED = "email_opened", _("Email opened")
    EMAIL_CLICKED = "email_clicked", _("Email clicked")
    SMS_CLICKED = "sms_clicked", _("SMS clicked")
    SOCIAL = "social", _("Social interaction")
    REVIEW = "review", _("Review")
    CALL = "call", _("Call")
    CHAT = "chat", _("Chat")
    STORE_VISIT = "store_visit", _("Store visit")


class Touchpoint(models.Model):
    """One interaction in any channel: a web visit, an email opened, a store visit..."""

    Kind = TouchpointKind

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="touchpoints"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="touchpoint_unique_source_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=TouchpointKind.values), name="touchpoint_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"


class LifecycleSettings(models.Model):
    """Head office's thresholds for the lifecycle stages (a single row, edited in the admin)."""

    retention_min_orders = models.PositiveSmallIntegerField(
        _("repeat purchases from"),
        default=2,
        help_text=_("A customer with at least this many purchases is in retention."),
    )
    loyalty_min_orders = models.PositiveSmallIntegerField(
        _("loyalty: purchases"),
        default=4,
        help_text=_("Loyalty: at least this many purchases within the window below..."),
    )
    loyalty_window_months = models.PositiveSmallIntegerField(
        _("loyalty: window (months)"), default=12
    )
    loyalty_tiers = models.JSONField(
        _("loyalty: qualifying tiers"),
        default=list,
        blank=True,
        help_text=_('...or one of these loyalty tiers, for example ["gold", "platinum"].'),
    )
    lapsed_after_months = models.PositiveSmallIntegerField(
        _("lapsed after (months)"),
        default=12,
        help_text=_("A customer whose last purchase is older than this is lapsed."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lifecycle settings")
        verbose_name_plural = _("lifecycle settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="lifecycle_settings_single_row"),
            models.CheckConstraint(
                condition=models.Q(retention_min_orders__gte=2), name="lifecycle_retention_min_2"
            ),
            models.CheckConstraint(
                condition=models.Q(loyalty_window_months__gte=1)
                & models.Q(lapsed_after_months__gte=1)
                & models.Q(loyalty_min_orders__gte=1),
                name="lifecycle_thresholds_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Lifecycle settings"))


class LifecycleTrigger(models.TextChoices):
    EVENT = "event", _("New activity")
    NIGHTLY = "nightly", _("Nightly recompute")
    SETTINGS = "settings", _("Thresholds changed")
    MANUAL = "manual", _("Recomputed by head office")


class LifecycleStageChange(models.Model):
    """One change of a customer's lifecycle stage: when, from what, to what and why."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
    )
    from_stage = models.CharField(_("from"), max_length=12, choices=LifecycleStage, blank=True)
    to_stage = models.CharField(_("to"), max_length=12, choices=LifecycleStage)
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    reason = models.CharField(_("why"), max_length=255)
    trigger = models.CharField(_("trigger"), max_length=10, choices=LifecycleTrigger)

    class Meta:
        verbose_name = _("lifecycle stage change")
        verbose_name_plural = _("lifecycle stage changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"


class CustomerMetrics(models.Model):
    """Per-customer figures derived from orders, returns and touchpoints.

    Maintained with the lifecycle stage (incrementally and nightly); segments and dashboards
    read it instead of aggregating millions of orders. `channels` holds the purchase channels
    as ",store,web," so that "used the web" is a portable `contains` lookup.
    """

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="metrics",
    )
    order_count = models.PositiveIntegerField(_("purchases"), default=0, db_index=True)
    total_spent = models.DecimalField(_("spent"), **MONEY, default=0, db_index=True)
    total_refunded = models.DecimalField(_("refunded"), **MONEY, default=0)
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    first_order_at = models.DateTimeField(_("first purchase"), null=True, blank=True, db_index=True)
    last_order_at = models.DateTimeField(_("last purchase"), null=True, blank=True, db_index=True)
    first_order_channel = models.CharField(
        _("first purchase channel"), max_length=20, choices=Channel, blank=True
    )
    channels = models.CharField(_("purchase channels"), max_length=120, blank=True)
    channel_count = models.PositiveSmallIntegerField(_("channels used"), default=0, db_index=True)
    first_purchase_path = models.CharField(
        _("path to first purchase"),
        max_length=255,
        blank=True,
        help_text=_(
            "Channels of the interactions before the first purchase, e.g. social>web>store."
        ),
    )
    touchpoint_count = models.PositiveIntegerField(_("interactions"), default=0)
    last_touchpoint_at = models.DateTimeField(_("last interaction"), null=True, blank=True)
    # The key figures of the tablet's customer page, so that it reads one row whatever her
    # history: orders not cancelled by channel ({"web": {"orders": 2, "total": "80.00"}}),
    # last visit in store (store order or store visit), the store
    # where she bought most often, and the categories she bought most (by quantity).
    orders_by_channel = models.JSONField(_("orders by channel"), default=dict, blank=True)
    last_store_visit_at = models.DateTimeField(_("last store visit"), null=True, blank=True)
    most_visited_store = models.ForeignKey(
        Store,
        verbose_name=_("store bought in most"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    top_categories = models.JSONField(_("categories bought most"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")

    def __str__(self) -> str:
        return str(self.customer_id)

    @property
    def channel_list(self) -> list[str]:
        return [channel for channel in self.channels.split(",") if channel]


# The e-shop integration's models live in their own module; importing them registers them.
# What import_history remembers of each file, to resume it; importing registers the models.
from journeys.history_import.models import HistoryImport, HistoryImportChunk  # noqa: E402, F401
from journeys.integrations.models import (  # noqa: E402, F401
    OutboundDelivery,
    OutboundWebhook,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
