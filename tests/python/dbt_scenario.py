"""Build one generated data set end to end for a test module: generate raw files, load them, run dbt.

Everything lives under a temporary directory (raw files, DuckDB file, dbt target and logs), so a test never
touches the repo's warehouse/ or target/. dbt runs as a subprocess (scripts.dbt_cli.run_dbt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scripts.dbt_cli import DbtResult, run_dbt
from scripts.generate_sample_data import main as generate_main
from scripts.load_raw import LoadReport, load_directory

MARTS_SCHEMA = "marts"


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
    raw_dir, database = root / "raw", root / "warehouse.duckdb"
    assert generate_main(["--out", str(raw_dir), *generator_args]) == 0
    manifest = json.loads((raw_dir / "manifest.json").read_text(encoding="utf-8"))
    load = load_directory(raw_dir, database)
    variables = {"as_of_date": manifest["as_of_date"], **(dbt_vars or {})}
    result = run_dbt(
        list(dbt_args),
        variables,
        env={
            "SALES_KPIS_DUCKDB_PATH": str(database),
            "SALES_KPIS_TARGET": "duckdb",
            "DBT_LOG_PATH": str(root / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        target_path=root / "target",
        quiet=True,
    )
    return BuiltScenario(
        raw_dir=raw_dir,
        database=database,
        as_of=date.fromisoformat(manifest["as_of_date"]),
        reporting_currency=manifest["reporting_currency"],
        load=load,
        dbt=result,
    )
