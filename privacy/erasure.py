"""Erasure of a person (GDPR art. 17), complete by construction: it walks the registry of
personal data (omni.privacy_registry), so a model declared there is erased with the others.

For the profile erased and every profile merged into it:
- rows about her are deleted, blanked or kept as the registry says; kept rows (orders, tickets,
  the consent ledger...) lose their personal fields and the free text that quotes her;
- rows that name no customer (stored webhook bodies, idempotent responses, the admin's history,
  outbound payloads, import errors) are searched for her values and redacted where found;
- the erasure is recorded without personal data (privacy.Erasure) and is idempotent.
"""

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Address, Customer, ExternalIdentity, NameWord
from customers.name_words import name_words
from omni.errors import DomainError
from omni.models import ApiClient
from omni.privacy_registry import Declaration, Erase, registry
from privacy.models import Door, Erasure
from privacy.values import PersonValues, matches, redact

logger = logging.getLogger(__name__)

PROFILE_VALUES = ("first_name", "last_name", "email", "phone", "birth_date", "loyalty_number")


@dataclass(frozen=True)
class ErasureOutcome:
    erasure: Erasure
    already_erased: bool


class BytesAsText(models.Func):
    """A binary column read as UTF-8 text, to search it with LIKE."""

    output_field = TextField()

    def as_sql(self, compiler, connection_, **extra):
        if connection_.vendor == "postgresql":
            template = "convert_from(%(expressions)s, 'UTF8')"
        else:
            template = "CAST(%(expressions)s AS TEXT)"
        return super().as_sql(compiler, connection_, template=template, **extra)


def customer_erase(
    *,
    customer: Customer,
    door: str,
    user: Any = None,
    api_client: ApiClient | None = None,
) -> ErasureOutcome:
    """Erase her; erasing an erased profile changes nothing and returns its record."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.is_merged:
            raise DomainError(
                _("This profile was merged into another one; erase that one instead."),
                code="merged",
            )
        if customer.erased_at is not None:
            erasure = Erasure.objects.filter(customer=customer).order_by("erased_at").first()
            if erasure is None:  # Erased before erasures were recorded.
                erasure = Erasure.objects.create(
                    customer=customer, door=door, erased_at=customer.erased_at, profiles=0
                )
            return ErasureOutcome(erasure, already_erased=True)
        people = People.of([customer.pk])
        counts = _erase(people, scan_unlinked=True)
        erasure = Erasure.objects.create(
            customer=customer,
            door=door,
            user=user if getattr(user, "pk", None) else None,
            api_client=api_client,
            profiles=len(people.profiles),
            counts={label: count for label, count in sorted(counts.items()) if count},
        )
    logger.info(
        "Customer #%s erased through %s (%s profiles).", customer.pk, door, erasure.profiles
    )
    return ErasureOutcome(erasure, already_erased=False)


def customers_erase_expired(candidates: models.QuerySet) -> int:
    """Erase a batch of profiles whose retention period is over (privacy.retention), set-based:
    a few statements per model for the whole batch. `candidates` is read again, locked, in the
    transaction: profiles erased, merged or back in contact since they were picked are left
    alone. Stores that name nobody and keep their rows for less time
    than a profile (webhook bodies, idempotent responses, the access journal) are not searched:
    nothing of a person inactive for years is left in them."""
    with transaction.atomic():
        persons = list(
            candidates.filter(erased_at=None, merged_into=None)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        if not persons:
            return 0
        people = People.of(persons)
        _erase(people, scan_unlinked=False)
        Erasure.objects.bulk_create(
            [
                Erasure(
                    customer_id=person,
                    door=Door.RETENTION,
                    profiles=len(people.profiles_of(person)),
                )
                for person in persons
            ]
        )
    return len(persons)


@dataclass
class People:
    """The persons erased together: each one's profiles (hers and those merged into it) and
    values, and one expression matching any of them."""

    person_of: dict[int, int]
    values: dict[int, PersonValues]
    patterns: dict[int, re.Pattern | None] = field(default_factory=dict)

    @classmethod
    def of(cls, persons: list[int]) -> "People":
        person_of = {pk: pk for pk in persons}
        frontier = list(persons)
        while frontier:
            absorbed = Customer.objects.filter(merged_into_id__in=frontier).values_list(
                "pk", "merged_into_id"
            )
            frontier = []
            for pk, into in absorbed:
                if pk not in person_of:
                    person_of[pk] = person_of[into]
                    frontier.append(pk)
        values: dict[int, PersonValues] = {person: PersonValues() for person in persons}
        for profile in Customer.objects.filter(pk__in=person_of).values("pk", *PROFILE_VALUES):
            values[person_of[profile["pk"]]].add_profile(profile)
        for pk, external_id in ExternalIdentity.objects.filter(
            customer_id__in=person_of
        ).values_list("customer_id", "external_id"):
            values[person_of[pk]].add_identity(external_id)
        for address in Address.objects.filter(customer_id__in=person_of).values(
            "customer_id", "recipient", "line1", "line2", "phone"
        ):
            values[person_of[address["customer_id"]]].add_address(address)
        return cls(person_of, values)

    @property
    def profiles(self) -> list[int]:
        return list(self.person_of)

    def profiles_of(self, person: int) -> list[int]:
        return [pk for pk, of in self.person_of.items() if of == person]

    def pattern_of(self, person: int) -> re.Pattern | None:
        """Her expression, compiled when first needed (most persons need none)."""
        if person not in self.patterns:
            self.patterns[person] = self.values[person].pattern()
        return self.patterns[person]

    def search_terms(self, *, weak: bool) -> dict[str, int]:
        """Every person's search terms, each with the person it belongs to."""
        return {
            term: person
            for person, values in self.values.items()
            for term in values.search_terms(weak=weak)
        }


