"""The raw contract's accepted-values test (macros/tests/contract_tests.sql) finds what it is meant to find.

The test's SQL is rendered with plain Jinja from the project's own macro files (the text clean-up macros in
their DuckDB form, as dbt dispatches them) and run on a small hand-made raw table. Its shortcut (a raw text
that is exactly an accepted, normalised label skips the normalisation, D125) must not change which rows fail.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.python.macro_render import MACROS_DIR, render_test

CONTRACT_TESTS = MACROS_DIR / "tests" / "contract_tests.sql"
TEXT_MACROS = MACROS_DIR / "cross_db" / "text.sql"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table raw_activities (activity_type varchar)")
    con.executemany(
        "insert into raw_activities values (?)",
        [
            ["call"],  # exact: passes (the shortcut)
            ["call"],
            [" Call "],  # normalises to call: passes
            ["CALL"],
            ["Call"],
            ["call\u00a0"],  # a trailing non-breaking space is trimmed: passes
            ["meet  ing"],  # normalises to 'meet ing': fails
            ["demo"],  # not accepted: fails
            ["Demo"],
            ["   "],  # blank reads as NULL: passes
            [None],
        ],
    )
    return con


@pytest.mark.parametrize(
    ("values", "shortcut", "failing"),
    [
        # every spelling of call normalises to an accepted value
        (["call", "meeting"], "'call', 'meeting'", [("demo", 2), ("meet ing", 1)]),
        # 'Call' is no normalised label: every spelling of call normalises to 'call', which is not 'Call', so
        # all six fail, as they did before the shortcut, the exact raw text 'Call' too; 'meeting' keeps its
        # shortcut
        (["Call", "meeting"], "'meeting'", [("call", 6), ("demo", 2), ("meet ing", 1)]),
    ],
)
def test_accepted_values_fails_exactly_the_labels_outside_the_list(
    con: duckdb.DuckDBPyConnection, values: list[str], shortcut: str, failing: list[tuple[str, int]]
) -> None:
    sql = render_test(
        CONTRACT_TESTS,
        "contract_accepted_values",
        TEXT_MACROS,
        model="raw_activities",
        column_name="activity_type",
        values=values,
    )
    assert f"coalesce(cast(activity_type as varchar) not in ({shortcut}), true)" in sql
    assert sorted(con.execute(sql).fetchall()) == failing
