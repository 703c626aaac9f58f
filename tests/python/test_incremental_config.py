"""An incremental base model must replace the rows it reads by the column it reads them by (D133).

`crm_typed_rows` reads, on an incremental night, every raw row of each value of `incremental_key` that has a
new row; `crm_incremental_config(unique_key)` makes dbt delete and insert by `unique_key`. Were the two
columns different, a night would delete rows it did not read again, or keep stale versions beside new ones.
The macro refuses that at compile time. Here a copy of the project whose sales-expenses model reads by
`rep_id` but is configured to replace by `expense_month` must fail to compile with that message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.contract import PROJECT_ROOT
from scripts.dbt_cli import run_dbt

MODEL = Path("models", "staging", "crm", "base", "base_crm__sales_expenses.sql")
COPIED = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "analyses")


def _project_copy(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy2(source, project / name)
    (project / "tests").mkdir()
    return project


@pytest.mark.slow
def test_an_incremental_model_replacing_by_another_column_than_it_reads_by_does_not_compile(
    tmp_path: Path,
) -> None:
    project = _project_copy(tmp_path)
    model = project / MODEL
    text = model.read_text(encoding="utf-8")
    configured = "{{ config(**crm_incremental_config('rep_id')) }}"
    assert configured in text and "incremental_key='rep_id'" in text  # the model as this test knows it
    model.write_text(
        text.replace(configured, "{{ config(**crm_incremental_config('expense_month')) }}"), encoding="utf-8"
    )
    env = {
        "SALES_KPIS_DUCKDB_PATH": str(tmp_path / "empty.duckdb"),
        "SALES_KPIS_TARGET": "duckdb",
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = run_dbt(
        ["compile", "--select", "base_crm__sales_expenses"],
        env=env,
        target_path=tmp_path / "target",
        quiet=True,
        project_dir=project,
    )
    output = "\n".join(result.output_tail)
    assert not result.ok, output
    assert (
        "crm_typed_rows(sales_expenses): the rows are read by rep_id but replaced by unique_key expense_month"
        in output
    ), output
