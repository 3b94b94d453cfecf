"""Finding a customer from one search box: name, email, phone, loyalty number, order
reference or pickup code, whatever the associate types.

Each kind of key is one small indexed query; names are matched on their accent-folded form
(Customer.search_name, trigram-indexed on PostgreSQL), then, when that finds little, with typo
tolerance (trigram similarity on PostgreSQL, a narrowed fuzzy comparison elsewhere).
"""

import difflib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.normalization import normalize_phone
from customers.search import fold_text
from journeys.models import Order, Pickup
from journeys.pickup_codes import PICKUP_CODE_LENGTH, normalize_pickup_code
from omni.models import Product

MINIMUM_QUERY_LENGTH = 2
MAXIMUM_RESULTS = 20
FUZZY_MINIMUM_RATIO = 0.75
_PHONE_CHARACTERS = re.compile(r"^[\d\s().+\-/]+$")
_WORD_SEPARATORS = re.compile(r"[\s\-'’]+")


@dataclass
class SearchHit:
    customer: Customer
    reasons: list[str] = field(default_factory=list)


def _searchable_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def _national_digits(query: str) -> str:
    """The digits of a (possibly partial) phone number without its country or trunk prefix."""
    digits = re.sub(r"\D", "", query)
    for prefix in ("0033", "33", "0"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 4:
            return digits[len(prefix) :]
    return digits


def _phone_matches(query: str) -> list[int]:
    if not _PHONE_CHARACTERS.match(query) or len(re.sub(r"\D", "", query)) < 4:
        return []
    try:
        phone = normalize_phone(query)
    except ValidationError:
        phone = None
    customers = _searchable_customers()
    if phone:
        return list(customers.filter(phone=phone).values_list("pk", flat=True)[:MAXIMUM_RESULTS])
    return list(
        customers.filter(phone__contains=_national_digits(query)).values_list("pk", flat=True)[
            :MAXIMUM_RESULTS
        ]
    )


def _email_matches(query: str) -> list[int]:
    if "@" not in query:
        return []
    customers = _searchable_customers()
    return list(
        customers.filter(email__contains=query.lower()).values_list("pk", flat=True)[
            :MAXIMUM_RESULTS
        ]
    )


def _identifier_matches(query: str, *, with_references: bool) -> dict[int, str]:
    """Loyalty number, order reference and pickup code: exact keys, one query each."""
    found: dict[int, str] = {}
    compact = query.strip()
    variants = {compact, compact.upper()}
    if with_references:
        customers = _searchable_customers().filter(loyalty_number__in=variants)
        for pk in customers.values_list("pk", flat=True):
            found[pk] = _("Loyalty number")
        orders = Order.objects.filter(external_reference__in=variants, customer__isnull=False)
        for pk, reference in orders.values_list("customer_id", "external_reference")[:5]:
            found.setdefault(pk, _("Order %(reference)s") % {"reference": reference})
    code = normalize_pickup_code(compact)
    if len(code) == PICKUP_CODE_LENGTH:
        pickups = Pickup.objects.filter(code=code, order__customer__isnull=False)
        for pk in pickups.values_list("order__customer_id", flat=True)[:1]:
            found.setdefault(pk, _("Pickup code"))
    return found


def _name_matches(tokens: list[str]) -> list[int]:
    condition = Q()
    for token in tokens:
        condition &= Q(search_name__contains=token)
    return list(
        _searchable_customers()
        .filter(condition)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)[:MAXIMUM_RESULTS]
    )


def _fuzzy_ratio(tokens: list[str], search_name: str) -> float:
    words = _WORD_SEPARATORS.split(search_name) or [""]
    ratios = [
        max(difflib.SequenceMatcher(None, token, word).ratio() for word in words)
        for token in tokens
    ]
    return sum(ratios) / len(ratios)


