"""An empty KPI view is news (issue 8, point 14): validation fails when a KPI view has no rows although an
input it needs has rows (meta.checks.rows_when_inputs_have_rows), the report lists it under
empty_kpi_views (saved in the run record), and the run summary warns about every KPI view without rows.
Fast: tiny hand-made DuckDB files, no dbt."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from scripts.pipeline.checks import Checks, ChecksError, checked_models
from scripts.pipeline.validate import validate_build
from scripts.summary import format_summary, read_summary

pytestmark = pytest.mark.timeout(120)

MODELS = Path(__file__).resolve().parents[2] / "models"


def make_build(path: Path, sales: int, won: int, kpi_rows: int) -> None:
    """marts.fct_sales with `sales` rows (`won` of them flagged is_won) and marts.kpi_sales with kpi_rows."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_sales as select i as sale_id, i < ? as is_won from range(?) t(i)",
            [won, sales],
        )
        con.execute(
            "create table marts.kpi_sales as select date '2026-01-01' + to_months(i) as month_start "
            "from range(?) t(i)",
            [kpi_rows],
        )


def manifest(inputs: list[object]) -> dict[str, object]:
    def node(name: str, meta: dict[str, object] | None) -> dict[str, object]:
        config = {"materialized": "table", "enabled": True, "meta": {"checks": meta} if meta else {}}
        return {"resource_type": "model", "name": name, "schema": "marts", "alias": name, "config": config}

    kpi = {"grain": ["month_start"], "rows_when_inputs_have_rows": inputs}
    nodes = {"model.p.kpi_sales": node("kpi_sales", kpi), "model.p.fct_sales": node("fct_sales", None)}
    return {"nodes": nodes}


@pytest.mark.parametrize(
    ("sales", "won", "inputs", "kpi_rows", "fails"),
    [
        (3, 1, ["fct_sales"], 0, True),  # inputs have rows, the view none: news
        (0, 0, ["fct_sales"], 0, False),  # nothing to report on: an empty view is right
        (3, 1, ["fct_sales"], 2, False),  # rows on both sides
        (3, 0, [{"model": "fct_sales", "flag": "is_won"}], 0, False),  # rows, but none flagged
        (3, 2, [{"model": "fct_sales", "flag": "is_won"}], 0, True),  # flagged rows: news
    ],
)
def test_an_empty_kpi_view_over_inputs_with_rows_fails_validation(
    tmp_path: Path, sales: int, won: int, inputs: list[object], kpi_rows: int, fails: bool
) -> None:
    build = tmp_path / "build.duckdb"
    make_build(build, sales, won, kpi_rows)
    report = validate_build(build, checked_models(manifest(inputs)))
    failed = [f for f in report.failures if f.check == "rows_when_inputs_have_rows"]
    assert bool(failed) == fails, [f.describe() for f in report.failures]
    assert bool(report.empty_kpi_views) == fails
    if fails:
        listed = report.empty_kpi_views[0]
        flagged = isinstance(inputs[0], dict)
        assert listed["model"] == "kpi_sales"
        assert list(listed["inputs"].values()) == [won if flagged else sales]
        assert "no rows although its inputs have rows: fct_sales" in failed[0].describe()
        assert report.summary()["empty_kpi_views"] == report.empty_kpi_views


def test_the_check_names_real_models_and_columns() -> None:
    with pytest.raises(ChecksError, match="rows_when_inputs_have_rows"):
        Checks.from_meta({"rows_when_inputs_have_rows": [{"model": "fct_sales", "where": "1 = 1"}]})
    with pytest.raises(ChecksError, match="not a column name"):
        Checks.from_meta({"rows_when_inputs_have_rows": [{"model": "fct_sales", "flag": "x; drop table y"}]})
    # a model that does not exist makes the KPI's checks unusable: validation reports it, it never passes
    kpi = next(m for m in checked_models(manifest(["fct_missing"])) if m.relation.name == "kpi_sales")
    assert kpi.checks is None and "not in the manifest: ['fct_missing']" in (kpi.error or "")


def test_the_run_summary_warns_about_kpi_views_without_rows(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    make_build(build, sales=3, won=1, kpi_rows=0)
    lines = format_summary(read_summary(build))
    warning = [line for line in lines if line.startswith("WARNING: KPI views with no rows")]
    assert len(warning) == 1 and warning[0].endswith("kpi_sales")
    with duckdb.connect(str(build)) as con:
        con.execute("insert into marts.kpi_sales values (date '2026-01-01')")
    assert not any(line.startswith("WARNING") for line in format_summary(read_summary(build)))


def test_the_run_summary_counts_rows_kept_with_a_warning(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    make_build(build, sales=1, won=0, kpi_rows=1)
    with duckdb.connect(str(build)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_raw_rows_flagged as select * from (values "
            "('orders', 'SO-1', 'rep_unresolved', 'REP-9'), ('orders', 'SO-2', 'rep_unresolved', 'REP-9'), "
            "('leads', 'L-1', 'owner_unresolved', 'REP-9')) t(table_name, raw_key, warning, detail)"
        )
    lines = format_summary(read_summary(build))
    start = lines.index("Rows kept with a data-quality warning (intermediate.int_raw_rows_flagged):")
    assert lines[start + 1].split() == ["orders", "rep_unresolved", "2"]
    assert lines[start + 2].split() == ["leads", "owner_unresolved", "1"]


def test_every_kpi_view_but_the_scorecard_declares_its_inputs() -> None:
    """The scorecard's content depends on var scorecard_kpis, so it has no fixed inputs."""
    declared = {}
    for path in sorted((MODELS / "marts" / "kpi").glob("kpi_*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            checks = model.get("config", {}).get("meta", {}).get("checks", {})
            declared[model["name"]] = Checks.from_meta(checks).rows_when_inputs_have_rows
    assert len(declared) == 20
    missing = sorted(name for name, inputs in declared.items() if not inputs and name != "kpi_scorecard")
    assert missing == []
