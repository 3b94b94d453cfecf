"""Every admin page opens, and its query count does not grow with the data it shows."""

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clienteling.factories import AppointmentFactory, AssociateFactory, NoteFactory, TaskFactory
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
from customers.factories import (
    AddressFactory,
    ConsentFactory,
    ConsentWordingFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from customers.models import (
    Address,
    Consent,
    ConsentWording,
    CurrentConsent,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    ExternalIdentity,
    NameWord,
    Preference,
    Tag,
)
from journeys.factories import (
    AfterSalesTicketFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistFactory,
    WishlistItemFactory,
)
from journeys.history_import.models import HistoryImport, HistoryImportChunk
from journeys.integrations.models import (
    OutboundDelivery,
    OutboundWebhook,
    ShopIntegration,
    SyncRun,
    WebhookDelivery,
)
from journeys.lifecycle.selectors import lifecycle_settings_get
from journeys.models import (
    AfterSalesMessage,
    AfterSalesStatusChange,
    AfterSalesTicket,
    CustomerMetrics,
    LifecycleSettings,
    LifecycleStageChange,
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
from omni.api.clients import api_client_create
from omni.factories import (
    ProductFactory,
    ServiceFactory,
    SpecialtyFactory,
    StoreFactory,
    UserFactory,
)
from omni.models import (
    ApiClient,
    FormSubmission,
    IdempotencyRecord,
    Product,
    ScheduledJobRun,
    Service,
    Specialty,
    StockLevel,
    Store,
    WorkerHeartbeat,
)
from omni.roles import OMNI_APP_LABELS, OPERATIONS_MODELS, SUPERUSER_ONLY_MODELS
from segments.factories import SegmentFactory, SegmentRuleFactory, TagFactory
from segments.models import (
    Segment,
    SegmentExport,
    SegmentFacts,
    SegmentRule,
    SegmentSnapshot,
    SegmentSnapshotMember,
)
from segments.services import segment_snapshot_create
from tests.admin_helpers import admin_url

MAX_QUERIES_PER_PAGE = 30

Builder = Callable[[], models.Model]


def _with_history(history_model: type[models.Model], subject: models.Model) -> models.Model:
    history_model.objects.create(
        subject=subject,
        from_status="a",
        to_status="b",
        actor=UserFactory(),
        changed_at=timezone.now(),
    )
    return subject


def build_store() -> Store:
    store = StoreFactory()
    store.services.add(ServiceFactory())
    return store


def build_associate() -> Associate:
    associate = AssociateFactory()
    associate.specialties.add(SpecialtyFactory())
    return associate


def build_customer() -> Customer:
    customer = CustomerFactory(preferred_store=StoreFactory())
    CustomerMetrics.objects.create(customer=customer, order_count=2)  # her purchases column
    return customer


def build_duplicate_suggestion() -> DuplicateSuggestion:
    customer, other = CustomerFactory(), CustomerFactory()
    return DuplicateSuggestion.objects.create(
        customer=customer, other=other, matched_on=["phone"], reviewed_by=UserFactory()
    )


def build_customer_merge() -> CustomerMerge:
    return CustomerMerge.objects.create(
        survivor=CustomerFactory(),
        absorbed=CustomerFactory(),
        actor=UserFactory(),
        merged_at=timezone.now(),
        undone_at=timezone.now(),
        undone_by=UserFactory(),
    )


def build_ticket_message() -> AfterSalesMessage:
    return AfterSalesMessage.objects.create(
        ticket=AfterSalesTicketFactory(),
        author=UserFactory(),
        channel="store",
        body="The zip is repaired.",
        sent_at=timezone.now(),
    )


def build_return_line() -> ReturnLine:
    parent = ReturnFactory()
    return ReturnLine.objects.create(
        parent=parent, order_line=OrderLineFactory(order=parent.order), quantity=1
    )


_numbers = itertools.count(1)


def build_shop() -> ShopIntegration:
    number = next(_numbers)
    return ShopIntegration.objects.create(
        platform="shopify",
        name=f"E-shop {number}",
        slug=f"eshop-{number}",
        base_url=f"https://shop{number}.example.com",
        webhook_secret="shh",
        pickup_store=StoreFactory(),
    )


def build_webhook_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        integration=build_shop(),
        topic="orders/create",
        delivery_id=f"delivery-{next(_numbers)}",
        body=b'{"id": 1}',
        status=WebhookDelivery.Status.FAILED,
        error="KeyError: 'line_items'",
    )


def build_outbound_webhook() -> OutboundWebhook:
    return OutboundWebhook.objects.create(
        name=f"Receiver {next(_numbers)}",
        url="https://receiver.example.com/hooks",
        secret="shh",
        integration=build_shop(),
    )


def build_outbound_delivery() -> OutboundDelivery:
    return OutboundDelivery.objects.create(
        endpoint=build_outbound_webhook(),
        event="pickup.ready",
        body='{"event": "pickup.ready"}',
        status=OutboundDelivery.Status.FAILED,
    )


def build_trigger() -> Trigger:
    return Trigger.objects.create(
        name=f"Trigger {next(_numbers)}",
        kind="birthday_soon",
        consent_purpose="marketing",
        consent_channel="sms",
    )


def build_trigger_firing() -> TriggerFiring:
    task = TaskFactory(created_by=UserFactory())
    return TriggerFiring.objects.create(
        trigger=build_trigger(),
        customer=task.customer,
        fired_for_customer_id=task.customer_id,
        dedupe_key="birthday:2026",
        outcome="task_created",
        task=task,
    )


# One row of each model, with its nullable foreign keys filled so that a list column that
# forgot its join would show up as one more query per row.
BUILDERS: dict[type[models.Model], Builder] = {
    Specialty: SpecialtyFactory,
    Service: lambda: ServiceFactory(required_specialty=SpecialtyFactory()),
    Store: build_store,
    Product: ProductFactory,
    ApiClient: lambda: api_client_create(
        name=f"Integration {next(_numbers)}", scopes=["orders:read"], store=StoreFactory()
    )[0],
    IdempotencyRecord: lambda: IdempotencyRecord.objects.create(
        client=api_client_create(name=f"Integration {next(_numbers)}", scopes=[])[0],
        key=f"key-{next(_numbers)}",
        method="POST",
        path="/api/v1/tickets",
        request_hash="0" * 64,
        response_status=201,
        response_body={"id": 1},
        created_at=timezone.now(),
        completed_at=timezone.now(),
    ),
    FormSubmission: lambda: FormSubmission.objects.create(
        user=User.objects.create_user(f"associate-{next(_numbers)}"),
        token=f"token-{next(_numbers):012d}",
        action="ticket_open",
        object_id=1,
        created_at=timezone.now(),
    ),
    CurrentConsent: lambda: CurrentConsent.objects.get(consent_id=ConsentFactory().pk),
    SegmentFacts: lambda: SegmentFacts.objects.get(customer=CustomerFactory()),
    StockLevel: lambda: StockLevel.objects.create(
        store=StoreFactory(), product=ProductFactory(), quantity=4
    ),
    Customer: build_customer,
    NameWord: lambda: NameWord.objects.create(word=f"word{next(_numbers)}", customers=3),
    ExternalIdentity: ExternalIdentityFactory,
    Address: AddressFactory,
    Preference: PreferenceFactory,
    Consent: lambda: ConsentFactory(collected_at_store=StoreFactory(), recorded_by=UserFactory()),
    ConsentWording: lambda: ConsentWordingFactory(version=f"v{next(_numbers)}"),
    DuplicateSuggestion: build_duplicate_suggestion,
    CustomerMerge: build_customer_merge,
    Order: lambda: OrderFactory(sold_by=UserFactory()),
    OrderStatusChange: lambda: OrderStatusChange.objects.get(
        subject=_with_history(OrderStatusChange, OrderFactory())
    ),
    OrderLine: OrderLineFactory,
    Return: lambda: ReturnFactory(store=StoreFactory(), processed_by=UserFactory()),
    ReturnLine: build_return_line,
    Wishlist: lambda: WishlistFactory(customer=CustomerFactory()),
    WishlistItem: lambda: WishlistItemFactory(
        added_at_store=StoreFactory(), added_by=UserFactory()
    ),
    AfterSalesTicket: lambda: AfterSalesTicketFactory(
        assigned_to=UserFactory(), opened_by=UserFactory()
    ),
    AfterSalesStatusChange: lambda: AfterSalesStatusChange.objects.get(
        subject=_with_history(AfterSalesStatusChange, AfterSalesTicketFactory())
    ),
    AfterSalesMessage: build_ticket_message,
    Pickup: PickupFactory,
    PickupStatusChange: lambda: PickupStatusChange.objects.get(
        subject=_with_history(PickupStatusChange, PickupFactory())
    ),
    Touchpoint: lambda: TouchpointFactory(store=StoreFactory(), product=ProductFactory()),
    ShopIntegration: build_shop,
    WebhookDelivery: build_webhook_delivery,
    SyncRun: lambda: SyncRun.objects.create(integration=build_shop(), kind="orders"),
    OutboundWebhook: build_outbound_webhook,
    OutboundDelivery: build_outbound_delivery,
    Associate: build_associate,
    Appointment: lambda: AppointmentFactory(booked_by=UserFactory()),
    AppointmentStatusChange: lambda: AppointmentStatusChange.objects.get(
        subject=_with_history(AppointmentStatusChange, AppointmentFactory())
    ),
    Task: lambda: TaskFactory(created_by=UserFactory()),
    Note: lambda: NoteFactory(store=StoreFactory()),
    ProfileAccess: lambda: ProfileAccess.objects.create(
        customer=CustomerFactory(), user=UserFactory(), store=StoreFactory(), context="profile"
    ),
    CustomerNotification: lambda: CustomerNotification.objects.create(
        customer=CustomerFactory(), pickup=PickupFactory(), kind="pickup_ready", channel="sms"
    ),
    Trigger: build_trigger,
    TriggerFiring: build_trigger_firing,
    TriggerSettings: TriggerSettings.load,
    WatchedProduct: lambda: WatchedProduct.objects.create(
        trigger=build_trigger(),
        product=ProductFactory(),
        price=Decimal("90.00"),
        in_stock=True,
        seen_at=timezone.now(),
    ),
}


def build_snapshot() -> SegmentSnapshot:
    rule = SegmentRuleFactory(segment=SegmentFactory(created_by=UserFactory()))
    CustomerFactory(lifecycle_stage=rule.value)
    return segment_snapshot_create(segment=rule.segment, actor=UserFactory())


def build_segment_export() -> SegmentExport:
    snapshot = build_snapshot()
    return SegmentExport.objects.create(
        segment=snapshot.segment,
        snapshot=snapshot,
        label=snapshot.name,
        exported_by=UserFactory(),
        exported_at=timezone.now(),
        purpose="marketing",
        contact_channel="email",
        row_count=1,
        excluded_count=0,
    )


BUILDERS.update(
    {
        Tag: lambda: TagFactory(customers=[CustomerFactory()]),
        Segment: lambda: SegmentRuleFactory(segment__created_by=UserFactory()).segment,
        SegmentRule: SegmentRuleFactory,
        SegmentSnapshot: build_snapshot,
        SegmentSnapshotMember: lambda: build_snapshot().members.first(),
        SegmentExport: build_segment_export,
    }
)

# Lifecycle: the settings singleton, and rows the lifecycle computation writes.
BUILDERS.update(
    {
        LifecycleSettings: lifecycle_settings_get,
        LifecycleStageChange: lambda: LifecycleStageChange.objects.create(
            customer=CustomerFactory(),
            from_stage="reach",
            to_stage="conversion",
            changed_at=timezone.now(),
            reason="First purchase on 02/11/2026",
            trigger="event",
        ),
        CustomerMetrics: lambda: CustomerMetrics.objects.create(
            customer=CustomerFactory(), order_count=1, channels=",store,", channel_count=1
        ),
    }
)

# import_history: a file imported, and one chunk of it with a refused record.
_history_imports = itertools.count(1)


def build_history_import() -> HistoryImport:
    return HistoryImport.objects.create(
        path=f"/imports/orders-{next(_history_imports)}.jsonl",
        size=1,
        head_hash="0" * 64,
        fingerprint="0" * 64,
        kind="orders",
        format="jsonl",
        chunk_records=1000,
    )


BUILDERS.update(
    {
        HistoryImport: build_history_import,
        HistoryImportChunk: lambda: HistoryImportChunk.objects.create(
            history_import=build_history_import(),
            number=0,
            start=0,
            end=100,
            first_line=1,
            status="done",
            records=2,
            errors=[{"line": 2, "lines": [2], "errors": {"lines": ["Unknown product SKU: X."]}}],
        ),
    }
)

# Operations: rows the Celery workers write about beat jobs and themselves.
BUILDERS.update(
    {
        ScheduledJobRun: lambda: ScheduledJobRun.objects.create(
            job=f"job-{next(_numbers)}",
            task="omni.tasks.idempotency_records_purge_task",
            last_started_at=timezone.now(),
            last_succeeded_at=timezone.now(),
            last_failed_at=timezone.now(),
            last_error="OperationalError",
            last_duration=timedelta(seconds=2),
        ),
        WorkerHeartbeat: lambda: WorkerHeartbeat.objects.create(
            worker=f"celery@worker-{next(_numbers)}",
            started_at=timezone.now(),
            last_seen_at=timezone.now(),
        ),
    }
)

# What hangs under one object on its change page (inlines, many-to-many): `add(parent)` adds
# one more related row.
RELATED_ROWS: dict[str, tuple[type[models.Model], Callable[[models.Model], object]]] = {
    "customer identities": (Customer, lambda c: ExternalIdentityFactory(customer=c)),
    "customer addresses": (Customer, lambda c: AddressFactory(customer=c)),
    "customer consents": (
        Customer,
        lambda c: ConsentFactory(
            customer=c, collected_at_store=StoreFactory(), recorded_by=UserFactory()
        ),
    ),
    "order lines": (Order, lambda order: OrderLineFactory(order=order)),
    "order returns": (
        Order,
        lambda order: ReturnFactory(order=order, store=StoreFactory(), processed_by=UserFactory()),
    ),
    "order history": (Order, lambda order: _with_history(OrderStatusChange, order)),
    "return lines": (
        Return,
        lambda parent: ReturnLine.objects.create(
            parent=parent, order_line=OrderLineFactory(order=parent.order), quantity=1
        ),
    ),
    "wishlist items": (
        Wishlist,
        lambda wishlist: WishlistItemFactory(
            wishlist=wishlist, added_at_store=StoreFactory(), added_by=UserFactory()
        ),
    ),
    "ticket messages": (
        AfterSalesTicket,
        lambda ticket: AfterSalesMessage.objects.create(
            ticket=ticket, author=UserFactory(), channel="web", body="Hi", sent_at=timezone.now()
        ),
    ),
    "ticket history": (
        AfterSalesTicket,
        lambda ticket: _with_history(AfterSalesStatusChange, ticket),
    ),
    "pickup history": (Pickup, lambda pickup: _with_history(PickupStatusChange, pickup)),
    "appointment history": (
        Appointment,
        lambda appointment: _with_history(AppointmentStatusChange, appointment),
    ),
    "product stock": (
        Product,
        lambda product: StockLevel.objects.create(
            product=product, store=StoreFactory(), quantity=2
        ),
    ),
    "store services": (Store, lambda store: store.services.add(ServiceFactory())),
    "customer tags": (Customer, lambda customer: customer.tags.add(TagFactory())),
    "segment rules": (Segment, lambda segment: SegmentRuleFactory(segment=segment)),
    "associate specialties": (
        Associate,
        lambda associate: associate.specialties.add(SpecialtyFactory()),
    ),
}


def omni_models() -> list[type[models.Model]]:
    return [model for label in OMNI_APP_LABELS for model in apps.get_app_config(label).get_models()]


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def model_id(model: type[models.Model]) -> str:
    return model.__name__


def test_every_model_of_the_project_is_in_the_admin() -> None:
    missing = [model for model in omni_models() if not admin.site.is_registered(model)]
    assert missing == [], "Register these models in their app's admin.py"


def test_every_model_has_a_builder_for_these_tests() -> None:
    missing = set(omni_models()) - set(BUILDERS)
    assert missing == set(), "Add a builder for these models to BUILDERS in this file"


def test_site_is_titled_for_head_office(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Omni head office" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(BUILDERS), ids=model_id)
def test_list_change_and_add_pages_open(admin_client: Client, model: type[models.Model]) -> None:
    obj = BUILDERS[model]()
    model_admin = admin.site.get_model_admin(model)

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    add_page = admin_client.get(admin_url(model, "add"))
    request = add_page.wsgi_request
    # Histories and merges are written only by services: their add page is refused.
    assert add_page.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(BUILDERS), ids=model_id)
def test_list_page_queries_do_not_grow_with_rows(
    admin_client: Client, model: type[models.Model]
) -> None:
    for _ in range(2):
        BUILDERS[model]()
    url = admin_url(model, "changelist")
    admin_client.get(url)  # Warm the caches (content types, permissions) before counting.
    with_two_rows = count_queries(admin_client, url)
    for _ in range(20):
        BUILDERS[model]()

    with_many_rows = count_queries(admin_client, url)

    assert with_many_rows == with_two_rows
    assert with_many_rows <= MAX_QUERIES_PER_PAGE


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(BUILDERS), ids=model_id)
def test_list_page_search_sorting_and_filters_open(
    admin_client: Client, model: type[models.Model]
) -> None:
    BUILDERS[model]()
    url = admin_url(model, "changelist")
    response = admin_client.get(url, {"q": "a"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    for column in range(len(changelist.list_display)):
        assert admin_client.get(url, {"o": column}).status_code == 200
    for list_filter in changelist.filter_specs:
        for choice in list_filter.choices(changelist):
            assert admin_client.get(url + choice["query_string"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("related_rows", list(RELATED_ROWS))
def test_change_page_queries_do_not_grow_with_related_rows(
    admin_client: Client, related_rows: str
) -> None:
    model, add_related_row = RELATED_ROWS[related_rows]
    obj = BUILDERS[model]()
    for _ in range(2):
        add_related_row(obj)
    url = admin_url(model, "change", obj.pk)
    admin_client.get(url)
    with_two_rows = count_queries(admin_client, url)
    for _ in range(20):
        add_related_row(obj)

    with_many_rows = count_queries(admin_client, url)

    assert with_many_rows == with_two_rows
    assert with_many_rows <= MAX_QUERIES_PER_PAGE


@pytest.mark.django_db
def test_order_change_page_shows_lines_returns_pickup_and_history(admin_client: Client) -> None:
    pickup = PickupFactory()
    order = pickup.order
    OrderLineFactory(order=order, name="Trench coat honey")
    ReturnFactory(order=order, external_reference="RET-42")
    _with_history(OrderStatusChange, order)

    response = admin_client.get(admin_url(Order, "change", order.pk))

    content = response.content.decode()
    assert "Trench coat honey" in content
    assert "RET-42" in content
    assert pickup.code in content
    assert "status history" in content.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Order, AfterSalesTicket, Pickup, Appointment], ids=model_id)
def test_status_is_read_only_on_workflow_forms(
    admin_client: Client, model: type[models.Model]
) -> None:
    obj = BUILDERS[model]()

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert "status" not in response.context["adminform"].form.fields
    assert 'name="status"' not in response.content.decode()


# Who may open the admin ------------------------------------------------------------------


@pytest.mark.django_db
def test_head_office_marketer_sees_the_customer_list(client: Client, marketer: User) -> None:
    CustomerFactory(last_name="Lefèvre")
    client.force_login(marketer)

    response = client.get(admin_url(Customer, "changelist"))

    assert response.status_code == 200
    assert "Lefèvre" in response.content.decode()


@pytest.mark.django_db
def test_head_office_marketer_cannot_edit_the_consent_ledger(
    client: Client, marketer: User
) -> None:
    consent = ConsentFactory(granted=True)
    client.force_login(marketer)

    assert client.get(admin_url(Consent, "change", consent.pk)).status_code == 200
    response = client.post(admin_url(Consent, "change", consent.pk), {"granted": ""})

    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.granted is True


@pytest.mark.django_db
def test_store_associate_is_sent_to_the_admin_login(client: Client, associate: Associate) -> None:
    client.force_login(associate.user)

    response = client.get(admin_url(Customer, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_customer_list_shows_purchases_from_the_lifecycle_figures(admin_client: Client) -> None:
    counted = CustomerFactory(last_name="Aubert")
    CustomerMetrics.objects.create(customer=counted, order_count=7)
    CustomerFactory(last_name="Bernard")  # not computed yet

    response = admin_client.get(admin_url(Customer, "changelist"))

    rows = response.context["cl"].result_list
    model_admin = admin.site.get_model_admin(Customer)
    assert [model_admin.purchase_count(customer) for customer in rows] == [7, None]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    [
        model
        for model in BUILDERS
        if model._meta.model_name not in (*SUPERUSER_ONLY_MODELS, *OPERATIONS_MODELS)
    ],
    ids=model_id,
)
def test_head_office_marketer_opens_every_list_and_record(
    client: Client, marketer: User, model: type[models.Model]
) -> None:
    obj = BUILDERS[model]()
    client.force_login(marketer)

    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def autocomplete_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) an admin form or inline offers as an autocomplete."""
    fields = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OMNI_APP_LABELS:
            continue
        fields += [(model, name) for name in model_admin.autocomplete_fields]
        for inline in model_admin.inlines:
            fields += [(inline.model, name) for name in inline.autocomplete_fields]
    return fields


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field_name"),
    autocomplete_fields(),
    ids=[f"{model.__name__}.{name}" for model, name in autocomplete_fields()],
)
def test_autocomplete_answers_for_every_field(
    admin_client: Client, model: type[models.Model], field_name: str
) -> None:
    target = model._meta.get_field(field_name).related_model
    if target in BUILDERS:
        BUILDERS[target]()

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field_name,
            "term": "a",
        },
    )

    assert response.status_code == 200
