"""The subject access export: everything about her, from every kind of record, as JSON and as a
readable page in French and English, in a constant number of queries."""

import datetime
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from clienteling.factories import AppointmentFactory, AssociateFactory, NoteFactory, TaskFactory
from clienteling.models import ProfileAccess
from customers.factories import (
    AddressFactory,
    ConsentFactory,
    ConsentWordingFactory,
    CustomerFactory,
    ExternalIdentityFactory,
    PreferenceFactory,
)
from journeys.factories import (
    AfterSalesTicketFactory,
    LifecycleStageChangeFactory,
    OrderFactory,
    OrderLineFactory,
    PickupFactory,
    ReturnFactory,
    TouchpointFactory,
    WishlistItemFactory,
)
from journeys.models import AfterSalesMessage, ReturnLine
from omni.errors import DomainError
from omni.factories import ProductFactory, StoreFactory, UserFactory
from omni.privacy_registry import registry
from privacy.export import exported_declarations, subject_data_build, subject_export_produce
from privacy.models import Door, SubjectExport
from segments.factories import SegmentFactory
from segments.models import SegmentSnapshot, SegmentSnapshotMember

pytestmark = pytest.mark.django_db
WHEN = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)


def _history(customer: Any, store: Any, product: Any, number: int) -> None:
    """Orders with lines, tickets with messages, touchpoints, notes: what grows over years."""
    for index in range(number):
        order = OrderFactory(customer=customer, store=store, placed_at=WHEN)
        OrderLineFactory(order=order, line_number=1, product=product)
        ticket = AfterSalesTicketFactory(customer=customer, store=store)
        AfterSalesMessage.objects.create(
            ticket=ticket, channel="store", body=f"Message {index}", sent_at=WHEN
        )
        TouchpointFactory(customer=customer, store=store, product=product)
        NoteFactory(customer=customer, store=store)


@pytest.fixture
def traces() -> SimpleNamespace:
    """Claire, with a trace in every kind of record, and a duplicate profile merged into hers."""
    store = StoreFactory(code="lyon", name="Lyon Boutique")
    product = ProductFactory(sku="TRENCH-M", name="Trench coat", price=Decimal("890.00"))
    claire = CustomerFactory(
        first_name="Claire",
        last_name="Fontaine",
        email="claire@example.fr",
        phone="+33612345678",
        birth_date=datetime.date(1988, 5, 17),
    )
    duplicate = CustomerFactory(first_name="Clara", last_name="Fontaine", merged_into=claire)
    ExternalIdentityFactory(customer=claire, source="shopify", external_id="7001")
    AddressFactory(customer=claire, line1="12 rue de la Paix", city="Paris")
    AddressFactory(customer=duplicate, line1="3 quai Saint-Vincent", city="Lyon")
    PreferenceFactory(customer=claire, sizes={"shoes": "38"}, skin_type="dry")
    wording = ConsentWordingFactory(
        purpose="newsletter", version="v7", text="Je veux recevoir la lettre de la maison."
    )
    ConsentFactory(customer=claire, purpose="newsletter", wording=wording, wording_version="v7")
    order = OrderFactory(
        customer=claire, store=store, external_reference="LY-42", total=Decimal("890.00")
    )
    line = OrderLineFactory(order=order, line_number=1, product=product, size="M")
    returned = ReturnFactory(order=order, reason="Trop grand", returned_at=WHEN)
    ReturnLine.objects.create(parent=returned, order_line=line, quantity=1)
    WishlistItemFactory(wishlist__customer=claire, product=product, note="Pour Noël")
    ticket = AfterSalesTicketFactory(customer=claire, store=store, subject="Zip cassé")
    AfterSalesMessage.objects.create(
        ticket=ticket, channel="email", body="Votre trench est réparé.", sent_at=WHEN
    )
    PickupFactory(order__customer=claire, order__store=store, code="PK-0042")
    associate = AssociateFactory(store=store, user__first_name="Inès", user__last_name="Morel")
    AppointmentFactory(customer=claire, associate=associate, customer_request="Sourcils")
    NoteFactory(customer=duplicate, body="Préfère être appelée le soir")
    TaskFactory(customer=claire, assignee=associate, title="Rappeler pour la retouche")
    TouchpointFactory(customer=claire, payload={"page": "/trench"})
    LifecycleStageChangeFactory(customer=claire, reason="2 purchases")
    segment = SegmentFactory(name="Fidèles Lyon")
    snapshot = SegmentSnapshot.objects.create(
        segment=segment,
        name="Campagne printemps",
        created_at=WHEN,
        purpose="marketing",
        contact_channel="email",
    )
    SegmentSnapshotMember.objects.create(snapshot=snapshot, customer=claire)
    ProfileAccess.objects.create(
        customer=claire, user=associate.user, store=store, context="customer_360"
    )
    return SimpleNamespace(
        claire=claire, duplicate=duplicate, store=store, product=product, associate=associate
    )


