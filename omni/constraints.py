"""Database constraints that only PostgreSQL can enforce.

On SQLite (the zero-setup default) the service layer performs the equivalent check, so the
behaviour users see is the same; PostgreSQL adds the guarantee under concurrent writes.
"""

from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import DEFAULT_DB_ALIAS, connections


class PostgresExclusionConstraint(ExclusionConstraint):
    def _applies(self, schema_editor: Any) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model: Any, schema_editor: Any) -> str | None:
        return (
            super().constraint_sql(model, schema_editor) if self._applies(schema_editor) else None
        )

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        return super().create_sql(model, schema_editor) if self._applies(schema_editor) else None

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        return super().remove_sql(model, schema_editor) if self._applies(schema_editor) else None

    def validate(
        self, model: Any, instance: Any, exclude: Any = None, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)
