"""The engine dispatch and the PostgreSQL engine's pure parts (no database: test_postgres_pipeline.py
runs them against a server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.load_raw import LoadError
from scripts.pipeline.engines.base import EngineError, engine_for, target_type
from scripts.pipeline.engines.pg_connect import PgSettings
from scripts.pipeline.engines.pg_load import pg_type
from scripts.pipeline.engines.postgres import PostgresEngine, archive_schema

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_engine_for_reads_the_target_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALES_KPIS_TARGET", raising=False)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(PROJECT_ROOT))
    assert target_type(PROJECT_ROOT, None) == "duckdb"
    assert engine_for(PROJECT_ROOT, None, tmp_path) is None
    assert engine_for(PROJECT_ROOT, "serving", tmp_path) is None
    assert isinstance(engine_for(PROJECT_ROOT, "postgres", tmp_path), PostgresEngine)
    # an unknown target is left to dbt to report, as before engines existed
    assert engine_for(PROJECT_ROOT, "nope", tmp_path) is None
    profiles = tmp_path / "profiles.yml"
    profiles.write_text("sales_kpis:\n  outputs:\n    wh:\n      type: snowflake\n", encoding="utf-8")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    with pytest.raises(EngineError, match="snowflake"):
        engine_for(PROJECT_ROOT, "wh", tmp_path)


def test_postgres_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SALES_KPIS_PG_HOST": "db", "SALES_KPIS_PG_PORT": "6543", "SALES_KPIS_PG_PASSWORD": "s3cr'et"}
    settings = PgSettings.from_env(env)
    assert (settings.host, settings.port, settings.user, settings.dbname) == (
        "db",
        6543,
        "postgres",
        "sales_kpis",
    )
    assert "s3cr" not in settings.describe()
    with pytest.raises(ValueError, match="PORT"):
        PgSettings.from_env({"SALES_KPIS_PG_PORT": "5432; drop"})
    monkeypatch.setenv("SALES_KPIS_PG_SERVING_SCHEMA", "bi; drop schema raw")
    with pytest.raises(EngineError, match="serving schema"):
        PostgresEngine.from_env()


def test_archive_schema_names_a_run() -> None:
    assert archive_schema("sales_kpis", "20261201T120000Z-1a2b3c") == "sales_kpis__v20261201t120000z_1a2b3c"
    with pytest.raises(EngineError):
        archive_schema("sales_kpis", "x; drop schema sales_kpis")


def test_loader_type_mapping() -> None:
    assert pg_type("VARCHAR", "t.c") == "text"
    assert pg_type("DECIMAL(18,2)", "t.c") == "numeric(18, 2)"
    assert pg_type("TIMESTAMP WITH TIME ZONE", "t.c") == "timestamptz"
    with pytest.raises(LoadError, match=r"t\.c"):
        pg_type("STRUCT(a INTEGER)", "t.c")
