"""Head-office admin of the associates' side: associates, appointments, tasks, notes, triggers."""

import datetime
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clienteling.models import (
    Appointment,
    AppointmentStatusChange,
    Associate,
    CustomerNotification,
    Note,
    ProfileAccess,
    Task,
    Trigger,
    TriggerFiring,
    TriggerSettings,
    WatchedProduct,
)
from clienteling.selectors.access_journal import access_reader, customer_journal_page
from clienteling.services import (
    appointment_book,
    appointment_transition,
    note_add,
    task_complete,
    task_create,
)
from clienteling.triggers.services import trigger_run
from customers.admin import CustomerSearchMixin
from customers.models import Customer
from omni.access_journal_admin import (
    DPO_PERMISSION,
    JournaledAdminMixin,
    customer_journal_url,
)
from omni.admin_toolkit import (
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    ReadOnlyAdminMixin,
    StatusHistoryAdmin,
    StatusHistoryInline,
    related_count,
    service_action,
    transition_action,
)

ASSOCIATE_SEARCH_FIELDS = ("user__username", "user__first_name", "user__last_name", "user__email")


@admin.register(Associate)
class AssociateAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "store",
        "role",
        "specialty_names",
        "preferred_language",
        "is_active",
    )
    list_filter = ("store", "role", "is_active", "specialties")
    list_select_related = ("user", "store")
    search_fields = ASSOCIATE_SEARCH_FIELDS
    date_hierarchy = "created_at"
    autocomplete_fields = ("user",)
    filter_horizontal = ("specialties",)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("specialties")

    @admin.display(description=_("specialties"))
    def specialty_names(self, associate: Associate) -> str:
        return ", ".join(specialty.name for specialty in associate.specialties.all())


class AppointmentStatusHistoryInline(StatusHistoryInline):
    model = AppointmentStatusChange


def _appointment_action(status: str, description: str, description_plural: str) -> Any:
    return transition_action(
        name=f"appointment_to_{status}",
        description=description,
        description_plural=description_plural,
        move=lambda appointment, actor: appointment_transition(
            appointment=appointment, status=status, actor=actor
        ),
    )


