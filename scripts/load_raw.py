"""Load a directory of raw CRM files (CSV or Parquet, named after the contract tables) into the raw schema.

    python -m scripts.load_raw --raw-dir seeds/sample_crm
    python -m scripts.load_raw --raw-dir /data/crm_export --database warehouse/build.duckdb

The raw schema is replaced as a whole in one transaction, so a table absent from the directory is absent
from the warehouse (staging then reads it as empty) and nothing from an earlier load lingers. CSV columns
are loaded as text, exactly as written; staging does all parsing. Every line of every CSV file is
accounted for: loaded, or rejected with its line number and a reason into `<schema>._load_rejects`; the
file-level counts are in `<schema>._load_files` (scripts/rawfiles/ says how they are proved). A file that
is not the table it is named after, a Parquet column of a type that cannot hold the contract's meaning,
or a table with more rejected lines than `--max-rejected-share` is refused: nothing is loaded and the
error names the file. Headers are matched after normalisation (`Account Id` -> account_id), with an
optional column map file. Exit codes: 0 loaded, 2 invalid command line, 5 unloadable data.

With --append (incremental nights, docs/operations.md) the directory holds the next export's new and
changed rows: they are added to the raw tables instead of replacing the schema, stamped with the load's
batch number in a `_load_batch` column, and their files' accounting is added to `_load_files` and
`_load_rejects`. Every load has a batch number (microseconds since the epoch, always above the last one);
the rows of a full load carry none (their batch is the lowest in `_load_files`, the load's epoch).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from scripts.contract import CRM_SOURCES, REQUIRED_TABLES, Table, load_contract, load_landed_shape
from scripts.profile import apply_settings, duckdb_settings
from scripts.rawfiles.csvfile import FIRST_LINES_REPORTED, AccountingError, Reject, check_accounting, load_csv
from scripts.rawfiles.headers import HeaderError, HeaderMatch, load_column_map, match_header
from scripts.rawfiles.parquet import ParquetTypeError, check_parquet
from scripts.rawfiles.paths import SUFFIXES, RawFileError, find_table_files
from scripts.rawfiles.scan import FileReadError, TextScan, read_bytes, scan_csv

log = logging.getLogger("load_raw")

__all__ = ["SUFFIXES", "LoadError", "LoadReport", "load_directory", "quote_identifier"]

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# on raw rows an --append load added: its batch number (no file column can be named so: headers are
# normalised, leading underscores dropped)
BATCH_COLUMN = "_load_batch"
DEFAULT_DATABASE = "warehouse/build.duckdb"
DEFAULT_SCHEMA = "raw"
DEFAULT_MAX_REJECTED_SHARE = 0.01
COLUMN_MAP_NAME = "column_map.yml"
FILES_TABLE = "_load_files"
REJECTS_TABLE = "_load_rejects"
EXIT_USAGE = 2
EXIT_UNLOADABLE = 5


class LoadError(Exception):
    """Raised when a raw directory cannot be loaded; the message names the file and the cause."""


@dataclass
class FileLoad:
    """The accounting of one file: records in it (independent count), loaded, rejected."""

    table: str
    file_name: str
    file_format: str
    records_in_file: int
    loaded: int
    rejected: int = 0
    data_lines: int | None = None
    rejected_lines: int = 0
    multiline_records: int = 0
    repairs: list[str] = field(default_factory=list)
    mapped_headers: dict[str, str] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)
    first_rejected_lines: list[int] = field(default_factory=list)

    @property
    def rejected_share(self) -> float:
        total = self.data_lines if self.data_lines is not None else self.loaded + self.rejected
        return self.rejected_lines / total if total else 0.0


@dataclass
class LoadReport:
    """What a load did: rows per table, file accounting, rejects, absent tables, repairs, ignored files."""

    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)
    added_columns: dict[str, list[str]] = field(default_factory=dict)
    transcoded: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    accounting: dict[str, FileLoad] = field(default_factory=dict)
    rejects: dict[str, list[Reject]] = field(default_factory=dict)
    load_batch: int | None = None
    appended: bool = False

    def rejects_summary(self) -> dict[str, dict[str, object]]:
        """Per table with rejects: count, rejected lines, share, first line numbers (for run records)."""
        return {
            t: {
                "file": a.file_name,
                "rejected_records": a.rejected,
                "rejected_lines": a.rejected_lines,
                "share": round(a.rejected_share, 6),
                "first_lines": a.first_rejected_lines,
            }
            for t, a in self.accounting.items()
            if a.rejected
        }


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


def quote_name(text: str) -> str:
    """Quote any column name as written in a file (a double quote inside is doubled)."""
    return '"' + text.replace('"', '""') + '"'


def _column_map(raw_dir: Path, column_map: Path | None, tables: set[str]) -> dict[str, dict[str, str]]:
    path = column_map or raw_dir / COLUMN_MAP_NAME
    if column_map is None and not path.exists():
        return {}
    try:
        mapping = load_column_map(path)
    except HeaderError as exc:
        raise LoadError(str(exc)) from exc
    unknown = sorted(set(mapping) - tables)
    if unknown:
        raise LoadError(f"column map {path}: unknown table(s) {', '.join(unknown)}")
    log.info("column map: %s", path)
    return mapping


def _load_csv_file(
    con: duckdb.DuckDBPyConnection, target: str, table: Table, path: Path, workdir: Path, mapping: dict
) -> tuple[FileLoad, HeaderMatch, list[Reject]]:
    try:
        scan: TextScan = scan_csv(read_bytes(path))
    except FileReadError as exc:
        raise LoadError(f"{path.name}: {exc}") from exc
    if not scan.header:
        raise LoadError(f"{path.name}: empty file or no header row")
    try:
        match = match_header(path.name, table, scan.header, mapping)
    except HeaderError as exc:
        raise LoadError(str(exc)) from exc
    source = path
    if scan.repairs or path.name.lower().endswith(".gz"):
        # DuckDB reads the repaired UTF-8 bytes the counts were made on
        source = workdir / f"{table.name}.csv"
        source.write_bytes(scan.data)
    try:
        load = load_csv(con, target, str(source), match.names, scan)
        check_accounting(path.name, scan, load)
    except duckdb.Error as exc:
        raise LoadError(f"{path.name}: cannot read ({exc})") from exc
    except AccountingError as exc:
        raise LoadError(str(exc)) from exc
    accounting = FileLoad(
        table=table.name,
        file_name=path.name,
        file_format="csv.gz" if path.name.lower().endswith(".gz") else "csv",
        records_in_file=scan.records,
        loaded=load.loaded,
        rejected=len(load.rejects),
        data_lines=scan.data_lines,
        rejected_lines=load.rejected_lines,
        multiline_records=scan.multiline_records,
        repairs=scan.repairs,
        mapped_headers=match.mapped,
        first_rejected_lines=[r.line for r in load.rejects[:FIRST_LINES_REPORTED]],
    )
    return accounting, match, load.rejects


def _load_parquet_file(
    con: duckdb.DuckDBPyConnection, target: str, table: Table, path: Path, mapping: dict
) -> tuple[FileLoad, HeaderMatch]:
    literal = quote_literal(str(path))
    source = f"read_parquet({literal})"
    try:
        written = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()]
        match = match_header(path.name, table, written, mapping)
        check = check_parquet(
            con, path.name, source, literal, table, dict(zip(written, match.names, strict=True))
        )
        select = ", ".join(
            f"{quote_name(w)} as {quote_name(n)}" for w, n in zip(written, match.names, strict=True)
        )
        con.execute(f"create table {target} as select {select} from {source}")
        loaded = con.execute(f"select count(*) from {target}").fetchone()[0]
    except duckdb.Error as exc:
        raise LoadError(f"{path.name}: cannot read ({exc})") from exc
    except (HeaderError, ParquetTypeError) as exc:
        raise LoadError(str(exc)) from exc
    if loaded != check.records:
        raise LoadError(f"{path.name}: {check.records} records in the file's footer, {loaded} loaded")
    if check.text_columns:
        log.warning(
            "%s: typed column(s) written as text: %s (staging parses each value or quarantines it)",
            path.name,
            ", ".join(check.text_columns),
        )
    accounting = FileLoad(
        table=table.name,
        file_name=path.name,
        file_format="parquet",
        records_in_file=check.records,
        loaded=loaded,
        mapped_headers=match.mapped,
        text_columns=check.text_columns,
    )
    return accounting, match


def load_directory(
    raw_dir: Path,
    database: Path,
    schema: str = DEFAULT_SCHEMA,
    *,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    column_map: Path | None = None,
    allow_outside_links: bool = False,
    crm_source: str = "contract",
    landed_schema: str | None = None,
    append: bool = False,
) -> LoadReport:
    """Replace `schema` in `database` with the contract tables found in `raw_dir`.

    With a CRM (`crm_source`, e.g. salesforce), files named after that CRM's landed objects (its adapter's
    sources file) go into `landed_schema` (default raw_<crm>), replaced in the same transaction, with the
    same accounting; files named after contract tables still go into `schema` (data the CRM lacks).
    With `append`, the files' rows are added to the tables of an earlier load instead (any subset of the
    contract tables; not with a CRM's landed objects)."""
    if not raw_dir.is_dir():
        raise LoadError(f"raw directory not found: {raw_dir}")
    if append and crm_source != "contract":
        raise LoadError("--append adds contract tables only: load a CRM's landed objects in full")
    if not 0 <= max_rejected_share <= 1:
        raise LoadError(f"the share of rejected lines must be between 0 and 1, got {max_rejected_share}")
    contract = load_contract()
    landed: dict[str, Table] = {}
    landed_sql = None
    if crm_source != "contract":
        if crm_source not in CRM_SOURCES:
            raise LoadError(f"unknown CRM source {crm_source!r}: expected contract, {', '.join(CRM_SOURCES)}")
        landed = load_landed_shape(crm_source)
        landed_sql = quote_identifier(landed_schema or f"raw_{crm_source}")
        if landed_sql == quote_identifier(schema):
            raise LoadError(f"the landed schema must differ from the raw schema {schema}")
    tables = {**landed, **contract}
    schema_sql = quote_identifier(schema)
    try:
        files, ignored = find_table_files(raw_dir, set(tables), allow_outside_links)
    except RawFileError as exc:
        raise LoadError(str(exc)) from exc
    required = [t for t, spec in landed.items() if spec.required] if landed else list(REQUIRED_TABLES)
    missing_required = [] if append else [t for t in required if t not in files]
    if append and not files:
        raise LoadError(f"{raw_dir} holds no file named after a contract table: nothing to append")
    if missing_required:
        kind = "landed" if landed else "contract"
        hint = f"; files matching no {kind} table: {', '.join(ignored)}" if ignored else ""
        raise LoadError(
            f"{raw_dir} lacks required table(s) {', '.join(missing_required)} "
            f"(expected files such as {missing_required[0]}.csv, .csv.gz or .parquet){hint}"
        )
    mapping = _column_map(raw_dir, column_map, set(tables))
    report = LoadReport(ignored_files=ignored, appended=append)
    report.absent = [] if append else [t for t in (landed or contract) if t not in files]
    database.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load_raw_") as tmp, duckdb.connect(str(database)) as con:
        apply_settings(con, duckdb_settings())  # the profile's memory limit
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin transaction")
        last_batch = _last_batch(con, schema)
        if append and last_batch is None:
            raise LoadError(
                f"--append: schema {schema} of {database} holds no earlier load of this loader to add to "
                "(run a full load first)"
            )
        report.load_batch = _next_batch(last_batch)
        if not append:
            for target_schema in (schema_sql, landed_sql):
                if target_schema is not None:
                    con.execute(f"drop schema if exists {target_schema} cascade")
                    con.execute(f"create schema {target_schema}")
        for table_name, path in files.items():
            table = tables[table_name]
            target_schema = landed_sql if table_name in landed else schema_sql
            final_target = f"{target_schema}.{quote_identifier(table_name)}"
            target = (
                f"{target_schema}.{quote_identifier('_append_' + table_name)}" if append else final_target
            )
            if path.name.lower().endswith(".parquet"):
                accounting, match = _load_parquet_file(con, target, table, path, mapping.get(table_name, {}))
                rejects: list[Reject] = []
            else:
                accounting, match, rejects = _load_csv_file(
                    con, target, table, path, Path(tmp), mapping.get(table_name, {})
                )
            for column in match.missing:
                con.execute(f"alter table {target} add column {quote_identifier(column)} varchar")
            if append:
                _append_rows(con, schema, table_name, path.name, report.load_batch)
            _log_file(accounting, match)
            if match.missing:
                report.added_columns[table_name] = match.missing
            if accounting.repairs:
                report.transcoded.append(path.name)
            report.rows[table_name] = accounting.loaded
            report.files[table_name] = path.name
            report.accounting[table_name] = accounting
            if rejects:
                report.rejects[table_name] = rejects
        _check_rejected_share(report, max_rejected_share)
        _write_accounting(con, schema_sql, report, [t for t in report.accounting if t in contract])
        if landed_sql is not None:
            _write_accounting(con, landed_sql, report, [t for t in report.accounting if t in landed])
        con.execute("commit")
    return report


