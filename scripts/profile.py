"""Read one block of an output in profiles.yml as dbt sees it: each value rendered with `env_var()`.

profiles.yml is the one place an engine is configured. The pipeline's own connections (publish, validate,
the benchmark's lower bound, the local Spark session) take their settings from it, so a value set by an
environment variable there (a DuckDB memory limit, a Spark directory) holds for them as it does for dbt.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import jinja2
import yaml

from scripts.contract import PROJECT_ROOT

PROFILES_FILE = PROJECT_ROOT / "profiles.yml"
PROFILE_NAME = "sales_kpis"
SETTING_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def env_var(name: str, default: str | None = None) -> str:
    """dbt's env_var(): the variable's value, else the default; KeyError when there is neither."""
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"environment variable {name} is not set and has no default")
    return value


def output_block(
    output: str, block: str, profiles_file: Path = PROFILES_FILE, profile_name: str = PROFILE_NAME
) -> dict[str, str]:
    """`block` (settings, server_side_parameters, ...) of `output`, every value rendered; {} when absent."""
    profiles = yaml.safe_load(profiles_file.read_text(encoding="utf-8")) or {}
    values = profiles.get(profile_name, {}).get("outputs", {}).get(output, {}).get(block) or {}
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.globals["env_var"] = env_var
    return {str(k): env.from_string(str(v)).render() for k, v in values.items()}


def duckdb_settings(project_dir: Path = PROJECT_ROOT, target: str | None = None) -> dict[str, str]:
    """The `settings:` of the DuckDB output (default `duckdb`) of the project's profile, rendered as dbt
    renders them, so views evaluate as dbt built them and every connection keeps the same memory limit.
    A name that is not a plain setting name is left out; {} when the files cannot be read."""
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
        settings = output_block(
            target or "duckdb", "settings", project_dir / "profiles.yml", str(project.get("profile"))
        )
    except (OSError, yaml.YAMLError, AttributeError):
        return {}
    return {k: v for k, v in settings.items() if SETTING_NAME.fullmatch(k.lower())}


def apply_settings(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    """SET each setting on `con` (names come from duckdb_settings; values are quoted)."""
    for key, value in settings.items():
        con.execute(f"set {key} = '" + value.replace("'", "''") + "'")
