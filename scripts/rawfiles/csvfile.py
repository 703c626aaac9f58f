"""Loading one CSV file with DuckDB's reject machinery, and proving that every line is accounted for.

DuckDB reads the file strictly (RFC 4180: comma, double quotes, a doubled quote inside quotes; every
record must have the header's number of fields) with `store_rejects`: a record it cannot read (too many
or too few fields, an unterminated quote, a line over MAX_LINE_BYTES) is skipped and listed in its rejects
table with its line number, error type and raw text. The loader then checks the result against the
independent count of scripts/rawfiles/scan.py:

    lines      every data line of the file is in a loaded record or in a rejected one:
               data lines = loaded records + newlines inside loaded values + lines of rejected records
    records    records by quote parity = loaded records + rejected records

A file that fails either check is refused: when they disagree, a quote opened on one line and closed
lines later has made the record boundaries ambiguous, and no count can be trusted. The share of rejected
data is measured in lines, so one runaway quote that swallows 500 lines counts as 500, not as one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from scripts.rawfiles.scan import TextScan

MAX_LINE_BYTES = 16 * 1024 * 1024
RAW_TEXT_CHARS = 1000
FIRST_LINES_REPORTED = 10
# DuckDB's error types -> the reason codes of raw._load_rejects
REASONS = {
    "TOO MANY COLUMNS": "too_many_fields",
    "MISSING COLUMNS": "too_few_fields",
    "UNQUOTED VALUE": "unterminated_quote",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "CAST": "cast_error",
}


class AccountingError(Exception):
    """The loaded and rejected records do not account for every line of the file."""


@dataclass
class Reject:
    """One record DuckDB could not load."""

    line: int
    reason: str
    detail: str
    raw_text: str
    lines: int


@dataclass
class CsvLoad:
    """The outcome of loading one CSV file."""

    loaded: int = 0
    loaded_lines: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected_lines(self) -> int:
        return sum(r.lines for r in self.rejects)


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def csv_reader(path: str, names: list[str]) -> str:
    """The read_csv call: every column text, strict, rejects stored in temp tables."""
    columns = "{" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"read_csv({quote_literal(path)}, header = true, delim = ',', quote = '\"', escape = '\"', "
        "auto_detect = false, strict_mode = true, null_padding = false, "
        f"max_line_size = {MAX_LINE_BYTES}, store_rejects = true, rejects_table = '_load_reject_errors', "
        f"rejects_scan = '_load_reject_scans', columns = {columns})"
    )


def load_csv(
    con: duckdb.DuckDBPyConnection, target: str, path: str, names: list[str], scan: TextScan
) -> CsvLoad:
    """CREATE TABLE target AS the file's records; return loaded counts and rejected records."""
    con.execute(f"create table {target} as select * from {csv_reader(path, names)}")
    loaded, rejected = con.execute(
        f"select (select count(*) from {target}), (select count(*) from temp._load_reject_errors)"
    ).fetchone()
    result = CsvLoad(loaded=loaded, loaded_lines=loaded)
    if scan.multiline_records or rejected or loaded != scan.data_lines:
        # newlines inside loaded values (without quoted newlines or rejects, loaded = data lines proves
        # that every record is one line, and this scan of every value is not needed)
        newlines = " + ".join(
            f'coalesce(length("{n}") - length(replace("{n}", chr(10), \'\')), 0)' for n in names
        )
        embedded = con.execute(f"select coalesce(sum({newlines}), 0) from {target}").fetchone()[0]
        result.loaded_lines += int(embedded)
    if not rejected:
        return result
    rows = con.execute(
        "select line, first(error_type order by byte_position), first(error_message order by byte_position), "
        "first(csv_line order by byte_position) from temp._load_reject_errors group by line order by line"
    ).fetchall()
    con.execute("delete from temp._load_reject_errors")
    for line, error_type, message, csv_line in rows:
        # DuckDB's raw text of a record starts with the blank lines before it (counted as blank already)
        text = (csv_line or "").lstrip("\r\n").rstrip("\r\n")
        result.rejects.append(
            Reject(
                line=scan.physical_line(int(line)),
                reason=REASONS.get(str(error_type), str(error_type).lower().replace(" ", "_")),
                detail=str(message or ""),
                raw_text=text[:RAW_TEXT_CHARS],
                lines=text.count("\n") + 1,
            )
        )
    return result


def check_accounting(file_name: str, scan: TextScan, load: CsvLoad) -> None:
    """Refuse the file unless loaded and rejected records cover every data line (and every record)."""
    accounted = load.loaded_lines + load.rejected_lines
    if accounted != scan.data_lines:
        cause = (
            f"; the first rejected record starts at line {load.rejects[0].line} ({load.rejects[0].reason}): "
            "a quote that never closes swallows the lines after it"
            if load.rejects
            else " (line endings other than \\n or \\r\\n?)"
        )
        raise AccountingError(
            f"{file_name}: {scan.data_lines} data lines in the file, but {load.loaded_lines} in loaded "
            f"records and {load.rejected_lines} in rejected ones: {scan.data_lines - accounted} lines "
            f"unaccounted for{cause}"
        )
    if scan.records != load.loaded + len(load.rejects):
        first = f", the first rejected at line {load.rejects[0].line}" if load.rejects else ""
        raise AccountingError(
            f"{file_name}: {scan.records} records in the file by quote parity, but {load.loaded} loaded and "
            f"{len(load.rejects)} rejected{first}: a quote opened on one line and closed on another makes "
            "the record boundaries ambiguous; fix the file's quoting"
        )