def _last_batch(con: duckdb.DuckDBPyConnection, schema: str) -> int | None:
    """The highest batch number in `schema`._load_files, or None without an earlier load of this loader
    (no schema, no accounting, or accounting from before batches existed)."""
    found = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name = 'load_batch'",
        [schema, FILES_TABLE],
    ).fetchone()[0]
    if not found:
        return None
    return con.execute(
        f"select max(load_batch) from {quote_identifier(schema)}.{quote_identifier(FILES_TABLE)}"
    ).fetchone()[0]


def _next_batch(last: int | None) -> int:
    """A batch number above every earlier one: the time in microseconds, or the last batch + 1 when the
    clock is behind it. A full load's number is above the batches of the load it replaces, so an
    incremental model can tell its rows come from an earlier epoch."""
    now = time.time_ns() // 1000
    return now if last is None or now > last else last + 1


def _append_rows(
    con: duckdb.DuckDBPyConnection, schema: str, table_name: str, file_name: str, batch: int
) -> None:
    """Add the rows of a file loaded into `_append_<table>` to the table (created when absent), by column
    name, stamped with the batch; a column the earlier load did not have is added (NULL on its rows)."""
    staged = f"{quote_identifier(schema)}.{quote_identifier('_append_' + table_name)}"
    target = f"{quote_identifier(schema)}.{quote_identifier(table_name)}"
    stamped = f"select *, {int(batch)} as {BATCH_COLUMN} from {staged}"
    try:
        have = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table_name],
            ).fetchall()
        }
        if not have:
            con.execute(f"create table {target} as {stamped}")
        else:
            if BATCH_COLUMN not in have:
                con.execute(f"alter table {target} add column {BATCH_COLUMN} bigint")
            for name, data_type in con.execute(
                f"select column_name, column_type from (describe {staged})"
            ).fetchall():
                if name not in have:
                    con.execute(f"alter table {target} add column {quote_name(name)} {data_type}")
            con.execute(f"insert into {target} by name {stamped}")
        con.execute(f"drop table {staged}")
    except duckdb.Error as exc:
        raise LoadError(f"{file_name}: cannot add its rows to {schema}.{table_name} ({exc})") from exc


