"""CRM source adapters end to end: the same company as contract files, as Salesforce objects and as HubSpot
objects gives the same published KPIs (docs/crm_adapters.md).

One small messy data set is generated in the contract's shape and rendered into each CRM's landed shape
(scripts/sampledata/shapes/). Each directory goes through the whole nightly pipeline (load with
--crm-source, freshness, dbt build with every data test, validation, publish), the three runs at once.
Then every published kpi_* view and fct_* table of a CRM build must have the checksum of the contract
build's (row count and an order-independent hash of every value), the row accounting must hold from the
landed files, and the adapter's dbt unit tests run (the pipeline leaves unit tests out of its build).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scripts.contract import CRM_SOURCES, load_landed_shape
from scripts.rawfiles.scan import read_bytes, scan_csv
from scripts.sampledata.shapes import render_shape

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# small but messy: injections of every kind keep their disposition through an adapter
DATA = ["--seed", "11", "--reps", "12", "--accounts", "60", "--leads", "220", "--months", "8"]
SHAPES = ("contract", *CRM_SOURCES)


@dataclass(frozen=True)
class ShapeRun:
    """One pipeline run of the data set in one shape."""

    shape: str
    raw_dir: Path
    root: Path
    result: subprocess.CompletedProcess[str]

    @property
    def build_db(self) -> Path:
        return self.root / "build.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "serving" / "sales_kpis.duckdb"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_KPIS_", "DBT_"))}
        return env | {
            "SALES_KPIS_DUCKDB_PATH": str(self.build_db),
            "SALES_KPIS_SERVING_PATH": str(self.serving),
            "SALES_KPIS_STATE_DIR": str(self.root / "state"),
            "DBT_TARGET_PATH": str(self.root / "target"),
            "DBT_LOG_PATH": str(self.root / "dbt_logs"),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "GX_ANALYTICS_ENABLED": "false",
            "SALES_KPIS_DASHBOARD": "off",
        }

    def record(self) -> dict[str, Any]:
        runs = sorted((self.root / "state" / "runs").glob("*Z-??????.json"))
        assert runs, f"{self.shape}: no run record\n{self.result.stderr[-3000:]}"
        return json.loads(runs[-1].read_text(encoding="utf-8"))

    def checksums(self) -> dict[str, str]:
        return {
            name: value
            for name, value in self.record()["table_checksums"].items()
            if name.split(".")[1].startswith(("kpi_", "fct_"))
        }

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.build_db), read_only=True) as con:
            return con.execute(sql).fetchall()


def _run(shape: str, raw_dir: Path, root: Path) -> ShapeRun:
    run = ShapeRun(shape, raw_dir, root, subprocess.CompletedProcess([], 0))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.pipeline",
            "run",
            "--raw-dir",
            str(raw_dir),
            "--crm-source",
            shape,
            # freshness is not the subject: the small data set's sparse tables are older than 72 h at its
            # as-of date
            "--allow-stale",
            "-q",
        ],
        cwd=PROJECT_ROOT,
        env=run.env(),
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    return ShapeRun(shape, raw_dir, root, result)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ShapeRun]]:
    base = tmp_path_factory.mktemp("crm_adapters")
    contract_dir = base / "raw_contract"
    subprocess.run(
        [sys.executable, "-m", "scripts.generate_sample_data", "--out", str(contract_dir), *DATA],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    raw_dirs = {"contract": contract_dir}
    for crm in CRM_SOURCES:
        render_shape(crm, contract_dir, base / f"raw_{crm}")
        raw_dirs[crm] = base / f"raw_{crm}"
    with ThreadPoolExecutor(max_workers=len(SHAPES)) as pool:
        futures = {shape: pool.submit(_run, shape, raw_dirs[shape], base / shape) for shape in SHAPES}
        yield {shape: future.result() for shape, future in futures.items()}


def test_contract_build_publishes(runs: dict[str, ShapeRun]) -> None:
    run = runs["contract"]
    assert run.result.returncode == 0, run.result.stderr[-5000:]


@pytest.mark.parametrize("crm", CRM_SOURCES)
def test_crm_build_publishes(runs: dict[str, ShapeRun], crm: str) -> None:
    run = runs[crm]
    assert run.result.returncode == 0, run.result.stderr[-5000:]
    record = run.record()
    assert record["status"] == "published", record.get("error")

    # the whole data-test suite ran in that build, the adapter's own tests (row preservation) with it: a CRM
    # build runs every test of the contract build (the contract's source tests pass on its absent raw
    # tables) plus the adapter's own. The contract build has 247 data tests since D137 (2026-12-04).
    def tests_run(counts: dict[str, dict[str, int]]) -> int:
        return sum(counts["test"].get(status, 0) for status in ("pass", "warn"))

    contract = runs["contract"].record()
    assert tests_run(record["dbt_counts"]) >= tests_run(contract["dbt_counts"]) > 235


@pytest.mark.parametrize("crm", CRM_SOURCES)
def test_every_kpi_and_fact_equals_the_contract_build(runs: dict[str, ShapeRun], crm: str) -> None:
    expected, actual = runs["contract"].checksums(), runs[crm].checksums()
    assert sum(name.split(".")[1].startswith("kpi_") for name in expected) == 20
    assert set(actual) == set(expected)
    different = sorted(name for name in expected if actual[name] != expected[name])
    assert not different, f"{crm}: differs from the contract build: " + "; ".join(
        _first_difference(runs["contract"].serving, runs[crm].serving, name) for name in different
    )


@pytest.mark.parametrize("crm", CRM_SOURCES)
def test_rows_are_accounted_for_from_the_landed_files(runs: dict[str, ShapeRun], crm: str) -> None:
    run = runs[crm]
    landed = run.query(
        "select object_name, file_records, rejected_at_load_rows, landed_rows "
        "from intermediate.int_landed_rows_accounted order by 1"
    )
    files = {p.name.split(".")[0]: p for p in run.raw_dir.glob("*.csv")}
    shape = load_landed_shape(crm)
    # every landed object written by the renderer was loaded and counted from its file
    assert {row[0] for row in landed if row[1] is not None} == {name for name in files if name in shape}
    for object_name, file_records, rejected, landed_rows in landed:
        if file_records is None:
            continue
        assert file_records == scan_csv(read_bytes(files[object_name])).records
        assert file_records == landed_rows + rejected, object_name
    unaccounted = run.query(
        "select table_name, unaccounted_rows from intermediate.int_raw_rows_accounted "
        "where unaccounted_rows != 0"
    )
    assert unaccounted == []
    # and the contract tables reach staging in the same numbers as from the contract files
    dispositions = (
        "select table_name, staged_rows, quarantined_rows, soft_deleted_rows "
        "from intermediate.int_raw_rows_accounted"
    )
    contract_counts, crm_counts = runs["contract"].query(dispositions), run.query(dispositions)
    assert sorted(crm_counts) == sorted(contract_counts)


@pytest.mark.parametrize("crm", CRM_SOURCES)
def test_adapter_unit_tests_pass(runs: dict[str, ShapeRun], crm: str) -> None:
    run = runs[crm]
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "test",
            "--select",
            f"test_type:unit,path:models/adapters/{crm}",
            "--vars",
            json.dumps({"crm_source": crm}),
        ],
        cwd=PROJECT_ROOT,
        env=run.env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:]
    results = json.loads((run.root / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 4, "an adapter has unit tests for custom stages, deletes, currencies, missing objects"
    assert all(r["status"] == "pass" for r in unit)


def _first_difference(left: Path, right: Path, name: str) -> str:
    """A readable diff of one published table between two serving files: row counts and a few rows."""
    schema, table = name.split(".")
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        relation = f'"{schema}"."{table}"'
        only_left = con.execute(
            f"select * from l.{relation} except all select * from r.{relation} limit 3"
        ).fetchall()
        only_right = con.execute(
            f"select * from r.{relation} except all select * from l.{relation} limit 3"
        ).fetchall()
    return f"{name}: contract only {only_left}, adapter only {only_right}"
