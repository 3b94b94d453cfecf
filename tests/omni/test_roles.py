"""The head-office group: everything of the retail apps, except rewriting histories and keys."""

import pytest

from omni.roles import ensure_head_office_group

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
