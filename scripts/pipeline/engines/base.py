"""What the pipeline needs from a warehouse that is not the embedded DuckDB file.

DuckDB keeps its own code path (scripts/load_raw.py, validate.py, publish.py: a build file and a serving
file). Every other dbt target is an Engine: the runner, the CLI and `status` call these methods instead,
and nothing else in the pipeline knows which database it talks to. `engine_for(target)` reads the
target's `type` in profiles.yml and returns None for DuckDB.

Contract of each method (a failure raises EngineError with a message for the operator; nothing served
changes unless publish or rollback returns):
  load(raw_dir, schema, **options)  replace the raw schema with the directory's contract tables, with the
                                    DuckDB loader's accounting (`_load_files`, `_load_rejects`) -> LoadReport
  raw_tables(schema)                the tables of the raw schema
  built_relations()                 (schema, table) of every relation dbt built
  validate(models, results_file, on_suite_done)
                                    the meta.checks expectations on the built relations -> ValidationReport
  publish(relations, version, history)
                                    make the built relations the served version in one atomic step -> info
  rollback(to)                      serve an archived version again (the previous one when `to` is None)
                                    -> (run id served before, run id served now)
  served_version()                  the version row of what is served (run_id, as_of_date, published_at,
                                    table_count), None when nothing is
  versions()                        archived versions (rollback targets), newest first
  prune(keep, protect)              drop archived versions beyond the newest `keep`
  describe()                        where the served data is, for logs and `status`
  release()                         (optional) free what a dbt process needs before the runner starts one
                                    (local Spark: its Derby metastore admits one JVM)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from scripts.load_raw import LoadReport
from scripts.pipeline.checks import CheckedModel, Relation
from scripts.pipeline.validate import ValidationReport

PROFILE_NAME = "sales_kpis"
TARGET_ENV = "SALES_KPIS_TARGET"


class EngineError(RuntimeError):
    """A warehouse operation failed; the message says what and where (never a credential)."""


@dataclass
class PublishInfo:
    """What a publish made visible."""

    run_id: str
    location: str
    checksums: dict[str, str] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def describe(self) -> str: ...

    def load(self, raw_dir: Path, schema: str, **options: Any) -> LoadReport: ...

    def raw_tables(self, schema: str) -> list[str]: ...

    def built_relations(self) -> set[tuple[str, str]]: ...

    def validate(
        self,
        models: list[CheckedModel],
        results_file: Path | None = None,
        on_suite_done: Callable[[str], None] | None = None,
    ) -> ValidationReport: ...

    def publish(
        self, relations: list[Relation], version: dict[str, Any], history: list[dict[str, Any]]
    ) -> PublishInfo: ...

    def rollback(self, to: str | None) -> tuple[str | None, str]: ...

    def served_version(self) -> dict[str, Any] | None: ...

    def versions(self) -> list[str]: ...

    def prune(self, keep: int, protect: set[str]) -> list[str]: ...


def pick_archive(archives: list[tuple[str, str, Any]], to: str | None, where: str) -> tuple[str, str]:
    """The (schema or database, run_id) a rollback serves: the newest archive, or the one of run `to`.
    `archives` are (location, run_id, published_at), newest first."""
    if not archives:
        raise EngineError(f"no archived version to roll back to in {where}")
    if to is None:
        return archives[0][0], archives[0][1]
    match = [a for a in archives if a[1] == to]
    if not match:
        raise EngineError(f"no archived version {to!r} (archived: {', '.join(a[1] for a in archives)})")
    return match[0][0], match[0][1]


def target_type(project_dir: Path, target: str | None) -> str | None:
    """The `type` of a dbt target (else SALES_KPIS_TARGET, else duckdb) in profiles.yml; None when the
    file or the target cannot be read (dbt then reports it, as before engines existed)."""
    profiles_dir = Path(os.environ.get("DBT_PROFILES_DIR") or project_dir)
    name = target or os.environ.get(TARGET_ENV) or "duckdb"
    try:
        doc = yaml.safe_load((profiles_dir / "profiles.yml").read_text(encoding="utf-8")) or {}
        output = doc[PROFILE_NAME]["outputs"][name]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return str(output.get("type")) if isinstance(output, dict) else None


def engine_for(project_dir: Path, target: str | None, state_dir: Path) -> Engine | None:
    """The Engine of a dbt target, None for DuckDB (the pipeline's own file-based path)."""
    kind = target_type(project_dir, target)
    if kind in (None, "duckdb"):
        return None
    if kind == "postgres":
        from scripts.pipeline.engines.postgres import PostgresEngine

        return PostgresEngine.from_env(state_dir)
    if kind == "spark":
        from scripts.pipeline.engines.spark import SparkEngine

        return SparkEngine.from_env(state_dir)
    raise EngineError(f"the pipeline does not support dbt targets of type {kind!r} (duckdb, postgres, spark)")
