"""Subject access export (GDPR art. 15 and 20): everything Omni holds about one person, complete
by construction: it walks the registry of personal data (omni.privacy_registry), so a model
declared there with a subject and `export=True` is exported with the others.

For her profile and every profile merged into it, each declared model gives one section (its
verbose name, its fields' labels, its rows). Values are JSON-safe: dates in ISO 8601 (UTC),
decimals as strings, foreign keys as ids, or as small objects naming what they point to where
that helps her read it (store, product, the consent wording's text, who read her profile).
One query per model (two for a model with a many-to-many field), whatever her history.

A merged-away profile is not exported: the request is refused with the number of the profile
it was merged into, whose export includes it (one person, one export, one journal row).
An erased profile exports what remains of it (pseudonymised).
"""

import base64
import datetime
import decimal
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.duration import duration_iso_string
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from customers.models import Customer
from omni.access_journal import Door as AccessDoor
from omni.access_journal import journal_reads
from omni.errors import DomainError
from omni.models import ApiClient
from omni.privacy_registry import Declaration, registry
from privacy.erasure import profiles_of
from privacy.models import SubjectExport

# Fields left out although declared: internal fingerprints that mean nothing to her and repeat
# what the export already shows (her names folded for search, hashes of records received).
INTERNAL_FIELDS: dict[str, frozenset[str]] = {
    "customers.Customer": frozenset({"search_name", "search_first_name", "search_last_name"}),
    "journeys.Order": frozenset({"ingest_digest", "ingest_customer_digest"}),
}
# Another person's data in a row about her: an undone merge's snapshot of the profile that
# turned out to be someone else (kept only while that profile is one of hers).
OTHERS_DATA: dict[str, tuple[str, str]] = {
    "customers.CustomerMerge": ("absorbed_snapshot", "absorbed_id"),
}


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


@dataclass(frozen=True)
class Describer:
    """How a foreign key's target is named in the export: the joins it needs, then its
    description (a small JSON object)."""

    joins: tuple[str, ...]
    describe: Callable[[Any], dict[str, Any]]


def _describers() -> dict[str, Describer]:
    return {
        get_user_model()._meta.label: Describer((), _person),
        "omni.Store": Describer((), lambda store: _named(store, "code", "name")),
        "omni.Product": Describer((), lambda product: _named(product, "sku", "name")),
        "omni.Service": Describer((), lambda service: _named(service, "code", "name")),
        "omni.ApiClient": Describer((), lambda client: _named(client, "name")),
        "customers.Tag": Describer((), lambda tag: _named(tag, "name")),
        "customers.ConsentWording": Describer((), _wording),
        "clienteling.Associate": Describer(("user",), lambda a: {"id": a.pk, "name": str(a)}),
        "clienteling.Trigger": Describer((), lambda trigger: _named(trigger, "name")),
        "segments.SegmentSnapshot": Describer(("segment",), _snapshot),
        "segments.SegmentExport": Describer((), lambda export: _named(export, "label")),
        "journeys.ShopIntegration": Describer((), lambda shop: _named(shop, "name")),
    }


def _named(instance: models.Model, *names: str) -> dict[str, Any]:
    return {"id": instance.pk, **{name: getattr(instance, name) for name in names}}


def _wording(wording: Any) -> dict[str, Any]:
    return {
        "id": wording.pk,
        "version": wording.version,
        "language": wording.language,
        "text": "" if wording.is_placeholder else wording.text,
        "text_recorded": not wording.is_placeholder,
        "in_force_from": json_value(wording.valid_from),
    }


def _snapshot(snapshot: Any) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "name": snapshot.name,
        "segment": snapshot.segment.name,
        "created_at": json_value(snapshot.created_at),
    }


def json_value(value: Any) -> Any:
    """A field's value as JSON: ISO dates (UTC), decimals and ids as strings, bytes as text."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return base64.b64encode(raw).decode()
    return value


@dataclass(frozen=True)
class Column:
    field: models.Field
    describer: Describer | None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def label(self) -> str:
        return capfirst(str(self.field.verbose_name))

    def value(self, row: models.Model) -> Any:
        if self.field.many_to_many:
            targets = getattr(row, self.name).all()
            describe = self.describer.describe if self.describer else lambda target: target.pk
            return [describe(target) for target in targets]
        if self.describer is not None:
            target = getattr(row, self.name)
            return None if target is None else self.describer.describe(target)
        return json_value(getattr(row, self.field.attname))

    def display(self, row: models.Model, value: Any) -> str:
        """The value as she reads it on the page, in the export's language."""
        if value is None or value == "":
            return "—"
        if self.field.choices:
            return str(getattr(row, f"get_{self.name}_display")())
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(self.field, models.DateTimeField):
            moment = timezone.localtime(getattr(row, self.name))
            return date_format(moment, "DATETIME_FORMAT")
        if isinstance(self.field, models.DateField):
            return date_format(getattr(row, self.name), "DATE_FORMAT")
        if self.describer is not None:
            targets = value if isinstance(value, list) else [value]
            return "; ".join(_describe_for_reading(target) for target in targets) or "—"
        if self.field.many_to_many:
            return ", ".join(f"#{pk}" for pk in value) or "—"
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, indent=1)
        return str(value)


def _describe_for_reading(description: dict[str, Any]) -> str:
    parts = [str(value) for key, value in description.items() if key != "id" and value]
    return " · ".join(part for part in parts if part not in ("True", "False"))


