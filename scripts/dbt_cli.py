"""Run dbt as a subprocess and read what it did from target/run_results.json.

dbt runs in a child process (not through dbtRunner) so that no DuckDB file handle outlives the run.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scripts.contract import PROJECT_ROOT

log = logging.getLogger("dbt")


@dataclass
class DbtResult:
    """Outcome of one dbt command: exit code and per-status counts of its nodes."""

    command: str
    returncode: int
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (the project venv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: list[str],
    dbt_vars: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
    target_path: Path | None = None,
    quiet: bool = False,
) -> DbtResult:
    """Run `dbt <args>` in the project directory and summarise run_results.json."""
    command = [dbt_executable(), *args]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars, sort_keys=True, default=str)]
    child_env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_ROOT), **(env or {})}
    target = target_path or Path(child_env.get("DBT_TARGET_PATH", PROJECT_ROOT / "target"))
    child_env["DBT_TARGET_PATH"] = str(target)
    log.info("$ %s", " ".join(command))
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    completed = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=child_env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
        check=False,
    )
    result = DbtResult(command=" ".join(args), returncode=completed.returncode)
    if quiet and completed.returncode != 0 and completed.stdout:
        sys.stderr.write(completed.stdout[-8000:])
    if results_file.exists():
        run_results = json.loads(results_file.read_text(encoding="utf-8"))
        result.elapsed_seconds = float(run_results.get("elapsed_time", 0.0))
        for node in run_results.get("results", []):
            status = str(node.get("status"))
            result.counts[status] += 1
            if status in {"error", "fail", "runtime error"}:
                result.failures.append(
                    f"{node.get('unique_id')}: {status} {node.get('message') or ''}".strip()
                )
    return result
