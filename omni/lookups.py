"""`field__any=values`: `field IN (values)` for long lists, sent as one array parameter.

A batch looks up hundreds of references, SKUs or emails at once. `__in` writes one placeholder
per value: Django compiles them, psycopg parses the long statement again to bind them, and the
server plans a statement it has never seen. On PostgreSQL `__any` sends `field = ANY(%s)` with
the values as one array (the same b-tree index answers it, and the statement text is the same
whatever the number of values); elsewhere it is `__in`.
"""

from typing import Any

from django.db.models import Field
from django.db.models.lookups import In, Lookup


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [
            field.get_db_prep_value(value, connection, prepared=False)
            for value in self.rhs
            if value is not None
        ]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


@Field.register_lookup
class ContainsAny(Lookup):
    """`text__contains_any=["a", "b"]`: the text contains one of the values, whatever the case.

    On PostgreSQL one `ILIKE ANY(%s)` with the patterns as one array (one expression, however
    many values); elsewhere an OR of case-insensitive LIKEs."""

    lookup_name = "contains_any"
    prepare_rhs = False

    def _patterns(self) -> list[str]:
        escaped = (
            value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            for value in self.rhs
        )
        return [f"%{value}%" for value in escaped]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        patterns = self._patterns()
        if not patterns:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"({lhs})::text ILIKE ANY(%s)", [*lhs_params, patterns]
        clauses = " OR ".join(f"UPPER({lhs}) LIKE UPPER(%s) ESCAPE '\\'" for _ in patterns)
        params = [param for pattern in patterns for param in (*lhs_params, pattern)]
        return f"({clauses})", params
