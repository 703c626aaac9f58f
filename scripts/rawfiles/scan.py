"""The independent count of a CSV file, made before DuckDB parses it, and the byte-level repairs.

The count reads the raw bytes once and needs no CSV parser: physical lines are newline bytes (plus a last
line without one); a record is a run of lines whose double quotes are balanced (RFC 4180: a quoted field
may hold newlines, and a doubled quote inside it counts twice, so the parity rule holds); a line that is
empty outside a quoted field is blank (DuckDB skips blank lines; they hold no data). It costs one pass of
`bytes.count` per line, about 20 ms for the whole sample.

Repairs, each logged and reported, never dropping a byte's worth of record:
  utf16          a file starting with a UTF-16 byte-order mark is decoded as UTF-16
  invalid_utf8   bytes that are not UTF-8 become U+FFFD
  nul_bytes      NUL bytes (never text) become U+FFFD
A repaired file is read by DuckDB from a UTF-8 copy in a temporary folder; the counts are made on the
bytes DuckDB reads.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import and_
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
HEADER_PEEK = 1 << 16
BLANK = (b"", b"\r")


class FileReadError(Exception):
    """The file's bytes cannot be read at all (a truncated or fake gzip, an I/O error)."""


@dataclass
class TextScan:
    """What the bytes of one CSV file hold, counted without a CSV parser."""

    physical_lines: int = 0
    blank_lines: int = 0
    header_lines: int = 0
    records: int = 0  # data records by quote parity (header excluded)
    multiline_records: int = 0
    quotes_balanced: bool = True
    header: list[str] = field(default_factory=list)
    header_has_nul: bool = False
    repairs: list[str] = field(default_factory=list)
    # (first, last) 0-based physical lines of each quoted stretch that spans lines
    regions: list[tuple[int, int]] = field(default_factory=list)
    data: bytes = b""  # the UTF-8 bytes DuckDB reads (repaired when `repairs` is not empty)

    @property
    def data_lines(self) -> int:
        """Physical lines that belong to data records: every line except the header and blank lines."""
        return self.physical_lines - self.header_lines - self.blank_lines

    def physical_line(self, reader_line: int) -> int:
        """The physical line (as an editor numbers it) of a record DuckDB reports at `reader_line`.

        DuckDB numbers lines as it reads records: a record with quoted newlines counts as one line."""
        extra = 0
        for first, last in self.regions:
            if first - extra >= reader_line - 1:
                break
            extra += last - first
        return reader_line + extra


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when its name ends in .gz."""
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileReadError(f"cannot read ({exc})") from exc
    return raw


def to_utf8(raw: bytes) -> tuple[bytes, list[str]]:
    """The bytes as valid UTF-8 without NUL, and the repairs that took."""
    repairs: list[str] = []
    if raw.startswith(UTF16_BOMS):
        text = raw.decode("utf-16", errors="replace")
        repairs.append("utf16")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            repairs.append("invalid_utf8")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        repairs.append("nul_bytes")
    return (text.encode("utf-8") if repairs else raw), repairs


def scan_csv(raw: bytes) -> TextScan:
    """Count lines and records of CSV bytes; read the header row with Python's csv module."""
    header_has_nul = b"\x00" in raw[: raw.find(b"\n") if b"\n" in raw else len(raw)]
    data, repairs = to_utf8(raw)
    scan = TextScan(repairs=repairs, data=data, header_has_nul=header_has_nul)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the file ends with a newline: no line after it
    scan.physical_lines = len(lines)
    # a line with an odd number of quotes opens or closes a quoted field; the lines after an opening one,
    # up to and including the closing one, continue the record (each step runs in C: ~1 ms per 20k lines)
    quotes = map(bytes.count, lines, repeat(b'"'))
    odd = list(compress(count(), map(and_, quotes, repeat(1))))
    scan.quotes_balanced = len(odd) % 2 == 0
    if not scan.quotes_balanced:
        odd.append(len(lines) - 1)  # the last quote never closes: the record runs to the end of the file
    regions = list(zip(odd[::2], odd[1::2], strict=True))
    scan.regions = regions
    continuation = sum(end - start for start, end in regions)
    blank_inside = sum(1 for start, end in regions for line in lines[start + 1 : end + 1] if line in BLANK)
    first = next((i for i, line in enumerate(lines) if line not in BLANK), None)
    scan.blank_lines = sum(lines.count(b) for b in BLANK) - blank_inside
    header_region = next(((a, b) for a, b in regions if a == first), None)
    scan.header_lines = (
        0 if first is None else 1 + (header_region[1] - header_region[0] if header_region else 0)
    )
    scan.records = scan.physical_lines - scan.blank_lines - continuation - (1 if first is not None else 0)
    scan.multiline_records = len(regions) - (1 if header_region else 0)
    scan.header = _header(data)
    return scan


def _header(data: bytes) -> list[str]:
    """The header row: the first non-blank record."""
    text = data[:HEADER_PEEK].decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    handle = io.StringIO(text, newline="")
    try:
        for row in csv.reader(handle):
            if row:
                return row
    except csv.Error:
        return []
    return []
