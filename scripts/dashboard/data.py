"""Read-only access to a serving file: relations and columns present, raw inputs present, queries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd


class ServingFileError(RuntimeError):
    """The serving file cannot be opened or is not a serving file."""


@dataclass
class Inputs:
    """Raw contract tables of the served build: present in the load, and with kept (staged) rows."""

    present: dict[str, bool] = field(default_factory=dict)
    staged: dict[str, int] = field(default_factory=dict)

    def absent(self, tables: tuple[str, ...]) -> list[str]:
        return [t for t in tables if not self.present.get(t, False)]

    def empty(self, tables: tuple[str, ...]) -> list[str]:
        return [t for t in tables if self.present.get(t, False) and not self.staged.get(t)]


class ServingData:
    """A read-only connection to one serving file."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise ServingFileError(f"no serving file at {path}")
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise ServingFileError(f"cannot open {path} read-only: {exc}") from exc
        rows = self.con.execute(
            "select schema_name || '.' || table_name, column_name from duckdb_columns() "
            "where database_name = current_database()"
        ).fetchall()
        self._columns: dict[str, set[str]] = {}
        for relation, column in rows:
            self._columns.setdefault(relation, set()).add(column)
        self.path = path

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ServingData:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def columns(self, relation: str) -> set[str]:
        return self._columns.get(relation, set())

    def missing(self, relation: str, columns: tuple[str, ...]) -> str | None:
        """What is missing to read `columns` of `relation` (None when everything is there)."""
        if relation not in self._columns:
            return relation
        absent = [c for c in columns if c not in self._columns[relation]]
        return f"{relation} ({', '.join(absent)})" if absent else None

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or {}).df()

    def version(self) -> dict[str, Any]:
        if "pipeline.version" not in self._columns:
            return {}
        cursor = self.con.execute("select * from pipeline.version")
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else {}

    def table_count(self) -> int:
        return len([r for r in self._columns if r.split(".")[0] in ("marts", "intermediate")])

    def inputs(self) -> Inputs:
        relation = "intermediate.int_raw_rows_accounted"
        if self.missing(relation, ("table_name", "is_table_present", "staged_rows")):
            return Inputs()
        rows = self.con.execute(
            f"select table_name, is_table_present, staged_rows from {relation}"
        ).fetchall()
        return Inputs({r[0]: bool(r[1]) for r in rows}, {r[0]: int(r[2] or 0) for r in rows})

    def months(self) -> tuple[dt.date | None, dt.date | None]:
        """(as-of date, first day of the as-of month) from dim_months."""
        if self.missing("marts.dim_months", ("month_start", "as_of_date")):
            return None, None
        row = self.con.execute("select max(as_of_date), max(month_start) from marts.dim_months").fetchone()
        return row[0], row[1]


def read_freshness(state_dir: Path | None, run_id: str | None) -> list[dict[str, Any]] | None:
    """Source freshness of the run that published the served version, from its run record (the one
    input not in the serving file); None when the record is not there."""
    if state_dir is None or not run_id:
        return None
    record = state_dir / "runs" / f"{run_id}.json"
    try:
        return list(json.loads(record.read_text(encoding="utf-8")).get("freshness") or [])
    except (OSError, ValueError):
        return None
