"""Emptying the demo data (`seed_demo --reset`), children before the rows they point at."""

from django.apps import apps
from django.contrib.auth.models import User
from django.db import NotSupportedError, connection, models, transaction

from clienteling.demo.staff import demo_usernames
from clienteling.models import (
    Appointment,
    AppointmentStatusChange,
    Associate,
    Note,
    Task,
    Trigger,
    TriggerFiring,
    TriggerSettings,
    WatchedProduct,
)
from customers.models import (
    Address,
    Consent,
    ConsentWording,
    Customer,
    CustomerMerge,
    DuplicateSuggestion,
    ExternalIdentity,
    Preference,
    Tag,
)
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
from omni.models import Product, Service, Specialty, StockLevel, Store
from segments.models import (
    Segment,
    SegmentExport,
    SegmentFacts,
    SegmentRule,
    SegmentSnapshot,
    SegmentSnapshotMember,
)

# The KPI tables are derived from the demo rows: they go with them.
INSIGHTS_TABLES = tuple(
    model
    for model in apps.get_app_config("insights").get_models()
    if not model._meta.proxy and model._meta.managed
)
# Everything the demo fills: the retail reference, the customers and all they did, and what
# head office built on them (segments, triggers, KPI tables).
DELETION_ORDER: tuple[type[models.Model], ...] = (
    *INSIGHTS_TABLES,
    TriggerFiring,
    WatchedProduct,
    Trigger,
    TriggerSettings,
    LifecycleSettings,
    SegmentExport,
    SegmentSnapshotMember,
    SegmentSnapshot,
    SegmentRule,
    Segment,
    AppointmentStatusChange,
    Appointment,
    Task,
    Note,
    AfterSalesMessage,
    AfterSalesStatusChange,
    AfterSalesTicket,
    PickupStatusChange,
    Pickup,
    ReturnLine,
    Return,
    OrderStatusChange,
    OrderLine,
    Order,
    WishlistItem,
    Wishlist,
    Touchpoint,
    DuplicateSuggestion,
    CustomerMerge,
    Consent,
    ConsentWording,
    Preference,
    Address,
    ExternalIdentity,
    LifecycleStageChange,
    CustomerMetrics,
    Customer.tags.through,
    Tag,
    SegmentFacts,  # kept by triggers from the tables above: emptied with them
    Customer,
    Associate.specialties.through,
    Associate,
    StockLevel,
    Store.services.through,
    Store,
    Product,
    Service,
    Specialty,
)


class DemoDataInUseError(Exception):
    """Rows outside the demo protect demo rows (say API clients tied to a store)."""


def demo_data_present() -> bool:
    """Seeding needs an empty retail database: no customers and no stores.

    Accounts alone do not count: a developer may have run `createsuperuser` first.
    """
    return Customer.objects.exists() or Store.objects.exists()


def delete_demo_data() -> int:
    """Empty the demo tables and remove the demo accounts; returns how many rows went.

    Rows of other features that point at demo rows are first deleted, detached or, when
    protected, reported, as their `on_delete` asks; other accounts stay. Then the tables are
    emptied whole, never row by row through the ORM (its collector would load every row).
    """
    with transaction.atomic():
        outside = set()
        for model in DELETION_ORDER:
            outside |= _release_references_from_outside(model)
        deleted = sum(model._base_manager.count() for model in DELETION_ORDER)
        _empty_tables(outside)
        deleted += User.objects.filter(username__in=demo_usernames()).delete()[0]
    return deleted


def _empty_tables(outside: set[type[models.Model]]) -> None:
    """TRUNCATE on PostgreSQL: no dead rows left for the new seed to wade through.

    PostgreSQL truncates a table only with every table that points at it: other features'
    tables join when they are empty by now; otherwise DELETE, children first.
    """
    if connection.vendor == "postgresql":
        empty_outside = [model for model in outside if not model._base_manager.exists()]
        tables = [model._meta.db_table for model in (*DELETION_ORDER, *empty_outside)]
        # Foreign keys are checked at commit: run the pending checks now, TRUNCATE needs it.
        connection.check_constraints()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(map(connection.ops.quote_name, tables))}")
            return
        except NotSupportedError:
            pass  # A non-empty table of another feature points at a demo table.
    for model in DELETION_ORDER:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _release_references_from_outside(model: type[models.Model]) -> set[type[models.Model]]:
    """Apply `on_delete` to the rows of non-demo models pointing at `model`; returns them."""
    referrers = set()
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        referrer = relation.related_model
        if referrer in DELETION_ORDER or relation.many_to_many or referrer is model:
            continue
        referrers.add(referrer)
        rows = referrer._base_manager.filter(**{f"{relation.field.name}__isnull": False})
        if relation.on_delete is models.CASCADE:
            rows.delete()
        elif relation.on_delete is models.SET_NULL:
            rows.update(**{relation.field.name: None})
        elif rows.exists():
            raise DemoDataInUseError(
                f"{referrer._meta.verbose_name_plural} point at "
                f"{model._meta.verbose_name_plural}: delete them before --reset."
            )
    return referrers
