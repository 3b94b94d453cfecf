"""Several small indexed reads in one round trip.

Pages that show a few rows from each of several sources (the customer timeline, the search
box's exact and prefix matches) would otherwise pay one query per source. `union_all_rows`
sends them as one statement: each source's queryset, sorted and limited as the ORM compiled
it, is wrapped as a derived table (so that SQLite accepts its ORDER BY and LIMIT too) and the
sources are glued with UNION ALL. Every source must select the same `columns`, as annotations
of those names, with compatible types; each row comes back led by the position of its source
in the list.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

# A source: a queryset, or SQL and its parameters written by hand where compiling many small
# querysets would cost more than running them (the search box).
Source = QuerySet | tuple[str, Sequence[Any]]


def _compiled(source: Source) -> tuple[str, Sequence[Any]]:
    if isinstance(source, QuerySet):
        return source.query.sql_with_params()
    return source


def union_all_sql(sources: Sequence[Source], columns: Sequence[str]) -> tuple[str, list]:
    selected = ", ".join(columns)
    parts, params = [], []
    for number, source in enumerate(sources):
        sql, source_params = _compiled(source)
        parts.append(
            f"SELECT {number} AS source_number, {selected} FROM ({sql}) AS source_{number}"
        )
        params.extend(source_params)
    return " UNION ALL ".join(parts), params


def union_all_rows(sources: Sequence[Source], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """(source position, *columns) for every row of every queryset, as raw database values
    (no field conversion)."""
    if not sources:
        return []
    sql, params = union_all_sql(sources, columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
