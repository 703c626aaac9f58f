"""The lower bound: the compiled SQL of the same models, executed directly in one DuckDB connection.

The project is compiled (`dbt compile --full-refresh`, same vars as the nightly run: incremental models
as a full build runs them) against the nightly's build database; the database is copied (same file name,
so the compiled relation names resolve), its model relations are dropped, and every model's compiled
SQL runs as `create or replace table / view ... as`, in dependency order, in one connection with the
profile's DuckDB settings. Models only: no data tests, no seeds (they are in the copy already), no load,
no dbt start-up or parse. Ephemeral models are part of their dependents' compiled SQL.

Each model's CPU and wall time are kept: dbt's node times overlap on its threads (a model waits for the
other thread's), so the bound is where the cost of one model's SQL is read.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from scripts.benchmark.nightly import Workspace
from scripts.contract import PROJECT_ROOT
from scripts.dbt_cli import run_dbt
from scripts.profile import apply_settings, duckdb_settings

MATERIALIZED = {"table": "table", "incremental": "table", "view": "view"}


@dataclass(frozen=True)
class ModelCost:
    model: str
    cpu_s: float
    wall_s: float


@dataclass(frozen=True)
class Bound:
    wall_s: float
    cpu_s: float
    models: int
    compile_wall_s: float
    costs: tuple[ModelCost, ...] = ()

    def slowest(self, count: int = 10) -> list[ModelCost]:
        """The models of most CPU, most first."""
        return sorted(self.costs, key=lambda c: (-c.cpu_s, c.model))[:count]


def models_in_order(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's non-ephemeral models, each after the models it depends on."""
    nodes = {k: v for k, v in manifest["nodes"].items() if v.get("resource_type") == "model"}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(unique_id: str) -> None:
        if state.get(unique_id) == 2:
            return
        if state.get(unique_id) == 1:
            raise ValueError(f"dependency cycle at {unique_id}")
        state[unique_id] = 1
        for parent in nodes[unique_id].get("depends_on", {}).get("nodes", []):
            if parent in nodes:
                visit(parent)
        state[unique_id] = 2
        order.append(unique_id)

    for unique_id in sorted(nodes):
        visit(unique_id)
    return [nodes[u] for u in order if nodes[u].get("config", {}).get("materialized") in MATERIALIZED]


def compile_project(
    workspace: Workspace, dbt_vars: dict[str, object], target_dir: Path
) -> tuple[dict[str, Any], float]:
    """dbt compile against the nightly's build database; returns the manifest and the wall time."""
    started = time.perf_counter()
    result = run_dbt(
        ["compile", "--full-refresh"],
        dbt_vars,
        env={k: v for k, v in workspace.env().items() if k != "DBT_TARGET_PATH"},
        target_path=target_dir,
        quiet=True,
        project_dir=PROJECT_ROOT,
    )
    if not result.ok:
        raise RuntimeError(f"dbt compile failed: {result.failures}")
    manifest = json.loads((target_dir / "manifest.json").read_text(encoding="utf-8"))
    return manifest, time.perf_counter() - started


def run_bound(workspace: Workspace, dbt_vars: dict[str, object]) -> Bound:
    """Compile, copy the build database, then time the models' SQL in one connection."""
    bound_dir = workspace.root / "bound"
    shutil.rmtree(bound_dir, ignore_errors=True)
    bound_dir.mkdir(parents=True)
    manifest, compile_wall = compile_project(workspace, dbt_vars, bound_dir / "target")
    models = models_in_order(manifest)
    database = bound_dir / workspace.build_db.name  # same file name: the same catalog name
    shutil.copyfile(workspace.build_db, database)
    con = duckdb.connect(str(database))
    try:
        apply_settings(con, duckdb_settings(PROJECT_ROOT, None))
        for node in reversed(models):
            kind = MATERIALIZED[node["config"]["materialized"]]
            other = "table" if kind == "view" else "view"
            con.execute(f"drop {kind} if exists {node['relation_name']}")
            con.execute(f"drop {other} if exists {node['relation_name']}")
        for schema in sorted({(n["database"], n["schema"]) for n in models}):
            con.execute(f'create schema if not exists "{schema[0]}"."{schema[1]}"')
        costs = []
        cpu, wall = time.process_time(), time.perf_counter()
        for node in models:
            kind = MATERIALIZED[node["config"]["materialized"]]
            sql = node["compiled_code"].strip().rstrip(";")
            model_cpu, model_wall = time.process_time(), time.perf_counter()
            con.execute(f"create or replace {kind} {node['relation_name']} as (\n{sql}\n)")
            costs.append(
                ModelCost(node["name"], time.process_time() - model_cpu, time.perf_counter() - model_wall)
            )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        con.close()
    database.unlink(missing_ok=True)
    database.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    return Bound(wall_s=wall, cpu_s=cpu, models=len(models), compile_wall_s=compile_wall, costs=tuple(costs))
