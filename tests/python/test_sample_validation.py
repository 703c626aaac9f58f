"""The great-expectations suites pass on the sample build, in `make test`.

A KPI view's grain, not-null, range and ratio rules are checked once: by the suites the pipeline runs on
the views before it publishes them (D56, D120), not by dbt data tests as well. `make test` builds the
sample with dbt only, so this test runs those suites on it, with the pipeline's own code, and the rules
keep a check in `make test` as well as in every nightly run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from scripts import profile
from scripts.contract import PROJECT_ROOT
from scripts.pipeline.checks import checked_models
from scripts.pipeline.validate import validate_build
from tests.python.serving_sample import sample_build, served_relations


def _declared_checks() -> dict[str, Any]:
    """model name -> its YAML meta.checks, for every model that declares them."""
    found: dict[str, Any] = {}
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            checks = ((model.get("config") or {}).get("meta") or {}).get("checks")
            if checks is not None:
                found[model["name"]] = checks
    return found


def _manifest(build: Path) -> dict[str, Any]:
    """A manifest-shaped catalog of the relations a publish serves (the KPI views and their inputs), with
    the checks their YAML declares."""
    declared = _declared_checks()
    with duckdb.connect(str(build), read_only=True) as con:
        relations = served_relations(con)
    nodes = {}
    for relation in relations:
        config: dict[str, Any] = {"materialized": relation.materialized}
        if relation.name in declared:
            config["meta"] = {"checks": declared[relation.name]}
        nodes[f"model.sales_kpis.{relation.name}"] = {
            "resource_type": "model",
            "name": relation.name,
            "schema": relation.schema,
            "alias": relation.identifier,
            "config": config,
        }
    return {"nodes": nodes}


@pytest.fixture(scope="module")
def report_and_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[str]]:
    build = sample_build()
    models = checked_models(_manifest(build))
    results = tmp_path_factory.mktemp("validation") / "results.json"
    report = validate_build(build, models, results, settings=profile.duckdb_settings(PROJECT_ROOT))
    return report, [m.relation.name for m in models]


def test_every_kpi_view_has_a_suite(report_and_models: tuple[Any, list[str]]) -> None:
    _, names = report_and_models
    kpi_files = {p.stem for p in (PROJECT_ROOT / "models" / "marts" / "kpi").glob("kpi_*.sql")}
    assert kpi_files and kpi_files <= set(names)


def test_the_suites_pass_on_the_sample(report_and_models: tuple[Any, list[str]]) -> None:
    report, names = report_and_models
    assert report.suites == len(names)
    assert report.evaluated > 10 * len(names)
    assert report.failures == [], [f.describe() for f in report.failures]
    assert report.empty_kpi_views == []
