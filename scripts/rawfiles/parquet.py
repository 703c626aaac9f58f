"""Checking a Parquet file's column types against the contract.

Parquet columns keep their types (staging reads each value through its text form). A type that can hold
the contract's meaning is accepted as it is; one that cannot is refused with the column, its type and
what to write instead. The rule, per contract type:

  varchar           text, integers, decimals, booleans, dates, timestamps (read as their text);
                    refused: floats (an id or code stored as a float has lost digits), binary, nested
  decimal, integer  numbers; text (staging parses it: locale, currency markers);
                    refused: booleans, dates, timestamps, binary, nested
  timestamp         TIMESTAMP (wall-clock time in `raw_timezone`), TIMESTAMP WITH TIME ZONE (an instant),
                    DATE, text; refused: numbers (epoch seconds, milli- or microseconds? the unit would be
                    a guess), binary, nested
  date              DATE, timestamps (their date as written), text; refused: numbers, binary, nested
  boolean           BOOLEAN, integers (0/1), text; refused: floats, dates, timestamps, binary, nested

A text column in a typed place is reported (`text_columns`): staging parses or quarantines each value.
The number of records is read from the file's footer (metadata written with the file, not the scan).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from scripts.contract import Table

INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER"}
INTEGERS |= {"UBIGINT", "UHUGEINT"}
FLOATS = {"FLOAT", "DOUBLE", "REAL"}
TEXT = {"VARCHAR"}
DATES = {"DATE"}
TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}


class ParquetTypeError(Exception):
    """A contract column has a type that cannot hold its meaning."""


@dataclass
class ParquetCheck:
    records: int
    text_columns: list[str] = field(default_factory=list)


def _base(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    return "DECIMAL" if t.startswith("DECIMAL") else t


def accepted(contract_type: str, duckdb_type: str) -> bool:
    t, base = contract_type.lower(), _base(duckdb_type)
    if base in ('"NULL"', "NULL"):
        return True  # a column with no value at all
    numbers = INTEGERS | FLOATS | {"DECIMAL"}
    if t == "varchar":
        return base in TEXT | INTEGERS | {"DECIMAL", "BOOLEAN", "UUID"} | DATES | TIMESTAMPS
    if t.startswith("decimal") or t == "integer":
        return base in numbers | TEXT
    if t == "timestamp" or t == "date":
        return base in TEXT | DATES | TIMESTAMPS
    if t == "boolean":
        return base in TEXT | INTEGERS | {"BOOLEAN"}
    return base in TEXT


def check_parquet(
    con: duckdb.DuckDBPyConnection,
    file_name: str,
    source_sql: str,
    path_literal: str,
    table: Table,
    names: dict,
) -> ParquetCheck:
    """Refuse contract columns of the wrong type; count records from the footer.

    `names` maps the file's column names to the loaded names (contract columns after header matching).
    """
    described = con.execute(f"describe select * from {source_sql}").fetchall()
    types = {row[0]: str(row[1]) for row in described}
    problems, text_columns = [], []
    for written, name in names.items():
        if name not in table.column_names:
            continue
        contract_type = table.column(name).data_type
        duckdb_type = types[written]
        if not accepted(contract_type, duckdb_type):
            problems.append(f"{name} is {duckdb_type}, the contract says {contract_type}")
        elif _base(duckdb_type) in TEXT and contract_type != "varchar":
            text_columns.append(name)
    if problems:
        raise ParquetTypeError(
            f"{file_name}: column types that cannot hold the contract's meaning: {'; '.join(problems)}. "
            "Write timestamps as TIMESTAMP (or ISO 8601 text), numbers as numbers or text, ids as text "
            "(docs/raw_contract.md, Files)"
        )
    records = con.execute(
        f"select coalesce(sum(num_rows), 0) from parquet_file_metadata({path_literal})"
    ).fetchone()[0]
    return ParquetCheck(records=int(records), text_columns=text_columns)
