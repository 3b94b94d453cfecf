"""`field__any=values`: `field IN (values)` for long lists, sent as one array parameter.

A batch looks up hundreds of references, SKUs or emails at once. `__in` writes one placeholder
per value: Django compiles them, psycopg parses the long statement again to bind them, and the
server plans a statement it has never seen. On PostgreSQL `__any` sends `field = ANY(%s)` with
the values as one array (the same b-tree index answers it, and the statement text is the same
whatever the number of values); elsewhere it is `__in`.
"""

from typing import Any

from django.db.models import Field
from django.db.models.lookups import In


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