@dataclass
class Section:
    model: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    instances: list[models.Model] = field(default_factory=list)

    def displayed(self) -> Iterator[list[str]]:
        """Each row's cells as she reads them (the page): in the active language and zone."""
        for instance, values in zip(self.instances, self.rows, strict=True):
            yield [column.display(instance, values[column.name]) for column in self.columns]

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "title": self.title,
            "fields": {column.name: column.label for column in self.columns},
            "rows": self.rows,
        }


@dataclass
class SubjectData:
    """What Omni holds about one person, in one language."""

    customer_id: int
    profiles: list[int]
    language: str
    generated_at: datetime.datetime
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": json_value(self.generated_at),
            "customer": self.customer_id,
            "profiles": self.profiles,
            "language": self.language,
            "sections": [section.as_json() for section in self.sections],
        }

    def render_json(self) -> str:
        # Not indented: json then uses its C encoder, ten times faster on a long history.
        return json.dumps(self.as_json(), ensure_ascii=False)

    def render_html(self) -> str:
        with translation.override(self.language):
            return render_to_string("privacy/subject_export.html", {"export": self})


def exported_declarations() -> list[Declaration]:
    """Every declaration about a customer that belongs in an export, her profile first."""
    declarations = [d for d in registry.all() if d.about_a_customer and d.export]
    return sorted(declarations, key=lambda declaration: declaration.model is not Customer)


def subject_data_build(*, customer: Customer, language: str) -> SubjectData:
    """Everything about her (and the profiles merged into her), in `language`."""
    survivor = survivor_of(customer)
    if survivor is not None:
        raise DomainError(
            _(
                "Profile #%(merged)s was merged into profile #%(survivor)s: export that one, "
                "it includes this profile."
            )
            % {"merged": customer.pk, "survivor": survivor.pk},
            code="merged",
        )
    ids = profiles_of(customer)
    describers = _describers()
    with translation.override(language):
        sections = [
            _section(declaration, ids, describers) for declaration in exported_declarations()
        ]
    return SubjectData(customer.pk, ids, language, timezone.now(), sections)


def survivor_of(customer: Customer) -> Customer | None:
    """The profile a merged-away profile ended in (merges can chain), None if not merged."""
    survivor = None
    while customer.merged_into_id is not None:
        customer = survivor = Customer.objects.get(pk=customer.merged_into_id)
    return survivor


def _columns(declaration: Declaration, describers: dict[str, Describer]) -> list[Column]:
    left_out = INTERNAL_FIELDS.get(declaration.label, frozenset())
    meta = declaration.model._meta
    return [
        Column(model_field, describers.get(model_field.related_model._meta.label))
        if model_field.is_relation
        else Column(model_field, None)
        for model_field in [*meta.concrete_fields, *meta.many_to_many]
        if model_field.name not in left_out
    ]


def _section(declaration: Declaration, ids: list[int], describers: dict[str, Describer]) -> Section:
    meta = declaration.model._meta
    columns = _columns(declaration, describers)
    section = Section(declaration.label, capfirst(str(meta.verbose_name_plural)), columns)
    others = OTHERS_DATA.get(declaration.label)
    for row in _rows(declaration, ids, columns):
        values = {column.name: column.value(row) for column in columns}
        if others and getattr(row, others[1]) not in ids:
            values[others[0]] = None
        section.rows.append(values)
        section.instances.append(row)
    return section


def _rows(declaration: Declaration, ids: list[int], columns: list[Column]) -> list[models.Model]:
    condition = Q()
    for path in declaration.subject:
        condition |= Q(**{f"{path}__in": ids})
    joins, prefetches = [], []
    for column in columns:
        if column.describer is None and not column.field.many_to_many:
            continue
        joins_of_target = column.describer.joins if column.describer else ()
        paths = [column.name, *(f"{column.name}__{join}" for join in joins_of_target)]
        (prefetches if column.field.many_to_many else joins).extend(paths)
    rows = declaration.model._default_manager.filter(condition).order_by("pk")
    if joins:
        rows = rows.select_related(*joins)
    return list(rows.prefetch_related(*prefetches))


@dataclass(frozen=True)
class ProducedExport:
    record: SubjectExport
    content: str
    content_type: str
    filename: str


def subject_export_produce(
    *,
    customer: Customer,
    door: str,
    form: str = SubjectExport.Form.JSON,
    language: str = "",
    user: Any = None,
    api_client: ApiClient | None = None,
) -> ProducedExport:
    """Build her export in `form` and `language` and journal it (privacy.SubjectExport).

    Raises DomainError for a merged-away profile (nothing is journaled then)."""
    language = export_language(language)
    data = subject_data_build(customer=customer, language=language)
    if form == SubjectExport.Form.HTML:
        content, content_type = data.render_html(), "text/html; charset=utf-8"
    else:
        content, content_type = data.render_json(), "application/json"
    with transaction.atomic():
        record = SubjectExport.objects.create(
            customer=customer,
            door=door,
            user=user if getattr(user, "pk", None) else None,
            api_client=api_client,
            form=form,
            language=language,
            exported_at=data.generated_at,
        )
        # Her journal shows the DPO's exports among the other reads of her data.
        journal_reads(
            data.profiles,
            AccessDoor.SUBJECT_EXPORT,
            user=user,
            api_client=api_client,
        )
    filename = f"omni-customer-{customer.pk}-{data.generated_at:%Y%m%d-%H%M%S}.{form}"
    return ProducedExport(record, content, content_type, filename)


def export_language(language: str | None) -> str:
    """One of the site's languages: the one asked for, else the active one, else the default."""
    known = [code for code, _name in settings.LANGUAGES]
    for candidate in (language, translation.get_language(), settings.LANGUAGE_CODE):
        code = (candidate or "").split("-")[0].lower()
        if code in known:
            return code
    return known[0]
