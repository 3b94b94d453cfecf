"""What associates type in the search box, drawn from the dataset, with the SQL one would
write by hand to get the same customers.

Every shape of issue 8 is here: a common and a selective surname, two and three letters,
first name and surname in both orders, a compound surname, typos (a letter dropped, two
swapped, on a common and on a rare name), a whole phone number in the national and the
international format, its start and a fragment, a whole email and its start, a loyalty
number, an order reference and a pickup code. The "ideal" SQL is the single query that answers
each shape when one knows in advance which rule will match (for a typo: the corrected name):
the floor the search is compared with.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from customers.normalization import format_phone_for_display
from customers.search import fold_text

SHOWN = (
    "SELECT c.id, c.first_name, c.last_name, c.loyalty_number, c.loyalty_tier, s.name "
    "FROM customers_customer c LEFT JOIN omni_store s ON s.id = c.preferred_store_id "
)
LIVE = "c.merged_into_id IS NULL AND c.erased_at IS NULL"
NAME_ORDER = "ORDER BY c.search_last_name, c.search_first_name, c.id LIMIT 20"


@dataclass(frozen=True)
class SearchShape:
    label: str
    query: str
    ideal_sql: str
    ideal_params: tuple[Any, ...]


def _middle(table: str) -> int:
    """An offset halfway through a table (capped), so that samples are not the first rows."""
    return min(5000, _one(f"SELECT count(*) / 2 FROM {table}")[0])


def _one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise LookupError(f"The dataset has no row for: {sql}")
    return row


def _surnames() -> tuple[str, str, str]:
    """The most common surname, one borne by 20-60 customers, and one borne by one."""
    counts = (
        "SELECT search_last_name, min(last_name), count(*) AS bearers FROM customers_customer "
        "WHERE merged_into_id IS NULL AND erased_at IS NULL GROUP BY search_last_name"
    )
    common = _one(f"{counts} ORDER BY bearers DESC, 1 LIMIT 1")[1]
    selective = _one(
        f"SELECT * FROM ({counts}) AS c WHERE bearers BETWEEN 2 AND 60 "
        "ORDER BY abs(bearers - 30), 1 LIMIT 1"
    )[1]
    rare = _one(
        f"SELECT * FROM ({counts}) AS c WHERE bearers = 1 AND length(search_last_name) "
        "BETWEEN 7 AND 10 AND search_last_name ~ '^[a-z]+$' ORDER BY 1 LIMIT 1"
    )[1]
    return common, selective, rare


def _surname_sql(surname: str) -> tuple[str, tuple[Any, ...]]:
    where = f"WHERE {LIVE} AND c.search_last_name = %s {NAME_ORDER}"
    return SHOWN + where, (fold_text(surname),)


def _by_surname(label: str, surname: str) -> SearchShape:
    return SearchShape(label, surname, *_surname_sql(surname))


def _prefix(label: str, typed: str) -> SearchShape:
    """Surnames starting with `typed`: a range, so that the b-tree index serves it in any
    collation (LIKE 'ma%' does only with the C collation or a pattern index)."""
    start = fold_text(typed)
    where = f"WHERE {LIVE} AND c.search_last_name >= %s AND c.search_last_name < %s {NAME_ORDER}"
    return SearchShape(label, typed, SHOWN + where, (start, start[:-1] + chr(ord(start[-1]) + 1)))


def _is_a_name(typed: str) -> bool:
    """Whether the vocabulary holds it: a "typo" that is another real name is no typo."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM customers_nameword WHERE word = %s", [fold_text(typed)])
        return cursor.fetchone() is not None


def _typo(name: str, change: Callable[[str, int], str]) -> str:
    """`change` applied at the middle of `name`, or the nearest place where it is no name."""
    middle = len(name) // 2
    for place in sorted(range(1, len(name) - 1), key=lambda place: abs(place - middle)):
        typed = change(name, place)
        if not _is_a_name(typed):
            return typed
    return change(name, middle)


def _dropped_letter(name: str) -> str:
    return _typo(name, lambda text, place: text[:place] + text[place + 1 :])


def _swapped_letters(name: str) -> str:
    return _typo(
        name,
        lambda text, place: text[: place - 1] + text[place] + text[place - 1] + text[place + 1 :],
    )


