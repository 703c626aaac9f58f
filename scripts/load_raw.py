"""Load a directory of raw CRM files (CSV or Parquet, named after the contract tables) into the raw schema.

    python -m scripts.load_raw --raw-dir seeds/sample_crm
    python -m scripts.load_raw --raw-dir /data/crm_export --database warehouse/build.duckdb

The raw schema is replaced as a whole in one transaction, so a table absent from the directory is absent
from the warehouse (staging then reads it as empty) and nothing from an earlier load lingers. CSV columns
are loaded as text, exactly as written; staging does all parsing. Files that are not valid UTF-8 are
transcoded with U+FFFD replacement characters (logged), never dropped. A contract column missing from a
file is added as NULL (logged); extra columns are kept and ignored by staging.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from scripts.contract import REQUIRED_TABLES, load_contract

log = logging.getLogger("load_raw")

SUFFIXES = (".csv", ".csv.gz", ".parquet")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DEFAULT_DATABASE = "warehouse/build.duckdb"
DEFAULT_SCHEMA = "raw"


class LoadError(Exception):
    """Raised when a raw directory cannot be loaded (missing required table, unreadable file, bad name)."""


@dataclass
class LoadReport:
    """What a load did: rows per table, absent tables, repairs and ignored files."""

    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    added_columns: dict[str, list[str]] = field(default_factory=dict)
    transcoded: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)


def quote_identifier(name: str) -> str:
    """Quote a schema or table name after checking it is a plain lower-case identifier."""
    if not IDENTIFIER.fullmatch(name):
        raise LoadError(
            f"not a valid identifier: {name!r} (expected lower-case letters, digits, underscores)"
        )
    return f'"{name}"'


def quote_literal(text: str) -> str:
    """Quote a string as a SQL literal."""
    return "'" + text.replace("'", "''") + "'"


def find_table_files(raw_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Map contract table names to their file in raw_dir; also list files that match no contract table."""
    contract = load_contract()
    found: dict[str, Path] = {}
    ignored: list[str] = []
    for path in sorted(raw_dir.iterdir()):
        if not path.is_file() or path.name.startswith((".", "_")) or path.suffix == ".json":
            continue
        # file names match case-insensitively: Accounts.CSV is the accounts table
        name = path.name.lower()
        suffix = next((s for s in SUFFIXES if name.endswith(s)), None)
        table = name[: -len(suffix)] if suffix else None
        if table not in contract:
            ignored.append(path.name)
            continue
        if table in found:
            raise LoadError(f"two files for table {table}: {found[table].name} and {path.name}")
        found[table] = path
    return found, ignored


def _csv_reader(path: Path) -> str:
    return (
        f"read_csv({quote_literal(str(path))}, header = true, all_varchar = true, delim = ',', quote = '\"', "
        "escape = '\"', strict_mode = false, null_padding = true, auto_detect = false, "
        # quoted newlines (multi-line notes) need the serial reader when rows may be short (null_padding);
        # long text fields (up to 16 MiB a line) are data, not an error
        "parallel = false, max_line_size = 16777216, columns = "
        f"{_csv_columns(path)})"
    )


def _csv_columns(path: Path) -> str:
    """The CSV header as a DuckDB columns struct (every column text), read with Python's csv module."""
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    # utf-8-sig: a byte-order mark (Excel's CSV export writes one) must not become part of the first name
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), [])
    if not header:
        raise LoadError(f"{path.name}: empty file or no header row")
    # a blank header cell (a trailing comma) gets a placeholder name; staging ignores extra columns
    names = [h.strip().lower() or f"unnamed_column_{i + 1}" for i, h in enumerate(header)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise LoadError(f"{path.name}: duplicate column names {duplicates}")
    return "{" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names) + "}"


def _transcode_to_utf8(path: Path, workdir: Path) -> Path:
    """Copy a CSV that is not valid UTF-8, replacing undecodable bytes with U+FFFD."""
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    target = workdir / re.sub(r"(?i)\.gz$", "", path.name)
    target.write_text(data.decode("utf-8", errors="replace"), encoding="utf-8", newline="")
    return target


