"""The pipeline's own DuckDB connections take the profile's settings, rendered as dbt renders them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from scripts import profile
from scripts.contract import PROJECT_ROOT

PROJECT = """name: p
profile: p
"""
PROFILES = """p:
  outputs:
    duckdb:
      type: duckdb
      settings:
        memory_limit: "{{ env_var('TEST_PROFILE_MEMORY', '40%') }}"
        TimeZone: UTC
        "threads; drop table x": 1
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "dbt_project.yml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "profiles.yml").write_text(PROFILES, encoding="utf-8")
    return tmp_path


def test_settings_are_rendered_with_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project(tmp_path)
    monkeypatch.delenv("TEST_PROFILE_MEMORY", raising=False)
    assert profile.duckdb_settings(project) == {"memory_limit": "40%", "TimeZone": "UTC"}
    monkeypatch.setenv("TEST_PROFILE_MEMORY", "3GB")
    assert profile.duckdb_settings(project)["memory_limit"] == "3GB"


def test_a_name_that_is_not_a_setting_name_is_left_out(tmp_path: Path) -> None:
    assert all(" " not in name for name in profile.duckdb_settings(_project(tmp_path)))


def test_a_variable_without_default_must_be_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_PROFILE_UNSET", raising=False)
    with pytest.raises(KeyError, match="TEST_PROFILE_UNSET"):
        profile.env_var("TEST_PROFILE_UNSET")


def test_the_settings_reach_a_connection_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALES_KPIS_DUCKDB_MEMORY_LIMIT", "1GB")
    settings = profile.duckdb_settings(PROJECT_ROOT)
    with duckdb.connect() as con:
        profile.apply_settings(con, settings)
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        disabled = con.execute("select current_setting('disabled_optimizers')").fetchone()[0]
        with pytest.raises(duckdb.Error):
            profile.apply_settings(con, {"memory_limit": "1GB'; select 1; --"})
    assert limit == "953.6 MiB"  # 1 GB, shown in GiB
    assert "common_subexpressions" in disabled.lower()
