"""One serving file for the dashboard and semantic-layer tests, published from the sample build.

`make test` builds the bundled sample into warehouse/test.duckdb (`make dbt-test`) before pytest runs; the
tests publish it into a serving file of their own with the pipeline's own publish code
(scripts.pipeline.publish.write_version: the same plain tables and `pipeline` schema a nightly run
serves), which takes seconds instead of the minutes of a second pipeline run. When the sample build is
missing or older than the models (pytest run on its own), it is built first, under a lock so that parallel
test files build it once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from scripts import profile
from scripts.contract import PROJECT_ROOT
from scripts.pipeline import publish
from scripts.pipeline.checks import DATA_QUALITY_MODELS, SERVED_PREFIXES, Relation

SAMPLE_BUILD = PROJECT_ROOT / "warehouse" / "test.duckdb"
SAMPLE_AS_OF = "2026-11-15"
SOURCES = ("models", "macros", "seeds", "dbt_project.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = PROJECT_ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def sample_build() -> Path:
    """warehouse/test.duckdb, built now if it is missing or older than the models it is built from."""
    SAMPLE_BUILD.parent.mkdir(parents=True, exist_ok=True)
    with (SAMPLE_BUILD.parent / ".test-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SAMPLE_BUILD.exists() or SAMPLE_BUILD.stat().st_mtime < _newest_source_mtime():
            env = {
                **os.environ,
                "SALES_KPIS_DUCKDB_PATH": str(SAMPLE_BUILD),
                "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            }
            subprocess.run(
                [sys.executable, "-m", "scripts.build_warehouse", "--raw-dir", "seeds/sample_crm"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=900,
            )
    return SAMPLE_BUILD


def served_relations(con: duckdb.DuckDBPyConnection) -> list[Relation]:
    """The relations a nightly publish serves, read from the build database's catalog."""
    rows = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_schema in ('marts', 'intermediate') order by 1, 2"
    ).fetchall()
    return [
        Relation(name, schema, name, "view" if kind == "VIEW" else "table")
        for schema, name, kind in rows
        if name.startswith(SERVED_PREFIXES) or name in DATA_QUALITY_MODELS
    ]


def publish_copy(build_db: Path, serving: Path, run_id: str, rename: dict[str, str] | None = None) -> Path:
    """Publish `build_db` into a new serving file `serving` (version `run_id`, as of the sample's date).

    `rename` maps SQL update statements' targets: {"marts.dim_reps.full_name": "<text>"} sets that column
    of every row to the text, for tests of hostile names (applied to the serving copy only)."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    serving.unlink(missing_ok=True)
    now = dt.datetime.now(dt.UTC)
    version = {
        "run_id": run_id,
        "as_of_date": SAMPLE_AS_OF,
        "published_at": now.isoformat(),
        "mode": "sample",
        "raw_source": "seeds/sample_crm",
        "dbt_target": None,
    }
    history = [
        {
            "run_id": run_id,
            "command": "run",
            "status": "published",
            "exit_code": 0,
            "started_at": now.isoformat(),
            "ended_at": now.isoformat(),
            "as_of_date": SAMPLE_AS_OF,
            "published_version": run_id,
        }
    ]
    settings = profile.duckdb_settings(PROJECT_ROOT, None)
    with publish.connect_build(build_db, settings) as con:
        publish.write_version(con, serving, served_relations(con), version, history)
    if rename:
        with duckdb.connect(str(serving)) as con:
            for target, text in rename.items():
                schema, table, column = target.split(".")
                con.execute(f'update "{schema}"."{table}" set "{column}" = ? || "{column}"', [text])
    return serving