def _is_utf8(path: Path) -> bool:
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as exc:  # a truncated or fake .gz file
        raise LoadError(f"{path.name}: cannot read ({exc})") from exc
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def load_directory(
    raw_dir: Path,
    database: Path,
    schema: str = DEFAULT_SCHEMA,
) -> LoadReport:
    """Replace `schema` in `database` with the contract tables found in `raw_dir`."""
    if not raw_dir.is_dir():
        raise LoadError(f"raw directory not found: {raw_dir}")
    contract = load_contract()
    files, ignored = find_table_files(raw_dir)
    missing_required = [t for t in REQUIRED_TABLES if t not in files]
    if missing_required:
        hint = f"; files matching no contract table: {', '.join(ignored)}" if ignored else ""
        raise LoadError(
            f"{raw_dir} lacks required table(s) {', '.join(missing_required)} "
            f"(expected files such as {missing_required[0]}.csv, .csv.gz or .parquet){hint}"
        )
    report = LoadReport(ignored_files=ignored)
    report.absent = [t for t in contract if t not in files]
    schema_sql = quote_identifier(schema)
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load_raw_") as tmp, duckdb.connect(str(database)) as con:
        con.execute("begin transaction")
        con.execute(f"drop schema if exists {schema_sql} cascade")
        con.execute(f"create schema {schema_sql}")
        for table, path in files.items():
            source_path = path
            is_parquet = path.name.lower().endswith(".parquet")
            if not is_parquet and not _is_utf8(path):
                source_path = _transcode_to_utf8(path, Path(tmp))
                report.transcoded.append(path.name)
                log.warning("%s is not valid UTF-8: undecodable bytes replaced with U+FFFD", path.name)
            reader = (
                f"read_parquet({quote_literal(str(source_path))})" if is_parquet else _csv_reader(source_path)
            )
            target = f"{schema_sql}.{quote_identifier(table)}"
            try:
                con.execute(f"create table {target} as select * from {reader}")
            except duckdb.Error as exc:
                raise LoadError(f"{path.name}: cannot read ({exc})") from exc
            present = {r[0].lower() for r in con.execute(f"describe {target}").fetchall()}
            missing_columns = [c for c in contract[table].column_names if c not in present]
            for column in missing_columns:
                con.execute(f"alter table {target} add column {quote_identifier(column)} varchar")
            if missing_columns:
                report.added_columns[table] = missing_columns
                log.warning(
                    "%s lacks contract column(s) %s: added as NULL", path.name, ", ".join(missing_columns)
                )
            report.rows[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
            report.files[table] = path.name
        con.execute("commit")
    return report


def default_database() -> Path:
    """The build database, as profiles.yml resolves it."""
    return Path(os.environ.get("SALES_KPIS_DUCKDB_PATH", DEFAULT_DATABASE))


def log_report(report: LoadReport, raw_dir: Path) -> None:
    """Log a short summary of a load."""
    total = sum(report.rows.values())
    log.info("Loaded %d rows in %d tables from %s", total, len(report.rows), raw_dir)
    for table, rows in report.rows.items():
        log.info("  %-28s %9d rows  (%s)", table, rows, report.files[table])
    if report.absent:
        log.info("Absent optional tables (read as empty): %s", ", ".join(report.absent))
    if report.ignored_files:
        log.warning("Ignored files that match no contract table: %s", ", ".join(report.ignored_files))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--raw-dir", type=Path, required=True, help="directory of <table>.csv / .parquet files"
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help=f"DuckDB file to load into (default: $SALES_KPIS_DUCKDB_PATH or {DEFAULT_DATABASE})",
    )
    parser.add_argument("--schema", default=DEFAULT_SCHEMA, help="raw schema to replace (default: raw)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    try:
        report = load_directory(args.raw_dir, args.database or default_database(), args.schema)
    except LoadError as exc:
        log.error("%s", exc)
        return 2
    log_report(report, args.raw_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
