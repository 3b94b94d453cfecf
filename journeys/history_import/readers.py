"""Readers: the records of one chunk of a file, each with its line number.

JSON Lines: one record of the batch API per line, decoded by msgspec (amounts as Decimal).
CSV: rows read by the csv module with the header's column names; a `RowMapper` groups the rows
of one record (an order's lines) and turns them into the same record as a JSON line would be.
A record that cannot be read (bad JSON, bad text encoding, a row longer than the header, an
amount that is not a number in a shop export) comes back with its problems instead.
"""

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import msgspec
from django.utils.translation import gettext as _

from journeys.history_import.files import (
    ChunkSpan,
    csv_chunk_spans,
    header_end,
    line_chunk_spans,
    read_span,
    stream_logical_lines,
)
from omni.records import NON_FIELD

Row = dict[str, str]
Problems = dict[str, list[str]]


class UnreadableRecordError(Exception):
    """A record the file holds but that cannot be turned into an Omni record."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(problems)
        self.problems = problems


def problem(message: str, field_name: str = NON_FIELD) -> UnreadableRecordError:
    return UnreadableRecordError({field_name: [message]})


@dataclass
class SourceRecord:
    """line: where the record starts in the file; raw: what the file holds (the JSON value, or
    the CSV rows as {column: value}); record: the batch API record, or None with problems."""

    line: int
    raw: Any
    record: dict[str, Any] | None
    problems: Problems | None = None
    row_lines: tuple[int, ...] = field(default=())


class Reader(Protocol):
    def check(self, path: str) -> None:
        """Raise UnreadableRecordError if the file cannot be of this format (its header)."""

    def spans(self, path: str, chunk_records: int) -> Iterator[ChunkSpan]: ...

    def read(self, path: str, span: ChunkSpan) -> list[SourceRecord]: ...


class JsonLinesReader:
    decoder = msgspec.json.Decoder(float_hook=Decimal)

    def check(self, path: str) -> None:
        pass

    def spans(self, path: str, chunk_records: int) -> Iterator[ChunkSpan]:
        return line_chunk_spans(path, chunk_records)

    def read(self, path: str, span: ChunkSpan) -> list[SourceRecord]:
        records = []
        lines = read_span(path, span.start, span.end).split(b"\n")
        for number, text in enumerate(lines, start=span.first_line):
            if text.strip():
                records.append(self._record(number, text))
        return records

    def _record(self, number: int, text: bytes) -> SourceRecord:
        try:
            value = self.decoder.decode(text)
        except msgspec.DecodeError as error:
            raw = text.decode("utf-8", errors="replace").rstrip("\r")
            message = _("This line is not valid JSON (%(detail)s).") % {"detail": error}
            return SourceRecord(number, raw, None, {NON_FIELD: [message]})
        if not isinstance(value, dict):
            message = _("This line is not a JSON object.")
            return SourceRecord(number, value, None, {NON_FIELD: [message]})
        return SourceRecord(number, value, value)


class RowMapper(Protocol):
    """How one CSV format turns rows into records."""

    def check_header(self, columns: Sequence[str]) -> None:
        """Raise UnreadableRecordError saying what the header lacks."""

    def group_key(self, row: Row) -> object:
        """Rows with the same key in a row make one record; None: one row is one record."""

    def to_record(self, rows: list[Row]) -> dict[str, Any]: ...


class CsvReader:
    def __init__(self, mapper: RowMapper, *, encoding: str = "utf-8") -> None:
        self.mapper = mapper
        self.encoding = encoding
        self._headers: dict[str, tuple[int, int, list[str]]] = {}

    def header(self, path: str) -> tuple[int, int, list[str]]:
        """(byte offset where rows start, number of header lines, column names)."""
        if path not in self._headers:
            end, lines, text = header_end(path)
            columns = next(csv.reader([text.decode(self.encoding)]), [])
            self._headers[path] = (end, lines, [column.strip() for column in columns])
        return self._headers[path]

    def check(self, path: str) -> None:
        try:
            _start, _lines, columns = self.header(path)
        except UnicodeDecodeError as error:
            message = _("The header is not %(encoding)s text.") % {"encoding": self.encoding}
            raise problem(message, "header") from error
        self.mapper.check_header(columns)

    def spans(self, path: str, chunk_records: int) -> Iterator[ChunkSpan]:
        start, header_lines, columns = self.header(path)
        return csv_chunk_spans(
            path,
            chunk_records,
            start=start,
            first_line=header_lines + 1,
            group_key=lambda text: self._key_of_text(text, columns),
        )

    def _key_of_text(self, text: bytes, columns: list[str]) -> object:
        try:
            cells = next(csv.reader([text.decode(self.encoding)]), [])
        except (UnicodeDecodeError, csv.Error):
            return object()  # unreadable: a key of its own
        return self.mapper.group_key(dict(zip(columns, cells, strict=False)))

    def read(self, path: str, span: ChunkSpan) -> list[SourceRecord]:
        _start, _lines, columns = self.header(path)
        data = read_span(path, span.start, span.end)
        records: list[SourceRecord] = []
        group: list[tuple[int, Row]] = []
        for number, row, problems in self._rows(data, span.first_line, columns):
            if problems is not None:
                records.extend(self._group_records(group))
                group = []
                records.append(SourceRecord(number, row, None, problems, (number,)))
                continue
            if group and self._key(row) != self._key(group[-1][1]):
                records.extend(self._group_records(group))
                group = []
            group.append((number, row))
        records.extend(self._group_records(group))
        return records

    def _key(self, row: Row) -> object:
        key = self.mapper.group_key(row)
        return object() if key is None else key

    def _group_records(self, group: list[tuple[int, Row]]) -> Iterator[SourceRecord]:
        if not group:
            return
        rows = [row for _number, row in group]
        numbers = tuple(number for number, _row in group)
        try:
            record = self.mapper.to_record(rows)
        except UnreadableRecordError as error:
            yield SourceRecord(numbers[0], rows, None, error.problems, numbers)
            return
        yield SourceRecord(numbers[0], rows, record, None, numbers)

    def _rows(
        self, data: bytes, first_line: int, columns: list[str]
    ) -> Iterator[tuple[int, Row | str, Problems | None]]:
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError:
            yield from self._rows_one_by_one(data, first_line, columns)
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        consumed = 0
        for cells in reader:
            number, consumed = first_line + consumed, reader.line_num
            if cells:
                yield self._row(number, cells, columns)

    def _rows_one_by_one(
        self, data: bytes, first_line: int, columns: list[str]
    ) -> Iterator[tuple[int, Row | str, Problems | None]]:
        """A chunk with bytes that are not in the file's encoding: each record alone, so that
        only the bad ones are refused."""
        for _offset, number, text in stream_logical_lines(io.BytesIO(data), quoted=True):
            try:
                decoded = text.decode(self.encoding)
            except UnicodeDecodeError:
                message = _("This line is not %(encoding)s text.") % {"encoding": self.encoding}
                raw = text.decode(self.encoding, errors="replace").rstrip("\r\n")
                yield first_line + number - 1, raw, {NON_FIELD: [message]}
                continue
            cells = next(csv.reader([decoded]), [])
            if cells:
                yield self._row(first_line + number - 1, cells, columns)

    @staticmethod
    def _row(number: int, cells: list[str], columns: list[str]) -> tuple[int, Any, Any]:
        if len(cells) > len(columns):
            message = _("This row has %(cells)s cells; the header names %(columns)s.") % {
                "cells": len(cells),
                "columns": len(columns),
            }
            return number, cells, {NON_FIELD: [message]}
        return number, dict(zip(columns, cells, strict=False)), None
