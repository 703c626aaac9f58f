"""The nightly pipeline on PostgreSQL, end to end, in a private cluster (pg_cluster.py).

One module fixture runs `python -m scripts.pipeline run --target postgres` on the bundled sample (load with
COPY, freshness, dbt build without data tests: test_cross_engine.py runs every data and unit test on
PostgreSQL, validation with great-expectations' SQL data source, publish). A second run publishes while
a reader thread, holding connections from a psycopg pool, polls the serving schema: it must never see an
error, and its first query after the publish returns must see the new version. Then rollback, status
and the read-only role.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1200)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVING = "sales_kpis"
NO_DATA_TESTS = ["--exclude", "resource_type:test"]


@dataclass
class PgPipeline:
    env: dict[str, str]
    tmp: Path
    runs: list[str] = field(default_factory=list)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "scripts.pipeline", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if check and proc.returncode != 0:
            pytest.fail(f"pipeline {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}")
        return proc

    def status(self) -> dict[str, Any]:
        return json.loads(self.run("status", "--target", "postgres", "--json").stdout)

    def connect(self, **overrides: Any):
        import psycopg

        return psycopg.connect(
            host=self.env["SALES_KPIS_PG_HOST"],
            port=int(self.env["SALES_KPIS_PG_PORT"]),
            user=overrides.pop("user", self.env["SALES_KPIS_PG_USER"]),
            dbname=self.env["SALES_KPIS_PG_DBNAME"],
            **overrides,
        )

    def conninfo(self, user: str | None = None) -> str:
        return (
            f"host={self.env['SALES_KPIS_PG_HOST']} port={self.env['SALES_KPIS_PG_PORT']} "
            f"user={user or self.env['SALES_KPIS_PG_USER']} dbname={self.env['SALES_KPIS_PG_DBNAME']}"
        )


@pytest.fixture(scope="module")
def pg(postgres_cluster, tmp_path_factory: pytest.TempPathFactory) -> PgPipeline:
    tmp = tmp_path_factory.mktemp("pg_pipeline")
    env = {
        **os.environ,
        **postgres_cluster.create_database("sales_kpis_pipeline"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "SALES_KPIS_STATE_DIR": str(tmp / "state"),
        "SALES_KPIS_DUCKDB_PATH": str(tmp / "build-unused.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(tmp / "serving" / "serving-unused.duckdb"),
        "SALES_KPIS_PG_SERVING_SCHEMA": SERVING,
        "SALES_KPIS_PG_READER_ROLE": "test_reader",
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SALES_KPIS_TARGET", None)
    pipeline = PgPipeline(env, tmp)
    pipeline.run("run", "--target", "postgres", *NO_DATA_TESTS)
    pipeline.runs.append(pipeline.status()["served"]["run_id"])
    return pipeline


def test_run_loads_with_accounting_and_publishes(pg: PgPipeline) -> None:
    status = pg.status()
    assert status["served"]["run_id"] == pg.runs[0]
    assert status["served"]["table_count"] > 40
    with pg.connect() as con:
        # the loader's accounting, as on DuckDB: every line of every file loaded or rejected
        files = con.execute(
            "select table_name, records_in_file, loaded_records, rejected_records from raw._load_files"
        ).fetchall()
        assert len(files) >= 16
        for table, records, loaded, rejected in files:
            assert records == loaded + rejected, table
            (rows,) = con.execute(f'select count(*) from raw."{table}"').fetchone()
            assert rows == loaded, table
        kpis = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = %s and table_name like 'kpi%%'",
            [SERVING],
        ).fetchone()[0]
        assert kpis == 20
        (revenue_rows,) = con.execute(f"select count(*) from {SERVING}.kpi_revenue_monthly").fetchone()
        assert revenue_rows > 0
        published = dict(
            con.execute(f"select table_name, row_count from {SERVING}.pipeline_published_tables")
        )
        assert published["marts.kpi_revenue_monthly"] == revenue_rows
        # the as-of date reached PostgreSQL's dbt in the environment (D115): the sample's date, not today
        (as_of,) = con.execute(f"select max(as_of_date) from {SERVING}.dim_months").fetchone()
    assert str(as_of) == status["served"]["as_of_date"] == "2026-11-15"


def test_pooled_reader_sees_new_version_right_after_publish(pg: PgPipeline) -> None:
    from psycopg_pool import ConnectionPool

    errors: list[str] = []
    seen: list[tuple[float, str]] = []
    stop = threading.Event()

    def read(pool: ConnectionPool) -> None:
        while not stop.is_set():
            try:
                with pool.connection() as con:
                    run_id = con.execute(f"select run_id from {SERVING}.pipeline_version").fetchone()[0]
                    con.execute(
                        f"select count(*), sum(revenue) from {SERVING}.kpi_revenue_monthly"
                    ).fetchone()
                seen.append((time.monotonic(), run_id))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    with ConnectionPool(pg.conninfo(), min_size=2, max_size=2, open=True) as pool:
        readers = [threading.Thread(target=read, args=(pool,), daemon=True) for _ in range(2)]
        for thread in readers:
            thread.start()
        try:
            # a quick second run: no load, one leaf view rebuilt (on PostgreSQL dbt replaces a relation
            # with DROP ... CASCADE, so a --select must include the children of what it rebuilds), every
            # served relation published again
            pg.run("run", "--target", "postgres", "--skip-load", "--select", "kpi_scorecard", "--allow-stale")
            published = time.monotonic()
            new_run = pg.status()["served"]["run_id"]
            with pool.connection() as con:
                right_after = con.execute(f"select run_id from {SERVING}.pipeline_version").fetchone()[0]
            time.sleep(0.5)
        finally:
            stop.set()
            for thread in readers:
                thread.join(timeout=30)
    pg.runs.append(new_run)
    assert errors == []
    assert new_run != pg.runs[0]
    assert right_after == new_run
    assert {run for _, run in seen} == {pg.runs[0], new_run}
    # every read after the publish returned saw the new version
    assert all(run == new_run for moment, run in seen if moment > published)
    assert len(seen) > 20


def test_rollback_and_status(pg: PgPipeline) -> None:
    first, second = pg.runs[:2]
    status = pg.status()
    assert status["served"]["run_id"] == second
    assert first in status["versions"]
    pg.run("rollback", "--target", "postgres")
    status = pg.status()
    assert status["served"]["run_id"] == first
    assert second in status["versions"]
    pg.run("rollback", "--target", "postgres", "--to", second)
    assert pg.status()["served"]["run_id"] == second
    bad = pg.run("rollback", "--target", "postgres", "--to", "20000101T000000Z-000000", check=False)
    assert bad.returncode == 8
    assert pg.status()["served"]["run_id"] == second


def test_read_only_role_reads_the_serving_schema_only(pg: PgPipeline) -> None:
    import psycopg

    proc = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline.engines.pg_roles"],
        cwd=PROJECT_ROOT,
        env=pg.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    with pg.connect(user="test_reader", autocommit=True) as con:
        (rows,) = con.execute(f"select count(*) from {SERVING}.kpi_win_rate_monthly").fetchone()
        assert rows > 0
        for forbidden in ("marts.fct_orders", "raw.accounts", "staging.stg_crm__accounts"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(f"select 1 from {forbidden} limit 1")
        archived = pg.status()["versions"][0]
        schema = f"{SERVING}__v{archived.lower().replace('-', '_')}"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(f"select 1 from {schema}.pipeline_version")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(f"create table {SERVING}.mine (x int)")
    # the next publish grants the role the new version too (grants are per schema: granted at publish)
    pg.run("rollback", "--target", "postgres")
    with pg.connect(user="test_reader", autocommit=True) as con:
        (run_id,) = con.execute(f"select run_id from {SERVING}.pipeline_version").fetchone()
        assert run_id == pg.runs[0]
