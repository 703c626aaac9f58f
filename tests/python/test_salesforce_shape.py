"""The Salesforce landed shape: the renderer (scripts/sampledata/shapes/salesforce.py), its agreement with
the adapter's macros, and the loader keeping Fivetran's system column names.

    # regenerate macros/adapters/salesforce_fixtures.sql after changing the landed shape:
    PYTHONPATH=. .venv/bin/python tests/python/test_salesforce_shape.py --write
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import jinja2
import pytest

from scripts.contract import PROJECT_ROOT, load_contract, load_landed_shape
from scripts.rawfiles.headers import match_header
from scripts.sampledata.shapes import salesforce

SAMPLE = PROJECT_ROOT / "seeds" / "sample_crm"
MACROS = PROJECT_ROOT / "macros" / "adapters" / "salesforce.sql"
FIXTURE_MACRO = PROJECT_ROOT / "macros" / "adapters" / "salesforce_fixtures.sql"


def fixture_macro_text() -> str:
    """The Jinja copy of the landed columns, generated from the sources file."""
    lines = [
        "{#- GENERATED from models/adapters/salesforce/_salesforce__sources.yml by",
        "    `PYTHONPATH=. .venv/bin/python tests/python/test_salesforce_shape.py --write`;",
        "    do not edit by hand.",
        "    The landed columns of each Salesforce object, for unit-test fixtures (dbt unit tests compile",
        "    without graph.sources). tests/python/test_salesforce_shape.py fails when this copy and the",
        "    sources file differ. -#}",
        "{% macro salesforce_landed_columns() -%}",
        "    {{- return({",
    ]
    for name, table in load_landed_shape("salesforce").items():
        lines.append(f"        '{name}': {list(table.column_names)!r},")
    lines += ["    }) -}}", "{%- endmacro %}"]
    return "\n".join(lines) + "\n"


def _macro_value(path: Path, macro: str) -> object:
    """Evaluate a dbt macro that only returns a literal (plain Jinja, `return` captured)."""
    captured: list[object] = []
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    env.globals["return"] = lambda value: captured.append(value) or ""
    env.from_string(path.read_text(encoding="utf-8") + "{{ " + macro + "() }}").render()
    return captured[-1]


def _count(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.reader(f)) - 1


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("salesforce")
    return out, salesforce.render(SAMPLE, out)


def test_fixture_columns_macro_is_current() -> None:
    assert FIXTURE_MACRO.read_text(encoding="utf-8") == fixture_macro_text(), (
        "macros/adapters/salesforce_fixtures.sql is stale: run "
        "`PYTHONPATH=. .venv/bin/python tests/python/test_salesforce_shape.py --write`"
    )


def test_renderer_picklists_invert_the_adapter_macro() -> None:
    adapter = _macro_value(MACROS, "salesforce_picklists")
    assert isinstance(adapter, dict)
    assert set(adapter) == set(salesforce.PICKLISTS)
    for field, to_salesforce in salesforce.PICKLISTS.items():
        for contract_value, label in to_salesforce.items():
            assert adapter[field][label] == contract_value, (field, label)


def test_render_writes_the_landed_columns_and_one_row_per_contract_row(
    rendered: tuple[Path, dict[str, int]],
) -> None:
    out, counts = rendered
    shape = load_landed_shape("salesforce")
    for obj, table in shape.items():
        with (out / f"{obj}.csv").open(newline="", encoding="utf-8") as f:
            assert next(csv.reader(f)) == table.column_names, obj
    sample = {t: _count(SAMPLE / f"{t}.csv") for t in load_contract() if (SAMPLE / f"{t}.csv").exists()}
    # one landed row per contract row; activities split over task and event
    assert counts["user.csv"] == sample["sales_reps"]
    assert counts["account.csv"] == sample["accounts"]
    assert counts["contact.csv"] == sample["contacts"]
    assert counts["lead.csv"] == sample["leads"]
    assert counts["opportunity.csv"] == sample["opportunities"]
    assert counts["opportunity_history.csv"] == sample["opportunity_stage_history"]
    assert counts["task.csv"] + counts["event.csv"] == sample["activities"]
    assert counts["event.csv"] > 0 and counts["task.csv"] > 0
    assert counts["dated_conversion_rate.csv"] == sample["currency_rates"]
    assert counts["product_2.csv"] == sample["products"]
    assert counts["order.csv"] == sample["orders"]
    assert counts["order_item.csv"] == sample["order_lines"]
    # the tables Salesforce does not provide are copied as they are
    for table in ("email_events", "marketing_spend", "sales_targets", "sales_expenses", "subscriptions"):
        assert (out / f"{table}.csv").read_bytes() == (SAMPLE / f"{table}.csv").read_bytes()
    assert not (out / "opportunities.csv").exists()
    assert not (out / "orders.csv").exists()
    assert {name: _count(out / name) for name in counts} == counts


def test_render_is_deterministic(rendered: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, counts = rendered
    assert salesforce.render(SAMPLE, tmp_path) == counts
    for name in counts:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_render_exercises_both_kinds_of_delete(rendered: tuple[Path, dict[str, int]]) -> None:
    out, _ = rendered
    with (out / "task.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert any(r["is_deleted"] == "true" and r["_fivetran_deleted"] == "false" for r in rows)
    assert any(r["is_deleted"] == "false" and r["_fivetran_deleted"] == "true" for r in rows)


def test_conversion_rate_is_per_corporate_unit() -> None:
    # 16,000 IDR per USD -> 1 / 16000 = 0.0000625 USD per IDR
    assert salesforce.conversion_rate("16000") == "0.0000625"
    # 11,594.85 IDR per SGD -> 1 / 11594.85 = 0.0000862451864405317878... (20 significant digits)
    assert salesforce.conversion_rate("11594.85") == "0.000086245186440531787820"
    # not a positive number: passes through for staging to quarantine
    assert salesforce.conversion_rate("0") == "0"
    assert salesforce.conversion_rate("n/a") == "n/a"


def test_event_minutes() -> None:
    assert salesforce._minutes("1800") == "30"
    assert salesforce._minutes("125") == "2.08"  # 2.08 * 60 = 124.8, which the adapter rounds to 125
    assert salesforce._minutes("TBD") == "TBD"


def test_loader_keeps_fivetran_system_column_names() -> None:
    table = load_landed_shape("salesforce")["account"]
    header = ["Id", *table.column_names[1:]]
    match = match_header("account.csv", table, header, {})
    assert match.names == table.column_names
    assert "_fivetran_deleted" in match.names and "fivetran_deleted" not in match.names


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        FIXTURE_MACRO.write_text(fixture_macro_text(), encoding="utf-8")
    else:
        sys.exit(pytest.main([__file__, "-q"]))
