"""Render a dbt generic test from the project's macro files with plain Jinja, in the form dbt-duckdb gives it.

For tests of the generic tests themselves (test_generic_tests.py, test_contract_tests.py): the SQL is run on
small hand-made tables, no dbt project or parse needed. The macro files' macros are defined once; dbt's
context is reduced to what they use: `dbt.type_string()`, `adapter.dispatch` (duckdb__, else default__),
`adapter.get_relation` (every table exists), `adapter.get_columns_in_relation` (the columns a test gives),
`env_var` (the environment a test gives), `exceptions.raise_compiler_error` (a ValueError), `execute` and
`return()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from scripts.contract import PROJECT_ROOT

MACROS_DIR = PROJECT_ROOT / "macros"


class _Dbt:
    @staticmethod
    def type_string() -> str:
        return "varchar"


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise ValueError(message)


@dataclass(frozen=True)
class _Column:
    name: str


class _Adapter:
    def __init__(self, columns: list[str]) -> None:
        self.module: Any = None
        self.columns = columns

    def get_columns_in_relation(self, _relation: str) -> list[_Column]:
        return [_Column(name) for name in self.columns]

    def dispatch(self, name: str, _package: str) -> Any:
        return getattr(self.module, f"duckdb__{name}", None) or getattr(self.module, f"default__{name}")

    @staticmethod
    def get_relation(**_: str) -> str:
        return "relation"


def _return(value: Any) -> Any:
    """dbt's return(): here the macro's output is the value (SQL text, or true)."""
    return value


def render_test(
    test_file: Path,
    name: str,
    *macro_files: Path,
    env: dict[str, str] | None = None,
    columns: list[str] | None = None,
    **arguments: Any,
) -> str:
    """The SQL of generic test `name` of `test_file` for the given arguments (model = a table name), with the
    macros of `test_file` and of `macro_files` defined; `env` is what env_var() reads, `columns` the model's
    columns."""
    text = test_file.read_text(encoding="utf-8")
    match = re.search(r"{%\s*test " + name + r"\(.*?\)\s*%}(?P<body>.*?){%\s*endtest\s*%}", text, re.DOTALL)
    assert match, f"no generic test {name} in {test_file}"
    sources = [path.read_text(encoding="utf-8") for path in macro_files] + [text]
    macro = re.compile(r"{%-?\s*macro .*?{%-?\s*endmacro\s*-?%}", re.DOTALL)
    macros = "".join(definition for source in sources for definition in macro.findall(source))
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    adapter = _Adapter(columns or [])
    environ = env or {}

    def env_var(key: str, default: str = "") -> str:
        return environ.get(key, default)

    context = {
        "adapter": adapter,
        "dbt": _Dbt,
        "env_var": env_var,
        "exceptions": _Exceptions,
        "execute": True,
        "return": _return,
    }
    adapter.module = environment.from_string(macros).make_module(context)
    defined = {key: getattr(adapter.module, key) for key in dir(adapter.module) if not key.startswith("_")}
    return environment.from_string(match["body"]).render(**context, **defined, **arguments)
