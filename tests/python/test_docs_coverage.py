"""Every model is documented where a newcomer looks: a YAML entry with a description, every raw contract
column on the base models, for each KPI view a docs block and a unit test, and docs/raw_contract.md in
step with the sources file. dbt itself checks none of this; these checks read files only.
"""

from __future__ import annotations

import re
from functools import cache

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