def _log_file(accounting: FileLoad, match: HeaderMatch) -> None:
    name = accounting.file_name
    for written, column in match.mapped.items():
        log.info("%s: column %r read as %s", name, written, column)
    if match.missing:
        log.warning("%s lacks contract column(s) %s: added as NULL", name, ", ".join(match.missing))
    for repair in accounting.repairs:
        log.warning("%s: %s", name, REPAIR_MESSAGES[repair])
    if accounting.rejected:
        log.warning(
            "%s: %d record(s) rejected (%d lines, %.2f %% of the data lines), first at line(s) %s; see %s.%s",
            name,
            accounting.rejected,
            accounting.rejected_lines,
            100 * accounting.rejected_share,
            ", ".join(map(str, accounting.first_rejected_lines)),
            "<raw schema>",
            REJECTS_TABLE,
        )


REPAIR_MESSAGES = {
    "utf16": "UTF-16 (byte-order mark) decoded to UTF-8",
    "invalid_utf8": "not valid UTF-8: undecodable bytes replaced with U+FFFD",
    "nul_bytes": "NUL bytes replaced with U+FFFD",
}


def _check_rejected_share(report: LoadReport, max_share: float) -> None:
    over = [a for a in report.accounting.values() if a.rejected and a.rejected_share > max_share]
    if over:
        details = "; ".join(
            f"{a.file_name}: {a.rejected} record(s) rejected, {a.rejected_lines} of {a.data_lines} lines "
            f"({100 * a.rejected_share:.2f} %), first at line(s) "
            f"{', '.join(map(str, a.first_rejected_lines))} ({report.rejects[a.table][0].reason}: "
            f"{report.rejects[a.table][0].detail})"
            for a in over
        )
        raise LoadError(
            f"too many rejected lines (more than {100 * max_share:g} % of a table; raise "
            f"raw_max_rejected_share to load anyway): {details}"
        )


