"""The full nightly run, measured: `python -m scripts.pipeline run` in its own warehouse folder.

Per-phase wall time comes from the pipeline's run record (state/runs/<run_id>.json: one step each for
load, freshness, build, stage, validate, publish), per-phase CPU from the process-tree samples taken during
those steps, and the split of the dbt build from dbt's run_results.json (node time by resource type and layer;
"startup and parse" is the build step's wall time minus dbt's own elapsed time for the nodes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.benchmark.measure import Measured, TreeSampler, run_measured
from scripts.contract import PROJECT_ROOT
from scripts.dbt_cli import run_dbt

BUILD_DB_NAME = "build.duckdb"
# the vars the pipeline gives dbt on a plain `run` (scripts/pipeline/runner.py `_dbt_vars`): dbt refuses a
# saved parse made with other vars
PIPELINE_DBT_VARS = {"raw_schema": "raw"}


@dataclass(frozen=True)
class Workspace:
    """Where a benchmark run keeps its own warehouse, so it never touches the project's."""

    root: Path

    @property
    def build_db(self) -> Path:
        return self.root / BUILD_DB_NAME

    @property
    def serving_db(self) -> Path:
        return self.root / "serving" / "sales_kpis.duckdb"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def target_dir(self) -> Path:
        return self.root / "target"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        """The environment of the pipeline and dbt processes."""
        return {
            **os.environ,
            "SALES_KPIS_DUCKDB_PATH": str(self.build_db),
            "SALES_KPIS_SERVING_PATH": str(self.serving_db),
            "SALES_KPIS_STATE_DIR": str(self.state_dir),
            "SALES_KPIS_TARGET": "duckdb",
            "DBT_TARGET_PATH": str(self.target_dir),
            "DBT_LOG_PATH": str(self.logs_dir / "dbt"),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
        }


def _unix(iso: str | None) -> float | None:
    return dt.datetime.fromisoformat(iso).timestamp() if iso else None


def run_record(workspace: Workspace) -> dict[str, Any]:
    """The record of the latest pipeline run in the workspace."""
    runs = sorted((workspace.state_dir / "runs").glob("*.json"))
    runs = [p for p in runs if not p.name.endswith(".validation.json")]
    if not runs:
        raise RuntimeError(f"the pipeline left no run record in {workspace.state_dir / 'runs'}")
    return json.loads(runs[-1].read_text(encoding="utf-8"))


def dbt_breakdown(
    run_results: Path, build: tuple[float, float] | None = None, sampler: TreeSampler | None = None
) -> dict[str, Any]:
    """What dbt spent its build on: node seconds by resource type and by model layer, the slowest models,
    and (given the build step's start and end) the step cut into process start, parse and the nodes, with
    the tree's CPU in each window when a sampler is given."""
    if not run_results.exists():
        return {}
    data = json.loads(run_results.read_text(encoding="utf-8"))
    by_type: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    by_layer: dict[str, float] = defaultdict(float)
    models: list[tuple[float, str]] = []
    first_node: float | None = None
    for node in data.get("results", []):
        unique_id = str(node.get("unique_id", ""))
        kind = unique_id.split(".", 1)[0]
        seconds = float(node.get("execution_time") or 0.0)
        by_type[kind] += seconds
        count[kind] += 1
        for timing in node.get("timing") or []:
            started = _unix(timing.get("started_at"))
            if started is not None and (first_node is None or started < first_node):
                first_node = started
        if kind == "model":
            name = unique_id.rsplit(".", 1)[-1]
            by_layer[layer_of(name)] += seconds
            models.append((seconds, name))
    elapsed = float(data.get("elapsed_time") or 0.0)
    out: dict[str, Any] = {
        "elapsed_s": round(elapsed, 2),
        "node_seconds": {k: round(v, 2) for k, v in sorted(by_type.items())},
        "nodes": dict(sorted(count.items())),
        "model_seconds_by_layer": {k: round(v, 2) for k, v in sorted(by_layer.items())},
        "slowest_models": [{"model": m, "seconds": round(s, 2)} for s, m in sorted(models, reverse=True)[:8]],
    }
    if build is not None:
        out["startup_and_parse_s"] = round(max(0.0, build[1] - build[0] - elapsed), 2)
        invoked = _unix(str((data.get("metadata") or {}).get("invocation_started_at") or "") or None)
        if invoked is not None and first_node is not None:
            windows = {
                "process_start": (build[0], invoked),
                "parse_and_compile_graph": (invoked, first_node),
                "nodes": (first_node, build[1]),
            }
            out["windows"] = {
                name: {
                    "wall_s": round(max(0.0, end - start), 2),
                    "cpu_s": None if sampler is None else _rounded(sampler.cpu_between(start, end)),
                }
                for name, (start, end) in windows.items()
            }
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def layer_of(model: str) -> str:
    """The layer a model belongs to, from its name."""
    for prefix, layer in (
        ("base_crm__", "staging_base"),
        ("stg_", "staging_views"),
        ("int_", "intermediate"),
        ("dim_", "marts_dimensions"),
        ("fct_", "marts_facts"),
        ("kpi_", "kpi_views"),
    ):
        if model.startswith(prefix):
            return layer
    return "other"


