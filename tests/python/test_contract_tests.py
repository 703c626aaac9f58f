"""The raw contract's tests (macros/tests/contract_tests.sql) find what they are meant to find.

The tests' SQL is rendered with plain Jinja from the project's own macro files (the text clean-up macros in
their DuckDB form, as dbt dispatches them) and run on small hand-made raw tables. The accepted-values
shortcut (a raw text that is exactly an accepted, normalised label skips the normalisation, D125) must not
change which rows fail. On an incremental night (SALES_KPIS_RAW_TESTED_BATCH set, D127) each test reads the
rows of newer load batches only, and a duplicate counts when one of its rows is new.
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


TESTED = {"SALES_KPIS_RAW_TESTED_BATCH": "4"}  # batches up to 4 were tested by an earlier build
ACCOUNT_COLUMNS = ["account_id", "updated_at", "segment", "_load_batch"]


@pytest.fixture
def appended() -> duckdb.DuckDBPyConnection:
    """A raw table after a full load (batch NULL: the load's epoch) and one --append load (batch 5)."""
    con = duckdb.connect()
    con.execute(
        "create table raw_accounts "
        "(account_id varchar, updated_at varchar, segment varchar, _load_batch bigint)"
    )
    con.executemany(
        "insert into raw_accounts values (?, ?, ?, ?)",
        [
            ["A1", "2024-01-01", "smb", None],
            ["A1", "2024-01-01", "smb", None],  # an old duplicate: tested on its own night
            ["A2", "01/13/2024", "bogus", None],  # an old wrong label
            [None, "2024-01-01", "smb", None],  # an old row without a key
            ["A3", "2023-06-01", "smb", None],
            ["A3", "2023-06-01", "smb", None],  # an old duplicate of a key that gets a new row ...
            ["A3", "2024-02-01", "bogus", 5],  # ... this one, a new wrong label
            ["A5", "2024-01-01", "smb", None],
            [" A5", "2024-01-01", "smb", 5],  # a new row that duplicates an old one
            [None, "2024-03-01", "smb", 5],  # a new row without a key
            [None, "2024-03-01", "smb", None],  # ... that duplicates an old keyless row
            ["A6", "not a date", "smb", 5],
        ],
    )
    return con


def _run(
    con: duckdb.DuckDBPyConnection, name: str, env: dict[str, str], columns: list[str], **arguments: object
) -> list[tuple[object, ...]]:
    sql = render_test(
        CONTRACT_TESTS, name, TEXT_MACROS, env=env, columns=columns, model="raw_accounts", **arguments
    )
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.mark.parametrize(
    ("env", "labels", "duplicates"),
    [
        # every row (a full night, or dbt by hand): both wrong labels, all four duplicates
        (
            {},
            [("bogus", 2)],
            [
                ("A1", "2024-01-01", 2),
                ("A3", "2023-06-01", 2),
                ("A5", "2024-01-01", 2),
                (None, "2024-03-01", 2),
            ],
        ),
        # the rows after batch 4: the new label, the duplicates with a new row (not the old duplicate of
        # A3, though A3 has a new row)
        (TESTED, [("bogus", 1)], [("A5", "2024-01-01", 2), (None, "2024-03-01", 2)]),
    ],
)
def test_raw_tests_read_the_rows_of_newer_batches_on_an_incremental_night(
    appended: duckdb.DuckDBPyConnection,
    env: dict[str, str],
    labels: list[tuple[str, int]],
    duplicates: list[tuple[object, ...]],
) -> None:
    accepted = {"column_name": "segment", "values": ["smb", "enterprise"]}
    assert _run(appended, "contract_accepted_values", env, ACCOUNT_COLUMNS, **accepted) == labels
    unique = {"combination_of_columns": ["account_id", "updated_at"]}
    assert _run(appended, "contract_unique_combination", env, ACCOUNT_COLUMNS, **unique) == duplicates


def test_a_raw_table_without_appended_rows_has_nothing_new_to_test(
    appended: duckdb.DuckDBPyConnection,
) -> None:
    appended.execute(
        "create or replace table raw_accounts as select * exclude (_load_batch) from raw_accounts"
    )
    columns = ACCOUNT_COLUMNS[:-1]
    accepted = {"column_name": "segment", "values": ["smb", "enterprise"]}
    assert _run(appended, "contract_accepted_values", {}, columns, **accepted) == [("bogus", 2)]
    assert _run(appended, "contract_accepted_values", TESTED, columns, **accepted) == []


def test_a_tested_batch_that_is_no_number_is_refused(appended: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="SALES_KPIS_RAW_TESTED_BATCH must be a load batch number"):
        _run(
            appended,
            "contract_accepted_values",
            {"SALES_KPIS_RAW_TESTED_BATCH": "4; drop"},
            ACCOUNT_COLUMNS,
            column_name="segment",
            values=["smb"],
        )
