"""Built-in roles: the head-office, data protection officer and operations groups, and what each
may do in the admin. All are created or refreshed after every `migrate` and by `seed_demo`.

Store associates and managers work on the tablet (their `Associate` profile), not in the admin.
"""

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

HEAD_OFFICE_GROUP = "Head office"
DPO_GROUP = "Data protection officer"
OPERATIONS_GROUP = "Operations"
OMNI_APP_LABELS = ("omni", "customers", "journeys", "segments", "clienteling")
# The consent ledger and workflow histories are append-only: nobody edits or deletes them.
APPEND_ONLY_MODELS = (
    "consent",
    "customermerge",
    "orderstatuschange",
    "aftersalesstatuschange",
    "pickupstatuschange",
    "appointmentstatuschange",
    "aftersalesmessage",
    "webhookdelivery",
    "syncrun",
    "outbounddelivery",
    "profileaccess",
    "lifecyclestagechange",
    "triggerfiring",
    "segmentexport",
    "segmentsnapshotmember",
)
# Head office reads these and never writes them: orders and returns come from the tills and the
# shops, pickups and associates are the stores' own, and the shop integrations hold the
# credentials of the shops (changed by IT, superusers).
HEAD_OFFICE_VIEW_ONLY_MODELS = (
    ("journeys", "order"),
    ("journeys", "orderline"),
    ("journeys", "return"),
    ("journeys", "returnline"),
    ("journeys", "pickup"),
    ("journeys", "shopintegration"),
    ("journeys", "outboundwebhook"),
    ("clienteling", "associate"),
)
# API clients hold credentials to customer data: only superusers (IT) manage them.
SUPERUSER_ONLY_MODELS = ("apiclient", "idempotencyrecord")
# The records of the system itself (beat jobs' runs, workers' heartbeats) and the system status
# page (omni.view_system_status): the operations group's and superusers', not head office's.
OPERATIONS_MODELS = ("scheduledjobrun", "workerheartbeat")
# What the person on call reads: the system status page, the shops' deliveries and sync runs,
# the outbound deliveries, the beat jobs and the workers; not the customers, orders or
# segments themselves. Replaying a webhook delivery ("Process again", the status page's
# button) needs change_webhookdelivery; the admin never edits a delivery, whoever asks.
OPERATIONS_PERMISSIONS = (
    ("omni", "view_system_status"),
    ("omni", "view_scheduledjobrun"),
    ("omni", "view_workerheartbeat"),
    ("journeys", "view_webhookdelivery"),
    ("journeys", "change_webhookdelivery"),
    ("journeys", "view_syncrun"),
    ("journeys", "view_outbounddelivery"),
)
# What the data protection officer does with a person's data (the privacy app's records).
DPO_PRIVACY_PERMISSIONS = (
    "erase_customer",
    "export_customer",
    "view_erasure",
    "view_subjectexport",
)


def _models(pairs: tuple[tuple[str, str], ...]) -> Q:
    query = Q(pk__in=[])
    for app_label, model in pairs:
        query |= Q(content_type__app_label=app_label, content_type__model=model)
    return query


def _writes(query: Q) -> Q:
    return query & ~Q(codename__startswith="view_")


def head_office_permissions() -> QuerySet[Permission]:
    """Everything of the retail apps, except rewriting histories, writing what stores and
    shops own, and the API keys; plus the staff list and the dashboards. Not the privacy
    app's: erasing or exporting a person is the DPO's."""
    return Permission.objects.filter(
        Q(content_type__app_label__in=OMNI_APP_LABELS)
        & ~(
            Q(content_type__model__in=APPEND_ONLY_MODELS)
            & (Q(codename__startswith="change_") | Q(codename__startswith="delete_"))
        )
        & ~_writes(_models(HEAD_OFFICE_VIEW_ONLY_MODELS))
        & ~Q(content_type__model__in=SUPERUSER_ONLY_MODELS)
        & ~Q(content_type__app_label="omni", content_type__model__in=OPERATIONS_MODELS)
        # Viewing staff accounts lets head office pick "sold by" or "assigned to" in the admin.
        | Q(content_type__app_label="auth", codename="view_user")
        # The head-office dashboards (insights: aggregates rebuilt by tasks, read-only).
        | Q(content_type__app_label="insights", codename="view_dashboard")
    )


def dpo_permissions() -> QuerySet[Permission]:
    """The DPO reads every customer and all that is kept about her, the access journal
    included (clienteling.view_profileaccess), and erases and exports a person's data. She
    changes nothing else, and never sees the API keys."""
    return Permission.objects.filter(
        Q(content_type__app_label__in=OMNI_APP_LABELS, codename__startswith="view_")
        & ~Q(content_type__model__in=SUPERUSER_ONLY_MODELS)
        & ~Q(content_type__app_label="omni", content_type__model__in=OPERATIONS_MODELS)
        | Q(content_type__app_label="privacy", codename__in=DPO_PRIVACY_PERMISSIONS)
    )


def operations_permissions() -> QuerySet[Permission]:
    """The person on call: the system status page and the records behind it, read only."""
    query = Q(pk__in=[])
    for app_label, codename in OPERATIONS_PERMISSIONS:
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def ensure_head_office_group() -> Group:
    """Create or refresh the head-office group (idempotent; run by migrate and seed_demo)."""
    return _group_with(HEAD_OFFICE_GROUP, head_office_permissions())


def ensure_dpo_group() -> Group:
    """Create or refresh the data protection officer's group (idempotent; run by migrate and
    seed_demo)."""
    return _group_with(DPO_GROUP, dpo_permissions())


def ensure_operations_group() -> Group:
    """Create or refresh the operations group (idempotent; run by migrate and seed_demo)."""
    return _group_with(OPERATIONS_GROUP, operations_permissions())


def _group_with(name: str, permissions: QuerySet[Permission]) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.set(permissions)
    return group


def ensure_built_in_groups(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: once every app's permissions exist (the signal is sent per app, in the
    order of INSTALLED_APPS), create or refresh the built-in groups."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if not with_models or sender.label != with_models[-1].label:
        return
    if not Permission.objects.using(using).exists():
        return  # A database without the auth tables' rows yet (a bare flush).
    ensure_head_office_group()
    ensure_dpo_group()
    ensure_operations_group()