def _trigram_name_matches(customers: QuerySet[Customer], text: str) -> list[int]:
    """PostgreSQL: names sharing enough trigrams with a typed word (uses the trigram index)."""
    from django.contrib.postgres.search import TrigramWordSimilarity

    return list(
        customers.filter(search_name__trigram_word_similar=text)
        .annotate(similarity=TrigramWordSimilarity(text, "search_name"))
        .order_by("-similarity", "pk")
        .values_list("pk", flat=True)[:MAXIMUM_RESULTS]
    )


def _similar_name_matches(customers: QuerySet[Customer], tokens: list[str]) -> list[int]:
    """Any database: names sharing a 3-letter start or end with a typed word, ranked by
    similarity in Python. Catches swapped letters (“Dupnot”), which trigrams score low."""
    condition = Q()
    for token in (token for token in tokens if len(token) >= 4):
        condition |= Q(search_name__contains=token[:3]) | Q(search_name__contains=token[-3:])
    if not condition:
        return []
    candidates = customers.filter(condition).values_list("pk", "search_name")[:2000]
    scored = [(_fuzzy_ratio(tokens, name), pk) for pk, name in candidates]
    return [
        pk
        for ratio, pk in sorted(scored, key=lambda pair: (-pair[0], pair[1]))
        if ratio >= FUZZY_MINIMUM_RATIO
    ][:MAXIMUM_RESULTS]


def _fuzzy_name_matches(tokens: list[str], exclude: set[int]) -> list[int]:
    """Names one or two typos away: trigram similarity on PostgreSQL, then (everywhere) a
    letter-by-letter comparison of the candidates that share a word's start or end."""
    customers = _searchable_customers().exclude(pk__in=exclude)
    found: list[int] = []
    if connection.vendor == "postgresql":
        found = _trigram_name_matches(customers, " ".join(tokens))
    if len(found) < MAXIMUM_RESULTS:
        found += [pk for pk in _similar_name_matches(customers, tokens) if pk not in found]
    return found[:MAXIMUM_RESULTS]


def _collect(query: str) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = {}

    def add(primary_keys: list[int], reason: str) -> None:
        for pk in primary_keys:
            reasons.setdefault(pk, []).append(reason)

    # Loyalty numbers and order references hold digits; pickup codes have a fixed length. A
    # plain name skips these lookups (an order reference is not indexed on its own).
    with_digits = any(character.isdigit() for character in query)
    if with_digits or len(normalize_pickup_code(query)) == PICKUP_CODE_LENGTH:
        for pk, reason in _identifier_matches(query, with_references=with_digits).items():
            add([pk], reason)
    add(_phone_matches(query), _("Phone"))
    add(_email_matches(query), _("Email"))
    tokens = fold_text(query).split()
    if "@" not in query and any(any(char.isalpha() for char in token) for token in tokens):
        add(_name_matches(tokens), _("Name"))
        if len(reasons) < 5 and any(len(token) >= 4 for token in tokens):
            add(_fuzzy_name_matches(tokens, exclude=set(reasons)), _("Similar name"))
    return reasons


def customer_search(query: str) -> list[SearchHit]:
    """Profiles matching `query`, exact keys first, at most `MAXIMUM_RESULTS`."""
    query = query.strip()
    if len(query) < MINIMUM_QUERY_LENGTH:
        return []
    reasons = _collect(query)
    ordered = list(reasons)[:MAXIMUM_RESULTS]
    customers = Customer.objects.select_related("preferred_store").in_bulk(ordered)
    return [SearchHit(customers[pk], reasons[pk]) for pk in ordered if pk in customers]


def product_search(query: str, *, limit: int = 12) -> list[Product]:
    """Active products by name, SKU, brand or category, for adding to a wishlist."""
    query = query.strip()
    if len(query) < MINIMUM_QUERY_LENGTH:
        return []
    condition = Q()
    for word in query.split():
        condition &= (
            Q(name__icontains=word)
            | Q(sku__iexact=word)
            | Q(brand__icontains=word)
            | Q(category__icontains=word)
        )
    return list(Product.objects.filter(condition, is_active=True).order_by("name")[:limit])
