"""The segments admin: rules built inline with clear errors, live count, members, snapshots,
consent-aware CSV exports journaled for the DPO, and who may do what."""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from customers.factories import ConsentFactory, CustomerFactory
from segments.models import (
    Segment,
    SegmentExport,
    SegmentRule,
    SegmentSnapshot,
    SegmentSnapshotMember,
)
from segments.services import segment_snapshot_create
from tests.admin_helpers import admin_url, inline_management_data, run_action
from tests.segments.conftest import make_segment, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer_client(client: Client, marketer: User) -> Client:
    client.force_login(marketer)
    return client


def _add_form(client: Client, rules: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    page = client.get(admin_url(Segment, "add"))
    assert page.status_code == 200
    data: dict[str, Any] = {
        **inline_management_data(page),
        "name": "Loyal Parisians",
        "description": "",
        "is_active": "on",
        "purpose": "marketing",
        "contact_channel": "email",
        "rules-TOTAL_FORMS": str(len(rules)),
    }
    for index, (group, field, operator, value) in enumerate(rules):
        data.update(
            {
                f"rules-{index}-group": group,
                f"rules-{index}-field": field,
                f"rules-{index}-operator": operator,
                f"rules-{index}-value": value,
            }
        )
    return data


def test_head_office_builds_a_segment_with_rules(
    marketer_client: Client, marketer: User, people: SimpleNamespace
) -> None:
    data = _add_form(
        marketer_client,
        [("1", "lifecycle_stage", "in", "loyalty"), ("2", "tag", "has", "Press")],
    )
    response = marketer_client.post(admin_url(Segment, "add"), data)
    assert response.status_code == 302
    segment = Segment.objects.get(name="Loyal Parisians")
    assert segment.created_by == marketer
    assert [(rule.group, rule.field) for rule in segment.rules.all()] == [
        (1, "lifecycle_stage"),
        (2, "tag"),
    ]
    page = marketer_client.get(admin_url(Segment, "change", segment.pk))
    assert "2 members; 2 may be contacted" in page.content.decode()
    html = page.content.decode()
    assert "AND" in html  # the rules' semantics are explained
    assert "<strong>Last purchase</strong> (last_purchase): within the last N days" in html


def test_a_bad_rule_value_is_shown_inline_and_nothing_is_saved(
    marketer_client: Client, people: SimpleNamespace
) -> None:
    data = _add_form(
        marketer_client,
        [("1", "preferred_store", "in", "nowhere"), ("1", "order_count", "gte", "many")],
    )
    response = marketer_client.post(admin_url(Segment, "add"), data)
    assert response.status_code == 200
    errors = [form.errors for form in response.context["inline_admin_formsets"][0].formset]
    assert "Unknown store code: nowhere." in errors[0]["value"]
    assert "“many” is not a whole number." in errors[1]["value"]
    assert not Segment.objects.exists()
    assert not SegmentRule.objects.exists()


def test_an_operator_that_does_not_suit_the_field_is_refused(
    marketer_client: Client, people: SimpleNamespace
) -> None:
    data = _add_form(marketer_client, [("1", "tag", "gte", "VIP")])
    response = marketer_client.post(admin_url(Segment, "add"), data)
    assert response.status_code == 200
    assert "does not apply to Tag" in response.content.decode()
    assert not Segment.objects.exists()


def _members_page(client: Client, segment: Segment) -> Any:
    return client.get(admin_url(Segment, "members", segment.pk))


def _make_members(count: int) -> None:
    for _index in range(count):
        customer = CustomerFactory(lifecycle_stage="conversion")
        ConsentFactory(customer=customer)


@pytest.mark.parametrize("page", ["members", "change"])
def test_pages_run_a_constant_number_of_queries(
    marketer_client: Client,
    django_assert_max_num_queries: Callable,
    people: SimpleNamespace,
    page: str,
) -> None:
    segment = make_segment((1, "lifecycle_stage", "in", "conversion"))
    counts: list[int] = []
    for members, new_members in ((2, 2), (20, 18)):
        _make_members(new_members)
        with django_assert_max_num_queries(40) as context:
            response = marketer_client.get(admin_url(Segment, page, segment.pk))
        assert response.status_code == 200
        counts.append(len(context.captured_queries))
        if page == "members":
            assert f"{members} members now" in response.content.decode()
    assert counts[0] == counts[1]


def test_the_member_list_shows_the_customers_figures(
    marketer_client: Client, people: SimpleNamespace
) -> None:
    segment = make_segment((1, "channel", "includes", "web"))
    html = _members_page(marketer_client, segment).content.decode()
    assert "Export contactable members" in html
    assert "Alice Arnaud" in html
    assert "Bruno Bernard" in html
    assert "2500" in html
    assert "Paris Flagship" in html
    assert "Lyon Boutique" in html
    assert "Chloé" not in html


def test_the_export_streams_a_csv_of_consenting_members_and_journals_it(
    marketer_client: Client, marketer: User, people: SimpleNamespace
) -> None:
    segment = make_segment((1, "lifecycle_stage", "in", "loyalty,retention,lapsed"))
    response = marketer_client.post(admin_url(Segment, "export", segment.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert people.alice.email in body
    assert people.chloe.email in body
    assert people.bruno.email not in body
    journal = SegmentExport.objects.get()
    assert (journal.exported_by, journal.row_count, journal.excluded_count) == (marketer, 2, 1)


def test_an_export_is_never_a_get(marketer_client: Client, people: SimpleNamespace) -> None:
    segment = make_segment((1, "tag", "has", "VIP"))
    assert marketer_client.get(admin_url(Segment, "export", segment.pk)).status_code == 405
    assert not SegmentExport.objects.exists()


def test_staff_without_the_export_permission_cannot_export(
    client: Client, people: SimpleNamespace
) -> None:
    user = staff_with("view_segment", "change_segment", "view_segmentsnapshot")
    client.force_login(user)
    segment = make_segment((1, "tag", "has", "VIP"))
    snapshot = segment_snapshot_create(segment=segment, actor=None)
    assert _members_page(client, segment).status_code == 200
    assert "Export contactable" not in _members_page(client, segment).content.decode()
    assert client.post(admin_url(Segment, "export", segment.pk)).status_code == 403
    url = admin_url(SegmentSnapshot, "export", snapshot.pk)
    assert client.post(url).status_code == 403
    assert not SegmentExport.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "associate"])
def test_associates_and_anonymous_never_reach_segments(
    client: Client, associate: Any, people: SimpleNamespace, who: str
) -> None:
    if who == "associate":
        client.force_login(associate.user)
    segment = make_segment((1, "tag", "has", "VIP"))
    for url in (
        admin_url(Segment, "members", segment.pk),
        admin_url(Segment, "change", segment.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
    response = client.post(admin_url(Segment, "export", segment.pk))
    assert response.status_code == 302
    assert not SegmentExport.objects.exists()
    assert not SegmentSnapshot.objects.exists()


def test_the_freeze_action_makes_a_snapshot_and_its_export_rechecks_consent(
    marketer_client: Client, marketer: User, people: SimpleNamespace
) -> None:
    segment = make_segment((1, "lifecycle_stage", "in", "loyalty,lapsed"))
    messages = run_action(marketer_client, Segment, "freeze_snapshot", [segment])
    assert "frozen with 2 members" in messages[0]
    snapshot = SegmentSnapshot.objects.get()
    assert (snapshot.created_by, snapshot.member_count) == (marketer, 2)
    page = marketer_client.get(admin_url(SegmentSnapshot, "change", snapshot.pk))
    assert "2 members; 2 may be contacted" in page.content.decode()
    members = marketer_client.get(
        admin_url(SegmentSnapshotMember, "changelist"), {"snapshot__id__exact": snapshot.pk}
    )
    assert {row.customer_id for row in members.context["cl"].result_list} == {
        people.alice.pk,
        people.chloe.pk,
    }
    ConsentFactory(customer=people.chloe, granted=False)
    response = marketer_client.post(admin_url(SegmentSnapshot, "export", snapshot.pk))
    body = b"".join(response.streaming_content).decode()
    assert people.alice.email in body
    assert people.chloe.email not in body
    journal_page = marketer_client.get(admin_url(SegmentExport, "changelist"))
    assert journal_page.status_code == 200
    assert snapshot.name in journal_page.content.decode()


def test_staff_without_the_snapshot_permission_cannot_freeze(
    client: Client, people: SimpleNamespace
) -> None:
    client.force_login(staff_with("view_segment", "change_segment"))
    segment = make_segment((1, "tag", "has", "VIP"))
    response = client.post(
        admin_url(Segment, "changelist"),
        {"action": "freeze_snapshot", "_selected_action": [segment.pk]},
    )
    assert response.status_code in (200, 302)
    assert not SegmentSnapshot.objects.exists()


def test_a_bad_change_leaves_the_segment_and_its_rules_as_they_were(
    marketer_client: Client, people: SimpleNamespace
) -> None:
    segment = make_segment((1, "tag", "has", "VIP"), name="VIPs")
    rule = segment.rules.get()
    page = marketer_client.get(admin_url(Segment, "change", segment.pk))
    data = {
        **inline_management_data(page),
        "name": "Renamed",
        "description": "",
        "is_active": "on",
        "purpose": "marketing",
        "contact_channel": "email",
        "rules-0-id": rule.pk,
        "rules-0-segment": segment.pk,
        "rules-0-group": "1",
        "rules-0-field": "total_spent",
        "rules-0-operator": "gte",
        "rules-0-value": "plenty",
    }
    response = marketer_client.post(admin_url(Segment, "change", segment.pk), data)
    assert response.status_code == 200
    assert "“plenty” is not an amount." in response.content.decode()
    segment.refresh_from_db()
    rule.refresh_from_db()
    assert segment.name == "VIPs"
    assert (rule.field, rule.operator, rule.value) == ("tag", "has", "VIP")


def test_the_member_list_is_paginated(marketer_client: Client, people: SimpleNamespace) -> None:
    _make_members(55)
    segment = make_segment((1, "lifecycle_stage", "in", "conversion"))
    first = _members_page(marketer_client, segment)
    second = marketer_client.get(admin_url(Segment, "members", segment.pk), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    shown = {customer.pk for customer in first.context["page"]} | {
        customer.pk for customer in second.context["page"]
    }
    assert len(shown) == 55


# The builder: live count of the rules being edited ------------------------------------------


def _preview(client: Client, data: dict[str, Any]) -> str:
    response = client.post("/admin/segments/segment/preview/", data)
    assert response.status_code == 200
    return response.content.decode()


def test_the_count_follows_the_rules_being_edited_before_saving(
    marketer_client: Client, people: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    data = _add_form(marketer_client, [("1", "lifecycle_stage", "in", "loyalty")])
    # Session, user, permissions, the count (with its transaction and, on PostgreSQL, its
    # JIT setting): a constant, not per customer.
    with django_assert_max_num_queries(10):
        html = _preview(marketer_client, data)
    # alice: merged and erased profiles are not members; the count is said once, in the
    # singular for one.
    assert "<strong>1</strong> member; 1 may be contacted" in html
    assert html.count("member") == 1
    data.update({"rules-1-group": "2", "rules-1-field": "tag", "rules-1-operator": "has"})
    data.update({"rules-1-value": "Press", "rules-TOTAL_FORMS": "2"})
    html = _preview(marketer_client, data)
    assert "<strong>2</strong> members; " in html
    assert not Segment.objects.exists(), "a preview saves nothing"


def test_a_rule_that_does_not_parse_is_named_instead_of_counted(
    marketer_client: Client, people: SimpleNamespace
) -> None:
    data = _add_form(
        marketer_client,
        [("1", "lifecycle_stage", "in", "loyalty"), ("1", "total_spent", "includes", "500")],
    )
    html = _preview(marketer_client, data)
    assert "Rule 2:" in html
    assert "does not apply to Total spent" in html
    assert "may be contacted" not in html
    empty = _add_form(marketer_client, [])
    assert "Add a rule to see who it selects." in _preview(marketer_client, empty)


def test_the_form_offers_each_fields_operators_and_values(marketer_client: Client) -> None:
    page = marketer_client.get(admin_url(Segment, "add")).content.decode()
    assert 'id="segment-builder-spec"' in page
    assert "segments/rule_builder.js" in page
    spec = page.split('id="segment-builder-spec" type="application/json">', 1)[1]
    assert (
        '"lifecycle_stage": {"operators": [["in", "is one of"], ["not_in", "is none of"]]' in spec
    )


def test_someone_who_may_not_see_segments_gets_no_count(
    client: Client, people: SimpleNamespace
) -> None:
    client.force_login(staff_with())
    response = client.post("/admin/segments/segment/preview/", {"rules-TOTAL_FORMS": "0"})
    assert response.status_code == 403
