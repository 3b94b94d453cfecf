"""Head-office admin of what customers do: orders, returns, wishlists, SAV, pickups, touchpoints.

Statuses are read-only on the forms: they move only through the workflow services, called by
the admin actions, which write the history shown inline.
"""

import functools
from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.admin import CustomerSearchMixin
from journeys.integrations.inbox import webhook_delivery_replay
from journeys.integrations.models import (
    WEBHOOK_SECRET_ROTATION_GRACE,
    OutboundDelivery,
    OutboundEvent,
    OutboundWebhook,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from journeys.models import (
    AfterSalesMessage,
    AfterSalesStatusChange,
    AfterSalesTicket,
    Order,
    OrderLine,
    OrderStatusChange,
    Pickup,
    PickupStatusChange,
    Return,
    ReturnLine,
    Touchpoint,
    Wishlist,
    WishlistItem,
)
from journeys.outbound import outbound_delivery_resend
from journeys.services import (
    order_customer_propagate,
    order_set_status,
    orders_mark_changed,
    pickup_cancel,
    pickup_create,
    pickup_expire,
    pickup_mark_ready,
    pickup_start_preparing,
    ticket_add_message,
    ticket_open,
    ticket_transition,
)
from journeys.tasks import integration_sync_task
from omni.access_journal_admin import JournaledAdminMixin
from omni.admin_toolkit import (
    RECORD_SECTION,
    AppendOnlyAdminMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    ReadOnlyAdminMixin,
    ReadOnlyStackedInline,
    ReadOnlyTabularInline,
    StatusHistoryAdmin,
    StatusHistoryInline,
    TabularInline,
    indexed_values_filter,
    related_count,
    service_action,
    transition_action,
)


def money(amount: Any, currency: str) -> str:
    return f"{amount} {currency}"


# Orders and returns ------------------------------------------------------------------------


class OrderLineInline(TabularInline):
    model = OrderLine
    fields = (
        "line_number",
        "product",
        "sku",
        "name",
        "size",
        "quantity",
        "unit_price",
        "discount",
        "total",
    )
    autocomplete_fields = ("product",)


class ReturnSummaryInline(ReadOnlyTabularInline):
    model = Return
    fields = (
        "external_reference",
        "status",
        "channel",
        "store",
        "returned_at",
        "refund_amount",
        "shipping_refund",
        "adjustment",
        "adjustment_reason",
        "currency",
    )
    related_to_load = ("store",)
    show_change_link = True
    verbose_name_plural = _("returns")


class PickupSummaryInline(ReadOnlyStackedInline):
    model = Pickup
    fields = ("code", "store", "status", "ready_at", "pickup_by", "collected_at", "collected_by")
    related_to_load = ("store", "collected_by")
    show_change_link = True


class OrderStatusHistoryInline(StatusHistoryInline):
    model = OrderStatusChange


def _order_action(status: str, description: str, description_plural: str) -> Any:
    return transition_action(
        name=f"order_to_{status}",
        description=description,
        description_plural=description_plural,
        move=lambda order, actor: order_set_status(order=order, status=status, actor=actor),
    )


@admin.register(Order)
class OrderAdmin(JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "customer",
        "channel",
        "status",
        "store",
        "total_with_currency",
        "fulfilment",
        "placed_at",
    )
    list_filter = (
        "status",
        "channel",
        "fulfilment",
        "store",
        indexed_values_filter("source", _("source")),
        ("placed_at", admin.DateFieldListFilter),
    )
    list_select_related = ("customer", "store")
    sortable_by = ("placed_at",)
    exact_search_fields = ("external_reference",)
    search_help_text = _(
        "Order reference, exactly; or the customer: name (or its start), email, phone, "
        "loyalty number or id in another system (the first 500 customers found)."
    )
    autocomplete_fields = ("customer", "sold_by")
    readonly_fields = ("status", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {"fields": ("source", "external_reference", "customer", "status", "placed_at")},
        ),
        (_("Where"), {"fields": ("channel", "store", "sold_by", "fulfilment")}),
        (
            _("Amounts"),
            {
                "fields": (
                    "currency",
                    "subtotal",
                    "discount_total",
                    "shipping_total",
                    "tax_total",
                    "total",
                )
            },
        ),
        (
            RECORD_SECTION,
            {"fields": ("source_updated_at", "created_at", "updated_at")},
        ),
    )
    inlines = (
        OrderLineInline,
        ReturnSummaryInline,
        PickupSummaryInline,
        OrderStatusHistoryInline,
    )
    actions = (
        _order_action(Order.Status.CONFIRMED, _("Confirm"), _("Confirm selected orders")),
        _order_action(
            Order.Status.FULFILLED, _("Mark fulfilled"), _("Mark selected orders fulfilled")
        ),
        _order_action(
            Order.Status.COMPLETED, _("Mark completed"), _("Mark selected orders completed")
        ),
        _order_action(Order.Status.CANCELLED, _("Cancel order"), _("Cancel selected orders")),
    )

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "customer" in form.changed_data:
            order_customer_propagate(order=obj)

    @admin.display(description=_("total"), ordering="total")
    def total_with_currency(self, order: Order) -> str:
        return money(order.total, order.currency)