@admin.register(Appointment)
class AppointmentAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = (
        "starts_at",
        "customer",
        "service",
        "associate",
        "store",
        "status",
        "booked_via",
    )
    list_filter = (
        "status",
        "store",
        "service",
        "booked_via",
        ("starts_at", admin.DateFieldListFilter),
    )
    list_select_related = ("customer", "service", "associate__user", "store")
    sortable_by = ("starts_at",)
    autocomplete_fields = ("customer", "associate")
    add_fields = ("customer", "associate", "service", "starts_at", "booked_via", "customer_request")
    readonly_fields = (
        "customer",
        "store",
        "associate",
        "service",
        "starts_at",
        "ends_at",
        "status",
        "booked_via",
        "booked_by",
        "source",
        "external_reference",
        "created_at",
        "updated_at",
    )
    fields = (
        "customer",
        "store",
        "associate",
        "service",
        "starts_at",
        "ends_at",
        "status",
        "booked_via",
        "customer_request",
        "booked_by",
        "source",
        "external_reference",
        "created_at",
        "updated_at",
    )
    inlines = (AppointmentStatusHistoryInline,)
    actions = (
        _appointment_action(
            Appointment.Status.CONFIRMED, _("Confirm"), _("Confirm selected appointments")
        ),
        _appointment_action(
            Appointment.Status.COMPLETED,
            _("Mark completed"),
            _("Mark selected appointments completed"),
        ),
        _appointment_action(
            Appointment.Status.NO_SHOW, _("Mark no-show"), _("Mark selected appointments no-show")
        ),
        _appointment_action(
            Appointment.Status.CANCELLED,
            _("Cancel appointment"),
            _("Cancel selected appointments"),
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The change page shows these too (its title names the service); and once get_queryset
        # joins anything, the list no longer applies list_select_related by itself.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Rescheduling or changing who serves goes through booking, which checks availability.
        return () if obj is None else self.readonly_fields

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Appointment:
        return appointment_book(
            customer=data["customer"],
            associate=data["associate"],
            service=data["service"],
            starts_at=data["starts_at"],
            booked_via=data["booked_via"],
            actor=request.user,
            customer_request=data["customer_request"],
        )


@admin.register(AppointmentStatusChange)
class AppointmentStatusChangeAdmin(JournaledAdminMixin, CustomerSearchMixin, StatusHistoryAdmin):
    status_choices = Appointment.Status
    list_select_related = ("subject__service", "actor")
    customer_paths = ("subject__customer",)


def _complete_task(request: HttpRequest, task: Task) -> str:
    task_complete(task=task, actor=request.user)
    return gettext("%(task)s is done.") % {"task": task}


@admin.register(Task)
class TaskAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = ("title", "customer", "store", "assignee", "reason", "due_on", "status")
    list_filter = ("status", "reason", "store", ("due_on", admin.DateFieldListFilter))
    list_select_related = ("customer", "store", "assignee__user")
    sortable_by = ("due_on",)
    autocomplete_fields = ("customer", "assignee")
    add_fields = ("store", "title", "reason", "due_on", "assignee", "customer", "details")
    readonly_fields = ("status", "created_by", "completed_at", "created_at", "updated_at")
    fields = (*add_fields, *readonly_fields)
    actions = (
        service_action(
            name="task_complete",
            description=_("Mark done"),
            description_plural=_("Mark selected tasks done"),
            perform=_complete_task,
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The change page shows these too (its title names the service); and once get_queryset
        # joins anything, the list no longer applies list_select_related by itself.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Task:
        return task_create(
            store=data["store"],
            title=data["title"],
            due_on=data["due_on"],
            actor=request.user,
            assignee=data["assignee"],
            customer=data["customer"],
            reason=data["reason"],
            details=data["details"],
        )


@admin.register(Note)
class NoteAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    CreateThroughServiceMixin,
    admin.ModelAdmin,
):
    list_display = ("created_at", "customer", "author", "store", "excerpt")
    list_filter = ("store", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("customer", "author", "store")
    sortable_by = ("created_at",)
    autocomplete_fields = ("customer",)
    add_fields = ("customer", "store", "body")
    readonly_fields = ("author", "created_at")
    fields = (*add_fields, *readonly_fields)

    def create_through_service(self, request: HttpRequest, data: dict[str, Any]) -> Note:
        return note_add(
            customer=data["customer"], body=data["body"], actor=request.user, store=data["store"]
        )

    @admin.display(description=_("note"))
    def excerpt(self, note: Note) -> str:
        return note.body[:80]


class ProfileAccessCustomerFilter(admin.SimpleListFilter):
    """The entries about one customer (`?customer=<id>`), linked from her DPO page."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        value = request.GET.get(self.parameter_name, "")
        return [(value, gettext("Customer #%(id)s") % {"id": value})] if value.isdigit() else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(customer_id=value) if value and value.isdigit() else queryset


@admin.register(ProfileAccess)
class ProfileAccessAdmin(
    CustomerSearchMixin, BigTableAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    """The access journal, for the data protection officer: who read whose personal data, when,
    through which door; and per customer, the DPO page of her journal (`customer_journal_view`).

    Reading the journal is not journaled: it shows who read, not her data."""

    list_display = (
        "accessed_at",
        "reader",
        "store",
        "customer",
        "context",
        "query",
        "customer_journal_link",
    )
    list_filter = (
        ProfileAccessCustomerFilter,
        "context",
        "store",
        ("accessed_at", admin.DateFieldListFilter),
    )
    list_select_related = ("user", "api_client", "store", "customer")
    sortable_by = ("accessed_at",)
    exact_search_fields = ("user__username",)
    search_help_text = _("The reader's username, exactly; or the customer.")
    fields = (
        "accessed_at",
        "user",
        "api_client",
        "store",
        "customer",
        "context",
        "query",
        "segment_export",
    )
    readonly_fields = fields

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "customer/<int:customer_id>/",
                self.admin_site.admin_view(self.customer_journal_view),
                name="clienteling_profileaccess_customer",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        customer_id = request.GET.get(ProfileAccessCustomerFilter.parameter_name, "")
        extra = {**(extra_context or {}), "customer_journal_url": None}
        if customer_id.isdigit():
            extra["customer_journal_url"] = customer_journal_url(request, customer_id)
        return super().changelist_view(request, extra)

    def customer_journal_view(self, request: HttpRequest, customer_id: int) -> HttpResponse:
        """Who saw her data, when, through which door: newest first, a page at a time."""
        if not request.user.has_perm(DPO_PERMISSION):
            raise PermissionDenied
        if not Customer.objects.filter(pk=customer_id).exists():
            raise Http404(gettext("No such customer."))
        page = customer_journal_page(customer_id, request.GET.get("page", "1"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Access journal of customer #%(id)s") % {"id": customer_id},
            "customer_id": customer_id,
            "page": page,
            "list_url": reverse("admin:clienteling_profileaccess_changelist")
            + f"?customer={customer_id}",
            "customer_url": reverse("admin:customers_customer_change", args=[customer_id]),
        }
        return TemplateResponse(request, "admin/clienteling/profileaccess/customer.html", context)

    @admin.display(description=_("read by"))
    def reader(self, access: ProfileAccess) -> str:
        return access_reader(access)

    @admin.display(description=_("her journal"))
    def customer_journal_link(self, access: ProfileAccess) -> str:
        url = reverse("admin:clienteling_profileaccess_customer", args=[access.customer_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Who saw her data"))


@admin.register(CustomerNotification)
class CustomerNotificationAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """Service messages sent to customers (pickup ready...), one per subject and channel."""

    list_display = ("sent_at", "customer", "kind", "channel", "pickup")
    list_filter = ("kind", "channel", ("sent_at", admin.DateFieldListFilter))
    list_select_related = ("customer", "pickup")
    sortable_by = ("sent_at",)
    fields = ("sent_at", "customer", "kind", "channel", "pickup")
    readonly_fields = fields


# Triggers ------------------------------------------------------------------------------------


def _run_trigger(request: HttpRequest, trigger: Trigger) -> str:
    outcomes = trigger_run(trigger=trigger, actor=request.user)
    if not outcomes:
        return gettext("%(trigger)s: nothing new.") % {"trigger": trigger}
    summary = ", ".join(
        f"{TriggerFiring.Outcome(outcome).label}: {count}"
        for outcome, count in sorted(outcomes.items())
    )
    return gettext("%(trigger)s: %(summary)s.") % {"trigger": trigger, "summary": summary}


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "action",
        "is_active",
        "consent",
        "firings_last_30_days",
        "last_run_at",
    )
    list_filter = ("kind", "is_active", "creates_task", "sends_event")
    search_fields = ("name",)
    readonly_fields = ("last_run_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "kind", "is_active")}),
        (_("What it does"), {"fields": ("creates_task", "task_due_in_days", "sends_event")}),
        (
            _("Consent needed"),
            {
                "fields": ("consent_purpose", "consent_channel"),
                "description": _(
                    "Customers without this consent are not contacted; the skip is recorded. "
                    "The contact cap is in the trigger settings."
                ),
            },
        ),
        (
            _("Parameters of the kind"),
            {
                "fields": (
                    "days_ahead",
                    "loyalty_tiers",
                    "minimum_price_drop_percent",
                    "lookback_hours",
                ),
                "description": _("Only the parameters of the chosen kind are used."),
            },
        ),
        (_("History"), {"fields": readonly_fields}),
    )
    actions = (
        service_action(
            name="trigger_run",
            description=_("Run now"),
            description_plural=_("Run selected triggers now"),
            perform=_run_trigger,
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        since = timezone.now() - datetime.timedelta(days=30)
        recent = related_count(Trigger, "firings", fired_at__gte=since)
        return super().get_queryset(request).annotate(recent_firings=recent)

    @admin.display(description=_("action"))
    def action(self, trigger: Trigger) -> str:
        return trigger.action_label

    @admin.display(description=_("consent needed"))
    def consent(self, trigger: Trigger) -> str:
        return f"{trigger.get_consent_purpose_display()} / {trigger.get_consent_channel_display()}"

    @admin.display(description=_("firings (30 days)"), ordering="recent_firings")
    def firings_last_30_days(self, trigger: Trigger) -> int:
        return trigger.recent_firings


@admin.register(TriggerFiring)
class TriggerFiringAdmin(
    JournaledAdminMixin,
    CustomerSearchMixin,
    BigTableAdminMixin,
    ReadOnlyAdminMixin,
    admin.ModelAdmin,
):
    """What each trigger did: the task created, the event sent, or why it skipped."""

    list_display = ("fired_at", "trigger", "customer", "outcome", "detail", "task")
    list_filter = ("trigger", "outcome", "fired_at")
    list_select_related = ("trigger", "customer", "task")
    sortable_by = ("fired_at",)
    fields = (
        "fired_at",
        "trigger",
        "customer",
        "dedupe_key",
        "outcome",
        "detail",
        "task",
        "deliveries",
        "context",
    )
    readonly_fields = fields


@admin.register(TriggerSettings)
class TriggerSettingsAdmin(admin.ModelAdmin):
    """The contact cap shared by all triggers: a single row."""

    list_display = ("__str__", "contact_cap", "contact_cap_days", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not TriggerSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WatchedProduct)
class WatchedProductAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the wishlist triggers last saw of each wished-for product (price, stock)."""

    list_display = ("product", "trigger", "price", "in_stock", "seen_at")
    list_filter = ("trigger", "in_stock")
    list_select_related = ("product", "trigger")
    search_fields = ("product__sku", "product__name")
    fields = ("trigger", "product", "price", "in_stock", "seen_at")
    readonly_fields = fields
