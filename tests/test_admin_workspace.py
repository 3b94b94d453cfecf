"""The admin's index as the head office's workspace (issue 13, item 9): it opens on the
dashboards, customers, segments, triggers, lifecycle and consent wordings; the records stores,
shops and tills own, which head office only reads, are off its index but still open; a
superuser still finds every app."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _sections(client: Client) -> list[tuple[str, list[str]]]:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return [
        (str(app["name"]), [model["object_name"] for model in app["models"]])
        for app in response.context["app_list"]
    ]


@pytest.fixture
def marketer_client(client: Client) -> Client:
    user = User.objects.create_user("marketing", is_staff=True)
    user.groups.add(Group.objects.get(name="Head office"))
    client.force_login(user)
    return client


def test_the_marketer_opens_on_her_workspace_without_the_operations(
    marketer_client: Client,
) -> None:
    sections = _sections(marketer_client)
    name, models = sections[0]
    assert name == "Head office workspace"
    assert models == [
        "DashboardPage",
        "JourneyAnalysisPage",
        "Customer",
        "Segment",
        "Trigger",
        "LifecycleSettings",
        "ConsentWording",
    ]
    listed = {model for _name, models in sections for model in models}
    for operational in ("Order", "Pickup", "ShopIntegration", "Associate", "WebhookDelivery"):
        assert operational not in listed, operational
    for internal in ("NameWord", "FormSubmission", "CurrentConsent", "SegmentFacts"):
        assert internal not in listed, internal
    assert sum(models.count("Customer") for _name, models in sections) == 1
    # Off the index, not forbidden: head office still reads an order from a customer's page.
    assert marketer_client.get(reverse("admin:journeys_order_changelist")).status_code == 200


def test_a_superuser_finds_every_app_after_the_workspace(admin_client: Client) -> None:
    sections = _sections(admin_client)
    assert sections[0][0] == "Head office workspace"
    listed = {model for _name, models in sections for model in models}
    assert {"Order", "Pickup", "ShopIntegration", "Associate", "WebhookDelivery"} <= listed
    assert {"NameWord", "FormSubmission", "CurrentConsent", "SegmentFacts"} <= listed
    app_page = admin_client.get(reverse("admin:app_list", args=["journeys"]))
    assert "Order" in [model["object_name"] for model in app_page.context["app_list"][0]["models"]]


def test_the_record_section_is_named_as_a_noun_in_french(marketer_client: Client) -> None:
    """ "Record" as a section (when it was made and changed) is not the verb "Enregistrer"."""
    marketer_client.cookies["django_language"] = "fr"
    page = marketer_client.get(reverse("admin:segments_segment_add"), HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert ">Enregistrement<" in html
