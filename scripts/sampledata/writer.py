"""Writing tables as CSV or Parquet in contract column order, chunk by chunk, plus manifest.json.

CSV: UTF-8, comma, header row, \\n line endings, fields quoted only when needed, timestamps as the
company's wall-clock time with its offset (`2026-09-14 11:13:00+07:00`), dates `YYYY-MM-DD`, booleans
`true`/`false`, empty field for NULL, plain decimals. Parquet: each column typed per the contract
(timestamps as UTC instants, timestamp[us, tz=UTC]) unless it holds messy text, in which case the whole
column is written as strings (the CSV text). Both are byte-for-byte reproducible for the same rows; the
chunk size changes only how a file is laid out (row groups), never its rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scripts.contract import Table
from scripts.sampledata.columns import contract_arrow_type
from scripts.sampledata.tables import TableData

FORMATS = ("csv", "parquet")
MANIFEST_NAME = "manifest.json"
DEFAULT_CHUNK_ROWS = 1_000_000


def column_types(
    data: TableData, fmt: str, text_columns: frozenset[str] | None = None
) -> dict[str, pa.DataType]:
    """The Arrow type each column is written as. CSV: text. Parquet: the contract type, except for a
    column holding text its contract type cannot take (messy values), which is written as strings: the
    columns given in text_columns, or (None) those whose messy cells in this data hold text."""
    out = {}
    for column in data.table.columns:
        arrow_type = contract_arrow_type(column.data_type) if fmt == "parquet" else pa.string()
        if text_columns is not None:
            holds_text = column.name in text_columns
        else:
            values = list(data.overrides.get(column.name, {}).values())
            values += [row[column.name] for rows in data.extras.values() for row in rows]
            holds_text = any(isinstance(v, str) for v in values)
        out[column.name] = pa.string() if holds_text else arrow_type
    return out


def _chunk(data: TableData, start: int, stop: int, types: dict[str, pa.DataType]) -> pa.Table:
    """Rows start..stop of the generated table, with their messy cells and the rows added after them."""
    arrays = {}
    for name, column in data.columns.items():
        array = column.arrow(slice(start, stop), types[name])
        changed = data.overrides.get(name)
        if changed:
            rows = sorted(r for r in changed if start <= r < stop)
            if rows:
                mask = np.zeros(stop - start, bool)
                mask[np.array(rows) - start] = True
                replacement = column.render([changed[r] for r in rows], types[name])
                array = pc.replace_with_mask(array, pa.array(mask), replacement.cast(array.type))
        arrays[name] = array
    anchors = sorted(r for r in data.extras if start <= r < stop)
    if anchors:
        added = [(r, row) for r in anchors for row in data.extras[r]]
        for name, column in data.columns.items():
            extra = column.render([row[name] for _, row in added], types[name]).cast(arrays[name].type)
            arrays[name] = pa.concat_arrays([arrays[name], extra])
        base = stop - start
        key = np.r_[np.arange(base), np.array([r - start for r, _ in added])]
        within = np.r_[np.zeros(base, np.int64), np.arange(1, len(added) + 1)]
        order = pa.array(np.lexsort((within, key)))
        arrays = {name: array.take(order) for name, array in arrays.items()}
    return pa.table(arrays, schema=pa.schema([pa.field(n, types[n]) for n in data.columns]))


class CsvEncoder:
    """Turns Arrow chunks of text columns into CSV lines, vectorised: a field is quoted only when it
    holds a comma, a quote or a line break, or is empty (so an empty text differs from NULL), as
    Python's csv module does; NULL is an empty field."""

    def __enter__(self) -> CsvEncoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release (kept so callers can treat encoders alike)."""

    @staticmethod
    def field(column: pa.Array) -> pa.Array:
        """One column's fields as written."""
        text = column.cast(pa.string())
        special = pc.or_(pc.match_substring_regex(text, '[",\n\r]'), pc.equal(text, ""))
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        return pc.if_else(special, quoted, text)

    def encode(self, chunk: pa.Table) -> bytes:
        """The rows of chunk as CSV lines (no header)."""
        if not chunk.num_rows:
            return b""
        fields = [self.field(column.combine_chunks()) for column in chunk.columns]
        options = pc.JoinOptions(null_handling="replace", null_replacement="")
        row = pc.binary_join_element_wise(*fields, ",", options=options)
        lines = pc.binary_join_element_wise(row, "", "\n", options=options)  # each row followed by \n
        offsets = np.frombuffer(lines.buffers()[1], np.int32, count=len(lines) + 1, offset=lines.offset * 4)
        return lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()


@dataclass(frozen=True)
class Part:
    """A rendered chunk of a table: an Arrow table (Parquet) or CSV lines, and its row count."""

    payload: pa.Table | bytes
    rows: int


def iter_render(
    data: TableData,
    fmt: str,
    chunk_rows: int,
    csv: CsvEncoder,
    text_columns: frozenset[str] | None = None,
) -> Iterator[Part]:
    """A table's rows (with its messy cells and rows) as chunks ready to append to its file, one by one."""
    types = column_types(data, fmt, text_columns)
    for start in range(0, max(data.base_rows, 1), chunk_rows):
        chunk = _chunk(data, start, min(start + chunk_rows, data.base_rows), types)
        yield Part(csv.encode(chunk) if fmt == "csv" else chunk, chunk.num_rows)


def render(
    data: TableData,
    fmt: str,
    chunk_rows: int,
    csv: CsvEncoder,
    text_columns: frozenset[str] | None = None,
) -> list[Part]:
    """All of a table's chunks."""
    return list(iter_render(data, fmt, chunk_rows, csv, text_columns))


class TableSink:
    """One output file, written in parts (the company-wide table at once, or shard after shard)."""

    def __init__(self, out_dir: Path, table: Table, fmt: str, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = out_dir / f"{table.name}.{fmt}"
        self.table, self.fmt, self.chunk_rows = table, fmt, chunk_rows
        self.rows = 0
        self._csv_file: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None

    def write(self, parts: list[Part]) -> None:
        """Append rendered chunks."""
        for part in parts:
            payload = part.payload
            if isinstance(payload, bytes):
                if self._csv_file is None:
                    self._csv_file = self.path.open("wb")
                    self._csv_file.write((",".join(self.table.column_names) + "\n").encode("utf-8"))
                self._csv_file.write(payload)
            else:
                if self._parquet is None:
                    self._parquet = pq.ParquetWriter(self.path, payload.schema, compression="snappy")
                self._parquet.write_table(payload, row_group_size=self.chunk_rows)
            self.rows += part.rows

    def close(self) -> None:
        if self._csv_file is not None:
            self._csv_file.close()
        if self._parquet is not None:
            self._parquet.close()


def write_table(out_dir: Path, data: TableData, fmt: str, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Path:
    """Write one table as <table>.csv or <table>.parquet."""
    with CsvEncoder() as csv:
        sink = TableSink(out_dir, data.table, fmt, chunk_rows)
        sink.write(render(data, fmt, chunk_rows, csv))
        sink.close()
    return sink.path


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """manifest.json with sorted keys and two-space indents."""
    path = out_dir / MANIFEST_NAME
    path.write_text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def remove_stale_files(out_dir: Path, table_names: Sequence[str], extra: Sequence[str] = ()) -> list[Path]:
    """Delete earlier <table>.csv / .parquet files of contract tables, so the directory holds one data set."""
    removed = []
    names = [out_dir / f"{name}.{fmt}" for name in table_names for fmt in FORMATS]
    for path in [*names, *(out_dir / e for e in extra)]:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
