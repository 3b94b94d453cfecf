"""The subject access export through each door: the admin (DPO permission), the API (scope
gdpr:read) and the command line; every export journaled, every refusal journals nothing."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from clienteling.factories import NoteFactory
from clienteling.models import ProfileAccess
from customers.factories import ConsentFactory, CustomerFactory
from customers.models import Customer
from journeys.factories import OrderFactory
from omni.api.clients import api_client_create
from omni.factories import StoreFactory, UserFactory
from omni.models import Store
from omni.roles import ensure_dpo_group
from privacy.models import Door, SubjectExport

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> Customer:
    customer = CustomerFactory(first_name="Ondine", last_name="Marchal", email="ondine@exemple.fr")
    OrderFactory(customer=customer, external_reference="ONDINE-1")
    NoteFactory(customer=customer, body="Cherche un cadeau pour sa mère")
    ConsentFactory(customer=customer, wording__text="J'accepte les offres par email.")
    return customer


@pytest.fixture
def dpo(db: None) -> Any:
    user = UserFactory(username="dpo", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="export_customer", content_type__app_label="privacy")
    )
    return user


def _token_client(scopes: list[str], store: Store | None = None) -> APIClient:
    _model, token = api_client_create(name=f"dpo-{scopes}-{store}", scopes=scopes, store=store)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# API ----------------------------------------------------------------------------------------


def test_the_api_exports_as_json_with_the_gdpr_read_scope(person: Customer) -> None:
    response = _token_client(["gdpr:read"]).get(f"/api/v1/customers/{person.pk}/export")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    sections = {section["model"]: section["rows"] for section in document["sections"]}
    assert document["customer"] == person.pk
    assert sections["customers.Customer"][0]["email"] == "ondine@exemple.fr"
    assert sections["journeys.Order"][0]["external_reference"] == "ONDINE-1"
    assert sections["customers.Consent"][0]["wording"]["text"] == "J'accepte les offres par email."
    record = SubjectExport.objects.get()
    assert (record.customer, record.door, record.form, record.user) == (
        person,
        Door.API,
        "json",
        None,
    )
    assert record.api_client.scopes == ["gdpr:read"]


def test_the_api_gives_the_readable_page_in_the_language_asked(person: Customer) -> None:
    api = _token_client(["gdpr:read"])

    page = api.get(f"/api/v1/customers/{person.pk}/export?format=html&language=fr")

    assert page.status_code == 200, page.content
    assert page["Content-Type"].startswith("text/html")
    assert page["Content-Disposition"].startswith("attachment;")
    html = page.content.decode()
    assert '<html lang="fr">' in html
    assert "<h2>Commandes</h2>" in html
    assert "Cherche un cadeau pour sa mère" in html
    record = SubjectExport.objects.get()
    assert (record.form, record.language) == ("html", "fr")


def test_the_api_uses_the_requests_language_by_default(person: Customer) -> None:
    api = _token_client(["gdpr:read"])

    english = api.get(f"/api/v1/customers/{person.pk}/export", HTTP_ACCEPT_LANGUAGE="en")
    french = api.get(f"/api/v1/customers/{person.pk}/export", HTTP_ACCEPT_LANGUAGE="fr")

    assert english.json()["language"] == "en"
    assert french.json()["language"] == "fr"
    assert list(SubjectExport.objects.order_by("pk").values_list("language", flat=True)) == [
        "en",
        "fr",
    ]


@pytest.mark.parametrize(
    ("scopes", "limited", "code", "reason"),
    [
        (["customers:read", "gdpr:write"], False, "missing_scope", "gdpr:read"),
        (["gdpr:read"], True, "store_forbidden", "one store"),
        ([], False, "missing_scope", "gdpr:read"),
    ],
)
def test_the_api_refuses_without_the_scope_or_for_a_store_limited_client(
    person: Customer, scopes: list[str], limited: bool, code: str, reason: str
) -> None:
    store = StoreFactory(code="lyon-pos") if limited else None
    response = _token_client(scopes, store).get(f"/api/v1/customers/{person.pk}/export")

    assert response.status_code == 403, response.content
    assert response.json()["code"] == code
    assert reason in response.json()["detail"]
    assert not SubjectExport.objects.exists()


def test_the_api_refuses_anonymous_requests(person: Customer) -> None:
    response = APIClient().get(f"/api/v1/customers/{person.pk}/export")

    assert response.status_code == 401
    assert not SubjectExport.objects.exists()


def test_the_api_answers_404_for_an_unknown_customer_and_400_for_a_bad_format(
    person: Customer,
) -> None:
    api = _token_client(["gdpr:read"])

    unknown = api.get("/api/v1/customers/999999/export")
    not_a_number = api.get("/api/v1/customers/abc/export")
    bad_format = api.get(f"/api/v1/customers/{person.pk}/export?format=pdf")
    bad_language = api.get(f"/api/v1/customers/{person.pk}/export?language=de")

    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (not_a_number.status_code, not_a_number.json()["code"]) == (404, "not_found")
    assert bad_format.status_code == 400
    assert bad_language.status_code == 400
    assert not SubjectExport.objects.exists()


def test_the_api_points_a_merged_away_profile_at_its_survivor(person: Customer) -> None:
    absorbed = CustomerFactory(merged_into=person)

    response = _token_client(["gdpr:read"]).get(f"/api/v1/customers/{absorbed.pk}/export")

    assert response.status_code == 409
    assert response.json()["survivor"] == person.pk
    assert f"#{person.pk}" in response.json()["detail"]
    assert not SubjectExport.objects.exists()


def test_a_session_exports_only_with_the_dpo_permission(
    person: Customer, dpo: Any, store_manager: Any
) -> None:
    associate_session = APIClient()
    associate_session.force_login(store_manager.user)
    dpo_session = APIClient()
    dpo_session.force_login(dpo)

    refused = associate_session.get(f"/api/v1/customers/{person.pk}/export")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert not SubjectExport.objects.exists()

    allowed = dpo_session.get(f"/api/v1/customers/{person.pk}/export")
    assert allowed.status_code == 200
    record = SubjectExport.objects.get()
    assert (record.door, record.user, record.api_client) == (Door.API, dpo, None)


# Admin --------------------------------------------------------------------------------------


def test_the_dpo_downloads_an_export_from_the_admin(
    client: Client, person: Customer, dpo: Any
) -> None:
    client.force_login(dpo)
    form = client.get("/admin/privacy/subjectexport/add/")
    assert form.status_code == 200
    assert "Download the export" in form.content.decode()

    response = client.post(
        "/admin/privacy/subjectexport/add/",
        {"customer": person.pk, "form": "html", "language": "en"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="omni-customer-')
    assert "ondine@exemple.fr" in response.content.decode()
    record = SubjectExport.objects.get()
    assert (record.customer, record.door, record.user, record.form, record.language) == (
        person,
        Door.ADMIN,
        dpo,
        "html",
        "en",
    )
    journal = client.get("/admin/privacy/subjectexport/")
    assert journal.status_code == 200
    assert f"#{person.pk}" in journal.content.decode()
    assert "Ondine" not in journal.content.decode()


def test_the_journal_is_read_only(client: Client, person: Customer, dpo: Any) -> None:
    client.force_login(dpo)
    client.post(
        "/admin/privacy/subjectexport/add/",
        {"customer": person.pk, "form": "json", "language": "fr"},
    )
    record = SubjectExport.objects.get()

    change = client.post(f"/admin/privacy/subjectexport/{record.pk}/change/", {"form": "html"})
    delete = client.post(f"/admin/privacy/subjectexport/{record.pk}/delete/", {"post": "yes"})

    assert change.status_code == 403
    assert delete.status_code == 403
    record.refresh_from_db()
    assert record.form == "json"


def test_staff_without_the_dpo_permission_cannot_export(
    client: Client, person: Customer, marketer: Any
) -> None:
    client.force_login(marketer)

    page = client.get("/admin/privacy/subjectexport/add/")
    posted = client.post(
        "/admin/privacy/subjectexport/add/",
        {"customer": person.pk, "form": "json", "language": "en"},
    )

    assert page.status_code == 403
    assert posted.status_code == 403
    assert not SubjectExport.objects.exists()


def test_the_admin_names_the_survivor_of_a_merged_away_profile(
    client: Client, person: Customer, dpo: Any
) -> None:
    absorbed = CustomerFactory(merged_into=person)
    client.force_login(dpo)

    response = client.post(
        "/admin/privacy/subjectexport/add/",
        {"customer": absorbed.pk, "form": "json", "language": "en"},
        follow=True,
    )

    assert f"#{person.pk}" in response.content.decode()
    assert not SubjectExport.objects.exists()


# Command line -------------------------------------------------------------------------------


def test_the_command_writes_json_to_standard_output(person: Customer) -> None:
    out = io.StringIO()

    call_command("gdpr_export", customer=person.pk, stdout=out)

    document = json.loads(out.getvalue())
    assert document["customer"] == person.pk
    record = SubjectExport.objects.get()
    assert (record.door, record.form, record.user) == (Door.COMMAND, "json", None)


def test_the_command_writes_the_page_to_a_file(person: Customer, tmp_path: Path) -> None:
    output = tmp_path / "ondine.html"

    call_command(
        "gdpr_export",
        customer=person.pk,
        output=str(output),
        format="html",
        language="fr",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    html = output.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html
    assert "ondine@exemple.fr" in html
    assert SubjectExport.objects.get().language == "fr"


def test_the_command_refuses_an_unknown_or_merged_away_customer(person: Customer) -> None:
    absorbed = CustomerFactory(merged_into=person)

    with pytest.raises(CommandError, match="Unknown customer #999999"):
        call_command("gdpr_export", customer=999999, stdout=io.StringIO())
    with pytest.raises(CommandError, match=f"#{person.pk}"):
        call_command("gdpr_export", customer=absorbed.pk, stdout=io.StringIO())

    assert not SubjectExport.objects.exists()


def test_the_dpo_group_finds_the_customer_and_exports(client: Client, person: Customer) -> None:
    user = UserFactory(username="dpo-group", is_staff=True)
    user.groups.add(ensure_dpo_group())
    client.force_login(user)

    found = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "privacy",
            "model_name": "subjectexport",
            "field_name": "customer",
            "term": "Marchal",
        },
    )
    response = client.post(
        "/admin/privacy/subjectexport/add/",
        {"customer": person.pk, "form": "json", "language": "fr"},
    )

    assert found.status_code == 200
    assert [result["id"] for result in found.json()["results"]] == [str(person.pk)]
    assert json.loads(response.content)["customer"] == person.pk
    assert SubjectExport.objects.get().user == user


def test_an_export_appears_in_her_access_journal() -> None:
    customer = CustomerFactory()
    call_command("gdpr_export", "--customer", str(customer.pk), stdout=io.StringIO())

    assert list(
        ProfileAccess.objects.filter(customer=customer).values_list("context", flat=True)
    ) == ["subject_export"]
