"""The Jinja copy of the raw contract (macros/crm/contract.sql) matches the sources file.

dbt unit tests compile models without the project graph (`graph.sources` is empty there), so the staging
framework reads table keys and column types from the crm_contract() macro instead. The sources file stays
the authority; this test fails when the two drift. Regenerate the macro with:

    .venv/bin/python tests/python/test_crm_contract_macro.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCES_FILE = PROJECT_ROOT / "models" / "staging" / "crm" / "_crm__sources.yml"
MACRO_FILE = PROJECT_ROOT / "macros" / "crm" / "contract.sql"
ACCOUNTING_FILE = PROJECT_ROOT / "macros" / "crm" / "accounting.sql"

HEADER = """{#- GENERATED from models/staging/crm/_crm__sources.yml by
    `.venv/bin/python tests/python/test_crm_contract_macro.py --write`; do not edit by hand.
    The raw contract as a Jinja value: the staging framework reads keys and column types from here because
    dbt unit tests compile models without the project graph (graph.sources is empty there).
    tests/python/test_crm_contract_macro.py fails when this copy and the sources file differ. -#}
"""


def _jinja_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def render_macro(sources_file: Path = SOURCES_FILE) -> str:
    """The text of macros/crm/contract.sql for the given sources file."""
    doc = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == "crm")
    lines = [HEADER, "{% macro crm_contract() -%}", "    {{- return({"]
    for table in sorted(source["tables"], key=lambda t: t["name"]):
        meta = table.get("meta", {})
        columns = ", ".join(f"['{c['name']}', '{c['data_type']}']" for c in table["columns"])
        lines += [
            f"        '{table['name']}': {{",
            f"            'key': {_jinja_list(meta['contract_key'])},",
            f"            'nullable_key': {_jinja_list(meta.get('nullable_key_columns', []))},",
            f"            'required': {'true' if meta.get('required_table') else 'false'},",
            f"            'columns': [{columns}],",
            "        },",
        ]
    lines += ["    }) -}}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def test_contract_macro_matches_sources_file() -> None:
    expected = render_macro()
    actual = MACRO_FILE.read_text(encoding="utf-8")
    assert actual == expected, (
        "macros/crm/contract.sql is out of date: run "
        "`.venv/bin/python tests/python/test_crm_contract_macro.py --write`"
    )


def test_contract_has_sixteen_tables_and_three_required() -> None:
    doc = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    tables = next(s for s in doc["sources"] if s["name"] == "crm")["tables"]
    assert len(tables) == 16
    required = sorted(t["name"] for t in tables if t.get("meta", {}).get("required_table"))
    assert required == ["accounts", "opportunities", "sales_reps"]
    for table in tables:
        names = [c["name"] for c in table["columns"]]
        assert set(table["meta"]["contract_key"]) <= set(names), table["name"]
        assert all(c.get("data_type") for c in table["columns"]), table["name"]
        assert all(c.get("description") for c in table["columns"]), table["name"]


def test_every_contract_table_has_base_and_staging_model() -> None:
    doc = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    names = sorted(t["name"] for t in next(s for s in doc["sources"] if s["name"] == "crm")["tables"])
    staging = PROJECT_ROOT / "models" / "staging" / "crm"
    for name in names:
        assert (staging / "base" / f"base_crm__{name}.sql").exists(), name
        assert (staging / f"stg_crm__{name}.sql").exists(), name
    # crm_table_names() derives from crm_contract(); no second hand-kept list exists
    assert re.search(r"crm_contract\(\)", ACCOUNTING_FILE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        MACRO_FILE.write_text(render_macro(), encoding="utf-8")
        print(f"wrote {MACRO_FILE.relative_to(PROJECT_ROOT)}")
    else:
        print(render_macro())
