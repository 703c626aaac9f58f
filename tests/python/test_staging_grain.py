"""D131: a staging view's grain is guaranteed by its base model's uniqueness test, not tested again.

`stg_crm__<table>` selects the rows `base_crm__<table>` classified as `kept`, and a kept row is the current
version (`_version_rank = 1`) of a valid key (`not _key_is_invalid`): exactly the rows the base model's
`unique_combination_of_columns` test reads. That holds only while a staging view filters and renames its
base model's rows and nothing else, so this file checks that shape on every view (no build needed), and, on
the sample build, that kept rows are such rows and each view has one row per key.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from scripts.contract import PROJECT_ROOT

STAGING = PROJECT_ROOT / "models" / "staging" / "crm"
BASE_YAML = STAGING / "base" / "_crm__base.yml"
BASE_GRAIN_WHERE = "_version_rank = 1 and not _key_is_invalid"
# what could make a view return more rows than its base model's kept rows, or rows of another key
FAN_OUT = re.compile(
    r"\b(join|union|unnest|lateral|cross|group\s+by|qualify|distinct|range|generate_series)\b"
)
VIEWS = sorted(p.stem for p in STAGING.glob("stg_crm__*.sql"))


def _sql_without_comments(path: Path) -> str:
    text = re.sub(r"\{#.*?#\}", " ", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return re.sub(r"--[^\n]*", " ", text).lower()


def _base_grains() -> dict[str, tuple[list[str], str | None]]:
    """base model -> (columns of its uniqueness test, the test's `where`)."""
    models = yaml.safe_load(BASE_YAML.read_text(encoding="utf-8"))["models"]
    grains = {}
    for model in models:
        for test in model.get("data_tests", []):
            if isinstance(test, dict) and "unique_combination_of_columns" in test:
                spec = test["unique_combination_of_columns"]
                grains[model["name"]] = (
                    spec["arguments"]["combination_of_columns"],
                    (spec.get("config") or {}).get("where"),
                )
    return grains


def test_there_is_a_staging_view_per_base_model() -> None:
    bases = sorted(p.stem for p in (STAGING / "base").glob("base_crm__*.sql"))
    assert len(VIEWS) == 16
    assert [v.removeprefix("stg_crm__") for v in VIEWS] == [b.removeprefix("base_crm__") for b in bases]


@pytest.mark.parametrize("view", VIEWS)
def test_a_staging_view_only_filters_its_base_model_to_kept_rows(view: str) -> None:
    table = view.removeprefix("stg_crm__")
    sql = _sql_without_comments(STAGING / f"{view}.sql")
    assert re.findall(r"\b(ref|source)\s*\(\s*'([^']+)'", sql) == [("ref", f"base_crm__{table}")]
    assert re.search(r"where\s+_disposition\s*=\s*'kept'\s*\)", sql), "filters on anything but kept rows"
    assert not FAN_OUT.findall(sql), "a staging view must not join, union, unnest or aggregate"
    assert sql.count(" from ") == 3  # the import CTE, `final`, and `select * from final`


@pytest.mark.parametrize("view", VIEWS)
def test_the_base_uniqueness_test_reads_the_kept_rows_and_the_view_keeps_its_key(view: str) -> None:
    table = view.removeprefix("stg_crm__")
    columns, where = _base_grains()[f"base_crm__{table}"]
    assert where == BASE_GRAIN_WHERE
    sql = _sql_without_comments(STAGING / f"{view}.sql")
    final = sql[sql.index("final as (") :]
    for column in columns:
        assert re.search(rf"^\s*{column}(\s+as\s+\w+)?,?$", final, flags=re.MULTILINE), (
            f"{view} does not select the key column {column} of base_crm__{table} unchanged"
        )


@pytest.mark.slow
def test_on_the_sample_kept_rows_are_current_valid_keys_and_views_have_one_row_per_key() -> None:
    from serving_sample import sample_build

    grains = _base_grains()
    with duckdb.connect(str(sample_build()), read_only=True) as con:
        for view in VIEWS:
            base = f"base_crm__{view.removeprefix('stg_crm__')}"
            columns, _ = grains[base]
            wrong = con.execute(
                f"select count(*) from staging.{base} "
                "where _disposition = 'kept' and (_version_rank <> 1 or _key_is_invalid)"
            ).fetchone()[0]
            assert wrong == 0, f"{base}: kept rows that are not the current version of a valid key"
            # the view's names for the key columns: as the view selects them (channel as channel_label)
            sql = _sql_without_comments(STAGING / f"{view}.sql")
            names = []
            for column in columns:
                renamed = re.search(rf"^\s*{column}\s+as\s+(\w+),?$", sql, flags=re.MULTILINE)
                names.append(renamed.group(1) if renamed else column)
            key = ", ".join(names)
            rows, keys, kept = con.execute(
                f"select count(*), count(distinct ({key})), "
                f"(select count(*) from staging.{base} where _disposition = 'kept') from staging.{view}"
            ).fetchone()
            assert rows == keys == kept, f"{view}: {rows} rows, {keys} keys, {kept} kept base rows"
