"""Reliability of the nightly pipeline end to end (dbt, great-expectations, publish) on small generated data.

One baseline run publishes version V1 (module fixture). Two scenarios then work on copies of it, each
sharing its runs between its tests (module fixtures):

- kills: kill -9 during validation, during publish (half-written file), just before the atomic replace,
  during load (while a second run is refused), during the dbt build; after each the serving file opens
  and holds exactly V1; then a run on V1's input publishes V2 while a reader queries the serving file in
  a loop, V2 has exactly V1's KPI checksums (same input, same KPIs), and rollback serves older versions.
- failures: a failing expectation, a failing dbt data test, stale sources, unloadable raw data: each
  blocks publish, leaves V1 served and is recorded in the run history.
- incremental: the next night's changes appended with `run --incremental`; its raw tests read only the rows
  of batches newer than the baseline's, which its successful build vouches for (D127).

Kills are deterministic: SALES_KPIS_PIPELINE_TEST_PAUSE_AT makes the pipeline write a marker and sleep at
that point (scripts/pipeline/faults.py). Most runs rebuild only dim_months (--select) to stay fast; three
runs build the whole project, and only the baseline runs its data tests (the others are about the pipeline).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scripts.pipeline.publish import table_checksum
from scripts.sampledata.changes import write_changes

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SMALL_DATA = ["--reps", "12", "--accounts", "40", "--leads", "150", "--months", "6", "--clean"]
QUICK = ["--allow-stale", "--select", "dim_months"]
# runs whose subject is the pipeline (kills, readers, idempotence), not the data tests: the whole project is
# built and published, its data tests are left out (the baseline run and make dbt-test run them)
NO_DATA_TESTS = ["--allow-stale", "--exclude", "resource_type:test"]

READER = """
import json, sys, time
from pathlib import Path
import duckdb
from scripts.pipeline.publish import table_checksum

serving, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
with out.open("w") as handle:
    n = 0
    while not stop.exists():
        n += 1
        try:
            con = duckdb.connect(str(serving), read_only=True)
            try:
                catalog = con.execute("select current_database()").fetchone()[0]
                run_id = con.execute("select run_id from pipeline.version").fetchone()[0]
                tables = con.execute(
                    "select schema_name, table_name, run_id from pipeline.published_tables"
                ).fetchall()
                sums = {f"{s}.{t}": table_checksum(con, catalog, s, t)[1] for s, t, _ in tables}
                if n % 10 == 0:
                    time.sleep(1.0)  # hold the file open across a publish now and then
            finally:
                con.close()
            handle.write(json.dumps({"run_id": run_id, "table_run_ids": sorted({r for _, _, r in tables}),
                                     "checksums": sums}) + "\\n")
        except Exception as exc:  # every failure counts, lock errors included
            handle.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
        handle.flush()
