"""Load a directory of raw CRM files into the raw schema of the Spark warehouse, as Parquet-backed tables.

    python -m scripts.spark.load_raw --raw-dir seeds/sample_crm

Every file is read and accounted for by the DuckDB loader (scripts/load_raw.py: the same header matching,
repairs, rejects with line numbers and reasons, refusals naming the file), into a scratch DuckDB file. The
accepted rows of each table, `_load_files` and `_load_rejects` are then written as Parquet under a new
versioned folder of the Spark directory (`<SALES_KPIS_SPARK_DIR>/raw_files/<schema>/<load id>/<table>/`) and
registered as external tables (`create table raw.<table> using parquet location ...`). The raw schema is
replaced as a whole: a table absent from the directory is absent from Spark. Older load folders are
removed once the new tables point at the new folder. Exit codes as scripts/load_raw.py: 0, 2, 5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from scripts.load_raw import (
    DEFAULT_MAX_REJECTED_SHARE,
    DEFAULT_SCHEMA,
    EXIT_UNLOADABLE,
    EXIT_USAGE,
    LoadError,
    LoadReport,
    add_load_options,
    load_directory,
    log_report,
    quote_identifier,
    quote_literal,
)
from scripts.spark.session import spark_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("load_raw_spark")

RAW_FILES = "raw_files"


def backtick(name: str) -> str:
    """A checked identifier quoted for Spark SQL."""
    quote_identifier(name)
    return f"`{name}`"


def load_directory_spark(
    spark: SparkSession,
    raw_dir: Path,
    schema: str = DEFAULT_SCHEMA,
    *,
    files_root: Path | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    column_map: Path | None = None,
    allow_outside_links: bool = False,
) -> LoadReport:
    """Replace `schema` in Spark with Parquet-backed tables of the contract tables found in `raw_dir`."""
    schema_sql = backtick(schema)
    root = (files_root or spark_dir() / RAW_FILES / schema).resolve()
    load_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = root / load_id
    with tempfile.TemporaryDirectory(prefix="load_raw_spark_") as tmp:
        scratch = Path(tmp) / "scratch.duckdb"
        report = load_directory(
            raw_dir,
            scratch,
            schema,
            max_rejected_share=max_rejected_share,
            column_map=column_map,
            allow_outside_links=allow_outside_links,
        )
        folder.mkdir(parents=True)
        with duckdb.connect(str(scratch), read_only=True) as con:
            con.execute("set TimeZone = 'UTC'")
            tables = [
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = ? order by 1",
                    [schema],
                ).fetchall()
            ]
            for table in tables:
                (folder / table).mkdir()
                target = folder / table / "part-0.parquet"
                con.execute(
                    f"copy {quote_identifier(schema)}.{quote_identifier(table)} "
                    f"to {quote_literal(str(target))} (format parquet)"
                )
    spark.sql(f"drop database if exists {schema_sql} cascade")
    spark.sql(f"create database {schema_sql}")
    for table in tables:
        location = (folder / table).as_uri()
        spark.sql(
            f"create table {schema_sql}.{backtick(table)} using parquet location {quote_literal(location)}"
        )
    for old in root.iterdir():
        if old.is_dir() and old.name != load_id:
            shutil.rmtree(old, ignore_errors=True)
    log.info("raw schema %s: %d Parquet-backed tables in %s", schema, len(tables), folder)
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--raw-dir", type=Path, required=True, help="directory of <table>.csv / .parquet files"
    )
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="raw schema to replace (default: raw)")
    add_load_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    try:
        quote_identifier(args.schema)
    except LoadError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    from scripts.spark.session import get_session, stop_session

    spark = get_session()
    try:
        report = load_directory_spark(
            spark,
            args.raw_dir,
            args.schema,
            max_rejected_share=DEFAULT_MAX_REJECTED_SHARE
            if args.max_rejected_share is None
            else args.max_rejected_share,
            column_map=args.column_map,
            allow_outside_links=args.allow_outside_links,
        )
    except LoadError as exc:
        log.error("%s", exc)
        return EXIT_UNLOADABLE
    finally:
        stop_session()
    log_report(report, args.raw_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
