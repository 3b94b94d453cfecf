"""Finding a customer from one search box: name, email, phone, loyalty number, order
reference or pickup code, whatever the associate types.

Relevance, as an associate expects it (each rule's customers in name order, and for names, the
customers of her own store before the others):

1. exact keys: loyalty number, order reference, pickup code, the whole phone number;
2. names that are what she typed: the surname ("martin"), first name and surname in either
   order ("camille martin", "martin camille"), the first name alone;
3. names, phone numbers and emails that start with what she typed ("mar" → Marchand,
   Martin…; "06 12 34"; "helene.dup");
4. only when those found fewer than `MAXIMUM_RESULTS`: names containing every typed word
   ("eluard" → Dupont-Éluard) and phone numbers containing the typed digits ("34 56 78");
5. only when the first rules found fewer than `FUZZY_BELOW` and no name exactly as typed:
   names one or two typos away, the typed words corrected against the vocabulary of name
   words (`customers.search`).

The work is bounded whatever the number of customers. Each rule is an index read limited to
`MAXIMUM_RESULTS` rows: exact and prefix rules read b-tree ranges in name order (their rank is
the row number in that order); "contains" rules read a trigram index on PostgreSQL and take a
capped set of candidates, sorted here. The rules of a round go to the database as one UNION
ALL query, so a search costs at most four queries: the exact and prefix round, the vocabulary
(for a possible typo), the round of inner matches and corrected names (most searches stop
after the first), plus one to load the customers shown.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.name_words import NameWordView, name_word_corrections
from customers.normalization import normalize_phone
from customers.search import fold_text
from journeys.models import Order, Pickup
from journeys.pickup_codes import PICKUP_CODE_LENGTH, normalize_pickup_code
from omni.models import Product
from omni.queries import union_all_rows

MINIMUM_QUERY_LENGTH = 2
MAXIMUM_RESULTS = 20
FUZZY_BELOW = 5
# "Contains" rules take this many candidates (in no particular order) before sorting them.
CONTAINS_CANDIDATES = 100
SUBSTRING_MINIMUM_LENGTH = 3
FUZZY_MINIMUM_LENGTH = 4
MAXIMUM_CORRECTED_QUERIES = 2
# A corrected word borne by more customers is not searched inside names (see _fuzzy_rules).
CONTAINS_MAXIMUM_BEARERS = 2000
HIT_COLUMNS = ("hit_customer", "hit_rank", "hit_key")
_PHONE_CHARACTERS = frozenset("0123456789 ().+-/")

# The rules are SQL written here rather than querysets: a search sends up to thirty small
# reads, and compiling that many querysets would cost more than running them. Each selects
# (customer, rank, key): ranked rules read an index range in order and rank rows by their
# position in it; "contains" rules take a capped set of candidates and are sorted by key.
CUSTOMERS = Customer._meta.db_table
LIVE = "merged_into_id IS NULL AND erased_at IS NULL"
LAST_NAME_ORDER = "search_last_name, search_first_name, id"
FIRST_NAME_ORDER = "search_first_name, search_last_name, id"
NAME_KEY = "search_last_name || ' ' || search_first_name"
LIKE = "LIKE %s ESCAPE '\\'"


@dataclass
class SearchHit:
    customer: Customer
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    """One way of matching: SQL selecting (customer, rank, key), and the reason it shows."""

    sql: str
    params: tuple[Any, ...]
    reason: str | Callable[[str], str]
    # A name exactly as typed: when one is found, no typo is looked for.
    exact_name: bool = False

    def reason_for(self, key: str) -> str:
        return self.reason(key) if callable(self.reason) else self.reason

    def source(self) -> tuple[str, Sequence[Any]]:
        return self.sql, self.params


def _ranked(where: str, params: Sequence[Any], order: str, reason: Any) -> Rule:
    """Live customers matching `where`, in `order` (an index's), the first `MAXIMUM_RESULTS`."""
    sql = (
        f"SELECT id AS hit_customer, ROW_NUMBER() OVER (ORDER BY {order}) AS hit_rank, "
        f"'' AS hit_key FROM {CUSTOMERS} WHERE {LIVE} AND {where} "
        f"ORDER BY {order} LIMIT {MAXIMUM_RESULTS}"
    )
    return Rule(sql, tuple(params), reason)


def _candidates(where: str, params: Sequence[Any], key: str, limit: int, reason: Any) -> Rule:
    """Up to `limit` live customers matching `where`, in no order; sorted here by `key`."""
    sql = (
        f"SELECT id AS hit_customer, 0 AS hit_rank, {key} AS hit_key FROM {CUSTOMERS} "
        f"WHERE {LIVE} AND {where} LIMIT {limit}"
    )
    return Rule(sql, tuple(params), reason)


def _like_pattern(text: str, *, before: bool, after: bool) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{'%' if before else ''}{escaped}{'%' if after else ''}"


def _following(prefix: str) -> str:
    """The first string after every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(column: str, prefix: str) -> tuple[str, list[Any]]:
    """A range a b-tree index reads in order (whatever the collation), and the exact test."""
    where = f"({column} >= %s AND {column} < %s AND {column} {LIKE})"
    return where, [prefix, _following(prefix), _like_pattern(prefix, before=False, after=True)]


# Rules -------------------------------------------------------------------------------------


def _order_rule(variants: list[str]) -> Rule:
    marks = ", ".join(["%s"] * len(variants))
    sql = (
        f"SELECT customer_id AS hit_customer, 0 AS hit_rank, external_reference AS hit_key "
        f"FROM {Order._meta.db_table} WHERE customer_id IS NOT NULL "
        f"AND external_reference IN ({marks}) LIMIT 5"
    )
    return Rule(sql, tuple(variants), lambda key: _("Order %(reference)s") % {"reference": key})


def _pickup_rule(code: str) -> Rule:
    sql = (
        f"SELECT customer_id AS hit_customer, 0 AS hit_rank, code AS hit_key "
        f"FROM {Pickup._meta.db_table} WHERE customer_id IS NOT NULL AND code = %s LIMIT 1"
    )
    return Rule(sql, (code,), _("Pickup code"))


def _identifier_rules(query: str) -> list[Rule]:
    """Loyalty number, order reference and pickup code: exact keys."""
    compact = query.strip()
    variants = sorted({compact, compact.upper()})
    rules = []
    if any(character.isdigit() for character in compact):
        marks = ", ".join(["%s"] * len(variants))
        loyalty = f"loyalty_number IN ({marks})"
        rules += [_ranked(loyalty, variants, "id", _("Loyalty number")), _order_rule(variants)]
    code = normalize_pickup_code(compact)
    if len(code) == PICKUP_CODE_LENGTH:
        rules.append(_pickup_rule(code))
    return rules


def _phone_digits(query: str) -> str:
    if not set(query) <= _PHONE_CHARACTERS:
        return ""
    digits = "".join(character for character in query if character.isdigit())
    return digits if len(digits) >= 4 else ""


def _phone_prefix(query: str, digits: str) -> str:
    """The E.164 start of a number typed from its beginning ("06 12", "+33 6 1", "0033 6")."""
    if query.lstrip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+33" + digits[1:]
    return ""


def _whole_phone(query: str) -> str | None:
    try:
        return normalize_phone(query)
    except ValidationError:
        return None


def _is_whole_phone(query: str) -> bool:
    return _phone_digits(query) != "" and _whole_phone(query) is not None


def _phone_rules(query: str) -> list[Rule]:
    digits = _phone_digits(query)
    if not digits:
        return []
    phone = _whole_phone(query)
    if phone:
        return [_ranked("phone = %s", [phone], "id", _("Phone"))]
    prefix = _phone_prefix(query, digits)
    if not prefix:
        return []  # a fragment from the middle: a "contains" rule
    where, params = _starts_with("phone", prefix)
    return [_ranked(where, params, "phone, id", _("Phone"))]


def _email_rules(query: str) -> list[Rule]:
    """An email, or its start: with an "@", or a single word shaped like its first part
    ("helene.dupont", "h_dupont")."""
    typed = query.strip().lower()
    if "@" not in typed and (" " in typed or not {".", "_"} & set(typed)):
        return []
    pattern = _like_pattern(typed, before=False, after=True)
    return [_candidates(f"email {LIKE}", [pattern], "email", MAXIMUM_RESULTS, _("Email"))]


def _store_first(
    where: str, params: list[Any], order: str, store_id: int | None, reason: str
) -> list[Rule]:
    """Her own store's customers, then everyone's (duplicates are dropped when merging)."""
    rules = [_ranked(where, params, order, reason)]
    if store_id is not None:
        own = _ranked(f"{where} AND preferred_store_id = %s", [*params, store_id], order, reason)
        rules.insert(0, own)
    return rules


def _splits(tokens: list[str]) -> list[tuple[str, str]]:
    return [(" ".join(tokens[:split]), " ".join(tokens[split:])) for split in range(1, len(tokens))]


def _split_names(tokens: list[str]) -> tuple[str, list[Any]]:
    """First name and surname in either order, wherever the typed words split."""
    conditions, params = [], []
    for head, tail in _splits(tokens):
        conditions.append("(search_first_name = %s AND search_last_name = %s)")
        conditions.append("(search_last_name = %s AND search_first_name = %s)")
        params += [head, tail, head, tail]
    return f"({' OR '.join(conditions)})", params


def _split_prefixes(tokens: list[str]) -> tuple[str, list[Any]]:
    conditions, params = [], []
    for head, tail in _splits(tokens):
        for exact, starting in (
            ("search_first_name", "search_last_name"),
            ("search_last_name", "search_first_name"),
        ):
            where, starts = _starts_with(starting, tail)
            conditions.append(f"({exact} = %s AND {where})")
            params += [head, *starts]
    return f"({' OR '.join(conditions)})", params


def _exact_name_rules(tokens: list[str], store_id: int | None, reason: str) -> list[Rule]:
    joined = " ".join(tokens)
    rules = _store_first("search_last_name = %s", [joined], LAST_NAME_ORDER, store_id, reason)
    if len(tokens) > 1:
        where, params = _split_names(tokens)
        rules += _store_first(where, params, LAST_NAME_ORDER, store_id, reason)
    else:
        first = "search_first_name = %s"
        rules += _store_first(first, [joined], FIRST_NAME_ORDER, store_id, reason)
    return [replace(rule, exact_name=True) for rule in rules]


def _prefix_name_rules(tokens: list[str], reason: str) -> list[Rule]:
    joined = " ".join(tokens)
    where, params = _starts_with("search_last_name", joined)
    rules = [_ranked(where, params, LAST_NAME_ORDER, reason)]
    if len(tokens) > 1:
        where, params = _split_prefixes(tokens)
        rules.append(_candidates(where, params, NAME_KEY, CONTAINS_CANDIDATES, reason))
    else:
        where, params = _starts_with("search_first_name", joined)
        rules.append(_ranked(where, params, FIRST_NAME_ORDER, reason))
    return rules


def _name_tokens(query: str) -> list[str]:
    if "@" in query:
        return []
    tokens = fold_text(query).split()
    return tokens if any(character.isalpha() for character in "".join(tokens)) else []


def _name_rules(tokens: list[str], store_id: int | None, reason: str) -> list[Rule]:
    if not tokens:
        return []
    return _exact_name_rules(tokens, store_id, reason) + _prefix_name_rules(tokens, reason)


def _contains_rules(query: str, tokens: list[str], reason: str) -> list[Rule]:
    rules = []
    if tokens and all(len(token) >= SUBSTRING_MINIMUM_LENGTH for token in tokens):
        where = " AND ".join([f"search_name {LIKE}"] * len(tokens))
        patterns = [_like_pattern(token, before=True, after=True) for token in tokens]
        rules.append(_candidates(where, patterns, NAME_KEY, CONTAINS_CANDIDATES, reason))
    digits = _phone_digits(query)
    # Also when it could be the start of a number ("07 12 34" typed from the middle of
    # "06 07 12 34 56"): this round runs only when the first found little.
    if digits and not _is_whole_phone(query):
        pattern = _like_pattern(digits, before=True, after=True)
        rules.append(_candidates(f"phone {LIKE}", [pattern], "phone", MAXIMUM_RESULTS, _("Phone")))
    return rules


def _corrected_queries(tokens: list[str]) -> list[list[NameWordView]]:
    """The typed words with their closest corrections, best combinations first. A word too
    short or not a word (digits) is kept as typed."""
    words = [token for token in tokens if len(token) >= FUZZY_MINIMUM_LENGTH and token.isalpha()]
    corrections = name_word_corrections(words) if words else {}
    queries: list[list[NameWordView]] = [[]]
    for token in tokens:
        options = corrections.get(token) or [NameWordView(token, 0)]
        queries = [[*query, option] for query in queries for option in options]
    corrected = [query for query in queries if [view.word for view in query] != tokens]
    # The closest correction alone when enough customers bear it to fill the list.
    if corrected and all(view.customers >= MAXIMUM_RESULTS for view in corrected[0]):
        return corrected[:1]
    return corrected[:MAXIMUM_CORRECTED_QUERIES]


def _fuzzy_rules(tokens: list[str], store_id: int | None) -> list[Rule]:
    reason = _("Similar name")
    rules = []
    for corrected in _corrected_queries(tokens):
        words = [view.word for view in corrected]
        rules += _exact_name_rules(words, store_id, reason)
        # Within compound names ("eluart" → Dupont-Éluard), for words few customers bear:
        # a common one (martin) is read in name order by the rules above.
        if all(view.customers <= CONTAINS_MAXIMUM_BEARERS for view in corrected):
            rules += _contains_rules("", words, reason)
    return rules


# Running the rules -------------------------------------------------------------------------


def _run(rules: list[Rule], found: dict[int, list[str]]) -> bool:
    """One query for every rule; customers are added in rule order, then rank, then key.
    Returns whether a name exactly as typed was found."""
    rows = union_all_rows([rule.source() for rule in rules], HIT_COLUMNS)
    ordered = sorted(rows, key=lambda row: (row[0], row[2], row[3] or "", row[1]))
    for rule, customer_id, _rank, key in ordered:
        reasons = found.setdefault(int(customer_id), [])
        reason = rules[rule].reason_for(key or "")
        if reason not in reasons:
            reasons.append(reason)
    return any(rules[row[0]].exact_name for row in rows)


def _collect(query: str, store_id: int | None) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    tokens = _name_tokens(query)
    name = _("Name")
    first_round = [
        *_identifier_rules(query),
        *_phone_rules(query),
        *_email_rules(query),
        *_name_rules(tokens, store_id, name),
    ]
    exact_name = _run(first_round, found)
    if len(found) >= MAXIMUM_RESULTS:
        return found
    second_round = _contains_rules(query, tokens, name)
    typo_possible = any(len(token) >= FUZZY_MINIMUM_LENGTH for token in tokens)
    if len(found) < FUZZY_BELOW and typo_possible and not exact_name:
        # In the same round, after the inner matches: one round trip less for a typo.
        second_round += _fuzzy_rules(tokens, store_id)
    _run(second_round, found)
    return found


def customer_search(query: str, *, store_id: int | None = None) -> list[SearchHit]:
    """Profiles matching `query`, most relevant first (see the module docstring), at most
    `MAXIMUM_RESULTS`; `store_id` is the associate's store, whose customers come first."""
    query = query.strip()
    if len(query) < MINIMUM_QUERY_LENGTH:
        return []
    found = _collect(query, store_id)
    shown = list(found)[:MAXIMUM_RESULTS]
    live = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    customers = live.select_related("preferred_store").in_bulk(shown)
    return [SearchHit(customers[pk], found[pk]) for pk in shown if pk in customers]


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
