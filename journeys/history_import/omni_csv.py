"""Omni's CSV format: the JSON Lines record flattened into columns.

A column is named by the field's path in the JSON record, a dot between levels (`customer.email`,
`preferences.sizes.top`), with a position from 0 for lists (`addresses.0.city`,
`consents.1.purpose`). An empty cell is an absent field (its default applies). Orders and
returns take one row per line: their `lines.<field>` columns describe that row's line, and the
order's (return's) columns are read from its first row (they may be repeated or left empty on
the next ones, as shops export them). Rows of one order follow each other, with the same
`source` and `external_reference`.
"""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from journeys.history_import.models import HistoryKind
from journeys.history_import.readers import Row, UnreadableRecordError

LINE_PREFIX = "lines."
REQUIRED_COLUMNS = {
    HistoryKind.CUSTOMERS: ("source", "external_id"),
    HistoryKind.ORDERS: ("source", "external_reference", "lines.sku", "lines.quantity"),
    HistoryKind.RETURNS: ("source", "external_reference", "order.source"),
    HistoryKind.PICKUPS: ("order.source", "order.external_reference"),
}
GROUPED_KINDS = (HistoryKind.ORDERS, HistoryKind.RETURNS)


def unflatten(row: Row, *, prefix: str = "") -> dict[str, Any]:
    """{"customer.email": "a@b.fr", "lines.0.sku": "X"} → {"customer": {"email": "a@b.fr"},
    "lines": [{"sku": "X"}]}; columns outside `prefix` are left out, empty cells too."""
    record: dict[str, Any] = {}
    for column, value in row.items():
        if not column.startswith(prefix) or value == "" or column == prefix:
            continue
        *parents, name = column.removeprefix(prefix).split(".")
        target = record
        for parent in parents:
            target = target.setdefault(parent, {})
            if not isinstance(target, dict):
                raise UnreadableRecordError(
                    {column: [_("This column conflicts with a column named like its parent.")]}
                )
        target[name] = value
    return _lists(record)


def _lists(value: Any) -> Any:
    """Objects whose keys are all positions become lists, in the order of the positions."""
    if not isinstance(value, dict):
        return value
    converted = {key: _lists(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


class OmniCsvMapper:
    def __init__(self, kind: str, **_options: Any) -> None:
        self.kind = kind

    def check_header(self, columns: Sequence[str]) -> None:
        missing = [name for name in REQUIRED_COLUMNS[self.kind] if name not in columns]
        if missing:
            raise UnreadableRecordError(
                {"header": [_("Missing columns: %(names)s.") % {"names": ", ".join(missing)}]}
            )

    def group_key(self, row: Row) -> object:
        if self.kind not in GROUPED_KINDS:
            return None
        return (row.get("source", ""), row.get("external_reference", ""))

    def to_record(self, rows: list[Row]) -> dict[str, Any]:
        if self.kind not in GROUPED_KINDS:
            return unflatten(rows[0])
        record = {
            key: value
            for key, value in unflatten(rows[0]).items()
            if key != LINE_PREFIX.rstrip(".")
        }
        lines = [unflatten(row, prefix=LINE_PREFIX) for row in rows]
        record["lines"] = [line for line in lines if line]
        return record
