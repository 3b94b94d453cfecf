"""Staging tables: the rows of a batch loaded in one go, then merged by set-based SQL.

A stage is a temporary table of the database connection, created on first use, with columns
typed like the model fields they stand for. `stage_load` empties it and loads a batch: with
COPY on PostgreSQL, with one executemany on SQLite (the embedded default, where the same merge
SQL then runs). On PostgreSQL the rows also go at the end of the transaction (ON COMMIT DELETE
ROWS), so a stage never holds more than one batch.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model
from psycopg.types.json import Jsonb

# A column: its name and either the model field it stands for or a plain SQL type.
Column = tuple[str, Field | str]


@dataclass(frozen=True)
class Stage:
    name: str
    columns: tuple[Column, ...]
    # Analysed once loaded (PostgreSQL): needed when the merge joins the stage to a big table
    # by its values; a stage only scanned, or probed by a hash anti-join, can do without.
    analyze: bool = True

    @property
    def column_names(self) -> list[str]:
        return [name for name, _kind in self.columns]

    def column_list(self, prefix: str = "") -> str:
        return ", ".join(f"{prefix}{name}" for name in self.column_names)


def model_columns(model: type[Model], names: Iterable[str]) -> tuple[Column, ...]:
    """Columns named and typed like these fields of `model` (a foreign key gives its `_id`)."""
    fields = [model._meta.get_field(name) for name in names]
    return tuple((field.column, field) for field in fields)


def _sql_type(kind: Field | str) -> str:
    return kind if isinstance(kind, str) else kind.db_type(connection)


def _create_sql(stage: Stage) -> str:
    columns = ", ".join(f"{name} {_sql_type(kind)}" for name, kind in stage.columns)
    sql = f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage.name} ({columns})"
    return sql + " ON COMMIT DELETE ROWS" if connection.vendor == "postgresql" else sql


def stage_load(stage: Stage, rows: Sequence[Sequence[Any]], *, analyze: bool | None = None) -> None:
    """Empty `stage` and load `rows` (tuples in the order of its columns, Python values).
    `analyze`: whether to analyse it once loaded (default: the stage's own setting)."""
    analyze = stage.analyze if analyze is None else analyze
    with connection.cursor() as cursor:
        cursor.execute(_create_sql(stage))
        cursor.execute(f"DELETE FROM {stage.name}")
        if rows and connection.vendor == "postgresql":
            _copy(cursor, stage, rows)
            if analyze:
                # A temporary table has no statistics until analysed: without them the merge's
                # joins against million-row tables are planned blind (a hash join over every
                # order instead of an index probe per staged row, checked with EXPLAIN).
                cursor.execute(f"ANALYZE {stage.name}")
        elif rows:
            placeholders = ", ".join(["%s"] * len(stage.columns))
            cursor.executemany(
                f"INSERT INTO {stage.name} ({stage.column_list()}) VALUES ({placeholders})",
                [_adapted(stage, row) for row in rows],
            )


def _copy(cursor: Any, stage: Stage, rows: Sequence[Sequence[Any]]) -> None:
    sql = f"COPY {stage.name} ({stage.column_list()}) FROM STDIN"
    json_columns = [
        index for index, (_name, kind) in enumerate(stage.columns) if isinstance(kind, JSONField)
    ]
    # COPY goes through the driver's own cursor, which Django's query log does not see: it is
    # logged by hand, so that query counts (tests, benchmarks) include it; its errors are
    # Django's (IntegrityError, DataError...) as they are for every other statement.
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_columns:
                row = list(row)
                for index in json_columns:
                    row[index] = Jsonb(row[index])
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows", "time": "0.000"})


def rows_insert(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (values of the fields `names`, a foreign key by its id) into the model's
    table without building model instances: with COPY on PostgreSQL, where Django's
    bulk_create spends more time writing the SQL than the database inserting it."""
    if not rows:
        return
    columns = model_columns(model, names)
    if connection.vendor != "postgresql":
        placeholders = ", ".join(["%s"] * len(columns))
        names_sql = ", ".join(name for name, _kind in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {model._meta.db_table} ({names_sql}) VALUES ({placeholders})",
                [_adapted(Stage("", columns), row) for row in rows],
            )
        return
    with connection.cursor() as cursor:
        _copy(cursor, Stage(model._meta.db_table, columns), rows)


def _adapted(stage: Stage, row: Sequence[Any]) -> list[Any]:
    """Values as Django writes them on SQLite (times in UTC text, decimals as text), so that
    the merge compares like with like."""
    values = []
    for (_name, kind), value in zip(stage.columns, row, strict=True):
        if isinstance(kind, Field) and value is not None:
            value = kind.get_db_prep_save(value, connection)
        values.append(value)
    return values


def instances_insert(model: type[Model], instances: Sequence[Model]) -> None:
    """`bulk_create` of new instances of a plain model (no parents, no generated primary key
    other than its sequence): on PostgreSQL their ids are taken from the sequence in one query
    and their rows COPied, three times faster than the INSERT Django writes; elsewhere,
    bulk_create. The instances get their ids either way."""
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances)
        return
    table, pk = model._meta.db_table, model._meta.pk
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(instances)],
        )
        for instance, (new_id,) in zip(instances, cursor.fetchall(), strict=True):
            setattr(instance, pk.attname, new_id)
            instance._state.adding, instance._state.db = False, connection.alias
        rows = [
            [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
            for instance in instances
        ]
        # The values are adapted already (a JSON field's included): the stage's columns are
        # given as plain SQL types, so that _copy adapts nothing again.
        _copy(cursor, Stage(table, tuple((field.column, "") for field in fields)), rows)
