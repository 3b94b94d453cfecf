"""The outcome of one record of a batch written by the API, a sync pull or the history import."""

from dataclasses import dataclass
from typing import Any

from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _

from omni.errors import DomainError

NON_FIELD = "non_field_errors"
# Where a domain error's message belongs in a record's errors.
DOMAIN_ERROR_FIELD = {
    "invalid_email": "email",
    "invalid_phone": "phone",
    "unknown_store": "store",
    "store_forbidden": "store",
    "unknown_product": "lines",
    "wrong_code": "code",
}


@dataclass(frozen=True)
class RecordResult:
    """index: the record's position in its batch; status: created, updated, unchanged, stale
    (older than what is stored, ignored) or error (nothing written)."""

    index: int
    status: str
    id: int | None = None
    code: str | None = None
    errors: dict[str, list[str]] | None = None

    @property
    def failed(self) -> bool:
        return self.status == "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "status": self.status,
            "id": self.id,
            "code": self.code,
            "errors": self.errors,
        }


def record_error(index: int, code: str, errors: dict[str, list[str]]) -> RecordResult:
    return RecordResult(index=index, status="error", code=code, errors=errors)


def record_failure(index: int, error: Exception) -> RecordResult:
    """The result of a record whose write raised `error` (a domain or database error)."""
    if isinstance(error, DomainError):
        field = getattr(error, "field", None) or DOMAIN_ERROR_FIELD.get(error.code, NON_FIELD)
        return record_error(index, error.code, {field: [error.message]})
    if isinstance(error, IntegrityError | DataError):
        return record_error(index, "conflict", {NON_FIELD: [_("Conflicts with stored data.")]})
    raise error