def _write_accounting(
    con: duckdb.DuckDBPyConnection, schema_sql: str, report: LoadReport, tables: list[str]
) -> None:
    """`_load_files` (one row per file) and `_load_rejects` (one row per rejected record) of `tables`,
    created by a full load, added to by an --append load; each row carries the load's batch number."""
    if not report.appended:
        con.execute(
            f"create table {schema_sql}.{FILES_TABLE} (table_name varchar, file_name varchar, "
            "file_format varchar, records_in_file bigint, loaded_records bigint, rejected_records bigint, "
            "data_lines bigint, rejected_lines bigint, multiline_records bigint, repairs varchar, "
            "mapped_headers varchar, load_batch bigint)"
        )
    files = [
        (
            a.table,
            a.file_name,
            a.file_format,
            a.records_in_file,
            a.loaded,
            a.rejected,
            a.data_lines,
            a.rejected_lines,
            a.multiline_records,
            ", ".join(a.repairs) or None,
            ", ".join(f"{k} -> {v}" for k, v in a.mapped_headers.items()) or None,
            report.load_batch,
        )
        for a in report.accounting.values()
        if a.table in tables
    ]
    _insert(con, f"{schema_sql}.{FILES_TABLE}", files)
    if not report.appended:
        con.execute(
            f"create table {schema_sql}.{REJECTS_TABLE} (table_name varchar, file_name varchar, "
            "line_number bigint, lines bigint, reason varchar, detail varchar, raw_text varchar, "
            "load_batch bigint)"
        )
    rows = [
        (table, report.files[table], r.line, r.lines, r.reason, r.detail, r.raw_text, report.load_batch)
        for table, rejects in report.rejects.items()
        if table in tables
        for r in rejects
    ]
    _insert(con, f"{schema_sql}.{REJECTS_TABLE}", rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list) -> None:
    """Insert rows with one statement (executemany costs a round trip per row)."""
    if rows:
        width = len(rows[0])
        values = ", ".join("(" + ", ".join(["?"] * width) + ")" for _ in rows)
        con.execute(f"insert into {table} values {values}", [v for row in rows for v in row])


