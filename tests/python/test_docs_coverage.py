"""Every model is documented where a newcomer looks: a YAML entry with a description, every column of
every built model described (and no stale column), every raw contract column on the base models, for each
KPI view a docs block and a unit test, docs/raw_contract.md in step with the sources file, exposures in
step with the dashboard and the KPI views, and the dbt docs site builds. dbt itself checks none of this;
the fast checks read files only, the two slow ones read the sample build and run `dbt docs generate`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import duckdb
import pytest
import yaml

from scripts.contract import PROJECT_ROOT, load_contract

MODELS = PROJECT_ROOT / "models"


@cache
def _yaml_documents() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) or {} for p in sorted(MODELS.rglob("*.yml"))]


@cache
def _model_entries() -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for doc in _yaml_documents():
        for model in doc.get("models") or []:
            assert model["name"] not in entries, f"{model['name']} is described twice"
            entries[model["name"]] = model
    return entries


def _unit_test_models() -> set[str]:
    return {test["model"] for doc in _yaml_documents() for test in doc.get("unit_tests") or []}


SQL_MODELS = sorted(p.stem for p in MODELS.rglob("*.sql"))
# CRM adapter models are enabled only in their CRM's build (test_crm_adapters.py builds them); their YAML is
# checked here, their built columns there
ADAPTER_MODELS = sorted(p.stem for p in (MODELS / "adapters").rglob("*.sql"))


@pytest.mark.parametrize("model", SQL_MODELS)
def test_every_model_has_a_yaml_description(model: str) -> None:
    entry = _model_entries().get(model)
    assert entry is not None, f"{model} has no YAML entry"
    assert (entry.get("description") or "").strip(), f"{model} has no description"


def test_base_models_document_every_contract_column() -> None:
    entries = _model_entries()
    for table in load_contract().values():
        documented = {c["name"] for c in entries[f"base_crm__{table.name}"].get("columns") or []}
        missing = [c for c in table.column_names if c not in documented]
        assert not missing, f"base_crm__{table.name} does not document {missing}"


@pytest.mark.parametrize("view", [m for m in SQL_MODELS if m.startswith("kpi_")])
def test_each_kpi_view_has_a_docs_block_and_a_unit_test(view: str) -> None:
    block = MODELS / "marts" / "kpi" / "docs" / f"{view}.md"
    assert block.exists() and f"{{% docs {view} %}}" in block.read_text(encoding="utf-8")
    assert view in _unit_test_models(), f"no dbt unit test names model: {view}"


def test_there_are_twenty_kpi_views() -> None:
    assert len([m for m in SQL_MODELS if m.startswith("kpi_")]) == 20


def test_the_sources_file_is_the_contract_and_is_documented() -> None:
    for table in load_contract().values():
        assert table.columns, table.name
    source = yaml.safe_load((MODELS / "staging" / "crm" / "_crm__sources.yml").read_text())["sources"][0]
    for table in source["tables"]:
        assert table.get("description"), table["name"]
        assert all(c.get("description") for c in table["columns"]), table["name"]


def test_raw_contract_page_lists_every_table_and_column_with_its_type() -> None:
    page = (PROJECT_ROOT / "docs" / "raw_contract.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \|[^|]*\|[^|]*\| (.*) \|$", page, re.M)}
    contract = load_contract()
    assert set(rows) == set(contract), "docs/raw_contract.md lists other tables than the sources file"
    for table in contract.values():
        listed = dict(re.findall(r"(\w+) `([^`]+)`", rows[table.name]))
        assert listed == {c.name: c.data_type for c in table.columns}, table.name


# ---- every column of every built model, exposures, and the docs site ------------------------------------


def _built_columns() -> dict[str, list[str]]:
    """Columns of every model as built on the sample (warehouse/test.duckdb, see serving_sample.py)."""
    from serving_sample import sample_build

    with duckdb.connect(str(sample_build()), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema in ('staging', 'intermediate', 'marts') order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


@pytest.mark.slow
def test_every_column_of_every_built_model_has_a_description() -> None:
    """What dbt docs shows for a column comes from YAML: every column a model really has is described
    there, and the YAML names no column the model does not have."""
    entries = _model_entries()
    built = _built_columns()
    problems = []
    for model in SQL_MODELS:
        if model in ADAPTER_MODELS:
            continue
        if model not in built:
            problems.append(f"{model}: not built on the sample")
            continue
        documented = {
            c["name"]: (c.get("description") or "").strip() for c in entries[model].get("columns") or []
        }
        undocumented = [c for c in built[model] if not documented.get(c)]
        stale = [c for c in documented if c not in built[model]]
        if undocumented:
            problems.append(f"{model}: no description for {undocumented}")
        if stale:
            problems.append(f"{model}: documents columns it does not have: {stale}")
    assert not problems, "\n".join(problems)


def _exposures() -> dict[str, dict]:
    doc = yaml.safe_load((MODELS / "exposures.yml").read_text(encoding="utf-8"))
    return {e["name"]: e for e in doc["exposures"]}


def _refs(exposure: dict) -> set[str]:
    return {m.group(1) for d in exposure["depends_on"] if (m := re.fullmatch(r"ref\('(\w+)'\)", d))}


def test_the_dashboard_exposure_names_every_model_the_dashboard_reads() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "scripts" / "dashboard").glob("*.py")
    )
    read = set(re.findall(r"\b(?:marts|intermediate)\.((?:kpi|fct|dim|int)_\w+)", sources))
    assert read, "the dashboard reads no model?"
    assert _refs(_exposures()["sales_dashboard"]) == read


def test_the_bi_exposure_names_every_kpi_view() -> None:
    assert _refs(_exposures()["bi_tools_serving_file"]) == {m for m in SQL_MODELS if m.startswith("kpi_")}


def test_every_exposure_and_semantic_object_is_described() -> None:
    for exposure in _exposures().values():
        assert exposure.get("description", "").strip() and exposure.get("owner"), exposure["name"]
    for doc in _yaml_documents():
        for kind in ("semantic_models", "metrics", "saved_queries"):
            for item in doc.get(kind) or []:
                assert (item.get("description") or "").strip(), f"{kind}: {item['name']} has no description"


@pytest.mark.slow
def test_the_docs_site_builds_with_the_exposures_and_the_semantic_layer(tmp_path: Path) -> None:
    """`make docs` in short: dbt docs generate (a static, single-file site) into a folder of the test's own.
    The catalog step is skipped here (it only reads column types back from the warehouse)."""
    from dbt_scenario import run_scenario_dbt
    from serving_sample import SAMPLE_AS_OF

    target = tmp_path / "target"
    # parse writes the manifest (starting from the parse the scenario tests share, D59); docs generate
    # --no-compile builds the site from it (compiling every model adds nothing to the lineage, costs a minute)
    for args in (["parse"], ["docs", "generate", "--static", "--no-compile", "--empty-catalog"]):
        run = run_scenario_dbt(tmp_path, args, {"as_of_date": SAMPLE_AS_OF})
        assert run.returncode == 0, "\n".join(run.output_tail)
    site = (target / "static_index.html").read_text(encoding="utf-8")
    assert "exposure.sales_kpis.sales_dashboard" in site
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    dashboard = manifest["exposures"]["exposure.sales_kpis.sales_dashboard"]
    assert "model.sales_kpis.kpi_scorecard" in dashboard["depends_on"]["nodes"]
    assert manifest["semantic_models"] and manifest["metrics"] and manifest["saved_queries"]
    semantic = manifest["exposures"]["exposure.sales_kpis.semantic_layer_scorecard"]
    assert "metric.sales_kpis.revenue" in semantic["depends_on"]["nodes"]