def _sections(customer: Any, language: str = "en") -> dict[str, list[dict[str, Any]]]:
    data = subject_data_build(customer=customer, language=language).as_json()
    return {section["model"]: section["rows"] for section in data["sections"]}


def test_the_export_holds_every_kind_of_record_about_her(traces: SimpleNamespace) -> None:
    sections = _sections(traces.claire)

    profiles = {row["id"]: row for row in sections["customers.Customer"]}
    assert profiles[traces.claire.pk]["email"] == "claire@example.fr"
    assert profiles[traces.claire.pk]["birth_date"] == "1988-05-17"
    assert profiles[traces.duplicate.pk]["first_name"] == "Clara"  # merged into hers
    assert "search_name" not in profiles[traces.claire.pk]
    assert sections["customers.ExternalIdentity"][0]["external_id"] == "7001"
    cities = sorted(row["city"] for row in sections["customers.Address"])
    assert cities == ["Lyon", "Paris"]
    assert sections["customers.Preference"][0]["sizes"] == {"shoes": "38"}
    consent = sections["customers.Consent"][0]
    assert consent["wording"]["text"] == "Je veux recevoir la lettre de la maison."
    assert consent["wording"]["version"] == "v7"
    orders = {row["external_reference"]: row for row in sections["journeys.Order"]}
    assert orders["LY-42"]["total"] == "890.00"
    assert orders["LY-42"]["store"] == {
        "id": traces.store.pk,
        "code": "lyon",
        "name": "Lyon Boutique",
    }
    assert "ingest_digest" not in orders["LY-42"]
    lines = sections["journeys.OrderLine"]
    assert {line["product"]["sku"] for line in lines} == {"TRENCH-M"}
    assert sections["journeys.Return"][0]["reason"] == "Trop grand"
    assert sections["journeys.ReturnLine"][0]["quantity"] == 1
    assert sections["journeys.WishlistItem"][0]["note"] == "Pour Noël"
    assert sections["journeys.Wishlist"][0]["customer"] == traces.claire.pk
    assert sections["journeys.AfterSalesTicket"][0]["subject"] == "Zip cassé"
    assert sections["journeys.AfterSalesMessage"][0]["body"] == "Votre trench est réparé."
    assert sections["journeys.Pickup"][0]["code"] == "PK-0042"
    appointment = sections["clienteling.Appointment"][0]
    assert appointment["customer_request"] == "Sourcils"
    assert appointment["associate"]["name"] == "Inès Morel"
    notes = [row["body"] for row in sections["clienteling.Note"]]
    assert notes == ["Préfère être appelée le soir"]
    assert sections["clienteling.Task"][0]["title"] == "Rappeler pour la retouche"
    assert sections["journeys.Touchpoint"][0]["payload"] == {"page": "/trench"}
    assert sections["journeys.LifecycleStageChange"][0]["reason"] == "2 purchases"
    membership = sections["segments.SegmentSnapshotMember"][0]["snapshot"]
    assert (membership["segment"], membership["name"]) == ("Fidèles Lyon", "Campagne printemps")
    access = sections["clienteling.ProfileAccess"][0]
    assert access["user"]["name"] == "Inès Morel"
    assert access["context"] == "customer_360"
    assert access["store"]["name"] == "Lyon Boutique"
    assert access["accessed_at"].endswith("+00:00")


