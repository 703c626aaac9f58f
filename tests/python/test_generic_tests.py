"""The project's generic data tests (macros/tests/generic_tests.sql) find what they are meant to find.

Each test's SQL is rendered from the macro file with plain Jinja (tests/python/macro_render.py) and run on
small hand-made tables: a good table returns no rows, a bad one returns the rows that name the
fault.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.python.macro_render import MACROS_DIR
from tests.python.macro_render import render_test as render_macro_test

MACROS = MACROS_DIR / "tests" / "generic_tests.sql"


def render_test(name: str, **arguments: Any) -> str:
    """The SQL of generic test `name` for the given arguments (model = a table name)."""
    return render_macro_test(MACROS, name, **arguments)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def test_non_negative_columns_names_each_column_with_negatives(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table t as select * from (values (1, 0.0, null), (2, -2.5, 3), (3, -1.0, -7)) v(a, b, c)"
    )
    sql = render_test("non_negative_columns", model="t", column_names=["a", "b", "c"])
    rows = sorted(con.execute(sql).fetchall())
    assert rows == [("b", 2, "-2.5"), ("c", 1, "-7")]


def test_non_negative_columns_passes_zeros_and_nulls(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table t as select * from (values (0, null), (5, 0)) v(a, b)")
    sql = render_test("non_negative_columns", model="t", column_names=["a", "b"])
    assert con.execute(sql).fetchall() == []


MONTHS = """create table m as select * from (values
    ('x', date '2026-01-01'), ('x', date '2026-02-01'), ('x', date '2026-03-01'),
    ('y', date '2026-01-01'), ('y', date '2026-04-01'),
    (null, date '2026-05-01'), (null, date '2026-06-01'),
    ('z', date '2025-12-01'), ('z', date '2026-01-01')
) v(account_id, month_start)"""


def test_months_contiguous_finds_a_gap_within_a_group(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MONTHS)
    sql = render_test("months_contiguous", model="m", month_column="month_start", group_by=["account_id"])
    rows = [tuple(map(str, row)) for row in con.execute(sql).fetchall()]
    # x and z (across a year end) are contiguous; the NULL account is one group of its own
    assert rows == [("y", "2026-04-01", "2026-01-01")]


def test_months_contiguous_without_groups_sees_one_series(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table s (month_start date)")
    con.execute("insert into s values (date '2026-01-01'), (date '2026-02-01')")
    sql = render_test("months_contiguous", model="s", month_column="month_start")
    assert con.execute(sql).fetchall() == []
    con.execute("insert into s values (date '2026-05-01'), (null)")
    assert [tuple(map(str, r)) for r in con.execute(sql).fetchall()] == [("2026-05-01", "2026-02-01")]


RULES_TABLE = """create table v as select * from (values
    (1, 2, 0.5, 'x'),
    (3, 2, 1.5, 'y'),
    (null, 2, null, 'z'),
    (0, 0, null, null),
    (1, 4, 0.3, 'x')
) t(a, b, r, c)"""
RULES = {
    "expressions": ["a <= b"],
    "ratios": [{"column": "r", "numerator": "a", "denominator": "b", "tolerance": 0.01}],
    "accepted_values": {"c": ["x", "y", "it's"]},
    "ranges": [
        {"column": "r", "min_value": 0, "max_value": 1},
        {"column": "a", "min_value": 0, "inclusive": False},
    ],
    "non_negative": ["a", "b - a"],
    "not_null": ["c", "b"],
}


def test_row_rules_names_each_broken_rule_with_its_count(con: duckdb.DuckDBPyConnection) -> None:
    """By hand: a <= b fails on (3, 2) and on the NULL a; r = a / b is wrong on (null, 2, null) (b is not 0,
    so r must be set) and (1, 4, 0.3); 'z' is not an accepted value (the NULL c passes); c has one NULL;
    r = 1.5 is outside [0, 1] and a = 0 is not > 0 (NULLs pass ranges); b - a is negative on (3, 2) only."""
    con.execute(RULES_TABLE)
    rows = sorted(con.execute(render_test("row_rules", model="v", **RULES)).fetchall())
    assert rows == [
        ("accepted values: c", 1),
        ("expression: a <= b", 2),
        ("non-negative: b - a", 1),
        ("not null: c", 1),
        ("range: a > 0", 1),
        ("range: r >= 0 and r <= 1", 1),
        ("ratio: r = a / b", 2),
    ]


def test_row_rules_counts_what_the_one_rule_tests_find(con: duckdb.DuckDBPyConnection) -> None:
    """One definition per rule kind: the merged test and the one-rule tests agree row for row."""
    con.execute(RULES_TABLE)
    expression = con.execute(render_test("expression_is_true", model="v", expression="a <= b")).fetchall()
    ratio_test = render_test(
        "ratio_matches_parts", model="v", column_name="r", numerator="a", denominator="b", tolerance=0.01
    )
    ratio = con.execute(ratio_test).fetchall()
    in_range = render_test(
        "accepted_range", model="v", column_name="r", min_value=0, max_value=1, inclusive=True
    )
    out_of_range = con.execute(in_range).fetchall()
    merged = dict(con.execute(render_test("row_rules", model="v", **RULES)).fetchall())
    found = (merged["expression: a <= b"], merged["ratio: r = a / b"], merged["range: r >= 0 and r <= 1"])
    assert (len(expression), len(ratio), len(out_of_range)) == found == (2, 2, 1)


def test_row_rules_passes_a_good_table_and_needs_a_rule(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create table g as select * from (values (1, 2, 0.5, 'x'), (2, 2, 1.0, 'y')) t(a, b, r, c)")
    assert con.execute(render_test("row_rules", model="g", **RULES)).fetchall() == []
    with pytest.raises(ValueError, match="at least one rule"):
        render_test(
            "row_rules",
            model="g",
            expressions=[],
            ratios=[],
            accepted_values={},
            ranges=[],
            non_negative=[],
            not_null=[],
            relationships=[],
        )


def test_row_rules_checks_relationships_without_repeating_rows(con: duckdb.DuckDBPyConnection) -> None:
    """By hand: 'zz' is not a key of p (two rows, one of them with ok); NULL passes; 'a' is twice in p, and
    the other rules still count each row of t once (`not ok` fails on two rows, not three)."""
    con.execute(
        "create table t as select * from (values ('a', true), ('b', true), (null, true), ('zz', true), "
        "('zz', false), ('a', false)) v(k, ok)"
    )
    con.execute("create table p as select * from (values ('a'), ('a'), ('b')) v(key)")
    rules: dict[str, Any] = {
        "ratios": [],
        "accepted_values": {},
        "ranges": [],
        "non_negative": [],
        "not_null": [],
        "expressions": ["ok"],
        "relationships": [
            {"column": "k", "to": "p", "field": "key"},
            {"column": "k", "to": "p", "field": "key", "where": "ok"},
        ],
    }
    rows = sorted(con.execute(render_test("row_rules", model="t", **rules)).fetchall())
    assert rows == [
        ("expression: ok", 2),
        ("relationship: k in p.key", 2),
        ("relationship: k in p.key where ok", 1),
    ]
    con.execute("insert into p values ('zz')")
    assert con.execute(render_test("row_rules", model="t", **rules)).fetchall() == [("expression: ok", 2)]
