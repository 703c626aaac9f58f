"""Run dbt as a subprocess and read what it did from target/run_results.json.

dbt runs in a child process (not through dbtRunner) so that no DuckDB file handle outlives the run. Every
caller goes through `run_dbt`: the build script and the tests let dbt print to the terminal (or capture
it), the nightly pipeline streams dbt's output into its log and has the child die with it.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.contract import PROJECT_ROOT

log = logging.getLogger("dbt")

FAILED_STATUSES = {"error", "fail", "runtime error"}
MODEL_START = re.compile(r"\b\d+ of \d+ START\b")
PR_SET_PDEATHSIG = 1


@dataclass
class DbtResult:
    """Outcome of one dbt command: exit code, node counts by resource type and status, failures."""

    args: list[str]
    returncode: int
    counts_by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    output_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def command(self) -> str:
        return " ".join(self.args)

    @property
    def counts(self) -> Counter[str]:
        """Node counts by status, all resource types together."""
        total: Counter[str] = Counter()
        for statuses in self.counts_by_type.values():
            total.update(statuses)
        return total

    def count(self, resource_type: str, status: str) -> int:
        return self.counts_by_type.get(resource_type, {}).get(status, 0)

    def summary(self) -> str:
        parts = []
        for kind, statuses in sorted(self.counts_by_type.items()):
            parts.append(kind + " " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        return "; ".join(parts) or "no nodes ran"


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (the project venv)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def read_run_results(results_file: Path, result: DbtResult) -> None:
    """Fill counts and failures from dbt's run_results.json (when dbt got as far as writing it)."""
    if not results_file.exists():
        return
    data = json.loads(results_file.read_text(encoding="utf-8"))
    result.elapsed_seconds = float(data.get("elapsed_time") or 0.0)
    counts: dict[str, Counter[str]] = {}
    for node in data.get("results", []):
        unique_id = str(node.get("unique_id", ""))
        kind = unique_id.split(".", 1)[0] or "node"
        status = str(node.get("status"))
        counts.setdefault(kind, Counter())[status] += 1
        if status in FAILED_STATUSES:
            message = " ".join(str(node.get("message") or "").split())
            failures = node.get("failures")
            suffix = f" ({failures} failing rows)" if failures else ""
            result.failures.append(f"{unique_id}: {status}{suffix} {message}".strip())
    result.counts_by_type = {kind: dict(c) for kind, c in counts.items()}


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGKILL when its parent dies, so a killed pipeline leaves no dbt behind."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(1)


def run_dbt(
    args: list[str],
    dbt_vars: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
    target_path: Path | None = None,
    quiet: bool = False,
    *,
    project_dir: Path = PROJECT_ROOT,
    target: str | None = None,
    output_logger: logging.Logger | None = None,
    on_model_start: Callable[[subprocess.Popen[str]], None] | None = None,
    die_with_parent: bool = False,
    results_name: str = "run_results.json",
    cwd: Path | None = None,
) -> DbtResult:
    """Run `dbt <args>` in the project directory (or in `cwd`, with --project-dir) and summarise
    run_results.json.

    dbt's output goes to the terminal, or is captured (`quiet`: shown only on failure), or is streamed line
    by line into `output_logger`. `on_model_start` is called once, when the first node starts.
    """
    command = [dbt_executable(), *args]
    if cwd is not None:
        command += ["--project-dir", str(project_dir)]  # relative paths (a DuckDB file) resolve in cwd
    if target:
        command += ["--target", target]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars, sort_keys=True, default=str)]
    child_env = {**os.environ, "DBT_PROFILES_DIR": str(project_dir), **(env or {})}
    target_dir = target_path or Path(child_env.get("DBT_TARGET_PATH", project_dir / "target"))
    if not target_dir.is_absolute():
        target_dir = project_dir / target_dir
    child_env["DBT_TARGET_PATH"] = str(target_dir)
    results_file = target_dir / results_name
    results_file.unlink(missing_ok=True)
    log.info("$ dbt %s", " ".join(command[1:]))
    streamed = output_logger is not None or on_model_start is not None or quiet
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        command,
        cwd=cwd or project_dir,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if streamed else None,
        stderr=subprocess.STDOUT if streamed else None,
        text=True,
        errors="replace",
        preexec_fn=_die_with_parent if die_with_parent else None,
    ) as proc:
        if proc.stdout is not None:
            started = False
            try:
                for line in proc.stdout:
                    text = line.rstrip()
                    tail.append(text)
                    if output_logger is not None:
                        output_logger.info("dbt | %s", text)
                    if on_model_start and not started and MODEL_START.search(text):
                        started = True
                        on_model_start(proc)
            except BaseException:
                proc.kill()  # interrupted (SIGTERM, Ctrl-C): never leave dbt writing the database
                raise
        returncode = proc.wait()
    result = DbtResult(args=list(args), returncode=returncode, output_tail=list(tail))
    read_run_results(results_file, result)
    if not result.ok and not result.failures:
        errors = [t for t in tail if "error" in t.lower()]
        result.failures = errors[-5:] or list(tail)[-5:]
    if quiet and output_logger is None and not result.ok:
        sys.stderr.write("\n".join(tail) + "\n")
    return result