def prime_parse(workspace: Workspace) -> None:
    """Give the workspace the saved parse a previous night would have left (unmeasured), unless it has one.

    A new as-of date no longer makes dbt parse the whole project (it reaches the models in the environment,
    D115), so a night starts from the last night's parse; only a changed project file is parsed again."""
    if (workspace.target_dir / "partial_parse.msgpack").exists():
        return
    workspace.root.mkdir(parents=True, exist_ok=True)
    result = run_dbt(
        ["parse"], PIPELINE_DBT_VARS, env=workspace.env(), target_path=workspace.target_dir, quiet=True
    )
    if not result.ok:
        raise RuntimeError(f"dbt parse failed: {result.output_tail[-5:]}")


def parse_kind(dbt_log: str) -> str | None:
    """How the dbt of a night parsed, from its log: "partial" (a saved parse re-used), "full", or None."""
    if "Unable to do partial parsing" in dbt_log or "Starting full parse" in dbt_log:
        return "full"
    if "Partial parsing enabled" in dbt_log:
        return "partial"
    return None


def _log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def log_since(path: Path, start: int) -> str:
    """What dbt wrote to its log after it was `start` bytes long. dbt rotates dbt.log at 10 MB: a log
    shorter than `start` was rotated during the run, and its beginning is in dbt.log.1 from `start` on."""
    texts: list[bytes] = []
    if _log_size(path) < start:
        rotated = path.with_name(path.name + ".1")
        if rotated.exists():
            with rotated.open("rb") as handle:
                handle.seek(start)
                texts.append(handle.read())
        start = 0
    if path.exists():
        with path.open("rb") as handle:
            handle.seek(start)
            texts.append(handle.read())
    return b"".join(texts).decode("utf-8", "replace")


def run_full(workspace: Workspace, raw_dir: Path, log: Path) -> tuple[Measured, dict[str, Any]]:
    """A complete nightly run on a new build database, as a regular night: dbt starts from the previous
    night's saved parse (made first when the workspace has none, see `prime_parse`)."""
    prime_parse(workspace)
    for path in (workspace.build_db, workspace.build_db.with_suffix(".duckdb.wal")):
        path.unlink(missing_ok=True)
    return run_night(workspace, raw_dir, log)


def run_night(
    workspace: Workspace, raw_dir: Path, log: Path, options: tuple[str, ...] = ()
) -> tuple[Measured, dict[str, Any]]:
    """One `python -m scripts.pipeline run` on `raw_dir` in the workspace (with `options`, e.g.
    --incremental), measured: wall, CPU and peak RSS of the process tree, per step and per dbt layer."""
    workspace.root.mkdir(parents=True, exist_ok=True)
    dbt_log = workspace.logs_dir / "dbt" / "dbt.log"
    log_start = _log_size(dbt_log)
    command = [
        sys.executable, "-m", "scripts.pipeline", "run", "--raw-dir", str(raw_dir), "--allow-stale", *options
    ]  # fmt: skip
    measured = run_measured(command, env=workspace.env(), cwd=PROJECT_ROOT, log=log)
    if measured.returncode != 0:
        raise RuntimeError(
            f"the nightly run failed (exit {measured.returncode}); see {log}:\n{measured.output_tail}"
        )
    record = run_record(workspace)
    dbt_parse = parse_kind(log_since(dbt_log, log_start))
    phases: dict[str, Any] = {}
    for step in record.get("steps", []):
        start, end = _unix(step.get("started_at")), _unix(step.get("ended_at"))
        if start is None or end is None:
            continue
        cpu = measured.sampler.cpu_between(start, end)
        phases[step["name"]] = {
            "wall_s": round(end - start, 2),
            "cpu_s": None if cpu is None else round(cpu, 2),
            "status": step.get("status"),
        }
    steps_wall = sum(p["wall_s"] for p in phases.values())
    phases["process_start_and_bookkeeping"] = {"wall_s": round(max(0.0, measured.wall_s - steps_wall), 2)}
    build_step = next((s for s in record.get("steps", []) if s.get("name") == "build"), {})
    start, end = _unix(build_step.get("started_at")), _unix(build_step.get("ended_at"))
    window = (start, end) if start is not None and end is not None else None
    details = {
        "run_id": record.get("run_id"),
        "status": record.get("status"),
        "as_of_date": record.get("as_of_date"),
        "dbt_parse": dbt_parse,
        "phases": phases,
        "dbt": dbt_breakdown(workspace.target_dir / "run_results.json", window, measured.sampler),
        "dbt_counts": record.get("dbt_counts"),
        "expectations": record.get("expectations"),
    }
    return measured, details
