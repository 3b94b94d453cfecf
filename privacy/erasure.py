"""Erasure of a person (GDPR art. 17), complete by construction: it walks the registry of
personal data (omni.privacy_registry), so a model declared there is erased with the others.

For the profile erased and every profile merged into it:
- rows about her are deleted, blanked or kept as the registry says; kept rows (orders, tickets,
  the consent ledger...) lose their personal fields and the free text that quotes her;
- rows that name no customer (stored webhook bodies, idempotent responses, the admin's history,
  outbound payloads, import errors) are searched for her values and redacted where found;
- the erasure is recorded without personal data (privacy.Erasure) and is idempotent.
"""

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Address, Customer, ExternalIdentity, NameWord
from customers.search import name_words
from omni.errors import DomainError
from omni.models import ApiClient
from omni.privacy_registry import Declaration, Erase, registry
from privacy.models import Erasure
from privacy.values import PersonValues, matches, profile_values, redact

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
    scan_unlinked: bool = True,
) -> ErasureOutcome:
    """Erase her; erasing an erased profile changes nothing and returns its record.

    `scan_unlinked=False` leaves out the tables that name no customer and keep their rows for
    a shorter time than the profile (the retention purge of long-inactive profiles)."""
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
        ids = profiles_of(customer)
        values = person_values(ids)
        counts: Counter = Counter()
        words = _name_words(ids)
        for declaration in _in_erasure_order(registry.all()):
            if declaration.erase == Erase.SCAN:
                if scan_unlinked or declaration.retention is None:
                    counts[declaration.label] += _scan(declaration, values)
            elif declaration.about_a_customer:
                counts[declaration.label] += _erase_rows(declaration, ids, values)
                if declaration.scanned and scan_unlinked:
                    counts[declaration.label] += _scan(declaration, values)
        now = timezone.now()
        Customer.objects.filter(pk__in=ids).update(erased_at=now, updated_at=now)
        customer.tags.through.objects.filter(customer_id__in=ids).delete()
        _forget_name_words(words)
        erasure = Erasure.objects.create(
            customer=customer,
            door=door,
            user=user if getattr(user, "pk", None) else None,
            api_client=api_client,
            profiles=len(ids),
            counts={label: count for label, count in sorted(counts.items()) if count},
        )
    logger.info("Customer #%s erased through %s (%s profiles).", customer.pk, door, len(ids))
    return ErasureOutcome(erasure, already_erased=False)


def profiles_of(customer: Customer) -> list[int]:
    """Her profile and every profile merged into it, however deep."""
    ids, frontier = [customer.pk], [customer.pk]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        ids += [pk for pk in frontier if pk not in ids]
    return ids


def person_values(ids: list[int]) -> PersonValues:
    values = profile_values(Customer.objects.filter(pk__in=ids).values(*PROFILE_VALUES))
    for external_id in ExternalIdentity.objects.filter(customer_id__in=ids).values_list(
        "external_id", flat=True
    ):
        values.add_identity(external_id)
    for address in Address.objects.filter(customer_id__in=ids).values(
        "recipient", "line1", "line2", "phone"
    ):
        values.add_address(address)
    return values


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


def _erase_rows(declaration: Declaration, ids: list[int], values: PersonValues) -> int:
    rows = _about(declaration, ids)
    if declaration.erase == Erase.DELETE:
        deleted, _by_model = rows.delete()
        return deleted
    changed = 0
    meta = declaration.model._meta
    if declaration.personal:
        blanks = {name: _blank(meta.get_field(name)) for name in declaration.personal}
        changed = rows.update(**blanks)
    pattern = values.pattern()
    if declaration.free_text and pattern is not None:
        changed += _redact_rows(rows, declaration.free_text, pattern)
    return changed


def _redact_rows(rows: models.QuerySet, names: tuple[str, ...], pattern: re.Pattern) -> int:
    changed = 0
    for row in rows.only("pk", *names).iterator(chunk_size=500):
        updates = {}
        for name in names:
            value = getattr(row, name)
            if value is not None and matches(value, pattern):
                updates[name] = redact(value, pattern)
        if updates:
            type(row)._default_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed


def _scan(declaration: Declaration, values: PersonValues) -> int:
    """Rows that name no customer but quote her strong values: redacted (her weak values too)."""
    terms = values.search_terms(weak=declaration.scanned)
    pattern = values.pattern()
    if not terms or pattern is None:
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
        for term in terms:
            condition |= Q(**{f"{alias}__icontains": term})
    return _redact_rows(rows.filter(condition), declaration.free_text, pattern)


def _name_words(ids: list[int]) -> set[str]:
    folded = Customer.objects.filter(pk__in=ids).values_list("search_name", flat=True)
    return name_words(*(name or "" for name in folded))


def _forget_name_words(words: set[str]) -> None:
    """Her words leave the search vocabulary unless someone else bears them (the counts are
    estimates between two nightly recounts: a word borne by others comes back then)."""
    if not words:
        return
    NameWord.objects.filter(word__in=words, customers__lte=1).delete()
    NameWord.objects.filter(word__in=words).update(customers=F("customers") - 1)