@admin.register(OrderStatusChange)
class OrderStatusChangeAdmin(JournaledAdminMixin, CustomerSearchMixin, StatusHistoryAdmin):
    status_choices = Order.Status
    customer_paths = ("subject__customer",)
    exact_search_fields = ("subject__external_reference",)


@admin.register(OrderLine)
class OrderLineAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = (
        "order",
        "line_number",
        "sku",
        "name",
        "size",
        "quantity",
        "unit_price",
        "total",
    )
    list_select_related = ("order",)
    customer_paths = ("order__customer",)
    exact_search_fields = ("order__external_reference",)
    search_help_text = _("Order reference, exactly; or the customer.")
    # Latest orders first, in the order of the (order, line number) index; the model's order
    # follows the order's own (its date), which would sort every line.
    ordering = ("-order_id", "line_number")
    autocomplete_fields = ("order", "product")


def _order_before(form: Any) -> list[int]:
    """The order a return belonged to before the form moved it to another, if it did."""
    before = form.initial.get("order") if "order" in form.changed_data else None
    return [before] if before else []


class ReturnLineInline(TabularInline):
    model = ReturnLine
    fields = ("order_line", "quantity", "refund_amount")
    autocomplete_fields = ("order_line",)


@admin.register(Return)
class ReturnAdmin(JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "order",
        "customer",
        "channel",
        "store",
        "status",
        "refund_with_currency",
        "returned_at",
    )
    list_filter = ("status", "channel", "store", ("returned_at", admin.DateFieldListFilter))
    # Returns and pickups carry their order's customer (kept in step), indexed with their time.
    list_select_related = ("order", "customer", "store")
    sortable_by = ("returned_at",)
    exact_search_fields = ("external_reference", "order__external_reference")
    search_help_text = _("Return or order reference, exactly; or the customer.")
    autocomplete_fields = ("order", "processed_by")
    readonly_fields = ("customer", "lines_share", "created_at", "updated_at")
    # The refund is shown as what it is made of: lines, shipping and an adjustment.
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "order",
                    "customer",
                    ("source", "external_reference"),
                    ("channel", "store"),
                    "status",
                    "returned_at",
                    "reason",
                    "processed_by",
                )
            },
        ),
        (
            _("Refund"),
            {
                "fields": (
                    ("refund_amount", "currency"),
                    "lines_share",
                    "shipping_refund",
                    ("adjustment", "adjustment_reason"),
                )
            },
        ),
        (_("History"), {"fields": ("source_updated_at", "created_at", "updated_at")}),
    )
    inlines = (ReturnLineInline,)

    def save_model(self, request: HttpRequest, obj: Return, form: Any, change: bool) -> None:
        obj.customer_id = obj.order.customer_id  # her copy, read by index (`Return.customer`)
        super().save_model(request, obj, form, change)
        # The order is read with its returns: the `updated_since` feed must show it again.
        orders_mark_changed(order_ids=[obj.order_id, *_order_before(form)])

    def delete_model(self, request: HttpRequest, obj: Return) -> None:
        super().delete_model(request, obj)
        orders_mark_changed(order_ids=[obj.order_id])

    @admin.display(description=_("lines"))
    def lines_share(self, parent: Return) -> str:
        """What the lines account for: the refund less its shipping and adjustment."""
        if parent.pk is None:
            return "-"
        return money(parent.lines_amount, parent.currency)

    @admin.display(description=_("refund"), ordering="refund_amount")
    def refund_with_currency(self, parent: Return) -> str:
        return money(parent.refund_amount, parent.currency)


