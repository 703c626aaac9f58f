"""Writing tables as CSV or Parquet in contract column order, plus manifest.json.

CSV: UTF-8, comma, header row, \\n line endings, timestamps as the company's local wall-clock time with
its offset, `YYYY-MM-DD HH:MM:SS+07:00` (Asia/Jakarta; the generator's datetimes are naive UTC), dates
`YYYY-MM-DD`, booleans `true`/`false`, empty field for NULL, plain decimals. Parquet: each column typed
per the contract (timestamps as UTC instants, timestamp('us', tz='UTC')) unless it holds messy text, in
which case the whole column is written as strings.
Both are byte-for-byte reproducible for the same rows.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from scripts.contract import Column, Table

FORMATS = ("csv", "parquet")
MANIFEST_NAME = "manifest.json"
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")
# the sample company's zone: timestamps are written as its wall-clock time with the offset
COMPANY_ZONE = ZoneInfo("Asia/Jakarta")


def format_value(value: Any) -> str:
    """A value as written to CSV (and as recorded in the manifest's keys)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        local = value.replace(tzinfo=UTC).astimezone(COMPANY_ZONE)
        return local.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot write {type(value).__name__} value {value!r}")


def key_value(value: Any) -> str | None:
    """A key value as written (None for NULL)."""
    return None if value is None else format_value(value)


def sort_rows(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows ordered by the table's key (as written), then by the whole row for identical keys."""
    names = table.column_names
    return sorted(
        rows,
        key=lambda r: (
            tuple((r[k] is not None, format_value(r[k])) for k in table.key),
            tuple(format_value(r[c]) for c in names),
        ),
    )


def write_csv(path: Path, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One CSV file with the contract header."""
    names = table.column_names
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([format_value(row[c]) for c in names])


def _arrow_type(column: Column) -> pa.DataType:
    t = column.data_type.lower()
    if t == "timestamp":
        return pa.timestamp("us", tz="UTC")
    if t == "date":
        return pa.date32()
    if t == "boolean":
        return pa.bool_()
    if t == "integer":
        return pa.int64()
    match = _DECIMAL.fullmatch(t)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    return pa.string()


def _fits(column: Column, value: Any) -> bool:
    """Whether a Python value has the column's contract type (else it is messy text)."""
    t = column.data_type.lower()
    if t == "timestamp":
        return isinstance(value, datetime)
    if t == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t.startswith("decimal"):
        return isinstance(value, Decimal)
    return isinstance(value, str)


def write_parquet(path: Path, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One Parquet file; a column holding text its contract type cannot take is written as strings."""
    arrays, fields = [], []
    for column in table.columns:
        values = [row[column.name] for row in rows]
        if all(v is None or _fits(column, v) for v in values):
            arrow_type = _arrow_type(column)
        else:
            arrow_type = pa.string()
            values = [None if v is None else format_value(v) for v in values]
        arrays.append(pa.array(values, type=arrow_type))
        fields.append(pa.field(column.name, arrow_type))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path, compression="snappy")


def write_table(out_dir: Path, table: Table, rows: Sequence[dict[str, Any]], fmt: str) -> Path:
    """Write one table as <table>.csv or <table>.parquet."""
    path = out_dir / f"{table.name}.{fmt}"
    if fmt == "csv":
        write_csv(path, table, rows)
    else:
        write_parquet(path, table, rows)
    return path


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """manifest.json with sorted keys and two-space indents."""
    path = out_dir / MANIFEST_NAME
    path.write_text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def remove_stale_files(out_dir: Path, table_names: Sequence[str]) -> list[Path]:
    """Delete earlier <table>.csv / .parquet files of contract tables, so the directory holds one data set."""
    removed = []
    for name in table_names:
        for fmt in FORMATS:
            path = out_dir / f"{name}.{fmt}"
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed
