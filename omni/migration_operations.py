"""Migration operations shared by the apps' migrations."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL (a table of millions of rows stays writable while the
    index builds; the migration must be non-atomic); a plain AddIndex on any other database."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


@dataclass(frozen=True)
class TriggerKeptTable:
    """A table the database keeps from others with triggers (current consents, segment facts):
    `fill` (per vendor) writes it from its sources as they stand; PostgreSQL's triggers are one
    script, SQLite's a list of statements."""

    table: str
    fill: dict[str, str]
    postgresql_install: str
    postgresql_remove: str
    sqlite_install: list[str] = field(default_factory=list)
    sqlite_remove: list[str] = field(default_factory=list)

    def install(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        """Fill the table from its sources, then keep it with the triggers (for a migration)."""
        vendor = schema_editor.connection.vendor
        if vendor not in self.fill:
            raise NotImplementedError(f"{self.table}: no triggers for {vendor}")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.execute(self.fill[vendor])
            self._run(cursor, vendor, self.postgresql_install, self.sqlite_install)

    def remove(self, schema_editor: BaseDatabaseSchemaEditor) -> None:
        with schema_editor.connection.cursor() as cursor:
            self._run(
                cursor, schema_editor.connection.vendor, self.postgresql_remove, self.sqlite_remove
            )

    @staticmethod
    def _run(cursor: Any, vendor: str, postgresql: str, sqlite: list[str]) -> None:
        if vendor == "postgresql":
            cursor.execute(postgresql)
        else:
            for statement in sqlite:
                cursor.execute(statement)