def _erase(people: People, *, scan_unlinked: bool) -> Counter:
    counts: Counter = Counter()
    ids = people.profiles
    words = _name_words(ids)
    for declaration in _in_erasure_order(registry.all()):
        searched = scan_unlinked or declaration.retention is None
        if declaration.erase == Erase.SCAN:
            if searched:
                counts[declaration.label] += _scan(declaration, people)
        elif declaration.about_a_customer:
            counts[declaration.label] += _erase_rows(declaration, people)
            if declaration.scanned and searched:
                counts[declaration.label] += _scan(declaration, people)
    now = timezone.now()
    Customer.objects.filter(pk__in=ids).update(erased_at=now, updated_at=now)
    Customer.tags.through.objects.filter(customer_id__in=ids).delete()
    _forget_name_words(words)
    return counts


def profiles_of(customer: Customer) -> list[int]:
    """Her profile and every profile merged into it, however deep."""
    return People.of([customer.pk]).profiles


def _in_erasure_order(declarations: list[Declaration]) -> list[Declaration]:
    """Rows that others point to last: wishlist items before wishlists, the profile at the end
    (its values are needed until then)."""

    def position(declaration: Declaration) -> tuple[int, int]:
        if declaration.model is Customer:
            return (2, 0)
        depth = sum(
            1
            for field in declaration.model._meta.concrete_fields
            if field.is_relation and field.related_model is not Customer
        )
        return (1 if declaration.erase == Erase.DELETE else 0, -depth)

    return sorted(declarations, key=position)


def _about(declaration: Declaration, ids: list[int]) -> models.QuerySet:
    condition = Q()
    for path in declaration.subject:
        condition |= Q(**{f"{path}__in": ids})
    return declaration.model._default_manager.filter(condition)


def _blank(field: models.Field) -> Any:
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    return "" if isinstance(field, models.CharField | models.TextField) else None


