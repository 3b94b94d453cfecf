"""The registry of personal data covers every model and every text field of Omni."""

import dataclasses

import pytest

from omni.privacy_registry import Erase, models_in_scope, registry, text_fields, undeclared

pytestmark = pytest.mark.django_db


def test_every_model_and_text_field_declares_what_it_holds() -> None:
    assert undeclared() == []


def test_a_model_or_a_text_field_without_a_declaration_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declarations = dict(registry.declarations)
    note = declarations.pop("clienteling.Note")
    task = declarations["clienteling.Task"]
    declarations["clienteling.Task"] = dataclasses.replace(task, free_text=("title",))
    monkeypatch.setattr(registry, "declarations", declarations)

    assert set(undeclared()) == {"clienteling.Task.details", "clienteling.Note"}
    assert note.erase == Erase.DELETE


def test_every_row_about_a_customer_says_how_to_reach_her() -> None:
    for declaration in registry.all():
        for path in declaration.subject:
            # The path is a lookup the ORM accepts.
            declaration.model._default_manager.filter(**{f"{path}__in": [0]}).exists()
    assert registry.get(models_in_scope()[0]) is not None


@pytest.mark.parametrize(
    "label", ["journeys.WebhookDelivery", "omni.IdempotencyRecord", "admin.LogEntry"]
)
def test_stores_that_name_nobody_are_scanned_for_her_values(label: str) -> None:
    declaration = next(d for d in registry.all() if d.label == label)
    assert declaration.erase == Erase.SCAN
    assert set(declaration.free_text) >= {
        field.name
        for field in text_fields(declaration.model)
        if field.name not in declaration.not_personal
    }
