"""scripts/load_raw.py: a directory of CSV / CSV.gz / Parquet files becomes the raw schema, nothing is lost.

Fast tests (no dbt): each builds a tiny raw directory in tmp_path and loads it into a fresh DuckDB file.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import duckdb
import pytest

from scripts.contract import load_contract
from scripts.load_raw import LoadError, load_directory, main, quote_identifier

CONTRACT = load_contract()

REPS = [
    {"rep_id": "R1", "full_name": "Budi Santoso", "role": "manager", "updated_at": "2025-01-01"},
    {"rep_id": "R2", "full_name": "Siti Rahayu", "role": "account_executive", "manager_rep_id": "R1"},
]
ACCOUNTS = [
    {"account_id": "A1", "account_name": "PT Maju Jaya", "owner_rep_id": "R2", "created_at": "2025-01-05"},
]
OPPORTUNITIES = [
    {
        "opportunity_id": "O1",
        "account_id": "A1",
        "owner_rep_id": "R2",
        "stage_name": "Prospecting",
        "amount": "150000000",
        "currency_code": "IDR",
        "created_at": "2025-02-01",
    },
]


def write_csv(path: Path, table: str, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write rows as a CSV with the contract's columns (or the given ones), gzipped when the name says so."""
    columns = columns or CONTRACT[table].column_names
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def write_required(raw_dir: Path) -> Path:
    raw_dir.mkdir(parents=True, exist_ok=True)
    write_csv(raw_dir / "sales_reps.csv", "sales_reps", REPS)
    write_csv(raw_dir / "accounts.csv", "accounts", ACCOUNTS)
    write_csv(raw_dir / "opportunities.csv", "opportunities", OPPORTUNITIES)
    return raw_dir


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def raw_tables(database: Path) -> set[str]:
    sql = "select table_name from information_schema.tables where table_schema = 'raw'"
    return {r[0] for r in query(database, sql)}


def raw_columns(database: Path, table: str) -> dict[str, str]:
    rows = query(
        database,
        f"select column_name, data_type from information_schema.columns "
        f"where table_schema = 'raw' and table_name = '{table}' order by ordinal_position",
    )
    return dict(rows)