def _erase_rows(declaration: Declaration, people: People) -> int:
    rows = _about(declaration, people.profiles)
    if declaration.erase == Erase.DELETE:
        deleted, _by_model = rows.delete()
        return deleted
    changed = 0
    meta = declaration.model._meta
    if declaration.personal:
        blanks = {name: _blank(meta.get_field(name)) for name in declaration.personal}
        # Only the rows that still hold something: a touchpoint whose payload is already
        # empty is not rewritten (9,503 of them for a long history).
        holding = Q()
        for name, blank in blanks.items():
            holding |= Q(**{f"{name}__isnull": False}) if blank is None else ~Q(**{name: blank})
        changed = rows.filter(holding).update(**blanks)
    if declaration.free_text:
        changed += _redact_rows(rows, declaration, people)
    return changed


def _redact_rows(rows: models.QuerySet, declaration: Declaration, people: People) -> int:
    """Her values out of the rows about her, each row with the pattern of its own person."""
    names = declaration.free_text
    paths = declaration.subject
    changed = 0
    for row in rows.values("pk", *paths, *names).iterator(chunk_size=500):
        person = next(
            (people.person_of[row[path]] for path in paths if row[path] in people.person_of),
            None,
        )
        if person is None or not any(
            people.values[person].may_appear_in(row[name]) for name in names
        ):
            continue
        pattern = people.pattern_of(person)
        if pattern is not None and _redact_row(declaration.model, row, names, pattern):
            changed += 1
    return changed


def _redact_row(
    model: type[models.Model], row: dict[str, Any], names: tuple[str, ...], pattern: re.Pattern
) -> bool:
    updates = {}
    for name in names:
        value = row[name]
        if value is not None and matches(value, pattern):
            updates[name] = redact(value, pattern)
    if updates:
        model._default_manager.filter(pk=row["pk"]).update(**updates)
    return bool(updates)


def _scan(declaration: Declaration, people: People) -> int:
    """Rows that name no customer but quote someone's strong values (her names too for a
    `scanned` store: a search typed): redacted with the values of whoever they quote."""
    weak = declaration.scanned
    terms = people.search_terms(weak=weak)
    if not terms:
        return 0
    rows = declaration.model._default_manager.all()
    condition = Q()
    for index, name in enumerate(declaration.free_text):
        field = declaration.model._meta.get_field(name)
        alias = f"_searched_{index}"
        if isinstance(field, models.BinaryField):
            rows = rows.annotate(**{alias: BytesAsText(F(name))})
        elif isinstance(field, models.JSONField):
            rows = rows.annotate(**{alias: Cast(name, TextField())})
        else:
            alias = name
        condition |= Q(**{f"{alias}__contains_any": list(terms)})
    changed = 0
    names = declaration.free_text
    for row in rows.filter(condition).values("pk", *names).iterator(500):
        text = " ".join(_as_text(row[name]) for name in names).casefold()
        quoted = {person for term, person in terms.items() if term.casefold() in text}
        redacted = dict(row)
        for person in quoted:
            pattern = people.pattern_of(person)
            if pattern is not None:
                for name in names:
                    if redacted[name] is not None:
                        redacted[name] = redact(redacted[name], pattern)
        updates = {name: redacted[name] for name in names if redacted[name] != row[name]}
        if updates:
            declaration.model._default_manager.filter(pk=row["pk"]).update(**updates)
            changed += 1
    return changed


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _name_words(ids: list[int]) -> set[str]:
    folded = Customer.objects.filter(pk__in=ids).values_list("search_name", flat=True)
    return name_words(*(name or "" for name in folded))


def _forget_name_words(words: set[str]) -> None:
    """Her words leave the search vocabulary unless someone else bears them (the counts are
    estimates between two nightly recounts: a word borne by others comes back then)."""
    if not words:
        return
    counted = dict(NameWord.objects.filter(word__in=words).values_list("word", "customers"))
    gone = [word for word, customers in counted.items() if customers <= 1]
    NameWord.objects.filter(word__in=gone).delete()
    NameWord.objects.filter(word__in=counted.keys() - set(gone)).update(
        customers=F("customers") - 1
    )