"""


@dataclass
class Warehouse:
    """One isolated pipeline installation under a temp folder."""

    root: Path

    @property
    def serving(self) -> Path:
        return self.root / "serving" / "sales_kpis.duckdb"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_KPIS_", "DBT_"))}
        return env | {
            "SALES_KPIS_DUCKDB_PATH": str(self.root / "build.duckdb"),
            "SALES_KPIS_SERVING_PATH": str(self.serving),
            "SALES_KPIS_STATE_DIR": str(self.state),
            "DBT_TARGET_PATH": str(self.root / "target"),
            "DBT_LOG_PATH": str(self.root / "dbt_logs"),
            "GX_ANALYTICS_ENABLED": "false",
            # the dashboard step runs after every publish here too, HTML only: its PNGs cost about 7 s of
            # CPU per run and are tested in test_dashboard_browser.py
            "SALES_KPIS_DASHBOARD": "html",
            **extra,
        }

    def cli(self, *args: str, timeout: float = 600, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scripts.pipeline", *args, "-q"],
            cwd=PROJECT_ROOT,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str, pause_at: str) -> subprocess.Popen[bytes]:
        (self.state / f"paused-at-{pause_at}.json").unlink(missing_ok=True)
        return subprocess.Popen(
            [sys.executable, "-m", "scripts.pipeline", *args, "-q"],
            cwd=PROJECT_ROOT,
            env=self.env(SALES_KPIS_PIPELINE_TEST_PAUSE_AT=pause_at),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_for_pause(
        self, proc: subprocess.Popen[bytes], point: str, timeout: float = 400
    ) -> dict[str, Any]:
        marker = self.state / f"paused-at-{point}.json"
        deadline = time.monotonic() + timeout
        while not marker.exists():
            assert proc.poll() is None, f"pipeline exited with {proc.returncode} before pausing at {point}"
            assert time.monotonic() < deadline, f"no pause at {point} within {timeout} s"
            time.sleep(0.05)
        return json.loads(marker.read_text())

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def record(self, run_id: str) -> dict[str, Any]:
        return json.loads((self.state / "runs" / f"{run_id}.json").read_text())

    def records(self) -> list[dict[str, Any]]:
        return [self.record(p.stem) for p in sorted((self.state / "runs").glob("*Z-??????.json"))]

    def served(self) -> str:
        """The served run id, after checking every served table against the checksums recorded for it
        (and that the Parquet `current` names the same version)."""
        with duckdb.connect(str(self.serving), read_only=True) as con:
            run_id = con.execute("select run_id from pipeline.version").fetchone()[0]
            tables = con.execute("select schema_name, table_name from pipeline.published_tables").fetchall()
            actual = {f"{s}.{t}": table_checksum(con, "sales_kpis", s, t)[1] for s, t in tables}
        assert actual == self.record(run_id)["table_checksums"], f"served file does not match run {run_id}"
        parquet = self.serving.parent / "parquet"
        assert (parquet / "CURRENT").read_text().strip() == run_id, "the Parquet copy does not follow"
        assert (parquet / "current" / "_version.json").exists()
        return run_id

    def kpi_checksums(self, run_id: str) -> dict[str, str]:
        sums = self.record(run_id)["table_checksums"]
        return {k: v for k, v in sums.items() if k.split(".")[1].startswith("kpi_")}

    def clone(self, root: Path) -> Warehouse:
        shutil.copytree(self.root, root, symlinks=True, ignore=shutil.ignore_patterns("logs", "dbt_logs"))
        return Warehouse(root)


def generate(out: Path, seed: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.generate_sample_data",
            "--out",
            str(out),
            "--seed",
            str(seed),
            *SMALL_DATA,
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("raw")
    return {"v1": generate(base / "v1", 1), "v2": generate(base / "v2", 2)}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, raw: dict[str, Path]) -> Warehouse:
    """V1: a complete run on the first data set."""
    wh = Warehouse(tmp_path_factory.mktemp("baseline") / "wh")
    started = time.monotonic()
    result = wh.cli("run", "--raw-dir", str(raw["v1"]), "--allow-stale")
    assert result.returncode == 0, result.stderr[-5000:]
    wh.root.joinpath("elapsed.txt").write_text(f"{time.monotonic() - started:.1f}")
    return wh


# ---- scenario: kills, a second run, a reader, idempotence, rollback ----------------------------------------


@pytest.fixture(scope="module")
def kills(
    tmp_path_factory: pytest.TempPathFactory, baseline: Warehouse, raw: dict[str, Path]
) -> dict[str, Any]:
    wh = baseline.clone(tmp_path_factory.mktemp("kills") / "wh")
    v1 = wh.served()
    seen: dict[str, Any] = {"wh": wh, "v1": v1, "served_after_kill": {}}

    def kill_at(point: str, *args: str) -> dict[str, Any]:
        proc = wh.start(*args, pause_at=point)
        marker = wh.wait_for_pause(proc, point)
        wh.kill(proc)
        seen["served_after_kill"][point] = wh.served()
        return marker

    # 1. killed while validating a fresh build (of dim_months only, on the same input), as of the day before
    #    the input's date: the next dbt (step 5, as of the input's date) must re-use this one's parse (D115)
    kill_at("validate", "run", "--raw-dir", str(raw["v1"]), "--as-of", "2026-11-14", *QUICK)
    # 2. killed while writing the new serving file, 3. after archiving it, just before os.replace
    kill_at("publish", "publish")
    seen["temp_files_after_publish_kill"] = sorted(p.name for p in wh.serving.parent.glob(".*.tmp"))
    kill_at("publish_replace", "publish")
    # 4. killed during load; meanwhile a second run is refused and changes nothing
    proc = wh.start("run", "--raw-dir", str(raw["v2"]), "--allow-stale", pause_at="load")
    wh.wait_for_pause(proc, "load")
    before = (wh.serving.stat(), sorted((wh.state / "runs").iterdir()), (wh.root / "build.duckdb").stat())
    started = time.monotonic()
    seen["second_run"] = wh.cli("run", "--raw-dir", str(raw["v2"]), "--allow-stale")
    seen["second_run_seconds"] = time.monotonic() - started
    after = (wh.serving.stat(), sorted((wh.state / "runs").iterdir()), (wh.root / "build.duckdb").stat())
    seen["second_run_changed_nothing"] = [
        (b.st_ino, b.st_mtime_ns) == (a.st_ino, a.st_mtime_ns)
        for b, a in ((before[0], after[0]), (before[2], after[2]))
    ] + [before[1] == after[1]]
    wh.kill(proc)
    seen["served_after_kill"]["load"] = wh.served()
    # 5. killed while dbt builds (dbt frozen mid-build): dbt must die with the pipeline
    dbt_log = wh.root / "dbt_logs" / "dbt.log"
    log_start = dbt_log.stat().st_size
    marker = kill_at("build", "run", "--raw-dir", str(raw["v2"]), "--allow-stale")
    with dbt_log.open("rb") as handle:
        handle.seek(log_start)
        seen["dbt_log_after_new_as_of"] = handle.read().decode("utf-8", "replace")
    seen["dbt_alive_after_kill"] = _alive_after(int(marker["dbt_pid"]), 10)
    seen["publish_after_build_kill"] = wh.cli("publish")
    # 6. the next run succeeds, with a reader querying the serving file throughout
    stop, out = wh.root / "reader.stop", wh.root / "reader.jsonl"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(wh.serving), str(out), str(stop)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        time.sleep(2)
        started = time.monotonic()
        # the input of V1 again: the new version must hold the same KPIs (idempotence across runs)
        seen["success"] = wh.cli("run", "--raw-dir", str(raw["v1"]), *NO_DATA_TESTS)
        seen["success_seconds"] = time.monotonic() - started
        time.sleep(2)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    seen["reads"] = [json.loads(line) for line in out.read_text().splitlines()]
    seen["v2"] = wh.served()
    seen["status"] = wh.cli("status")
    # 7. rollback: to the previous version (V1), then back to V2 by its run id
    seen["rollback"] = wh.cli("rollback")
    seen["served_after_rollback"] = wh.served()
    seen["rollback_to_v2"] = wh.cli("rollback", "--to", seen["v2"])
    seen["served_after_rollback_to_v2"] = wh.served()
    return seen


def _alive_after(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True


def test_baseline_run_publishes_and_records_everything(baseline: Warehouse) -> None:
    run_id = baseline.served()
    record = baseline.record(run_id)
    assert record["status"] == "published" and record["exit_code"] == 0
    assert [s["name"] for s in record["steps"]] == [
        "load",
        "freshness",
        "build",
        "stage",  # the new serving file, written beside the served one (D129)
        "validate",  # audits the staged file
        "publish",
        "dashboard",  # the last step: the dashboard of what is now served (docs/dashboard.md)
    ]
    assert (baseline.serving.parent / "dashboard" / "dashboard_en.html").exists()
    assert record["as_of_date"] == "2026-11-15"  # from the raw dir's manifest.json
    assert record["dbt_counts"]["model"]["success"] > 10
    assert record["expectations"]["evaluated"] > 0 and record["expectations"]["failed"] == 0
    assert record["kpi_row_counts"] and all(n >= 0 for n in record["kpi_row_counts"].values())
    assert (baseline.state / "runs" / f"{run_id}.validation.json").exists()
    with duckdb.connect(str(baseline.serving), read_only=True) as con:
        kinds = dict(
            con.execute("select table_type, count(*) from information_schema.tables group by 1").fetchall()
        )
        runs = con.execute("select run_id, status, tests_passed from pipeline.runs").fetchall()
        # the date the run recorded is the one the models used (it reaches dbt in the environment, D115)
        model_as_of = con.execute(
            "select distinct cast(as_of_date as varchar) from marts.dim_months"
        ).fetchall()
        dq = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_name like 'int_raw_rows_%'"
            ).fetchall()
        }
    assert set(kinds) == {"BASE TABLE"}  # KPI views are served as plain tables
    assert model_as_of == [(record["as_of_date"],)]
    assert (run_id, "published") in {(r[0], r[1]) for r in runs}
    assert dq == {
        "int_raw_rows_accounted",
        "int_raw_rows_quarantined",
        "int_raw_rows_rejected",
        "int_raw_rows_flagged",
    }
    assert (baseline.root / "serving" / "versions" / f"{run_id}.duckdb").exists()


@pytest.mark.parametrize("point", ["validate", "publish", "publish_replace", "load", "build"])
def test_a_killed_run_leaves_the_previous_version_served(kills: dict[str, Any], point: str) -> None:
    assert kills["served_after_kill"][point] == kills["v1"]


def test_a_kill_during_publish_leaves_only_a_temp_file_which_the_next_run_removes(
    kills: dict[str, Any],
) -> None:
    assert kills["temp_files_after_publish_kill"]
    assert not list(kills["wh"].serving.parent.glob(".*.tmp"))


def test_a_new_as_of_date_keeps_dbts_partial_parse(kills: dict[str, Any]) -> None:
    """Step 5's dbt (as of 2026-11-15) follows step 1's (as of 2026-11-14) in the same warehouse: the date
    reaches the models without changing dbt's vars or parse-time environment, so dbt re-uses the saved
    parse instead of parsing the whole project again (D115)."""
    text = kills["dbt_log_after_new_as_of"]
    assert "Running with dbt=" in text, "no dbt invocation in the log of step 5"
    assert "Unable to do partial parsing" not in text, text[-3000:]
    assert "Partial parsing enabled" in text


def test_a_second_run_is_refused_at_once_and_changes_nothing(kills: dict[str, Any]) -> None:
    second = kills["second_run"]
    assert second.returncode == 3
    assert "another pipeline run is in progress" in second.stderr
    assert kills["second_run_seconds"] < 30
    assert kills["second_run_changed_nothing"] == [True, True, True]


def test_dbt_dies_with_a_killed_pipeline_and_a_half_build_is_never_published(kills: dict[str, Any]) -> None:
    assert kills["dbt_alive_after_kill"] is False
    refused = kills["publish_after_build_kill"]
    assert refused.returncode == 6 and "no complete build" in refused.stderr


def test_the_next_run_succeeds_and_killed_runs_are_recorded_as_abandoned(kills: dict[str, Any]) -> None:
    assert kills["success"].returncode == 0, kills["success"].stderr[-3000:]
    assert kills["v2"] != kills["v1"]
    statuses = [r["status"] for r in kills["wh"].records()]
    assert statuses.count("abandoned") == 5
    assert "abandoned" in kills["status"].stdout


def test_a_reader_sees_only_complete_versions_and_never_a_lock_error(kills: dict[str, Any]) -> None:
    reads = kills["reads"]
    errors = [r["error"] for r in reads if "error" in r]
    assert errors == []
    assert len(reads) >= 20
    wh: Warehouse = kills["wh"]
    expected = {run_id: wh.record(run_id)["table_checksums"] for run_id in (kills["v1"], kills["v2"])}
    for read in reads:
        assert read["run_id"] in expected
        assert read["table_run_ids"] == [read["run_id"]]
        assert read["checksums"] == expected[read["run_id"]]  # every table of one read from one version
    assert {r["run_id"] for r in reads} == set(expected)  # saw the switch from V1 to V2


def test_two_runs_on_the_same_input_give_identical_kpi_checksums(kills: dict[str, Any]) -> None:
    """V1 (the baseline run) and V2 (the run after the kills, in a copy of the installation) read the same
    raw files: every KPI table of the two versions has the same checksum, and there are KPI tables."""
    wh: Warehouse = kills["wh"]
    assert kills["v2"] != kills["v1"]
    v1, v2 = wh.kpi_checksums(kills["v1"]), wh.kpi_checksums(kills["v2"])
    assert len(v1) >= 20
    assert v2 == v1


def test_rollback_serves_older_versions_again(kills: dict[str, Any]) -> None:
    assert kills["rollback"].returncode == 0, kills["rollback"].stderr[-2000:]
    assert kills["served_after_rollback"] == kills["v1"]
    assert kills["rollback_to_v2"].returncode == 0, kills["rollback_to_v2"].stderr[-2000:]
    assert kills["served_after_rollback_to_v2"] == kills["v2"]


# ---- scenario: failures block publish ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def failures(
    tmp_path_factory: pytest.TempPathFactory, baseline: Warehouse, raw: dict[str, Path]
) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("failures")
    wh = baseline.clone(base / "wh")
    seen: dict[str, Any] = {"wh": wh, "v1": wh.served(), "served": {}}
    manifest = json.loads((wh.state / "build-manifest.json").read_text())
    kpi, month = _per_rep_kpi(manifest)
    extra = base / "extra_checks.yml"
    extra.write_text(
        json.dumps(
            {
                "dim_months": {"bounded_rates": ["calendar_year"]},
                kpi: {"grain": [month]},
                # a staging view, not served: audited from the build beside the staged file (D129); passes
                "stg_crm__orders": {"grain": ["order_id"]},
            }
        ),
        encoding="utf-8",
    )
    seen["kpi"], seen["month"] = kpi, month
    seen["expectation"] = wh.cli("run", "--raw-dir", str(raw["v1"]), *QUICK, "--extra-checks", str(extra))
    seen["served"]["expectation"] = wh.served()
    project = _project_with_failing_test(base / "project")
    seen["data_test"] = wh.cli(
        "run",
        "--raw-dir",
        str(raw["v1"]),
        "--allow-stale",
        "--select",
        "dim_months pipeline_injected_failure",
        SALES_KPIS_PROJECT_DIR=str(project),
    )
    seen["served"]["data_test"] = wh.served()
    seen["stale"] = wh.cli(
        "run", "--raw-dir", str(raw["v1"]), "--as-of", "2027-03-01", "--select", "dim_months"
    )
    seen["served"]["stale"] = wh.served()
    broken = base / "broken_raw"
    broken.mkdir()
    shutil.copy(raw["v1"] / "accounts.csv", broken / "accounts.csv")
    seen["load"] = wh.cli("run", "--raw-dir", str(broken))
    seen["served"]["load"] = wh.served()
    seen["status"] = wh.cli("status")
    return seen


def _per_rep_kpi(manifest: dict[str, Any]) -> tuple[str, str]:
    """A KPI view with a rep x month grain and that month column (which alone is then not unique)."""
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
        grain = ((node.get("config", {}).get("meta") or {}).get("checks") or {}).get("grain", [])
        if node["name"].startswith("kpi_") and "rep_id" in grain and len(grain) == 2:
            return node["name"], next(c for c in grain if c != "rep_id")
    pytest.fail("no KPI view declares a rep x month grain in meta.checks: the failure scenario needs one")


def _project_with_failing_test(target: Path) -> Path:
    """A copy of the dbt project plus one singular data test that always fails (never in the repo)."""
    skip = {
        ".git",
        ".venv",
        "target",
        "logs",
        "warehouse",
        "dbt_packages",
        ".ruff_cache",
        "python",
        "sample_crm",
    }
    shutil.copytree(PROJECT_ROOT, target, ignore=lambda _d, names: [n for n in names if n in skip])
    (target / "tests" / "pipeline_fault").mkdir(parents=True)
    (target / "tests" / "pipeline_fault" / "pipeline_injected_failure.sql").write_text(
        "-- injected by test_pipeline_e2e.py: one failing row\nselect 1 as injected_failure\n",
        encoding="utf-8",
    )
    return target


def _last_record(wh: Warehouse) -> dict[str, Any]:
    return wh.records()[-1]


def test_a_failing_expectation_blocks_publish_and_names_the_view(failures: dict[str, Any]) -> None:
    result = failures["expectation"]
    assert result.returncode == 7, result.stderr[-3000:]
    assert "dim_months: bounded_rate (calendar_year)" in result.stderr
    assert f"{failures['kpi']}: grain_unique ({failures['month']})" in result.stderr
    assert failures["served"]["expectation"] == failures["v1"]
    record = next(r for r in failures["wh"].records() if r["exit_code"] == 7)
    assert record["status"] == "failed" and record["failing_step"] == "validate"
    # the suites audited the staged serving file (D129), which was discarded when they failed
    assert [s["name"] for s in record["steps"]][-2:] == ["stage", "validate"]
    assert not list(failures["wh"].serving.parent.glob(".*.tmp*"))
    assert {f["model"] for f in record["expectations"]["failures"]} == {"dim_months", failures["kpi"]}
    saved = json.loads((failures["wh"].state / "runs" / f"{record['run_id']}.validation.json").read_text())
    assert saved["suites"]["dim_months"]["success"] is False
    assert saved["suites"]["stg_crm__orders"]["success"] is True
    assert saved["row_counts"]["stg_crm__orders"] > 0


def test_a_failing_data_test_blocks_publish(failures: dict[str, Any]) -> None:
    result = failures["data_test"]
    assert result.returncode == 6, result.stderr[-3000:]
    assert "pipeline_injected_failure" in result.stderr
    assert failures["served"]["data_test"] == failures["v1"]
    record = next(r for r in failures["wh"].records() if r["exit_code"] == 6)
    assert record["failing_step"] == "build"
    assert any("pipeline_injected_failure" in f for f in record["dbt_failures"])
    assert record["dbt_counts"]["test"].get("fail", 0) >= 1


def test_stale_sources_block_the_build(failures: dict[str, Any]) -> None:
    result = failures["stale"]
    assert result.returncode == 4, result.stderr[-3000:]
    assert "stale sources" in result.stderr
    assert failures["served"]["stale"] == failures["v1"]
    record = next(r for r in failures["wh"].records() if r["exit_code"] == 4)
    assert record["failing_step"] == "freshness" and record["as_of_date"] == "2027-03-01"
    assert "build" not in [s["name"] for s in record["steps"]]


def test_unloadable_raw_data_blocks_the_run(failures: dict[str, Any]) -> None:
    result = failures["load"]
    assert result.returncode == 5
    assert "opportunities" in result.stderr
    assert failures["served"]["load"] == failures["v1"]


def test_failures_are_listed_by_status(failures: dict[str, Any]) -> None:
    status = failures["status"]
    assert status.returncode == 0
    assert f"run {failures['v1']}" in status.stdout
    for step in ("validate", "build", "freshness", "load"):
        assert f"failed at {step}" in status.stdout


# ---- scenario: an incremental night -----------------------------------------------------------------------

SOURCE_TESTS = Path("target", "run", "sales_kpis", "models", "staging", "crm", "_crm__sources.yml")


def _raw_test_sql(wh: Warehouse) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in (wh.root / SOURCE_TESTS).rglob("*.sql")}


@pytest.fixture(scope="module")
def incremental(
    tmp_path_factory: pytest.TempPathFactory, baseline: Warehouse, raw: dict[str, Path]
) -> dict[str, Any]:
    wh = baseline.clone(tmp_path_factory.mktemp("incremental") / "wh")
    seen: dict[str, Any] = {"wh": wh, "marker_before": json.loads((wh.state / "build.json").read_text())}
    seen["baseline_sql"] = _raw_test_sql(wh)
    changes = wh.root / "night2"
    write_changes(raw["v1"], changes, 0.05)
    seen["run"] = wh.cli("run", "--incremental", "--raw-dir", str(changes), "--allow-stale")
    seen["log"] = Path(wh.records()[-1]["log_file"]).read_text(encoding="utf-8")
    seen["sql"] = _raw_test_sql(wh)
    seen["marker_after"] = json.loads((wh.state / "build.json").read_text())
    return seen


def test_an_incremental_night_tests_only_the_raw_rows_of_newer_batches(incremental: dict[str, Any]) -> None:
    run = incremental["run"]
    assert run.returncode == 0, run.stderr[-5000:]
    tested, now = incremental["marker_before"]["load_batch"], incremental["marker_after"]["load_batch"]
    assert isinstance(tested, int) and now > tested  # the night's build vouches for its own batch
    assert f"raw tests: the rows of load batches after {tested}" in incremental["log"]
    newer = f"_load_batch > {tested}"
    sql = incremental["sql"]
    # the 11 raw tests since D137: versions with one updated_at (7 tables), free labels (4 columns)
    assert len(sql) == 11 and sql.keys() == incremental["baseline_sql"].keys()
    # tables the night appended to read their new rows; the others (composite keys) have none to read
    assert sum(newer in text for text in sql.values()) >= 8
    assert all(newer in text or "1 = 0" in text for text in sql.values())
    # a full night reads every row
    assert not any("_load_batch" in text for text in incremental["baseline_sql"].values())
