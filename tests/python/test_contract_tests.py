"""The raw contract's accepted-values test (macros/tests/contract_tests.sql) finds what it is meant to find.

The test's SQL is rendered with plain Jinja from the project's own macro files (the text clean-up macros in
their DuckDB form, as dbt dispatches them) and run on a small hand-made raw table. Its shortcut (a raw text
that is exactly an accepted, normalised label skips the normalisation, D125) must not change which rows fail.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import jinja2
import pytest

from scripts.contract import PROJECT_ROOT

CONTRACT_TESTS = PROJECT_ROOT / "macros" / "tests" / "contract_tests.sql"
TEXT_MACROS = PROJECT_ROOT / "macros" / "cross_db" / "text.sql"


class _Dbt:
    @staticmethod
    def type_string() -> str:
        return "varchar"


class _Adapter:
    """adapter.dispatch as dbt-duckdb resolves it: duckdb__<name> if the macros define it, else default__;
    get_relation finds every table (the hand-made raw table exists)."""

    def __init__(self) -> None:
        self.module: Any = None

    def dispatch(self, name: str, _package: str) -> Any:
        return getattr(self.module, f"duckdb__{name}", None) or getattr(self.module, f"default__{name}")

    @staticmethod
    def get_relation(**_: str) -> str:
        return "relation"


def _return(value: Any) -> Any:
    """dbt's return(): here the macro's output is the value (a macro returning SQL, or true)."""
    return value


def render_contract_test(name: str, **arguments: Any) -> str:
    text = CONTRACT_TESTS.read_text(encoding="utf-8")
    match = re.search(r"{%\s*test " + name + r"\(.*?\)\s*%}(?P<body>.*?){%\s*endtest\s*%}", text, re.DOTALL)
    assert match, f"no test {name} in {CONTRACT_TESTS}"
    macros = TEXT_MACROS.read_text(encoding="utf-8") + "".join(
        re.findall(r"{%\s*macro .*?{%-?\s*endmacro\s*%}", text, re.DOTALL)
    )
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    adapter = _Adapter()
    context = {"adapter": adapter, "dbt": _Dbt, "execute": True, "return": _return}
    adapter.module = environment.from_string(macros).make_module(context)
    module_macros = {k: getattr(adapter.module, k) for k in dir(adapter.module) if not k.startswith("_")}
    return environment.from_string(match["body"]).render(**context, **module_macros, **arguments)


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


def test_accepted_values_fails_exactly_the_labels_outside_the_list(con: duckdb.DuckDBPyConnection) -> None:
    sql = render_contract_test(
        "contract_accepted_values",
        model="raw_activities",
        column_name="activity_type",
        values=["call", "meeting"],
    )
    assert "coalesce(cast(activity_type as varchar) not in ('call', 'meeting'), true)" in sql
    assert sorted(con.execute(sql).fetchall()) == [("demo", 2), ("meet ing", 1)]


def test_a_value_that_is_not_normalised_gets_no_shortcut(con: duckdb.DuckDBPyConnection) -> None:
    """'Call' is no normalised label: every spelling of call normalises to 'call', which is not 'Call', so
    all six fail, as they did before the shortcut, the raw text 'Call' exactly too; 'meeting' keeps its
    shortcut."""
    sql = render_contract_test(
        "contract_accepted_values",
        model="raw_activities",
        column_name="activity_type",
        values=["Call", "meeting"],
    )
    assert "coalesce(cast(activity_type as varchar) not in ('meeting'), true)" in sql
    assert sorted(con.execute(sql).fetchall()) == [("call", 6), ("demo", 2), ("meet ing", 1)]