def default_database() -> Path:
    """The build database, as profiles.yml resolves it."""
    return Path(os.environ.get("SALES_KPIS_DUCKDB_PATH", DEFAULT_DATABASE))


def log_report(report: LoadReport, raw_dir: Path) -> None:
    """Log a short summary of a load."""
    total = sum(report.rows.values())
    verb = "Appended" if report.appended else "Loaded"
    log.info(
        "%s %d rows in %d tables from %s (batch %s)",
        verb,
        total,
        len(report.rows),
        raw_dir,
        report.load_batch,
    )
    for table, rows in report.rows.items():
        a = report.accounting[table]
        rejected = f", {a.rejected} rejected" if a.rejected else ""
        log.info("  %-28s %9d rows  (%s%s)", table, rows, report.files[table], rejected)
    if report.absent:
        log.info("Absent optional tables (read as empty): %s", ", ".join(report.absent))
    if report.ignored_files:
        log.warning("Ignored files that match no contract table: %s", ", ".join(report.ignored_files))


def share(text: str) -> float:
    """argparse type: a share of lines from 0 to 1."""
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1, got {text!r}")
    return value


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that loads raw files offers (loader, build_warehouse, pipeline)."""
    parser.add_argument(
        "--column-map",
        type=Path,
        help="YAML file {table: {header as written: contract column}} "
        f"(default: {COLUMN_MAP_NAME} in the raw directory, if there)",
    )
    parser.add_argument(
        "--max-rejected-share",
        type=share,
        default=None,
        help="refuse a table when more than this share of its lines is rejected (default: var "
        f"raw_max_rejected_share, {DEFAULT_MAX_REJECTED_SHARE})",
    )
    parser.add_argument(
        "--allow-outside-links",
        action="store_true",
        help="follow symbolic links that resolve outside the raw directory (refused by default)",
    )


def add_crm_options(parser: argparse.ArgumentParser) -> None:
    """Options for raw directories holding a CRM's landed tables (loader, pipeline)."""
    parser.add_argument(
        "--crm-source",
        choices=("contract", *CRM_SOURCES),
        default="contract",
        help="shape of the raw files: the contract's tables (default), or a CRM's landed objects "
        "(docs/crm_adapters.md); sets dbt var crm_source",
    )
    parser.add_argument(
        "--landed-schema",
        default=None,
        help="schema for a CRM's landed tables (default raw_<crm>); dbt var crm_landed_schema",
    )


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
    parser.add_argument(
        "--append",
        action="store_true",
        help="add the files' rows to the raw tables of an earlier load (the next export's new and changed "
        "rows) instead of replacing the schema; the incremental models then process only them",
    )
    add_load_options(parser)
    add_crm_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def check_database(path: Path) -> Path:
    """A DuckDB file path (never a connection string such as :memory: or md:)."""
    text = str(path)
    if path.suffix != ".duckdb" or ":" in path.name or any(ch in text for ch in "\x00\n\r"):
        raise LoadError(f"the database must be a .duckdb file path, got {text!r}")
    return path


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    try:
        quote_identifier(args.schema)
        if args.landed_schema is not None:
            quote_identifier(args.landed_schema)
        check_database(args.database or default_database())
    except LoadError as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    try:
        report = load_directory(
            args.raw_dir,
            args.database or default_database(),
            args.schema,
            max_rejected_share=DEFAULT_MAX_REJECTED_SHARE
            if args.max_rejected_share is None
            else args.max_rejected_share,
            column_map=args.column_map,
            allow_outside_links=args.allow_outside_links,
            crm_source=args.crm_source,
            landed_schema=args.landed_schema,
            append=args.append,
        )
    except LoadError as exc:
        log.error("%s", exc)
        return EXIT_UNLOADABLE
    log_report(report, args.raw_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
