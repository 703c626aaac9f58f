"""Dump every table of a serving file (and, optionally, every Parquet file of a version folder) as canonical
JSON, with whatever `duckdb` module is importable.

Run by tests/python/test_serving_readers.py under duckdb 2.0 (the project's) and under the DuckDB 1.x
readers BI drivers bundle (`python -S serving_dump.py ...` with PYTHONPATH set to one reader's folder), so
it imports nothing but the standard library and duckdb, and works with every duckdb from 1.1 on.

    python serving_dump.py SERVING_FILE OUT_JSON [PARQUET_VERSION_FOLDER]

Values keep their Python type in the text (D12.50 for a Decimal, d2026-01-01 for a date, floats by repr),
so a decimal read back as a float, or a timestamp shifted by a time zone, shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
from pathlib import Path

import duckdb


def canon(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return "f" + repr(value)
    if isinstance(value, decimal.Decimal):
        return "D" + str(value)
    if isinstance(value, dt.datetime):
        return "T" + value.isoformat()
    if isinstance(value, dt.date):
        return "d" + value.isoformat()
    if isinstance(value, list | tuple):
        return [canon(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canon(v) for k, v in value.items()}
    return f"{type(value).__name__}:{value}"


def dump_relation(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, object]:
    columns = [[str(r[0]), str(r[1]).upper()] for r in con.execute(f"describe {sql}").fetchall()]
    rows = sorted(json.dumps([canon(v) for v in row]) for row in con.execute(sql).fetchall())
    return {"columns": columns, "rows": rows}


def main(argv: list[str]) -> int:
    serving, out = Path(argv[0]), Path(argv[1])
    result: dict[str, object] = {"duckdb": duckdb.__version__, "tables": {}, "parquet": {}}
    con = duckdb.connect(str(serving), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? order by 1, 2",
            [catalog],
        ).fetchall()
        for schema, table in tables:
            result["tables"][f"{schema}.{table}"] = dump_relation(con, f'select * from "{schema}"."{table}"')
    finally:
        con.close()
    if len(argv) > 2:
        folder = Path(argv[2])
        with duckdb.connect(":memory:") as mem:
            for path in sorted(folder.rglob("*.parquet")):
                label = f"{path.parent.name}.{path.stem}"
                literal = "'" + str(path).replace("'", "''") + "'"
                result["parquet"][label] = dump_relation(mem, f"select * from read_parquet({literal})")
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
