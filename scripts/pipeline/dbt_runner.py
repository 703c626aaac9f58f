"""dbt as a child process that dies with the pipeline, its output streamed into the pipeline's log.

Like scripts/dbt_cli.py, dbt runs in a subprocess (no DuckDB handle outlives it). In addition the child
gets PR_SET_PDEATHSIG=SIGKILL on Linux, so a pipeline killed with -9 never leaves a dbt behind that keeps
writing the build database while the next run starts.
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
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.dbt_cli import dbt_executable
from scripts.pipeline.config import Paths

DBT_OUTPUT_LOGGER = "pipeline.dbt.output"
log = logging.getLogger("pipeline.dbt")
# dbt's own output: always in the log file, on the console only with --verbose
output_log = logging.getLogger(DBT_OUTPUT_LOGGER)

PR_SET_PDEATHSIG = 1
MODEL_START = re.compile(r"\b\d+ of \d+ START\b")
FAILED_STATUSES = {"error", "fail", "runtime error"}


@dataclass
class DbtRun:
    """What one dbt command did: exit code, node counts by resource type and status, failures."""

    args: list[str]
    returncode: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    output_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def count(self, resource_type: str, status: str) -> int:
        return self.counts.get(resource_type, {}).get(status, 0)

    def summary(self) -> str:
        parts = []
        for kind, statuses in sorted(self.counts.items()):
            parts.append(kind + " " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        return "; ".join(parts) or "no nodes ran"


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(1)


def read_run_results(results_file: Path, run: DbtRun) -> None:
    """Fill counts and failures from dbt's run_results.json (when dbt got as far as writing it)."""
    if not results_file.exists():
        return
    data = json.loads(results_file.read_text(encoding="utf-8"))
    run.elapsed_seconds = float(data.get("elapsed_time") or 0.0)
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
            run.failures.append(f"{unique_id}: {status}{suffix} {message}".strip())
    run.counts = {kind: dict(c) for kind, c in counts.items()}


def run_dbt(
    args: list[str],
    paths: Paths,
    dbt_vars: dict[str, object] | None = None,
    target: str | None = None,
    on_model_start: Callable[[subprocess.Popen[str]], None] | None = None,
    results_name: str = "run_results.json",
) -> DbtRun:
    """Run `dbt <args>` in the project directory; stream its output to the log; summarise its results."""
    command = [dbt_executable(), *args, "--no-use-colors"]
    if target:
        command += ["--target", target]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars, sort_keys=True, default=str)]
    env = {**os.environ, **paths.dbt_env()}
    results_file = paths.target_dir / results_name
    results_file.unlink(missing_ok=True)
    log.info("$ dbt %s", " ".join(command[1:]))
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        command,
        cwd=paths.project_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        preexec_fn=_die_with_parent,  # only sets the parent-death signal
    ) as proc:
        assert proc.stdout is not None
        started_models = False
        try:
            for line in proc.stdout:
                text = line.rstrip()
                tail.append(text)
                output_log.info("dbt | %s", text)
                if on_model_start and not started_models and MODEL_START.search(text):
                    started_models = True
                    on_model_start(proc)
        except BaseException:
            proc.kill()  # interrupted (SIGTERM, Ctrl-C): never leave dbt writing the build database
            raise
        returncode = proc.wait()
    run = DbtRun(args=args, returncode=returncode, output_tail=list(tail))
    read_run_results(results_file, run)
    if not run.ok and not run.failures:
        errors = [t for t in tail if "error" in t.lower()]
        run.failures = errors[-5:] or list(tail)[-5:]
    log.info("dbt %s: exit %d, %s (%.1f s)", args[0], returncode, run.summary(), time.monotonic() - started)
    return run
