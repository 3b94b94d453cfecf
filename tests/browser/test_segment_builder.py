"""The segment builder in the admin (issue 13, item 9): a rule's field offers only its
operators and suggests its values, and the count of members follows the rules as they are
typed, before anything is saved."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Page, expect

from customers.factories import CustomerFactory
from segments.models import Segment
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_count_follows_the_rules_as_they_are_typed(page: Page, live_server: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    CustomerFactory.create_batch(2, lifecycle_stage="loyalty")
    CustomerFactory(lifecycle_stage="retention")
    user = User.objects.create_user("marketing", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Head office"))
    page.goto(base + "/admin/login/")
    page.locator("#id_username").fill("marketing")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto(base + "/admin/segments/segment/add/")
    preview = page.locator("#segment-preview")
    expect(preview).to_contain_text("Add a rule to see who it selects.")

    page.locator("#id_purpose").select_option("marketing")
    page.locator("#id_contact_channel").select_option("email")
    page.locator("#id_rules-0-field").select_option("lifecycle_stage")
    operators = page.locator("#id_rules-0-operator option").all_inner_texts()
    assert operators == ["---------", "is one of", "is none of"]
    assert page.locator("#id_rules-0-value").get_attribute("placeholder") == "retention, loyalty"
    page.locator("#id_rules-0-operator").select_option("in")
    page.locator("#id_rules-0-value").fill("loyalty")
    expect(preview.locator("strong")).to_have_text("2")

    page.locator("#id_rules-0-operator").select_option("not_in")
    expect(preview.locator("strong")).to_have_text("1")

    page.locator("#id_rules-0-field").select_option("total_spent")
    operators = page.locator("#id_rules-0-operator option").all_inner_texts()
    assert operators == ["---------", "≥", "≤"]
    page.locator("#id_rules-0-operator").select_option("gte")
    page.locator("#id_rules-0-value").fill("lots")
    expect(preview).to_contain_text("Rule 1:")
    assert not Segment.objects.exists()
