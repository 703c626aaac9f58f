"""The pipeline's command line, without dbt: help and exit codes, refused injection attempts, a run refused
while another holds the lock, status of an empty warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def pipeline_env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SALES_KPIS_DUCKDB_PATH": str(root / "build.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(root / "serving" / "sales_kpis.duckdb"),
        "SALES_KPIS_STATE_DIR": str(root / "state"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "dbt_logs"),
        "GX_ANALYTICS_ENABLED": "false",
    }


def cli(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", *args],
        cwd=PROJECT_ROOT,
        env=pipeline_env(root),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def test_help_lists_commands_options_and_exit_codes(tmp_path: Path) -> None:
    top = cli(tmp_path, "--help")
    assert top.returncode == 0
    for word in ("run", "validate", "publish", "status", "rollback"):
        assert word in top.stdout
    for code in (
        "3  another pipeline run is in progress",
        "4  stale sources",
        "6  dbt build failed",
        "7  validation",
    ):
        assert code in top.stdout
    run = cli(tmp_path, "run", "--help")
    assert run.returncode == 0
    for option in (
        "--target",
        "--raw-dir",
        "--as-of",
        "--full-refresh",
        "--select",
        "--skip-load",
        "--raw-schema",
    ):
        assert option in run.stdout
    assert "exit codes" in run.stdout
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--as-of", "2026-01-01'; drop table x; --"], "not a date"),
        (["run", "--as-of", "2026-02-30"], "not a calendar date"),
        (["run", "--raw-schema", "raw'; drop schema raw cascade; --"], "invalid schema name"),
        (["run", "--raw-schema", 'raw"x'], "invalid schema name"),
        (["run", "--select", "kpi_x; rm -rf /"], "invalid dbt selector"),
        (["run", "--target", "dev'--"], "invalid dbt target"),
        (["run", "--vars", '{"spine_start_month": "2020-01-01\') as x --"}'], "not allowed"),
        (["run", "--vars", "[1, 2]"], "JSON object"),
        # one way in for the as-of date, which the pipeline gives dbt in the environment (D115)
        (["run", "--vars", '{"as_of_date": "2026-01-01"}'], "--as-of YYYY-MM-DD"),
        (["run", "--raw-dir", "/no/such/dir'; --"], "not a directory"),
        (["rollback", "--to", "../../etc/passwd"], "invalid run id"),
    ],
)
def test_injection_attempts_fail_cleanly_and_change_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(tmp_path) == []  # refused before touching the warehouse, the state or the log folder


def test_bad_environment_path_is_a_usage_error(tmp_path: Path) -> None:
    env = pipeline_env(tmp_path) | {"SALES_KPIS_SERVING_PATH": str(tmp_path / "build.duckdb")}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "must not be the build database" in result.stderr


HOLD_LOCK = """
import sys, time
from pathlib import Path
from scripts.pipeline.lock import LockInfo, PipelineLock
PipelineLock(Path(sys.argv[1]), LockInfo("20261115T020000Z-abcdef", 1, "h", "t", "run")).acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_run_is_refused_at_once_while_another_holds_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "state" / "pipeline.lock")],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = cli(tmp_path, "run", "--raw-dir", str(tmp_path))
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stderr
    assert "another pipeline run is in progress" in result.stderr
    assert "20261115T020000Z-abcdef" in result.stderr
    assert elapsed < 20
    assert not (tmp_path / "state" / "runs").exists()  # no run record, no build, nothing served
    assert not (tmp_path / "build.duckdb").exists() and not (tmp_path / "serving").exists()


def test_status_of_an_empty_warehouse(tmp_path: Path) -> None:
    result = cli(tmp_path, "status")
    assert result.returncode == 0
    assert "Nothing served yet" in result.stdout
    as_json = cli(tmp_path, "status", "--json")
    assert as_json.returncode == 0 and '"served": null' in as_json.stdout
