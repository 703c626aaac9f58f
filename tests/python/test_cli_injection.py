"""Flag and SQL injection through every command-line option that reaches dbt, SQL or the file system.

Each CLI is called in-process (argparse runs before anything is opened), with an attempt per option; the
attempt must exit with code 2 and a message, before any file exists under the test's folder.

option (CLIs)                      -> reaches; validated by
--raw-dir (pipeline, build, load)  -> file listing, read_csv/read_parquet path literals; an existing directory
                                      (pipeline), paths only as quoted SQL literals, links out of it refused
--raw-schema (pipeline, build),    -> SQL identifier (loader), dbt var raw_schema -> source schema;
  --schema (load)                     a lower-case identifier
--as-of (pipeline, build)          -> env SALES_KPIS_AS_OF_DATE (pipeline) or dbt var as_of_date (build) ->
                                      SQL date literal; a YYYY-MM-DD calendar date, checked again by the macro
--select, --exclude (pipeline,     -> the dbt argument list; each space-separated part is dbt node selection,
  build)                              never starting with "-", passed as separate argv elements (no shell)
--target (pipeline)                -> dbt --target; a profile target name
--vars (pipeline, build)           -> dbt --vars JSON -> macros -> SQL; a JSON object, identifier keys,
                                      restricted string characters, each var re-validated by the macros
--raw-locale (pipeline, build)     -> dbt var raw_locale; one of the known presets
--raw-timezone (pipeline, build)   -> dbt var raw_timezone -> SQL literal; an IANA zone (pattern, zoneinfo)
--column-map (pipeline, build,     -> a YAML read, column names in SQL; an existing file (pipeline), targets
  load)                               must be contract columns, names quoted
--max-rejected-share (all three)   -> the loader's threshold; a number from 0 to 1
--extra-checks (pipeline)          -> a YAML/JSON read, expectation columns; an existing file, checks.py
--keep-versions (pipeline)         -> deletion of old served versions; a whole number >= 1
--log-file (pipeline)              -> a file append; no control characters, not a directory or device
--limit (pipeline status)          -> the run listing; a whole number >= 1
--to (pipeline rollback)           -> the file name of an archived version; a run id
--database (load)                  -> the DuckDB connect path; a .duckdb path, never a connection string
--crm-source (pipeline, load)      -> which sources file the loader reads, dbt var crm_source; a fixed choice
--landed-schema (pipeline, load)   -> SQL identifier (loader), dbt var crm_landed_schema; an identifier
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import build_warehouse, load_raw
from scripts.pipeline import cli as pipeline_cli
from scripts.pipeline.config import ConfigError, check_selector

FLAG = "kpi_x --project-dir /elsewhere"
SQL = "raw'; drop schema raw cascade; --"

PIPELINE = [
    (["run", "--raw-dir", "/no/such/dir'; --"], "not a directory"),
    (["run", "--incremental"], "--incremental needs --raw-dir"),
    (["run", "--incremental", "--skip-load"], "--incremental needs --raw-dir"),
    (["run", "--incremental", "--full-refresh", "--raw-dir", "."], "excludes --skip-load and --full-refresh"),
    (["run", "--raw-schema", SQL], "invalid schema name"),
    (["run", "--raw-schema", "raw --full-refresh"], "invalid schema name"),
    (["run", "--as-of", "2026-01-01'; drop table x; --"], "not a date"),
    (["run", "--as-of", "--full-refresh"], "expected one argument"),
    (["run", "--select", FLAG], "not dbt node selection"),
    (["run", "--select", "kpi_x,--debug"], "not dbt node selection"),
    (["run", "--select", "kpi_x; rm -rf /"], "not dbt node selection"),
    (["run", "--exclude", "kpi_x --target prod"], "not dbt node selection"),
    (["run", "--exclude", "$(touch /tmp/x)"], "not dbt node selection"),
    (["run", "--target", "dev --project-dir /elsewhere"], "invalid dbt target"),
    (["validate", "--target", "dev'--"], "invalid dbt target"),
    (["publish", "--target", "-x"], "expected one argument"),
    (["run", "--vars", '{"spine_start_month": "2020-01-01\') as x --"}'], "not allowed"),
    (["run", "--vars", '{"raw_schema; drop": "raw"}'], "invalid variable name"),
    (["validate", "--vars", "[1, 2]"], "JSON object"),
    (["run", "--raw-locale", "id-ID'; --"], "unknown raw locale"),
    (["run", "--raw-locale", "xx-XX"], "unknown raw locale"),
    (["run", "--raw-timezone", "Asia/Jakarta'; drop table x; --"], "invalid time zone"),
    (["run", "--raw-timezone", "Mars/Olympus"], "unknown time zone"),
    (["run", "--column-map", "/no/such/map.yml'; --"], "no such file"),
    (["run", "--max-rejected-share", "0.01; drop"], "not a number"),
    (["run", "--max-rejected-share", "2"], "from 0 to 1"),
    (["run", "--extra-checks", "/no/such/checks.yml"], "no such file"),
    (["publish", "--keep-versions", "0"], "whole number >= 1"),
    (["run", "--keep-versions", "1; rm -rf /"], "whole number >= 1"),
    (["run", "--log-file", "/"], "not a regular file"),
    (["status", "--limit", "-1"], "whole number >= 1"),
    (["status", "--limit", "1 --json"], "whole number >= 1"),
    (["rollback", "--to", "../../etc/passwd"], "invalid run id"),
    (["run", "--crm-source", "salesforce'; --"], "invalid choice"),
    (["run", "--landed-schema", SQL], "invalid schema name"),
    (["run", "--landed-schema", "raw_hubspot --full-refresh"], "invalid schema name"),
]
BUILD = [
    (["--raw-schema", SQL], "invalid schema name"),
    (["--as-of", "2026-02-30"], "not a calendar date"),
    (["--select", FLAG], "not dbt node selection"),
    (["--exclude", "x --vars {}"], "not dbt node selection"),
    (["--vars", '{"as_of_date": "2026-01-01\'; --"}'], "not allowed"),
    (["--raw-locale", "id_ID"], "unknown raw locale"),
    (["--raw-timezone", "UTC; drop"], "invalid time zone"),
    (["--max-rejected-share", "-0.5"], "from 0 to 1"),
]
LOADER = [
    (["--raw-dir", "x", "--schema", SQL], "not a valid identifier"),
    (["--raw-dir", "x", "--database", ":memory:"], "must be a .duckdb file"),
    (["--raw-dir", "x", "--database", "md:my_db.duckdb"], "must be a .duckdb file"),
    (["--raw-dir", "x", "--max-rejected-share", "1e9"], "from 0 to 1"),
    (["--raw-dir", "x", "--crm-source", "zoho"], "invalid choice"),
    (["--raw-dir", "x", "--landed-schema", SQL], "not a valid identifier"),
]


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def run_main(main: Callable[[list[str]], int], args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # argparse refuses with exit code 2
        return int(exc.code or 0)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "w"
    root.mkdir()
    monkeypatch.setenv("SALES_KPIS_DUCKDB_PATH", str(root / "build.duckdb"))
    monkeypatch.setenv("SALES_KPIS_SERVING_PATH", str(root / "serving" / "sales_kpis.duckdb"))
    monkeypatch.setenv("SALES_KPIS_STATE_DIR", str(root / "state"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(root / "target"))
    return root


@pytest.mark.parametrize(("args", "message"), PIPELINE, ids=[" ".join(a) for a, _ in PIPELINE])
def test_pipeline_refuses(
    isolated: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run_main(pipeline_cli.main, args) == 2
    assert message in capsys.readouterr().err
    assert files_under(isolated) == []  # refused before the warehouse, the state or a log was touched


@pytest.mark.parametrize(("args", "message"), BUILD, ids=[" ".join(a) for a, _ in BUILD])
def test_build_warehouse_refuses(
    isolated: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run_main(build_warehouse.main, args) == 2
    assert message in capsys.readouterr().err
    assert files_under(isolated) == []


@pytest.mark.parametrize(("args", "message"), LOADER, ids=[" ".join(a) for a, _ in LOADER])
def test_loader_refuses(
    isolated: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    assert run_main(load_raw.main, args) == 2
    assert message in capsys.readouterr().err + caplog.text
    assert files_under(isolated) == []


def test_every_option_that_reaches_dbt_sql_or_files_is_tried() -> None:
    """The lists above try each such option of each CLI (a new option must get its attempt here)."""
    tried = {a for args, _ in PIPELINE for a in args if a.startswith("--")}
    run_options = {
        a
        for action in pipeline_cli.build_parser()._subparsers._group_actions[0].choices["run"]._actions
        for a in action.option_strings
        if a.startswith("--")
    }
    flags = {"--help", "--skip-load", "--full-refresh", "--allow-stale", "--allow-outside-links", "--verbose"}
    flags |= {"--quiet", "--append"}
    assert run_options - flags <= tried, run_options - flags - tried
    tried_build = {a for args, _ in BUILD for a in args if a.startswith("--")}
    build_options = {
        a
        for action in build_warehouse.build_parser()._actions
        for a in action.option_strings
        if a.startswith("--")
    }
    assert build_options - flags - {"--raw-dir", "--column-map"} <= tried_build
    tried_loader = {a for args, _ in LOADER for a in args if a.startswith("--")}
    loader_options = {
        a for action in load_raw.build_parser()._actions for a in action.option_strings if a.startswith("--")
    }
    assert loader_options - flags - {"--column-map"} <= tried_loader


@pytest.mark.parametrize(
    "selection",
    [
        "kpi_revenue_monthly",
        "+kpi_revenue_monthly tag:daily,path:models/marts",
        "@fct_orders",
        "2+kpi_x+1",
        "config.materialized:table",
        "source:crm.accounts+",
        "models/marts/kpi",
        "kpi_*",
        "state:modified+",
    ],
)
def test_dbt_node_selection_is_accepted(selection: str) -> None:
    assert check_selector(selection) == selection.split()


@pytest.mark.parametrize(
    "selection", [FLAG, "-s", "x --debug", "x,-y", "a|b", "a;b", "a`b`", "a'b", 'a"b', "x>y"]
)
def test_anything_else_is_refused(selection: str) -> None:
    with pytest.raises(ConfigError, match="not dbt node selection"):
        check_selector(selection)


def test_a_valid_selection_reaches_dbt_as_separate_list_elements(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """build_warehouse passes `--select a b` as ["--select", "a", "b"] to the dbt subprocess."""
    seen: list[list[str]] = []

    def fake_run_dbt(args: list[str], dbt_vars: dict) -> object:
        seen.append(args)
        raise SystemExit(0)

    monkeypatch.setattr(build_warehouse, "run_dbt", fake_run_dbt)
    monkeypatch.setenv("SALES_KPIS_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    assert (
        run_main(build_warehouse.main, ["--skip-load", "--select", "+kpi_x tag:daily", "--exclude", "fct_y"])
        == 0
    )
    assert seen == [["build", "--select", "+kpi_x", "tag:daily", "--exclude", "fct_y"]]
