"""Import files read as bytes: who a file is (to resume it), and where its chunks start and end.

A chunk is a byte range holding whole records, with the number of its first line, so that a
worker reads it alone (a seek and one read) and still reports file line numbers. Chunks are
found by scanning lines, never by loading the file: memory stays constant whatever its size.
A CSV record may span lines (a quoted field with a line break): a line with an odd number of
quotes opens or closes such a field. Records of one order spread over several CSV rows stay in
one chunk: a chunk ends only where the key of the next row differs.
"""

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

HEAD_BYTES = 64 * 1024
READ_BUFFER = 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileIdentity:
    path: str
    size: int
    head_hash: str


@dataclass(frozen=True)
class ChunkSpan:
    number: int
    start: int
    end: int
    first_line: int
    records: int


def file_identity(path: Path) -> FileIdentity:
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    return FileIdentity(
        path=str(path.resolve()),
        size=path.stat().st_size,
        head_hash=hashlib.sha256(head).hexdigest(),
    )


def read_span(path: str, start: int, end: int) -> bytes:
    with open(path, "rb") as file:
        file.seek(start)
        return file.read(end - start)


def logical_lines(
    path: str, start: int = 0, *, quoted: bool = False
) -> Iterator[tuple[int, int, bytes]]:
    """(byte offset, line number, bytes) of each record's text from `start` (line numbers count
    from 1 at `start`). With `quoted`, a record continues over line breaks inside a quoted field
    (CSV)."""
    with open(path, "rb", buffering=READ_BUFFER) as file:
        file.seek(start)
        yield from stream_logical_lines(file, start, quoted=quoted)


def stream_logical_lines(
    stream: BinaryIO, offset: int = 0, *, quoted: bool = False
) -> Iterator[tuple[int, int, bytes]]:
    number = 1
    pending: list[bytes] = []
    pending_offset = pending_number = 0
    inside = False
    for line in stream:
        odd = quoted and line.count(b'"') % 2 == 1
        if pending or odd:
            if not pending:
                pending_offset, pending_number, inside = offset, number, False
            pending.append(line)
            inside ^= odd
            offset, number = offset + len(line), number + 1
            if not inside:
                yield pending_offset, pending_number, b"".join(pending)
                pending = []
            continue
        yield offset, number, line
        offset, number = offset + len(line), number + 1
    if pending:
        yield pending_offset, pending_number, b"".join(pending)


def header_end(path: str) -> tuple[int, int, bytes]:
    """(byte offset after the header, number of lines it takes, its bytes without the BOM)."""
    for offset, _number, text in logical_lines(path, quoted=True):
        header = text.removeprefix(UTF8_BOM) if offset == 0 else text
        return offset + len(text), text.count(b"\n") or 1, header
    return 0, 0, b""


def line_chunk_spans(path: str, chunk_records: int) -> Iterator[ChunkSpan]:
    """The chunks of a file of one record per line (JSON Lines), `chunk_records` lines each:
    newlines are counted a block at a time, in C, so that cutting a 5 GB file takes seconds."""
    number, chunk_start, chunk_line, in_chunk, line, position = 0, 0, 1, 0, 1, 0
    last_block = b""
    with open(path, "rb") as file:
        while block := file.read(READ_BUFFER):
            last_block = block
            index = 0
            while (needed := chunk_records - in_chunk) <= block.count(b"\n", index):
                for _ in range(needed):
                    index = block.index(b"\n", index) + 1
                line += needed
                yield ChunkSpan(number, chunk_start, position + index, chunk_line, chunk_records)
                number, chunk_start, chunk_line, in_chunk = number + 1, position + index, line, 0
            in_chunk += block.count(b"\n", index)
            line += block.count(b"\n", index)
            position += len(block)
    if chunk_start < position:
        unterminated = not last_block.endswith(b"\n")
        yield ChunkSpan(number, chunk_start, position, chunk_line, in_chunk + unterminated)


def csv_chunk_spans(
    path: str,
    chunk_records: int,
    *,
    start: int,
    first_line: int,
    group_key: Callable[[bytes], object] | None = None,
) -> Iterator[ChunkSpan]:
    """The chunks of a CSV file after its header, `chunk_records` rows each (blank lines do not
    count). With `group_key`, a chunk is only cut between two rows whose keys differ (the rows
    of one order stay together)."""
    number, chunk_start, chunk_line, records = 0, start, first_line, 0
    previous_key: object = None
    line_shift = first_line - 1
    for offset, line, text in logical_lines(path, start, quoted=True):
        if len(text) <= 2 and not text.strip():
            continue
        if records >= chunk_records:
            key = group_key(text) if group_key else None
            if group_key is None or key != previous_key:
                yield ChunkSpan(number, chunk_start, offset, chunk_line, records)
                number, chunk_start, chunk_line, records = number + 1, offset, line + line_shift, 0
            previous_key = key
        elif group_key is not None and records == chunk_records - 1:
            previous_key = group_key(text)
        records += 1
    if records:
        yield ChunkSpan(number, chunk_start, os.path.getsize(path), chunk_line, records)
