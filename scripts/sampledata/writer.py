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
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scripts.sampledata.columns import contract_arrow_type
from scripts.sampledata.tables import TableData

FORMATS = ("csv", "parquet")
MANIFEST_NAME = "manifest.json"
DEFAULT_CHUNK_ROWS = 1_000_000


def column_types(data: TableData, fmt: str) -> dict[str, pa.DataType]:
    """The Arrow type each column is written as."""
    out = {}
    for column in data.table.columns:
        arrow_type = contract_arrow_type(column.data_type) if fmt == "parquet" else pa.string()
        values = list(data.overrides.get(column.name, {}).values())
        values += [row[column.name] for rows in data.extras.values() for row in rows]
        if not pa.types.is_string(arrow_type) and any(isinstance(v, str) for v in values):
            arrow_type = pa.string()  # holds text its contract type cannot take
        out[column.name] = arrow_type
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


def _chunks(data: TableData, chunk_rows: int) -> range:
    return range(0, max(data.base_rows, 1), chunk_rows)


def write_parquet(path: Path, data: TableData, chunk_rows: int) -> None:
    types = column_types(data, "parquet")
    schema = pa.schema([pa.field(n, types[n]) for n in data.columns])
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for start in _chunks(data, chunk_rows):
            stop = min(start + chunk_rows, data.base_rows)
            writer.write_table(_chunk(data, start, stop, types), row_group_size=chunk_rows)


class CsvWriter:
    """Writes CSV files through one DuckDB connection (its CSV writer quotes a field only when needed)."""

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> CsvWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._con is not None:
            self._con.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, Path]:
        if self._con is None or self._tmp is None:
            self._con = duckdb.connect()
            self._con.execute("set preserve_insertion_order = true")
            self._tmp = tempfile.TemporaryDirectory(prefix="sampledata_")
        return self._con, Path(self._tmp.name)

    def write(self, path: Path, data: TableData, chunk_rows: int) -> None:
        types = column_types(data, "csv")
        con, tmp = self._connection()
        part = tmp / "part.csv"
        target = "'" + str(part).replace("'", "''") + "'"
        with path.open("wb") as out:
            out.write((",".join(data.table.column_names) + "\n").encode("utf-8"))
            for start in _chunks(data, chunk_rows):
                stop = min(start + chunk_rows, data.base_rows)
                chunk = _chunk(data, start, stop, types)
                if not chunk.num_rows:
                    continue
                con.register("chunk", chunk)
                con.execute(f"copy chunk to {target} (format csv, header false, delimiter ',', quote '\"')")
                con.unregister("chunk")
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 16 * 1024 * 1024)
                part.unlink()


def write_table(
    out_dir: Path,
    data: TableData,
    fmt: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    csv: CsvWriter | None = None,
) -> Path:
    """Write one table as <table>.csv or <table>.parquet."""
    path = out_dir / f"{data.name}.{fmt}"
    if fmt == "csv":
        if csv is None:
            with CsvWriter() as own:
                own.write(path, data, chunk_rows)
        else:
            csv.write(path, data, chunk_rows)
    else:
        write_parquet(path, data, chunk_rows)
    return path


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
