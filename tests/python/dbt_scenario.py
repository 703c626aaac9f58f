"""Build one generated data set end to end for a test module: generate raw files, load them, run dbt.

Everything lives under a temporary directory (raw files, DuckDB file, dbt target and logs), so a test never
touches the repo's warehouse/ or target/. dbt runs as a subprocess (scripts.dbt_cli.run_dbt).

`run_scenario_dbt` starts each scenario's dbt from one shared parse: a full parse of the project costs about
15 s of CPU, a partial parse about 5. dbt accepts a saved parse only when the vars and the connection
settings are the same, and the DuckDB path is one of them; so every scenario names its database by the same
relative path (`SCENARIO_DB`), dbt runs in the scenario's folder, and the parse made once (per vars, under a
lock, in warehouse/test-parse/) is copied into the scenario's target folder. A parse dbt does not accept
is simply redone in full: the sharing can make a build slower, never wrong.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scripts.contract import PROJECT_ROOT
from scripts.dbt_cli import DbtResult, run_dbt
from scripts.generate_sample_data import main as generate_main
from scripts.load_raw import LoadReport, load_directory

MARTS_SCHEMA = "marts"
SCENARIO_DB = "warehouse.duckdb"  # relative to the scenario folder, the same for every scenario
PARSE_CACHE = PROJECT_ROOT / "warehouse" / "test-parse"
_parsed_here: set[str] = set()  # vars keys this test process has refreshed the shared parse for


def _scenario_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "SALES_KPIS_DUCKDB_PATH": SCENARIO_DB,
        "SALES_KPIS_TARGET": "duckdb",
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(extra or {}),
    }


def shared_parse(dbt_vars: dict[str, Any]) -> Path:
    """partial_parse.msgpack of the project for these vars, refreshed once per test process (under a lock:
    parallel test files wait for one parse instead of each making their own)."""
    key = hashlib.sha256(json.dumps(dbt_vars, sort_keys=True, default=str).encode()).hexdigest()[:16]
    folder = PARSE_CACHE / key
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key not in _parsed_here:
            result = run_dbt(
                ["parse"],
                dbt_vars,
                env=_scenario_env(folder),
                target_path=folder / "target",
                quiet=True,
                cwd=folder,
            )
            assert result.returncode == 0, "dbt parse failed:\n" + "\n".join(result.output_tail)
            _parsed_here.add(key)
    return folder / "target" / "partial_parse.msgpack"


def run_scenario_dbt(
    root: Path,
    args: list[str],
    dbt_vars: dict[str, Any],
    env: dict[str, str] | None = None,
    share_parse: bool = True,
) -> DbtResult:
    """Run `dbt <args>` on the scenario database root/SCENARIO_DB, starting from the shared parse for these
    vars (`share_parse`: worth it when several builds of the suite use the same vars; a build with vars of
    its own parses in full)."""
    target = root / "target"
    target.mkdir(parents=True, exist_ok=True)
    if share_parse:
        parsed = shared_parse(dbt_vars)
        if parsed.exists():
            shutil.copyfile(parsed, target / parsed.name)
    return run_dbt(args, dbt_vars, env=_scenario_env(root, env), target_path=target, quiet=True, cwd=root)


@dataclass(frozen=True)
class BuiltScenario:
    """A generated data set loaded and built: where it is and what dbt reported."""

    raw_dir: Path
    database: Path
    as_of: date
    reporting_currency: str
    load: LoadReport
    dbt: DbtResult

    def frame(self, relation: str, schema: str = MARTS_SCHEMA) -> pd.DataFrame:
        """All rows of a relation, as Python values (Decimal money, date months, None for NULL)."""
        return read_relation(self.database, f"{schema}.{relation}")

    def kpi_row_counts(self) -> dict[str, int]:
        """Row count of every kpi_* relation in the marts schema."""
        with duckdb.connect(str(self.database), read_only=True) as con:
            names = [
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = ? and table_name like 'kpi\\_%' escape '\\' order by 1",
                    [MARTS_SCHEMA],
                ).fetchall()
            ]
            return {n: con.execute(f'select count(*) from {MARTS_SCHEMA}."{n}"').fetchone()[0] for n in names}


def read_relation(database: Path, relation: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(f"select * from {relation}")
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)


def build_scenario(
    root: Path,
    generator_args: tuple[str, ...],
    dbt_args: tuple[str, ...],
    dbt_vars: dict[str, Any] | None = None,
) -> BuiltScenario:
    """Generate a data set into root/raw, load it into root/warehouse.duckdb and run `dbt <dbt_args>`
    with the data set's as-of date (manifest.json) plus dbt_vars."""
    raw_dir, database = root / "raw", root / SCENARIO_DB
    assert generate_main(["--out", str(raw_dir), *generator_args]) == 0
    manifest = json.loads((raw_dir / "manifest.json").read_text(encoding="utf-8"))
    load = load_directory(raw_dir, database)
    variables = {"as_of_date": manifest["as_of_date"], **(dbt_vars or {})}
    result = run_scenario_dbt(root, list(dbt_args), variables, share_parse=False)  # vars of its own
    return BuiltScenario(
        raw_dir=raw_dir,
        database=database,
        as_of=date.fromisoformat(manifest["as_of_date"]),
        reporting_currency=manifest["reporting_currency"],
        load=load,
        dbt=result,
    )
