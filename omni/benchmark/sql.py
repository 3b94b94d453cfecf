"""SQL-building helpers shared by the benchmark generator's modules.

Randomness in the generated SQL is a hash of a row number: `H(x, salt)`, `PM(x, salt)` and
`U(x, salt)` are macros expanded by `expand` before a statement runs (x may not hold
parentheses or commas; compute it in a LATERAL subquery first).
"""

import re

_MACRO = re.compile(r"\b(PM|U|H)\(([^(),]+),\s*(\d+)\)")


def expand(sql: str) -> str:
    """H(x, s): a 31-bit hash of x salted by s; PM(x, s): 0-999; U(x, s): uniform in [0, 1)."""

    def replace(match: re.Match[str]) -> str:
        kind, expression, salt = match.group(1), match.group(2).strip(), match.group(3)
        hashed = f"((hashint8extended(({expression})::bigint, {salt}) & 2147483647)::int)"
        if kind == "H":
            return hashed
        if kind == "PM":
            return f"mod({hashed}, 1000)"
        return f"({hashed}::float8 / 2147483648.0)"

    return _MACRO.sub(replace, sql)


def text_array(values: tuple[str, ...] | list[str]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]"


def cumulative_case(permille: str, choices: list[tuple[int, str]]) -> str:
    """A CASE giving the choice whose cumulative permille range holds `permille` (0-999)."""
    branches, bound = [], 0
    for share, value in choices[:-1]:
        bound += share
        branches.append(f"WHEN {permille} < {bound} THEN {value}")
    return f"(CASE {' '.join(branches)} ELSE {choices[-1][1]} END)"
