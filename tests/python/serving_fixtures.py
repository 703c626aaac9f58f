"""Tiny build databases and publishes for the serving tests (no dbt: seconds, not minutes)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from scripts.pipeline import publish
from scripts.pipeline.checks import served_relations
from scripts.pipeline.config import Paths
from scripts.pipeline.history import write_build_marker

RUNS = [f"2026111{i}T010000Z-00000{i}" for i in range(6)]


def make_paths(root: Path, keep_versions: int = 2) -> Paths:
    env = {
        "SALES_KPIS_DUCKDB_PATH": str(root / "build.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(root / "serving" / "sales_kpis.duckdb"),
        "SALES_KPIS_STATE_DIR": str(root / "state"),
        "DBT_TARGET_PATH": str(root / "target"),
    }
    return Paths.from_env(env, keep_versions=keep_versions)


def make_build(paths: Paths, revenue: tuple[str, ...] = ("100.50", "200.25", "300.00")) -> None:
    """A fact table with decimal money and a timestamp, and a KPI view naming the catalog (as dbt-duckdb)."""
    db = paths.build_db
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts; create schema intermediate")
        values = ", ".join(
            f"(date '2026-0{i + 1}-01', 'r1', {amount}::decimal(18, 2), "
            f"timestamp '2026-0{i + 1}-02 03:04:05')"
            for i, amount in enumerate(revenue)
        )
        con.execute(
            f"create table marts.fct_sales as select * from (values {values}) "
            "t(month_start, rep_id, revenue, loaded_at)"
        )
        con.execute(
            f"create view marts.kpi_sales as select month_start, rep_id, sum(revenue) as revenue, "
            f"count(*) as deals from {db.stem}.marts.fct_sales group by all"
        )
        con.execute("create table intermediate.int_unmapped_labels as select 'stage' as label_type")


def manifest() -> dict[str, object]:
    def node(name: str, schema: str, materialized: str) -> dict[str, object]:
        config = {"materialized": materialized, "enabled": True, "meta": {}}
        return {"resource_type": "model", "name": name, "schema": schema, "alias": name, "config": config}

    return {
        "nodes": {
            "model.p.kpi_sales": node("kpi_sales", "marts", "view"),
            "model.p.fct_sales": node("fct_sales", "marts", "table"),
            "model.p.int_unmapped_labels": node("int_unmapped_labels", "intermediate", "table"),
        }
    }


def do_publish(paths: Paths, run_id: str) -> publish.PublishedVersion:
    version = {"run_id": run_id, "as_of_date": "2026-11-15", "published_at": "2026-11-16T01:00:00+00:00"}
    return publish.publish(paths, served_relations(manifest()), version, [], {})


def mark_build_complete(paths: Paths, run_id: str) -> None:
    """What a successful `run` leaves for `publish`: the build marker and the manifest copy."""
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    (paths.state_dir / "build-manifest.json").write_text(json.dumps(manifest()), encoding="utf-8")
    write_build_marker(
        paths.build_marker,
        {"run_id": run_id, "as_of_date": "2026-11-15", "mode": "sample", "raw_source": "test"},
    )


def served_tables_intact(serving_db: Path) -> tuple[str, bool]:
    """The served run id, and whether every table matches the checksum published with it."""
    with duckdb.connect(str(serving_db), read_only=True) as con:
        run_id = con.execute("select run_id from pipeline.version").fetchone()[0]
        catalog = con.execute("select current_database()").fetchone()[0]
        rows = con.execute(
            "select schema_name, table_name, checksum from pipeline.published_tables"
        ).fetchall()
        intact = all(publish.table_checksum(con, catalog, s, t)[1] == checksum for s, t, checksum in rows)
    return run_id, intact and len(rows) > 0
