"""The damaged-file catalog end to end (tests/python/damaged_files.py lists every kind and its outcome).

Refused kinds: one loader-only test each, on a copy of a small generated data set with one file damaged;
the load must fail with a message naming the file, and the pipeline must exit with code 5 (unloadable
data), never 4 (stale sources). Loaded kinds: all in one damaged data set, built with dbt concurrently with
its reference (the same data repaired, or without the rejected records); every record of every file must be
accounted for (file records = loaded + rejected; loaded = staged + superseded + soft-deleted +
quarantined) and every mart (dim_, fct_, kpi_) must be identical in both.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from damaged_files import LONG_NAME, TABLE_FORMATS, Expected, build_damaged, read_rows, write
from dbt_scenario import SCENARIO_DB, run_scenario_dbt

from scripts.contract import PROJECT_ROOT, load_contract
from scripts.dbt_cli import DbtResult
from scripts.load_raw import LoadError, LoadReport, load_directory

AS_OF = "2026-11-15"
SMALL = ["--reps", "12", "--accounts", "80", "--leads", "200", "--months", "6", "--end-date", AS_OF]
CONTRACT = load_contract()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("damaged_files") / "clean"
    subprocess.run(
        [sys.executable, "-m", "scripts.generate_sample_data", "--out", str(out), "--clean", *SMALL],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture
def raw(clean: Path, tmp_path: Path) -> Path:
    """A fresh copy of the clean data set to damage."""
    return Path(shutil.copytree(clean, tmp_path / "raw"))


def refused(raw: Path, tmp_path: Path, file_name: str, pattern: str, **options: object) -> str:
    with pytest.raises(LoadError, match=pattern) as info:
        load_directory(raw, tmp_path / "w.duckdb", **options)
    assert file_name in str(info.value)
    return str(info.value)


def stray_quote(raw: Path, table: str, record: int) -> None:
    _header, _rows = read_rows(raw, table)
    text = (raw / f"{table}.csv").read_text(encoding="utf-8").split("\n")
    fields = text[record + 1].split(",")
    fields[1] = '"' + fields[1]
    text[record + 1] = ",".join(fields)
    (raw / f"{table}.csv").write_text("\n".join(text), encoding="utf-8")


# ----- refused kinds ----------------------------------------------------------------------------------
def test_stray_quote_at_start_is_refused(raw: Path, tmp_path: Path) -> None:
    stray_quote(raw, "email_events", 0)
    refused(raw, tmp_path, "email_events.csv", "too many rejected lines|ambiguous|unaccounted")


def test_stray_quote_in_middle_is_refused(raw: Path, tmp_path: Path) -> None:
    stray_quote(raw, "activities", 250)
    message = refused(raw, tmp_path, "activities.csv", "too many rejected lines|ambiguous|unaccounted")
    assert "252" in message  # the line where the quote opens: header + 250 records + 1


def test_semicolon_delimited_file_is_refused(raw: Path, tmp_path: Path) -> None:
    header, rows = read_rows(raw, "accounts")
    (raw / "accounts.csv").write_text(
        "\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8"
    )
    message = refused(raw, tmp_path, "accounts.csv", "does not look like the accounts table")
    assert "semicolon" in message and "account_id" in message  # names what it found and expected


def test_utf16_without_byte_order_mark_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "contacts.csv").write_bytes((raw / "contacts.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    message = refused(raw, tmp_path, "contacts.csv", "does not look like the contacts table")
    assert "UTF-16" in message


def test_zero_byte_file_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "leads.csv").write_bytes(b"")
    refused(raw, tmp_path, "leads.csv", "empty file")


def test_duplicate_contract_header_is_refused(raw: Path, tmp_path: Path) -> None:
    header, rows = read_rows(raw, "accounts")
    write(raw / "accounts.csv", [*header, "Account Name"], [[*r, "PT Lain"] for r in rows])
    refused(raw, tmp_path, "accounts.csv", "two columns read as 'account_name'")


def test_wrong_table_under_a_contract_name_is_refused(raw: Path, tmp_path: Path) -> None:
    shutil.copyfile(raw / "leads.csv", raw / "accounts.csv")
    message = refused(raw, tmp_path, "accounts.csv", "does not look like the accounts table")
    assert "lead_id" in message and "key column(s) ['account_id'] missing" in message


def test_symlink_to_a_system_file_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "products.csv").unlink()
    (raw / "products.csv").symlink_to("/etc/passwd")
    refused(raw, tmp_path, "products.csv", "outside the raw directory")
    # allowed to leave the directory, the file is still not a products table
    refused(raw, tmp_path, "products.csv", "does not look like the products table", allow_outside_links=True)


def test_dangling_symlink_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "products.csv").unlink()
    (raw / "products.csv").symlink_to(raw / "nowhere.csv")
    refused(raw, tmp_path, "products.csv", "cannot be read")


def test_a_link_inside_the_raw_directory_is_followed(raw: Path, tmp_path: Path) -> None:
    (raw / "exports").mkdir()
    (raw / "products.csv").rename(raw / "exports" / "products_2026.csv")
    (raw / "products.csv").symlink_to(raw / "exports" / "products_2026.csv")
    report = load_directory(raw, tmp_path / "w.duckdb")
    assert report.rows["products"] == len(read_rows(raw / "exports", "products_2026")[1])


def test_parquet_epoch_timestamp_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "opportunities.csv").unlink()
    with duckdb.connect() as con:
        con.execute(
            "copy (select 'O1' as opportunity_id, 'A1' as account_id, 'R1' as owner_rep_id, 'Deal' as "
            "opportunity_name, 'Prospecting' as stage_name, 1767225600::bigint as created_at, "
            "'100' as amount, 'IDR' as currency_code, false as is_closed, 1767225600::bigint as updated_at) "
            f"to '{raw / 'opportunities.parquet'}' (format parquet)"
        )
    message = refused(raw, tmp_path, "opportunities.parquet", "cannot hold the contract's meaning")
    assert "created_at is BIGINT" in message


def test_parquet_float_id_is_refused(raw: Path, tmp_path: Path) -> None:
    (raw / "accounts.csv").unlink()
    with duckdb.connect() as con:
        con.execute(
            "copy (select 12345.0::double as account_id, 'PT A' as account_name, 'R1' as owner_rep_id, "
            "'2026-01-01' as created_at, '2026-01-01' as updated_at, false as is_deleted, 'smb' as segment) "
            f"to '{raw / 'accounts.parquet'}' (format parquet)"
        )
    refused(raw, tmp_path, "accounts.parquet", "account_id is DOUBLE")


def test_truncated_gzip_is_refused(raw: Path, tmp_path: Path) -> None:
    data = gzip.compress((raw / "activities.csv").read_bytes())
    (raw / "activities.csv").unlink()
    (raw / "activities.csv.gz").write_bytes(data[: len(data) // 2])
    refused(raw, tmp_path, "activities.csv.gz", "cannot read")


def test_unrecognisable_headers_are_refused_and_a_column_map_reads_them(raw: Path, tmp_path: Path) -> None:
    header, rows = read_rows(raw, "order_lines")
    local = {"order_line_id": "Kode Baris", "order_id": "Kode Pesanan", "product_id": "Kode Produk"}
    local |= {"quantity": "Jumlah", "unit_price": "Harga Satuan"}
    write(raw / "order_lines.csv", [local.get(h, h) for h in header], rows)
    refused(raw, tmp_path, "order_lines.csv", "does not look like the order_lines table")
    column_map = tmp_path / "map.yml"
    column_map.write_text(
        "order_lines:\n" + "".join(f"  {v}: {k}\n" for k, v in local.items()), encoding="utf-8"
    )
    report = load_directory(raw, tmp_path / "w.duckdb", column_map=column_map)
    assert report.accounting["order_lines"].mapped_headers == {v: k for k, v in local.items()}
    assert report.rows["order_lines"] == len(rows)


def test_too_many_rejected_lines_are_refused_unless_the_threshold_allows(raw: Path, tmp_path: Path) -> None:
    _header, rows = read_rows(raw, "email_events")
    lines = (raw / "email_events.csv").read_text(encoding="utf-8").split("\n")
    broken = list(range(10, 10 + len(rows) // 20))  # 5 % of the records get an extra field
    for i in broken:
        lines[i] += ",extra"
    (raw / "email_events.csv").write_text("\n".join(lines), encoding="utf-8")
    message = refused(raw, tmp_path, "email_events.csv", "too many rejected lines")
    assert f"{len(broken)} record(s) rejected" in message and "first at line(s) 11, 12, 13" in message
    report = load_directory(raw, tmp_path / "w.duckdb", max_rejected_share=0.1)
    assert report.accounting["email_events"].rejected == len(broken)
    assert report.rows["email_events"] == len(rows) - len(broken)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        stored = con.execute(
            "select line_number, reason, raw_text from raw._load_rejects order by line_number"
        ).fetchall()
    assert [r[0] for r in stored] == [i + 1 for i in broken]
    assert {r[1] for r in stored} == {"too_many_fields"}
    assert stored[0][2] == lines[10]


def test_a_record_over_the_maximum_line_size_is_rejected(raw: Path, tmp_path: Path) -> None:
    header, rows = read_rows(raw, "activities")
    rows[5][header.index("outcome")] = "x" * (17 * 1024 * 1024)
    write(raw / "activities.csv", header, rows)
    report = load_directory(raw, tmp_path / "w.duckdb")
    rejects = report.rejects["activities"]
    assert [(r.line, r.reason) for r in rejects] == [(7, "line_too_long")]
    assert len(rejects[0].raw_text) == 1000  # truncated in the rejects table
    assert report.rows["activities"] == len(rows) - 1


def test_the_pipeline_exits_5_naming_the_file_never_4(raw: Path, tmp_path: Path) -> None:
    shutil.copyfile(raw / "leads.csv", raw / "accounts.csv")
    env = {
        **os.environ,
        "SALES_KPIS_DUCKDB_PATH": str(tmp_path / "build.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(tmp_path / "serving" / "sales_kpis.duckdb"),
        "SALES_KPIS_STATE_DIR": str(tmp_path / "state"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", "run", "--raw-dir", str(raw), "-q"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 5, result.stderr
    assert "accounts.csv does not look like the accounts table" in result.stderr
    assert "stale" not in result.stderr


# ----- loaded kinds: one damaged data set and its reference, built with dbt -----------------------------
@dataclass
class Build:
    database: Path
    load: LoadReport
    dbt: DbtResult

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql).fetchall()


def dbt_build(raw_dir: Path, workdir: Path, dbt_vars: dict[str, object]) -> Build:
    database = workdir / SCENARIO_DB
    load = load_directory(raw_dir, database)
    # seeds and models only: the checks are the assertions below (data tests run in make dbt-test)
    result = run_scenario_dbt(
        workdir,
        ["build", "--resource-type", "seed", "--resource-type", "model"],
        {"as_of_date": AS_OF, **dbt_vars},
        {"SALES_KPIS_THREADS": "2"},
        share_parse=not dbt_vars,  # the reference build shares the staging and catalog tests' parse
    )
    return Build(database, load, result)


@pytest.fixture(scope="module")
def builds(clean: Path) -> tuple[dict[str, Expected], Build, Build]:
    root = clean.parent
    expected = build_damaged(clean, root / "damaged", root / "reference")
    with ThreadPoolExecutor(max_workers=2) as pool:
        damaged = pool.submit(
            dbt_build, root / "damaged", root / "damaged_build", {"raw_table_formats": TABLE_FORMATS}
        )
        reference = pool.submit(dbt_build, root / "reference", root / "reference_build", {})
        return expected, damaged.result(), reference.result()


@pytest.mark.slow
def test_both_builds_pass(builds: tuple[dict[str, Expected], Build, Build]) -> None:
    _, damaged, reference = builds
    assert damaged.dbt.ok, damaged.dbt.failures
    assert reference.dbt.ok, reference.dbt.failures


@pytest.mark.slow
def test_the_loader_reports_each_damage(builds: tuple[dict[str, Expected], Build, Build]) -> None:
    expected, damaged, _ = builds
    for table, want in expected.items():
        accounting = damaged.load.accounting[table]
        got = [(r.line, r.reason) for r in damaged.load.rejects.get(table, [])]
        assert got == list(zip(want.rejected_lines, want.reasons, strict=True)), table
        assert accounting.repairs == want.repairs, table
        assert accounting.mapped_headers == want.mapped, table
    assert damaged.load.rows["subscriptions"] == 0
    assert damaged.load.files["currency_rates"] == "currency_rates.csv.gz"
    assert damaged.load.accounting["sales_reps"].data_lines == damaged.load.rows["sales_reps"]
    assert damaged.load.accounting["order_lines"].mapped_headers == {"Kode Baris": "order_line_id"}
    rejected = damaged.query("select table_name, line_number, reason from intermediate.int_raw_rows_rejected")
    assert sorted(rejected) == sorted(
        (t, line, reason)
        for t, want in expected.items()
        for line, reason in zip(want.rejected_lines, want.reasons, strict=True)
    )


@pytest.mark.slow
def test_every_record_of_every_file_is_accounted_for(
    builds: tuple[dict[str, Expected], Build, Build],
) -> None:
    _, damaged, reference = builds
    for build in (damaged, reference):
        rows = build.query(
            "select table_name, file_records, rejected_at_load_rows, raw_rows, "
            "staged_rows + superseded_rows + soft_deleted_rows + quarantined_rows "
            "from intermediate.int_raw_rows_accounted"
        )
        assert len(rows) == len(CONTRACT)
        for table, file_records, rejected, loaded, accounted in rows:
            accounting = build.load.accounting[table]
            assert file_records == accounting.records_in_file == loaded + rejected, table
            assert loaded == accounted == build.load.rows[table], table
    # the damaged set rejected exactly what the reference leaves out
    for table in ("activities", "leads", "email_events"):
        assert damaged.load.rows[table] == reference.load.rows[table], table
        assert damaged.load.accounting[table].records_in_file == reference.load.rows[table] + 1, table


@pytest.mark.slow
def test_repaired_values_arrive_as_in_the_reference(builds: tuple[dict[str, Expected], Build, Build]) -> None:
    _, damaged, reference = builds
    for build in (damaged, reference):
        names = build.query(
            "select company_name from staging.stg_crm__leads where length(company_name) > 1000"
        )
        assert names == [(LONG_NAME.strip(),)]
    opportunities = "select opportunity_id, amount, created_at, closed_at, expected_close_date from "
    opportunities += "staging.stg_crm__opportunities order by 1"
    assert damaged.query(opportunities) == reference.query(opportunities)
    spend = "select spend_date, channel, amount, currency_code from staging.stg_crm__marketing_spend "
    spend += "order by 1, 2, 3"
    assert damaged.query(spend) == reference.query(spend)
    assert damaged.query("select count(*) from intermediate.int_raw_rows_quarantined") == [(0,)]


def marts_relations(build: Build) -> list[str]:
    rows = build.query(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and regexp_matches(table_name, '^(dim|fct|kpi)_') order by 1"
    )
    return [r[0] for r in rows]


@pytest.mark.slow
def test_marts_are_identical_to_the_reference(builds: tuple[dict[str, Expected], Build, Build]) -> None:
    _, damaged, reference = builds
    relations = marts_relations(damaged)
    assert relations == marts_relations(reference)
    assert sum(r.startswith("kpi_") for r in relations) >= 15
    differences = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{damaged.database}' as damaged (read_only)")
        con.execute(f"attach '{reference.database}' as reference (read_only)")
        for relation in relations:
            left, right = f"damaged.marts.{relation}", f"reference.marts.{relation}"
            only_left = con.execute(f"select count(*) from (from {left} except all from {right})").fetchone()[
                0
            ]
            only_right = con.execute(
                f"select count(*) from (from {right} except all from {left})"
            ).fetchone()[0]
            if only_left or only_right:
                differences[relation] = (only_left, only_right)
    assert not differences, f"marts differ (rows only with damage, rows only in the reference): {differences}"
