"""The nightly pipeline on local Apache Spark (dbt-spark, method session): run, status, rollback.

One scenario (tests/python/spark_fixtures.py) runs the pipeline once for every Spark test of the session:
the run builds and tests the whole project on Spark (every model, data test and unit test), validates with
great-expectations and publishes V1; `publish` publishes the same build as V2; rollback serves V1 again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from spark_fixtures import SparkScenario, spark_scenario

TABLES = "pipeline_published_tables"

# the Spark scenario: 30 min idle, 60 loaded
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(7200)]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> SparkScenario:
    return spark_scenario(tmp_path_factory)


def _ok(scenario: SparkScenario, step: str) -> dict:
    done = scenario.step(step)
    assert done["returncode"] == 0, f"{step} failed ({done['returncode']}):\n{done['stderr'][-6000:]}"
    return done


def _records(scenario: SparkScenario) -> dict[str, dict]:
    runs = scenario.root / "state" / "runs"
    return {p.stem: json.loads(p.read_text()) for p in runs.glob("*Z-??????.json")}


def test_run_builds_tests_validates_and_publishes(scenario: SparkScenario) -> None:
    _ok(scenario, "run")
    records = sorted(_records(scenario).values(), key=lambda r: r["run_id"])
    first = records[0]
    assert first["status"] == "published", first.get("error")
    assert first["published_version"] == first["run_id"]
    build = next(s for s in first["steps"] if s["name"] == "build")
    assert build["status"] == "ok"
    # every model and data test ran on Spark, none failed (warnings: the raw sample's quarantined rows, source
    # tests)
    counts = first["dbt_counts"]
    assert counts["model"].get("success", 0) > 70 and set(counts["model"]) == {"success"}
    # 247 data tests since D137 (2026-12-04; 285 after D131, 301 after D128, 355 after D124, 607 before,
    # one test per row rule)
    tests_run = counts["test"].get("pass", 0) + counts["test"].get("warn", 0)
    assert tests_run > 235 and set(counts["test"]) <= {"pass", "warn"}
    assert first["expectations"]["failed"] == 0 and first["expectations"]["evaluated"] > 100


def test_unit_tests_pass_on_spark(scenario: SparkScenario) -> None:
    unit = scenario.step("unit_tests")
    assert unit["returncode"] == 0, "\n".join(unit["failures"][:10]) or unit["stderr"]
    counts = unit["counts_by_type"]["unit_test"]
    assert counts.get("pass", 0) > 50 and set(counts) == {"pass"}


def test_raw_tables_are_parquet_with_file_accounting(scenario: SparkScenario) -> None:
    _ok(scenario, "run")
    raw = scenario.root / "spark" / "raw_files" / "raw"
    (load,) = [p for p in raw.iterdir() if p.is_dir()]  # older loads are removed
    tables = {p.name for p in load.iterdir()}
    assert {"accounts", "opportunities", "sales_reps", "_load_files", "_load_rejects"} <= tables
    files = pd.read_parquet(load / "_load_files")
    accounts = files.set_index("table_name").loc["accounts"]
    assert accounts["records_in_file"] == accounts["loaded_records"] + accounts["rejected_records"]
    assert len(pd.read_parquet(load / "accounts")) == accounts["loaded_records"]


def test_status_then_rollback_serves_the_previous_version(scenario: SparkScenario) -> None:
    for step in ("run", "publish", "status_before", "rollback", "status_after"):
        _ok(scenario, step)
    records = _records(scenario)
    # the run and the publish each made a version; the rollback is a record of its own, naming the version
    runs = sorted(k for k, r in records.items() if r.get("command") in ("run", "publish"))
    assert len(runs) == 2
    v1, v2 = runs
    (rollback,) = [r for r in records.values() if r.get("command") == "rollback"]
    assert rollback["status"] == "ok" and rollback["published_version"] == v1
    before = json.loads(scenario.step("status_before")["stdout"])
    after = json.loads(scenario.step("status_after")["stdout"])
    assert before["served"]["run_id"] == v2
    assert after["served"]["run_id"] == v1
    served = json.loads((scenario.exports / "_served.json").read_text())
    assert served["version"]["run_id"] == v1
    # both versions are kept as immutable databases; the serving database holds views only
    assert {f"sales_kpis__v{r.lower().replace('-', '_')}" for r in runs} <= set(served["databases"])


def test_serving_database_has_every_kpi_view(scenario: SparkScenario) -> None:
    _ok(scenario, "export")
    served = json.loads((scenario.exports / "_served.json").read_text())
    kpis = [v for v in served["views"] if v.startswith("kpi_")]
    assert len(kpis) == 20
    for name in ("fct_opportunities", "dim_months", "pipeline_version", "pipeline_published_tables"):
        assert name in served["views"]
    tables = pd.read_parquet(scenario.exports / f"{TABLES}.parquet")
    assert len(tables) == len(served["views"]) - 3  # every served relation but the 3 pipeline tables
    assert (Path(scenario.exports) / "kpi_win_rate_monthly.parquet").exists()