def _name_shapes() -> list[SearchShape]:
    common, selective, rare = _surnames()
    first, last = _one(
        "SELECT first_name, last_name FROM customers_customer WHERE search_last_name = %s "
        "AND first_name NOT LIKE '%% %%' ORDER BY id LIMIT 1",
        [fold_text(common)],
    )
    folded = (fold_text(first), fold_text(last))
    pair = f"WHERE {LIVE} AND c.search_first_name = %s AND c.search_last_name = %s "
    compound = _one(
        "SELECT last_name FROM customers_customer WHERE last_name LIKE '%%-%%' ORDER BY id LIMIT 1"
    )[0]
    return [
        _by_surname("surname, common", common),
        _by_surname("surname, selective", selective),
        _prefix("2 letters", common[:2]),
        _prefix("3 letters", common[:3]),
        SearchShape("first + last name", f"{first} {last}", SHOWN + pair + NAME_ORDER, folded),
        SearchShape("last + first name", f"{last} {first}", SHOWN + pair + NAME_ORDER, folded),
        _by_surname("compound surname", compound),
        SearchShape("typo, letter dropped", _dropped_letter(common), *_surname_sql(common)),
        SearchShape("typo, letters swapped", _swapped_letters(common), *_surname_sql(common)),
        SearchShape("typo, rare name", _swapped_letters(rare), *_surname_sql(rare)),
    ]


def _contact_shapes() -> list[SearchShape]:
    phone, email = _one(
        "SELECT phone, email FROM customers_customer WHERE phone LIKE '+336%%' "
        "AND email LIKE '%%.%%@%%' ORDER BY id LIMIT 1 OFFSET %s",
        [_middle("customers_customer") // 4],
    )
    foreign = _one(
        "SELECT phone FROM customers_customer WHERE phone LIKE '+44%%' ORDER BY id LIMIT 1"
    )[0]
    national = format_phone_for_display(phone)  # 06 12 34 56 78
    exact_phone = f"WHERE {LIVE} AND c.phone = %s ORDER BY c.id LIMIT 20"
    like_phone = f"WHERE {LIVE} AND c.phone LIKE %s ORDER BY c.phone, c.id LIMIT 20"
    inner_phone = f"WHERE {LIVE} AND c.phone LIKE %s LIMIT 20"
    local = email.split("@")[0]
    return [
        SearchShape("phone, national", national, SHOWN + exact_phone, (phone,)),
        SearchShape(
            "phone, international",
            format_phone_for_display(foreign),
            SHOWN + exact_phone,
            (foreign,),
        ),
        SearchShape("phone, start", national[:8], SHOWN + like_phone, (phone[:8] + "%",)),
        SearchShape("phone, fragment", national[-8:], SHOWN + inner_phone, (f"%{phone[-6:]}%",)),
        SearchShape("email, whole", email, SHOWN + f"WHERE {LIVE} AND c.email = %s", (email,)),
        SearchShape(
            "email, start",
            local[: max(4, len(local) - 2)],
            SHOWN + f"WHERE {LIVE} AND c.email LIKE %s LIMIT 20",
            (local[: max(4, len(local) - 2)] + "%",),
        ),
    ]


def _identifier_shapes() -> list[SearchShape]:
    loyalty = _one(
        "SELECT loyalty_number FROM customers_customer WHERE loyalty_number IS NOT NULL "
        "ORDER BY id LIMIT 1 OFFSET %s",
        [_middle("customers_customer") // 4],
    )[0]
    reference = _one(
        "SELECT external_reference FROM journeys_order ORDER BY id LIMIT 1 OFFSET %s",
        [_middle("journeys_order")],
    )[0]
    code = _one("SELECT code FROM journeys_pickup ORDER BY length(code) = 8 DESC, id LIMIT 1")[0]
    by_order = (
        SHOWN + "JOIN journeys_order o ON o.customer_id = c.id "
        "WHERE o.external_reference = %s LIMIT 5"
    )
    by_pickup = SHOWN + "JOIN journeys_pickup p ON p.customer_id = c.id WHERE p.code = %s LIMIT 1"
    return [
        SearchShape(
            "loyalty number",
            loyalty.lower(),
            SHOWN + f"WHERE {LIVE} AND c.loyalty_number = %s",
            (loyalty,),
        ),
        SearchShape("order reference", reference, by_order, (reference,)),
        SearchShape("pickup code", f"{code[:4]} {code[4:]}".lower(), by_pickup, (code,)),
    ]


def search_shapes() -> list[SearchShape]:
    """Every input shape, drawn from the current database (deterministic for a dataset)."""
    return _name_shapes() + _contact_shapes() + _identifier_shapes()


def ideal_customer_ids(shape: SearchShape) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(shape.ideal_sql, shape.ideal_params)
        return [row[0] for row in cursor.fetchall()]
