"""scripts/compare_staging_sql.py: the check that a rewrite of the base models' SQL gives the same rows.

A tiny database and hand-written "compiled" SQL: identical results pass, one changed value, one missing
duplicate row or a changed column type fail (no dbt run: milliseconds).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from scripts.compare_staging_sql import main

BEFORE = "select id, upper(name) as name from tiny.raw.t"


@pytest.fixture()
def database(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        # a duplicate row: EXCEPT ALL must count it, EXCEPT alone would not
        con.execute(
            "create table raw.t as select * from (values (1, 'a'), (2, 'b'), (2, 'b')) as v(id, name)"
        )
    return path


def run(tmp_path: Path, database: Path, after_sql: str) -> int:
    for side, sql in (("before", BEFORE), ("after", after_sql)):
        (tmp_path / side).mkdir(exist_ok=True)
        (tmp_path / side / "base_crm__t.sql").write_text(sql, encoding="utf-8")
    return main(
        [
            "--database",
            str(database),
            "--before",
            str(tmp_path / "before"),
            "--after",
            str(tmp_path / "after"),
        ]
    )


def test_the_same_rows_written_differently_pass(tmp_path: Path, database: Path) -> None:
    rewritten = (
        "with source_rows as (select * from tiny.raw.t) select id, upper(name) as name from source_rows"
    )
    assert run(tmp_path, database, rewritten) == 0


@pytest.mark.parametrize(
    "after_sql",
    [
        "select id, lower(name) as name from tiny.raw.t",  # a changed value
        "select distinct id, upper(name) as name from tiny.raw.t",  # one of the duplicate rows lost
        "select cast(id as varchar) as id, upper(name) as name from tiny.raw.t",  # a changed type
        "select id, upper(name) as label from tiny.raw.t",  # a renamed column
    ],
)
def test_any_difference_fails(tmp_path: Path, database: Path, after_sql: str) -> None:
    assert run(tmp_path, database, after_sql) == 1
