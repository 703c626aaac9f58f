"""Load a raw directory into PostgreSQL with the same file accounting as the DuckDB loader.

The files are read, checked and accounted for by the DuckDB loader (scripts/load_raw.py: records counted
independently of the parser, rejects with line numbers and reasons, refusals naming the file) into a
private temporary DuckDB file; its raw schema (contract tables, `_load_files`, `_load_rejects`) is then
COPYed into PostgreSQL in ONE transaction that replaces the raw schema, so readers of the raw schema see
the previous load or the new one, never a part. Every table's row count in PostgreSQL is checked against
DuckDB's before the commit. CSV columns stay text, exactly as written; Parquet-typed columns keep their
type (mapped below).
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from scripts.load_raw import LoadError, LoadReport, load_directory
from scripts.pipeline.engines.pg_connect import PgSettings

log = logging.getLogger("pipeline.postgres.load")

COPY_CHUNK = 1 << 20
DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "smallint",
    "HUGEINT": "numeric(38, 0)",
    "UBIGINT": "numeric(20, 0)",
    "UINTEGER": "bigint",
    "USMALLINT": "integer",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def pg_type(duckdb_type: str, where: str) -> str:
    """The PostgreSQL type holding a DuckDB column's values exactly (a LoadError names the column)."""
    found = DECIMAL.fullmatch(duckdb_type)
    if found:
        return f"numeric({found.group(1)}, {found.group(2)})"
    if duckdb_type in PG_TYPES:
        return PG_TYPES[duckdb_type]
    raise LoadError(f"{where}: column type {duckdb_type} has no PostgreSQL equivalent in the loader")


def load_to_postgres(
    raw_dir: Path,
    settings: PgSettings,
    schema: str = "raw",
    **options: object,
) -> LoadReport:
    """Replace `schema` in PostgreSQL with the contract tables found in `raw_dir` (options: those of
    scripts.load_raw.load_directory). Returns the DuckDB loader's report: the accounting of every file."""
    with tempfile.TemporaryDirectory(prefix="sales_kpis_pg_load_") as tmp:
        staging_db = Path(tmp) / "pg_load_staging.duckdb"
        report = load_directory(raw_dir, staging_db, schema, **options)  # type: ignore[arg-type]
        with duckdb.connect(str(staging_db), read_only=True) as duck:
            duck.execute("set TimeZone = 'UTC'")
            tables = [
                r[0]
                for r in duck.execute(
                    "select table_name from information_schema.tables where table_schema = ? order by 1",
                    [schema],
                ).fetchall()
            ]
            try:
                with settings.connect() as pg:
                    pg.execute("set local timezone = 'UTC'")
                    pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
                    pg.execute(sql.SQL("create schema {}").format(sql.Identifier(schema)))
                    for table in tables:
                        _copy_table(duck, pg, schema, table, Path(tmp))
                    # commit on leaving the block: the whole raw schema at once
            except psycopg.Error as exc:
                raise LoadError(f"cannot load into {settings.describe()}: {exc}") from exc
    log.info("copied %d raw tables into %s schema %s", len(tables), settings.describe(), schema)
    return report


def _copy_table(
    duck: duckdb.DuckDBPyConnection, pg: psycopg.Connection, schema: str, table: str, tmp: Path
) -> None:
    columns = duck.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    target = sql.Identifier(schema, table)
    definition = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type(dtype, f"{table}.{name}")))
        for name, dtype in columns
    )
    pg.execute(sql.SQL("create table {} ({})").format(target, definition))
    # DuckDB writes NULL as an empty field and an empty string as "", which COPY ... csv reads back the same
    csv_file = tmp / f"{table}.csv"
    source = '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'
    literal = "'" + str(csv_file).replace("'", "''") + "'"
    duck.execute(f"copy (select * from {source}) to {literal} (format csv, header false)")
    expected = duck.execute(f"select count(*) from {source}").fetchone()[0]
    with pg.cursor() as cur:
        with (
            cur.copy(sql.SQL("copy {} from stdin (format csv)").format(target)) as copy,
            csv_file.open("rb") as f,
        ):
            while chunk := f.read(COPY_CHUNK):
                copy.write(chunk)
        copied = cur.execute(sql.SQL("select count(*) from {}").format(target)).fetchone()[0]
    csv_file.unlink()
    if copied != expected:
        raise LoadError(f"{table}: {expected} rows read, {copied} copied into PostgreSQL")