def test_csv_directory_loads_every_row_as_text(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.rows == {"accounts": 1, "opportunities": 1, "sales_reps": 2}
    assert sorted(report.absent) == sorted(t for t in CONTRACT if t not in report.rows)
    assert len(report.absent) == 13
    columns = raw_columns(database, "opportunities")
    assert list(columns) == CONTRACT["opportunities"].column_names
    assert set(columns.values()) == {"VARCHAR"}
    # text exactly as written: the amount is not reformatted, empty fields are NULL
    assert query(database, "select amount, closed_at from raw.opportunities") == [("150000000", None)]


def test_parquet_directory_keeps_its_types(tmp_path: Path) -> None:
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    with duckdb.connect() as con:
        for table, rows in [("sales_reps", REPS), ("accounts", ACCOUNTS), ("opportunities", OPPORTUNITIES)]:
            columns = CONTRACT[table].column_names
            values = ", ".join(
                "(" + ", ".join("NULL" if r.get(c) is None else f"'{r[c]}'" for c in columns) + ")"
                for r in rows
            )
            con.execute(f"create table {table} as select * from (values {values}) as t({', '.join(columns)})")
        con.execute("alter table opportunities alter amount type decimal(18, 2)")
        con.execute("alter table opportunities alter created_at type timestamp")
        for table in ("sales_reps", "accounts", "opportunities"):
            con.execute(f"copy {table} to '{raw_dir / (table + '.parquet')}' (format parquet)")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.rows == {"accounts": 1, "opportunities": 1, "sales_reps": 2}
    assert report.files["opportunities"] == "opportunities.parquet"
    columns = raw_columns(database, "opportunities")
    assert columns["amount"] == "DECIMAL(18,2)"
    assert columns["created_at"] == "TIMESTAMP"


def test_gzipped_csv_loads(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "accounts.csv").unlink()
    write_csv(raw_dir / "accounts.csv.gz", "accounts", ACCOUNTS * 3)
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.files["accounts"] == "accounts.csv.gz"
    assert query(database, "select count(*) from raw.accounts") == [(3,)]


def test_missing_required_table_is_a_clear_error(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "opportunities.csv").unlink()
    (raw_dir / "deals.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"lacks required table\(s\) opportunities.*deals\.csv"):
        load_directory(raw_dir, tmp_path / "w.duckdb")
    # the CLI turns it into exit code 5 (unloadable data), not a traceback
    assert main(["--raw-dir", str(raw_dir), "--database", str(tmp_path / "w.duckdb")]) == 5


def test_unknown_files_are_ignored_and_reported(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "notes.txt").write_text("hello", encoding="utf-8")
    (raw_dir / "deals.csv").write_text("id\n1\n", encoding="utf-8")
    (raw_dir / "manifest.json").write_text("{}", encoding="utf-8")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.ignored_files == ["deals.csv", "notes.txt"]
    tables = raw_tables(database)
    assert tables == {"sales_reps", "accounts", "opportunities", "_load_files", "_load_rejects"}


def test_file_names_match_case_insensitively(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "accounts.csv").rename(raw_dir / "Accounts.CSV")
    report = load_directory(raw_dir, tmp_path / "w.duckdb")
    assert report.files["accounts"] == "Accounts.CSV"


def test_missing_contract_column_is_added_as_null(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    columns = [c for c in CONTRACT["accounts"].column_names if c not in ("segment", "is_deleted")]
    write_csv(raw_dir / "accounts.csv", "accounts", ACCOUNTS, columns=[*columns, "extra_column"])
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.added_columns == {"accounts": ["segment", "is_deleted"]}
    assert query(database, "select segment, is_deleted, account_name from raw.accounts") == [
        (None, None, "PT Maju Jaya")
    ]
    # extra columns are kept (staging ignores them)
    assert "extra_column" in raw_columns(database, "accounts")


def test_non_utf8_bytes_are_transcoded_not_dropped(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    header = ",".join(CONTRACT["accounts"].column_names).encode()
    latin1_row = b"A1,Caf\xe9 Nusantara,,,,,,R2,2025-01-05,,"
    plain_row = b"A2,PT Dua,,,,,,R2,2025-01-05,,"
    (raw_dir / "accounts.csv").write_bytes(header + b"\n" + latin1_row + b"\n" + plain_row + b"\n")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert report.transcoded == ["accounts.csv"]
    assert query(database, "select account_id, account_name from raw.accounts order by 1") == [
        ("A1", "Caf\ufffd Nusantara"),
        ("A2", "PT Dua"),
    ]


def test_byte_order_mark_does_not_hide_the_first_column(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    text = (raw_dir / "sales_reps.csv").read_text(encoding="utf-8")
    (raw_dir / "sales_reps.csv").write_text("\ufeff" + text, encoding="utf-8")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert "sales_reps" not in report.added_columns
    assert query(database, "select rep_id from raw.sales_reps order by 1") == [("R1",), ("R2",)]


def test_header_names_are_trimmed_and_lower_cased(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    columns = CONTRACT["sales_reps"].column_names
    shouted = [f" {c.upper()} " for c in columns]
    with (raw_dir / "sales_reps.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(shouted)
        writer.writerow(["R1", "Budi", *[""] * (len(columns) - 2)])
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database)
    assert "sales_reps" not in report.added_columns
    assert query(database, "select rep_id, full_name from raw.sales_reps") == [("R1", "Budi")]


def test_quotes_newlines_and_long_text_survive(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    long_name = "x" * 100_000
    rows = [
        {**ACCOUNTS[0], "account_name": 'PT "Kutip", Tbk\nbaris dua'},
        {**ACCOUNTS[0], "account_id": "A2", "account_name": long_name},
        {**ACCOUNTS[0], "account_id": "A3", "account_name": "<script>alert(1)</script>"},
    ]
    write_csv(raw_dir / "accounts.csv", "accounts", rows)
    database = tmp_path / "w.duckdb"
    load_directory(raw_dir, database)
    names = dict(query(database, "select account_id, account_name from raw.accounts"))
    assert names == {"A1": 'PT "Kutip", Tbk\nbaris dua', "A2": long_name, "A3": "<script>alert(1)</script>"}


def test_two_files_for_one_table_is_an_error(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    write_csv(raw_dir / "accounts.csv.gz", "accounts", ACCOUNTS)
    with pytest.raises(LoadError, match="two files for table accounts"):
        load_directory(raw_dir, tmp_path / "w.duckdb")


def test_empty_file_and_broken_gzip_are_clear_errors(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "contacts.csv").write_text("", encoding="utf-8")
    with pytest.raises(LoadError, match=r"contacts\.csv: empty file"):
        load_directory(raw_dir, tmp_path / "w.duckdb")
    (raw_dir / "contacts.csv").unlink()
    (raw_dir / "contacts.csv.gz").write_bytes(b"this is not gzip")
    with pytest.raises(LoadError, match=r"contacts\.csv\.gz: cannot read"):
        load_directory(raw_dir, tmp_path / "w.duckdb")


def test_duplicate_header_names_are_an_error(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    (raw_dir / "contacts.csv").write_text("contact_id,account_id,Contact_ID\n1,A1,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"contacts\.csv: two columns read as 'contact_id'"):
        load_directory(raw_dir, tmp_path / "w.duckdb")


@pytest.mark.parametrize("name", ["raw; drop table x", "Raw", "1raw", "", "r" * 64, 'raw"'])
def test_identifiers_are_validated(name: str) -> None:
    with pytest.raises(LoadError, match="not a valid identifier"):
        quote_identifier(name)


def test_bad_schema_name_is_rejected_before_touching_the_database(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    database = tmp_path / "w.duckdb"
    with pytest.raises(LoadError, match="not a valid identifier"):
        load_directory(raw_dir, database, schema="raw; drop schema main")
    assert not database.exists()


def test_a_reload_replaces_the_schema(tmp_path: Path) -> None:
    raw_dir = write_required(tmp_path / "raw")
    write_csv(raw_dir / "contacts.csv", "contacts", [{"contact_id": "C1", "account_id": "A1"}])
    database = tmp_path / "w.duckdb"
    load_directory(raw_dir, database)
    (raw_dir / "contacts.csv").unlink()
    report = load_directory(raw_dir, database)
    assert "contacts" in report.absent
    tables = raw_tables(database)
    assert "contacts" not in tables


def test_raw_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="raw directory not found"):
        load_directory(tmp_path / "nope", tmp_path / "w.duckdb")


def test_every_line_is_accounted_for_and_rejects_carry_editor_line_numbers(tmp_path: Path) -> None:
    """Blank lines are not records; a quoted newline continues a record; DuckDB numbers a multi-line record
    as one line, the rejects table as an editor does (physical lines, header = 1)."""
    raw_dir = write_required(tmp_path / "raw")
    header = ",".join(CONTRACT["sales_reps"].column_names)
    filler = "," * (len(CONTRACT["sales_reps"].column_names) - 2)
    lines = [
        header,  # 1
        f"R1,Budi{filler}",  # 2
        "",  # 3 blank
        f'R2,"Siti\nRahayu\nMulti"{filler}',  # 4-6: one record over three lines
        "",  # 7 blank
        "R3,Too,few",  # 8: too few fields
        f"R4,Dewi{filler}",  # 9
        f'R5,"Eko\nDua"{filler},extra',  # 10-11: too many fields, two lines
        f"R6,Fajar{filler}",  # 12
    ]
    (raw_dir / "sales_reps.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    database = tmp_path / "w.duckdb"
    report = load_directory(raw_dir, database, max_rejected_share=0.5)
    accounting = report.accounting["sales_reps"]
    assert (accounting.records_in_file, accounting.loaded, accounting.rejected) == (6, 4, 2)
    assert (accounting.data_lines, accounting.rejected_lines) == (9, 3)  # 12 lines - header - 2 blank
    assert [(r.line, r.reason, r.lines) for r in report.rejects["sales_reps"]] == [
        (8, "too_few_fields", 1),
        (10, "too_many_fields", 2),
    ]
    stored = query(database, "select line_number, raw_text from raw._load_rejects order by 1")
    assert stored == [(8, "R3,Too,few"), (10, f'R5,"Eko\nDua"{filler},extra')]
    files = query(
        database,
        "select records_in_file, loaded_records, rejected_records from raw._load_files "
        "where table_name = 'sales_reps'",
    )
    assert files == [(6, 4, 2)]
    # the default threshold (1 % of the lines) refuses this file, naming it and the first lines
    with pytest.raises(
        LoadError, match=r"sales_reps\.csv: 2 record\(s\) rejected, 3 of 9 lines .*line\(s\) 8, 10"
    ):
        load_directory(raw_dir, database)


# ---- --append: the next export's rows are added, with their batch ------------------------------------


def test_an_append_adds_rows_with_their_batch_and_their_files_accounting(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    full = load_directory(write_required(tmp_path / "raw"), database)
    night = tmp_path / "night2"
    night.mkdir()
    # an updated account (same id, later updated_at) and a new one; contacts were not in the full load
    write_csv(
        night / "accounts.csv",
        "accounts",
        [
            {"account_id": "A1", "account_name": "PT Maju Jaya Tbk", "updated_at": "2025-03-01"},
            {"account_id": "A2", "account_name": "CV Baru"},
        ],
    )
    write_csv(night / "contacts.csv", "contacts", [{"contact_id": "C1", "account_id": "A2"}])
    report = load_directory(night, database, append=True)
    assert report.appended and report.absent == []
    assert full.load_batch is not None and report.load_batch is not None
    assert report.load_batch > full.load_batch
    # the full load's rows carry no batch (theirs is the lowest in _load_files), the new ones theirs
    assert query(database, "select account_id, account_name, _load_batch from raw.accounts order by all") == [
        ("A1", "PT Maju Jaya", None),
        ("A1", "PT Maju Jaya Tbk", report.load_batch),
        ("A2", "CV Baru", report.load_batch),
    ]
    assert query(database, "select contact_id, _load_batch from raw.contacts") == [("C1", report.load_batch)]
    # untouched tables stay as they were
    assert len(query(database, "select * from raw.sales_reps")) == len(REPS)
    assert "_load_batch" not in raw_columns(database, "sales_reps")
    files = query(
        database,
        "select table_name, records_in_file, loaded_records, load_batch from raw._load_files order by 4, 1",
    )
    assert files == [
        ("accounts", 1, 1, full.load_batch),
        ("opportunities", 1, 1, full.load_batch),
        ("sales_reps", 2, 2, full.load_batch),
        ("accounts", 2, 2, report.load_batch),
        ("contacts", 1, 1, report.load_batch),
    ]


def test_an_append_needs_an_earlier_load_and_a_contract_file(tmp_path: Path) -> None:
    night = tmp_path / "night2"
    night.mkdir()
    write_csv(night / "accounts.csv", "accounts", ACCOUNTS)
    database = tmp_path / "w.duckdb"
    with pytest.raises(LoadError, match="no earlier load of this loader to add to"):
        load_directory(night, database, append=True)
    assert raw_tables(database) == set()  # nothing written
    load_directory(write_required(tmp_path / "raw"), database)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LoadError, match="nothing to append"):
        load_directory(empty, database, append=True)


def test_a_full_load_after_appends_starts_a_new_epoch(tmp_path: Path) -> None:
    """A full load replaces the appended rows and gets a batch above every earlier one (the incremental
    models tell from it that their rows are from tables since replaced)."""
    database = tmp_path / "w.duckdb"
    raw_dir = write_required(tmp_path / "raw")
    load_directory(raw_dir, database)
    night = tmp_path / "night2"
    night.mkdir()
    write_csv(night / "accounts.csv", "accounts", [{"account_id": "A9"}])
    appended = load_directory(night, database, append=True)
    again = load_directory(raw_dir, database)
    assert again.load_batch is not None and appended.load_batch is not None
    assert again.load_batch > appended.load_batch
    assert query(database, "select account_id from raw.accounts") == [("A1",)]
    assert query(database, "select distinct load_batch from raw._load_files") == [(again.load_batch,)]


def test_a_file_cannot_write_the_batch_column(tmp_path: Path) -> None:
    """Headers are normalised (leading underscores dropped), so a file's `_load_batch` lands as an extra
    column `load_batch` and never poses as the loader's batch."""
    database = tmp_path / "w.duckdb"
    load_directory(write_required(tmp_path / "raw"), database)
    night = tmp_path / "night2"
    night.mkdir()
    columns = [*CONTRACT["accounts"].column_names, "_load_batch"]
    write_csv(night / "accounts.csv", "accounts", [{"account_id": "A2", "_load_batch": "7"}], columns)
    report = load_directory(night, database, append=True)
    assert query(database, "select load_batch, _load_batch from raw.accounts where account_id = 'A2'") == [
        ("7", report.load_batch)
    ]


def test_an_appended_file_with_a_new_column_adds_it(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    load_directory(write_required(tmp_path / "raw"), database)
    night = tmp_path / "night2"
    night.mkdir()
    columns = [*CONTRACT["accounts"].column_names, "sales_area"]
    write_csv(night / "accounts.csv", "accounts", [{"account_id": "A2", "sales_area": "Jawa"}], columns)
    load_directory(night, database, append=True)
    assert query(database, "select account_id, sales_area from raw.accounts order by 1") == [
        ("A1", None),
        ("A2", "Jawa"),
    ]