def test_every_declared_model_about_a_customer_has_its_section(traces: SimpleNamespace) -> None:
    data = subject_data_build(customer=traces.claire, language="en").as_json()

    expected = {d.label for d in registry.all() if d.about_a_customer and d.export}
    assert {section["model"] for section in data["sections"]} == expected
    assert data["sections"][0]["model"] == "customers.Customer"
    assert data["customer"] == traces.claire.pk
    assert sorted(data["profiles"]) == sorted([traces.claire.pk, traces.duplicate.pk])
    assert "privacy.Erasure" not in expected
    json.dumps(data)  # JSON-safe throughout


def test_nobody_else_is_in_her_export(traces: SimpleNamespace) -> None:
    someone_else = CustomerFactory(first_name="Zoé", email="zoe@example.fr")
    OrderFactory(customer=someone_else, external_reference="OTHER-1")
    NoteFactory(customer=someone_else, body="Zoé's note")

    text = subject_data_build(customer=traces.claire, language="en").render_json()

    assert "zoe@example.fr" not in text
    assert "OTHER-1" not in text
    assert "Zoé" not in text


def test_the_number_of_queries_does_not_grow_with_her_history(
    traces: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    _history(traces.claire, traces.store, traces.product, 2)
    with django_assert_max_num_queries(100) as small:
        subject_data_build(customer=traces.claire, language="en")
    _history(traces.claire, traces.store, traces.product, 40)

    with django_assert_max_num_queries(len(small.captured_queries)):
        data = subject_data_build(customer=traces.claire, language="en").as_json()

    orders = next(s for s in data["sections"] if s["model"] == "journeys.Order")
    assert len(orders["rows"]) == 1 + 1 + 2 + 40  # hers, the pickup's, the history


def test_the_page_is_readable_in_english_and_in_french(traces: SimpleNamespace) -> None:
    english = subject_data_build(customer=traces.claire, language="en").render_html()
    french = subject_data_build(customer=traces.claire, language="fr").render_html()

    assert '<html lang="en">' in english
    assert "<h2>Orders</h2>" in english
    assert '<th scope="col">Email</th>' in english
    assert "Je veux recevoir la lettre de la maison." in english
    assert "Lyon Boutique" in english
    assert "claire@example.fr" in french
    assert '<html lang="fr">' in french
    assert "<h2>Commandes</h2>" in french
    assert "<h2>Registre des consentements</h2>" in french
    json_fr = subject_data_build(customer=traces.claire, language="fr").as_json()
    titles = {section["model"]: section["title"] for section in json_fr["sections"]}
    assert (titles["customers.Customer"], titles["journeys.Order"]) == ("Clients", "Commandes")


def test_a_merged_away_profile_points_at_the_one_to_export(traces: SimpleNamespace) -> None:
    with pytest.raises(DomainError, match=f"#{traces.claire.pk}") as refused:
        subject_export_produce(customer=traces.duplicate, door=Door.COMMAND)

    assert refused.value.code == "merged"
    assert not SubjectExport.objects.exists()


def test_an_erased_profile_exports_what_remains(traces: SimpleNamespace) -> None:
    from privacy.erasure import customer_erase

    customer_erase(customer=traces.claire, door=Door.ADMIN)

    sections = _sections(traces.claire)

    assert sections["customers.Address"] == []
    assert sections["journeys.Order"] != []
    assert all(row["email"] is None for row in sections["customers.Customer"])


def test_each_export_is_journaled_with_its_form_and_language(traces: SimpleNamespace) -> None:
    user = UserFactory(username="dpo")

    produced = subject_export_produce(
        customer=traces.claire, door=Door.ADMIN, form="html", language="fr", user=user
    )

    record = SubjectExport.objects.get()
    assert (record.customer, record.door, record.user, record.form, record.language) == (
        traces.claire,
        Door.ADMIN,
        user,
        "html",
        "fr",
    )
    assert produced.record == record
    assert produced.filename.endswith(".html")
    assert produced.content_type.startswith("text/html")
    assert record.exported_at <= timezone.now()


def test_only_declared_models_with_a_subject_are_exported() -> None:
    assert all(declaration.subject for declaration in exported_declarations())
