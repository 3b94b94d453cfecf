"""The built-in groups: head office (everything of the retail apps, except rewriting histories
and keys), and operations (the system's records, read only)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from omni.factories import UserFactory
from omni.models import ScheduledJobRun
from omni.roles import (
    OPERATIONS_GROUP,
    ensure_dpo_group,
    ensure_head_office_group,
    ensure_operations_group,
)

pytestmark = pytest.mark.django_db


def _codenames() -> set[str]:
    group = ensure_head_office_group()
    return set(group.permissions.values_list("content_type__app_label", "codename"))


@pytest.mark.parametrize(
    ("app_label", "model"),
    [
        ("customers", "consent"),
        ("journeys", "lifecyclestagechange"),
        ("clienteling", "triggerfiring"),
        ("segments", "segmentexport"),
        ("segments", "segmentsnapshotmember"),
    ],
)
def test_histories_and_journals_are_read_only_for_head_office(app_label: str, model: str) -> None:
    codenames = _codenames()
    assert (app_label, f"view_{model}") in codenames
    assert (app_label, f"change_{model}") not in codenames
    assert (app_label, f"delete_{model}") not in codenames


def test_head_office_builds_segments_triggers_and_reads_dashboards() -> None:
    codenames = _codenames()
    assert {
        ("segments", "add_segment"),
        ("segments", "export_segment"),
        ("clienteling", "change_trigger"),
        ("journeys", "change_lifecyclesettings"),
        ("insights", "view_dashboard"),
    } <= codenames
    assert ("omni", "change_apiclient") not in codenames


def test_operations_reads_the_system_records_not_the_customers(client: Client) -> None:
    group = ensure_operations_group()
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert codenames == {
        ("omni", "view_system_status"),
        ("omni", "view_scheduledjobrun"),
        ("omni", "view_workerheartbeat"),
        ("journeys", "view_webhookdelivery"),
        # Replays only: the admin never edits a delivery.
        ("journeys", "change_webhookdelivery"),
        ("journeys", "view_syncrun"),
        ("journeys", "view_outbounddelivery"),
    }
    run = ScheduledJobRun.objects.create(job="purge-idempotency-records", task="omni.tasks.x")
    user = UserFactory(username="on-call", is_staff=True)
    user.groups.add(group)
    client.force_login(user)

    assert client.get(reverse("admin:omni_scheduledjobrun_changelist")).status_code == 200
    assert client.get(reverse("admin:omni_workerheartbeat_changelist")).status_code == 200
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 403
    assert client.get(reverse("admin:journeys_order_changelist")).status_code == 403
    # Read only: the page shows the row, saving it is refused and changes nothing.
    url = reverse("admin:omni_scheduledjobrun_change", args=[run.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"job": "renamed", "task": "other"}).status_code == 403
    assert client.get(reverse("admin:omni_scheduledjobrun_add")).status_code == 403
    run.refresh_from_db()
    assert (run.job, run.task) == ("purge-idempotency-records", "omni.tasks.x")


def test_head_office_and_dpo_do_not_see_the_system_records() -> None:
    for group in (ensure_head_office_group(), ensure_dpo_group()):
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert (
            not {
                "view_system_status",
                "view_scheduledjobrun",
                "view_workerheartbeat",
                "change_scheduledjobrun",
            }
            & codenames
        ), group.name


def test_migrate_creates_the_operations_group() -> None:
    # post_migrate ran when the test database was created (omni.roles.ensure_built_in_groups).
    group = Group.objects.get(name=OPERATIONS_GROUP)
    assert group.permissions.filter(codename="view_system_status").exists()
