"""Built-in roles: the head-office group and what it may do in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

HEAD_OFFICE_GROUP = "Head office"
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
# API clients hold credentials to customer data: only superusers (IT) manage them.
SUPERUSER_ONLY_MODELS = ("apiclient", "idempotencyrecord")


def ensure_head_office_group() -> Group:
    """Create or refresh the head-office group (idempotent; run by migrate and seed_demo)."""
    group, _created = Group.objects.get_or_create(name=HEAD_OFFICE_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=OMNI_APP_LABELS).exclude(
        Q(content_type__model__in=APPEND_ONLY_MODELS)
        & (Q(codename__startswith="change_") | Q(codename__startswith="delete_"))
        | Q(content_type__model__in=SUPERUSER_ONLY_MODELS)
    )
    # Viewing staff accounts lets head office pick "sold by" or "assigned to" in the admin.
    view_users = Permission.objects.filter(content_type__app_label="auth", codename="view_user")
    # The head-office dashboards (insights: aggregates rebuilt by tasks, read-only).
    dashboards = Permission.objects.filter(
        content_type__app_label="insights", codename="view_dashboard"
    )
    group.permissions.set([*permissions, *view_users, *dashboards])
    return group