@admin.register(ReturnLine)
class ReturnLineAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = ("parent", "order_line", "quantity", "refund_amount")
    list_select_related = ("parent", "order_line")
    customer_paths = ("parent__customer",)
    exact_search_fields = ("parent__external_reference",)
    search_help_text = _("Return reference, exactly; or the customer.")
    autocomplete_fields = ("parent", "order_line")


# Wishlists ---------------------------------------------------------------------------------


class WishlistItemInline(ReadOnlyTabularInline):
    model = WishlistItem
    fields = (
        "product",
        "size",
        "note",
        "added_at",
        "added_via",
        "added_at_store",
        "added_by",
        "removed_at",
    )
    related_to_load = ("product", "added_at_store", "added_by")
    show_change_link = True


@admin.register(Wishlist)
class WishlistAdmin(JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin):
    list_display = ("name", "customer", "item_count", "created_at", "updated_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    list_select_related = ("customer",)
    sortable_by = ("created_at",)
    autocomplete_fields = ("customer",)
    inlines = (WishlistItemInline,)
    # The model has no default order; autocomplete pages need one to paginate. Newest first,
    # as the index on the creation time reads them.
    ordering = ("-created_at", "-id")

    def save_model(self, request: HttpRequest, obj: Wishlist, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "customer" in form.changed_data:
            # Her items carry a copy of the wishlist's customer (`WishlistItem.customer`).
            obj.items.exclude(customer_id=obj.customer_id).update(customer_id=obj.customer_id)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        on_the_list = related_count(Wishlist, "items", removed_at__isnull=True)
        return super().get_queryset(request).annotate(item_count=on_the_list)

    @admin.display(description=_("items"), ordering="item_count")
    def item_count(self, wishlist: Wishlist) -> int:
        return wishlist.item_count


class StillWishedFilter(admin.SimpleListFilter):
    title = _("on the list")
    parameter_name = "on_the_list"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("Still on the list")), ("no", _("Removed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(removed_at__isnull=self.value() == "yes")
        return queryset


@admin.register(WishlistItem)
class WishlistItemAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = (
        "product",
        "customer",
        "size",
        "added_via",
        "added_at_store",
        "added_at",
        "removed_at",
    )
    list_filter = (
        StillWishedFilter,
        "added_via",
        "added_at_store",
        ("added_at", admin.DateFieldListFilter),
    )
    list_select_related = ("product", "customer", "added_at_store")
    sortable_by = ("added_at",)
    exact_search_fields = ("product__sku",)
    search_help_text = _("Product SKU, exactly; or the customer.")
    autocomplete_fields = ("wishlist", "product", "added_by")
    readonly_fields = ("customer",)

    def save_model(self, request: HttpRequest, obj: WishlistItem, form: Any, change: bool) -> None:
        obj.customer_id = obj.wishlist.customer_id  # her copy (`WishlistItem.customer`)
        super().save_model(request, obj, form, change)


# After-sales tickets (SAV) -----------------------------------------------------------------


class AfterSalesMessageInline(AppendOnlyAdminMixin, TabularInline):
    """Sent messages stay as they were; a new row is a new message, sent by the service."""

    model = AfterSalesMessage
    fields = ("sent_at", "author", "from_customer", "channel", "body", "is_internal")
    readonly_fields = ("sent_at", "author")
    related_to_load = ("author",)


class AfterSalesStatusHistoryInline(StatusHistoryInline):
    model = AfterSalesStatusChange


class OverdueFilter(admin.SimpleListFilter):
    title = _("service level")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        overdue = Q(sla_due_at__lt=timezone.now(), closed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


def _ticket_action(status: str, description: str, description_plural: str) -> Any:
    return transition_action(
        name=f"ticket_to_{status}",
        description=description,
        description_plural=description_plural,
        move=lambda ticket, actor: ticket_transition(ticket=ticket, status=status, actor=actor),
    )


@admin.register(AfterSalesTicket)
class AfterSalesTicketAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = (
        "reference",
        "subject",
        "customer",
        "kind",
        "status",
        "store",
        "assigned_to",
        "sla_due_at",
        "created_at",
    )
    list_filter = (
        "status",
        OverdueFilter,
        "kind",
        "store",
        "channel_opened",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("customer", "store", "assigned_to")
    sortable_by = ("sla_due_at", "created_at")
    exact_search_fields = ("reference",)
    search_help_text = _("Ticket reference, exactly; or the customer.")
    autocomplete_fields = ("customer", "order", "order_line", "product", "assigned_to")
    add_fields = (
        "customer",
        "kind",
        "subject",
        "description",
        "channel_opened",
        "store",
        "order_line",
        "product",
    )
    readonly_fields = (
        "reference",
        "customer",
        "status",
        "kind",
        "channel_opened",
        "opened_by",
        "closed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("reference", "customer", "kind", "status", "subject", "description")}),
        (_("Product"), {"fields": ("order", "order_line", "product")}),
        (
            _("Handling"),
            {"fields": ("store", "channel_opened", "opened_by", "assigned_to", "sla_due_at")},
        ),
        (_("Outcome"), {"fields": ("resolution", "closed_at", "created_at", "updated_at")}),
    )
    inlines = (AfterSalesMessageInline, AfterSalesStatusHistoryInline)
    actions = (
        _ticket_action(
            AfterSalesTicket.Status.IN_PROGRESS,
            _("Move to in progress"),
            _("Move selected tickets to in progress"),
        ),
        _ticket_action(
            AfterSalesTicket.Status.WAITING_CUSTOMER,
            _("Move to waiting for customer"),
            _("Move selected tickets to waiting for customer"),
        ),
        _ticket_action(
            AfterSalesTicket.Status.READY, _("Move to ready"), _("Move selected tickets to ready")
        ),
        _ticket_action(
            AfterSalesTicket.Status.CLOSED, _("Close ticket"), _("Close selected tickets")
        ),
        _ticket_action(
            AfterSalesTicket.Status.CANCELLED, _("Cancel ticket"), _("Cancel selected tickets")
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def create_through_service(
        self, request: HttpRequest, data: dict[str, Any]
    ) -> AfterSalesTicket:
        return ticket_open(
            customer=data["customer"],
            kind=data["kind"],
            subject=data["subject"],
            channel=data["channel_opened"],
            actor=request.user,
            store=data["store"],
            description=data["description"],
            order_line=data["order_line"],
            product=data["product"],
        )

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseFormSet, change: bool
    ) -> None:
        if formset.model is not AfterSalesMessage:
            super().save_formset(request, form, formset, change)
            return
        for message in formset.save(commit=False):
            ticket_add_message(
                ticket=form.instance,
                body=message.body,
                actor=request.user,
                channel=message.channel,
                from_customer=message.from_customer,
                is_internal=message.is_internal,
            )


@admin.register(AfterSalesStatusChange)
class AfterSalesStatusChangeAdmin(JournaledAdminMixin, CustomerSearchMixin, StatusHistoryAdmin):
    status_choices = AfterSalesTicket.Status
    customer_paths = ("subject__customer",)
    exact_search_fields = ("subject__reference",)


@admin.register(AfterSalesMessage)
class AfterSalesMessageAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    AppendOnlyAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = (
        "sent_at",
        "ticket",
        "author",
        "channel",
        "from_customer",
        "is_internal",
        "body",
    )
    list_filter = (
        "channel",
        "from_customer",
        "is_internal",
        ("sent_at", admin.DateFieldListFilter),
    )
    list_select_related = ("ticket", "author")
    sortable_by = ("sent_at",)
    customer_paths = ("ticket__customer",)
    exact_search_fields = ("ticket__reference",)
    search_help_text = _("Ticket reference, exactly; or the customer.")
    autocomplete_fields = ("ticket",)
    add_fields = ("ticket", "channel", "from_customer", "is_internal", "body")
    fields = (*add_fields, "author", "sent_at")

    def create_through_service(
        self, request: HttpRequest, data: dict[str, Any]
    ) -> AfterSalesMessage:
        return ticket_add_message(
            ticket=data["ticket"],
            body=data["body"],
            actor=request.user,
            channel=data["channel"],
            from_customer=data["from_customer"],
            is_internal=data["is_internal"],
        )


# Click & collect ---------------------------------------------------------------------------


class PickupStatusHistoryInline(StatusHistoryInline):
    model = PickupStatusChange


def _pickup_action(name: str, description: str, description_plural: str, service: Any) -> Any:
    return transition_action(
        name=name,
        description=description,
        description_plural=description_plural,
        move=lambda pickup, actor: service(pickup=pickup, actor=actor),
    )


@admin.register(Pickup)
class PickupAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = (
        "code",
        "order",
        "customer",
        "store",
        "status",
        "ready_at",
        "pickup_by",
        "collected_at",
    )
    list_filter = ("status", "store", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("order", "customer", "store")
    exact_search_fields = ("code", "order__external_reference")
    search_help_text = _("Pickup code or order reference, exactly; or the customer.")
    autocomplete_fields = ("order",)
    add_fields = ("order", "store", "pickup_by")
    readonly_fields = (
        "order",
        "code",
        "status",
        "ready_at",
        "collected_at",
        "collected_by",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    fields = (
        "order",
        "code",
        "store",
        "status",
        "pickup_by",
        "ready_at",
        "collected_at",
        "collected_by",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    inlines = (PickupStatusHistoryInline,)
    actions = (
        _pickup_action(
            "pickup_start_preparing",
            _("Start preparing"),
            _("Start preparing selected pickups"),
            pickup_start_preparing,
        ),
        _pickup_action(
            "pickup_mark_ready",
            _("Mark ready"),
            _("Mark selected pickups ready"),
            pickup_mark_ready,
        ),
        _pickup_action(
            "pickup_cancel", _("Cancel pickup"), _("Cancel selected pickups"), pickup_cancel
        ),
        _pickup_action(
            "pickup_expire",
            _("Mark expired"),
            _("Mark selected pickups expired"),
            pickup_expire,
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Pickup, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:  # The order is read with its pickup (store, collection date).
            orders_mark_changed(order_ids=[obj.order_id])

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Pickup:
        return pickup_create(
            order=data["order"],
            store=data["store"],
            actor=request.user,
            pickup_by=data["pickup_by"],
        )


@admin.register(PickupStatusChange)
class PickupStatusChangeAdmin(JournaledAdminMixin, CustomerSearchMixin, StatusHistoryAdmin):
    status_choices = Pickup.Status
    customer_paths = ("subject__customer",)
    exact_search_fields = ("subject__code",)


# Touchpoints -------------------------------------------------------------------------------


@admin.register(Touchpoint)
class TouchpointAdmin(
    JournaledAdminMixin, CustomerSearchMixin, BigTableAdminMixin, admin.ModelAdmin
):
    list_display = ("occurred_at", "customer", "kind", "channel", "store", "product", "source")
    # No filter on the source: no index starts with it, so listing its values reads every row.
    list_filter = ("kind", "channel", "store", ("occurred_at", admin.DateFieldListFilter))
    list_select_related = ("customer", "store", "product")
    sortable_by = ("occurred_at",)
    autocomplete_fields = ("customer", "product")
    readonly_fields = ("created_at",)


# E-shop integrations -----------------------------------------------------------------------


class WriteOnlySecretsForm(forms.ModelForm):
    """Secrets are typed in but never shown again; left empty, the stored one is kept."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name in self.fields:
                self.fields[name].widget = forms.PasswordInput(render_value=False)
                # Never shown back: only whether one is set.
                if self.instance.pk and getattr(self.instance, name):
                    self.fields[name].required = False
                    status = gettext("Set; leave empty to keep it.")
                else:
                    status = gettext("Not set.")
                help_text = self.fields[name].help_text
                self.fields[name].help_text = f"{status} {help_text}".strip()

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        for name in self.secret_fields:
            if name in cleaned_data and not cleaned_data[name] and self.instance.pk:
                cleaned_data[name] = getattr(self.instance, name)
        return cleaned_data


class ShopIntegrationForm(WriteOnlySecretsForm):
    secret_fields = ("api_secret", "webhook_secret", "previous_webhook_secret")

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        old, new = self.instance.webhook_secret, cleaned_data.get("webhook_secret")
        typed_previous = self.data.get(self.add_prefix("previous_webhook_secret"))
        rotated = self.instance.pk and old and new and new != old and not typed_previous
        if rotated:
            # A rotation: the shop may still sign with the old secret for a while.
            cleaned_data["previous_webhook_secret"] = old
        if rotated or typed_previous:
            # A previous secret set now always gets an end date (none: never accepted).
            until = cleaned_data.get("previous_secret_valid_until")
            if until is None or until <= timezone.now():
                until = timezone.now() + WEBHOOK_SECRET_ROTATION_GRACE
            cleaned_data["previous_secret_valid_until"] = until
        return cleaned_data


def _queue_pull(request: HttpRequest, integration: ShopIntegration) -> str:
    for kind in (SyncRun.Kind.CUSTOMERS, SyncRun.Kind.ORDERS):
        transaction.on_commit(functools.partial(integration_sync_task.delay, integration.pk, kind))
    return gettext("%(shop)s: customers and orders will be pulled in the background.") % {
        "shop": integration
    }


@admin.register(ShopIntegration)
class ShopIntegrationAdmin(admin.ModelAdmin):
    form = ShopIntegrationForm
    list_display = (
        "name",
        "platform",
        "slug",
        "base_url",
        "pickup_store",
        "orders_synced_until",
        "customers_synced_until",
        "is_active",
    )
    list_filter = ("platform", "is_active")
    list_select_related = ("pickup_store",)
    search_fields = ("name", "slug", "base_url")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "platform", "slug", "base_url", "pickup_store", "is_active")}),
        (
            _("Credentials"),
            {
                "fields": (
                    "api_key",
                    "api_secret",
                    "webhook_secret",
                    "previous_webhook_secret",
                    "previous_secret_valid_until",
                )
            },
        ),
        (
            _("Reconciliation"),
            {"fields": ("orders_synced_until", "customers_synced_until")},
        ),
        (RECORD_SECTION, {"fields": ("created_at", "updated_at")}),
    )
    actions = (
        service_action(
            name="pull_now",
            description=_("Pull customers and orders now"),
            description_plural=_("Pull customers and orders of selected shops now"),
            perform=_queue_pull,
        ),
    )


def _replay(request: HttpRequest, delivery: WebhookDelivery) -> str:
    webhook_delivery_replay(delivery=delivery, actor=request.user)
    return gettext("%(delivery)s will be processed again.") % {"delivery": delivery}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The webhook inbox, as received; a failed delivery can be replayed."""

    list_display = (
        "received_at",
        "integration",
        "topic",
        "delivery_id",
        "status",
        "attempts",
        "outcome",
        "processed_at",
    )
    list_filter = (
        "status",
        "integration",
        indexed_values_filter("topic", _("topic")),
        ("received_at", admin.DateFieldListFilter),
    )
    list_select_related = ("integration",)
    sortable_by = ("received_at",)
    search_fields = ("delivery_id", "event_id")
    search_help_text = _("Delivery or event id, exactly.")
    fields = (
        "integration",
        "topic",
        "delivery_id",
        "event_id",
        "received_at",
        "status",
        "attempts",
        "requeued_count",
        "requeue_at",
        "outcome",
        "error",
        "processed_at",
        "headers",
        "body_text",
    )
    actions = (
        service_action(
            name="replay",
            description=_("Process again"),
            description_plural=_("Process selected deliveries again"),
            perform=_replay,
            permission="replay",
        ),
    )

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("journeys.change_webhookdelivery")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """An exact delivery or event id. A delivery id is unique per shop: its index starts
        with the shop, so every shop is named (a few index probes instead of a scan)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        shops = list(ShopIntegration.objects.values_list("pk", flat=True))
        condition = Q(integration__in=shops, delivery_id=term) | Q(event_id=term)
        return queryset.filter(condition), False

    @admin.display(description=_("raw body"))
    def body_text(self, delivery: WebhookDelivery) -> str:
        return delivery.body_text


@admin.register(SyncRun)
class SyncRunAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at",
        "integration",
        "kind",
        "status",
        "pages",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "finished_at",
    )
    list_filter = ("status", "kind", "integration", ("started_at", admin.DateFieldListFilter))
    list_select_related = ("integration",)
    sortable_by = ("started_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A run's name includes its shop's (change page title).
        return super().get_queryset(request).select_related(*self.list_select_related)


class OutboundWebhookForm(WriteOnlySecretsForm):
    secret_fields = ("secret",)
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=OutboundEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )


@admin.register(OutboundWebhook)
class OutboundWebhookAdmin(admin.ModelAdmin):
    form = OutboundWebhookForm
    list_display = ("name", "url", "integration", "events", "is_active", "updated_at")
    list_filter = ("is_active", "integration")
    list_select_related = ("integration",)
    search_fields = ("name", "url")
    date_hierarchy = "created_at"
    fields = ("name", "url", "secret", "events", "integration", "is_active")


def _resend(request: HttpRequest, delivery: OutboundDelivery) -> str:
    outbound_delivery_resend(delivery=delivery, actor=request.user)
    return gettext("%(delivery)s will be sent again.") % {"delivery": delivery}


@admin.register(OutboundDelivery)
class OutboundDeliveryAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Notifications sent to other systems, kept byte for byte; a failed one can be resent."""

    list_display = (
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "delivered_at",
    )
    list_filter = ("status", "event", "endpoint", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("endpoint",)
    sortable_by = ("created_at",)
    # Django skips a term that is not a UUID instead of comparing it as text (no index).
    search_fields = ("delivery_id__exact",)
    search_help_text = _("Delivery id, exactly.")
    actions = (
        service_action(
            name="resend",
            description=_("Send again"),
            description_plural=_("Send selected deliveries again"),
            perform=_resend,
            permission="resend",
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A delivery's name includes its endpoint's (change page title).
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("journeys.change_outbounddelivery")


# What import_history did, file by file and chunk by chunk (its own module).
from journeys.history_import import admin as history_import_admin  # noqa: E402, F401

# Lifecycle stages: thresholds, stage history and per-customer metrics (their own module).
from journeys.lifecycle import admin as lifecycle_admin  # noqa: E402, F401
