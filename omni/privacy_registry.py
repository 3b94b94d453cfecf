"""The registry of personal data: where Omni keeps what it knows about a person.

Every model of Omni's apps declares here, in its app's `personal_data.py` module (found like
the admin's `admin.py` modules), which rows are about a customer and how to reach her id from
them (`subject`), and what each of its text, JSON and binary fields holds:

- `personal`: her data itself (name, email, a note about her...);
- `free_text`: text written by people or received from shops, which may quote her values
  (a task's title, a touchpoint's payload, a stored webhook body);
- `not_personal`: fields checked to hold no personal data (codes, amounts, statuses).

Fields with choices hold codes and need no declaration. A test fails when a model or a text
field has no declaration, so a new one cannot be forgotten: the subject access export, the
erasure and the retention purge (app `privacy`) read this registry and nothing else.

What erasure does with the rows about her (`erase`):

- DELETE: the rows go (addresses, notes, wishlists);
- BLANK: the rows stay, their `personal` fields are emptied, their `free_text` redacted
  (the profile, kept pseudonymised for the orders);
- KEEP: the rows stay as accounting or warranty records, linked to the pseudonymised profile;
  their `personal` fields are emptied and their `free_text` redacted where it quotes her;
- SCAN: rows that name no customer (stored webhook bodies, idempotent responses, the admin's
  history): those whose `free_text` quotes her values are redacted.
"""

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


class Erase(enum.StrEnum):
    DELETE = "delete"
    BLANK = "blank"
    KEEP = "keep"
    SCAN = "scan"


@dataclass(frozen=True)
class Retention:
    """How long rows are kept: `period` names a setting in OMNI_RETENTION (days or hours),
    counted from `since` (a date field, or a lookup); `purge` empties those fields instead of
    deleting the row."""

    period: str
    since: str
    purge: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declaration:
    model: type[models.Model]
    subject: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()
    not_personal: tuple[str, ...] = ()
    erase: Erase = Erase.KEEP
    export: bool = True
    retention: Retention | None = None
    # Rows about other customers may quote her too (a search's query): scanned as well.
    scanned: bool = False
    # The date of a contact with her (an order placed, a visit, a message): the retention of
    # her profile runs from the latest one (privacy.retention).
    contact: str = ""
    why: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def about_a_customer(self) -> bool:
        return bool(self.subject)

    def declared(self) -> set[str]:
        return {*self.personal, *self.free_text, *self.not_personal}


@dataclass
class Registry:
    declarations: dict[str, Declaration] = field(default_factory=dict)
    discovered: bool = False

    def register(self, model: type[models.Model] | str, **options) -> Declaration:
        if isinstance(model, str):
            model = apps.get_model(model)
        subject = options.pop("subject", ())
        if isinstance(subject, str):
            subject = (subject,)
        declaration = Declaration(model=model, subject=tuple(subject), **options)
        names = {f.name for f in model._meta.concrete_fields}
        unknown = (declaration.declared() | {declaration.contact} - {""}) - names
        if unknown:
            raise ValueError(f"{declaration.label} declares unknown fields: {sorted(unknown)}")
        self.declarations[declaration.label] = declaration
        return declaration

    def all(self) -> list[Declaration]:
        self.discover()
        return list(self.declarations.values())

    def get(self, model: type[models.Model]) -> Declaration | None:
        self.discover()
        return self.declarations.get(model._meta.label)

    def discover(self) -> None:
        if not self.discovered:
            self.discovered = True
            autodiscover_modules("personal_data")


registry = Registry()
register = registry.register


def text_fields(model: type[models.Model]) -> Iterator[models.Field]:
    """The fields that could hold personal data: text, JSON and binary, without choices."""
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, TEXT_FIELDS) and not model_field.choices:
            yield model_field


def undeclared() -> list[str]:
    """What the registry misses: models of Omni's apps and text fields with no declaration."""
    missing = []
    for model in models_in_scope():
        declaration = registry.get(model)
        if declaration is None:
            missing.append(model._meta.label)
            continue
        declared = declaration.declared()
        missing += [
            f"{model._meta.label}.{model_field.name}"
            for model_field in text_fields(model)
            if model_field.name not in declared
        ]
    return missing


OMNI_APPS = ("omni", "customers", "privacy", "journeys", "segments", "insights", "clienteling")


def models_in_scope() -> list[type[models.Model]]:
    """Omni's models and the admin's change history (it quotes the objects it names)."""
    scope = [
        model
        for model in apps.get_models()
        if model._meta.app_label in OMNI_APPS and not model._meta.proxy
    ]
    return [*scope, apps.get_model("admin", "LogEntry")]
