"""Cross-engine equality: the sample built on DuckDB, PostgreSQL and Spark gives the same KPIs and facts.

Each engine builds the bundled sample into its own warehouse (module fixtures), except DuckDB, whose
build is the one `make dbt-test` made (with its data and unit tests); PostgreSQL runs a full `dbt build`,
so every data test and unit test also passes on PostgreSQL here. Then every kpi_* view and fct_* table
is read from each engine and compared with the first (DuckDB): row counts exactly, money (decimals) to
the cent, floating-point values (ratios) to 1e-9, everything else (text, integers, dates, timestamps as
UTC, booleans) exactly. Rows are matched by sorting on their normalised values.

Adding an engine: add a builder to ENGINES that builds the sample and returns a `read(relation)` function
(column names, rows). Spark (build_spark) reads the served views of the shared Spark scenario
(spark_fixtures.py), which also runs every data test and unit test on Spark.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from spark_fixtures import spark_tests_enabled

# with Spark, its scenario may run here
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(7200)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT_ROOT / "seeds" / "sample_crm"
KPI_VIEWS = 20
FLOAT_TOLERANCE = 1e-9
CENT = decimal.Decimal("0.01")

Reader = Callable[[str], tuple[list[str], list[tuple[Any, ...]]]]


def as_of() -> str:
    return json.loads((SAMPLE / "manifest.json").read_text())["as_of_date"]


def dbt(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--vars", json.dumps({"as_of_date": as_of()})],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    if proc.returncode != 0:
        lines = proc.stdout.splitlines()
        failing = [line for line in lines if " ERROR " in line or " FAIL " in line]
        # the failures' details (dbt prints them after "Completed with"), without the warnings
        start = next((i for i, line in enumerate(lines) if "Completed with" in line), len(lines))
        details = [
            line for line in lines[start:] if "Warning in" not in line and "configured to warn" not in line
        ]
        pytest.fail(f"dbt {' '.join(args)} failed:\n" + "\n".join(failing[:40] + details[:200]))


def base_env(tmp: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SALES_KPIS_TARGET", None)
    return env


def build_duckdb(tmp: Path, request: pytest.FixtureRequest) -> Reader:
    """DuckDB: the sample build `make dbt-test` made (warehouse/test.duckdb, with every data and unit test;
    built now when missing or stale, see serving_sample.py), read only: building it again here would cost
    a minute of the suite for the same tables."""
    import duckdb
    from serving_sample import sample_build

    database = sample_build()

    def read(relation: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with duckdb.connect(str(database), read_only=True) as con:
            con.execute("set TimeZone = 'UTC'")
            cur = con.execute(f"select * from marts.{relation}")
            return [d[0] for d in cur.description], cur.fetchall()

    def float_columns() -> list[str]:
        with duckdb.connect(str(database), read_only=True) as con:
            rows = con.execute(
                "select table_name || '.' || column_name from information_schema.columns "
                "where table_schema = 'marts' and data_type in ('FLOAT', 'REAL')"
            ).fetchall()
        return [r[0] for r in rows]

    read.float_columns = float_columns  # type: ignore[attr-defined]
    return read


def build_postgres(tmp: Path, request: pytest.FixtureRequest) -> Reader:

    from scripts.pipeline.engines.pg_connect import PgSettings
    from scripts.pipeline.engines.pg_load import load_to_postgres

    cluster = request.getfixturevalue("postgres_cluster")
    pg_env = cluster.create_database("sales_kpis_cross_engine")
    settings = PgSettings.from_env(pg_env)
    load_to_postgres(SAMPLE, settings)
    dbt(["build", "--target", "postgres"], {**base_env(tmp), **pg_env})

    def read(relation: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        with settings.connect() as con:
            con.execute("set timezone = 'UTC'")
            cur = con.execute(f"select * from marts.{relation}")
            return [d.name for d in cur.description or []], cur.fetchall()

    def float_columns() -> list[str]:
        with settings.connect() as con:
            rows = con.execute(
                "select table_name || '.' || column_name from information_schema.columns "
                "where table_schema = 'marts' and data_type = 'real'"
            ).fetchall()
        return [r[0] for r in rows]

    read.float_columns = float_columns  # type: ignore[attr-defined]
    return read


def build_spark(tmp: Path, request: pytest.FixtureRequest) -> Reader:
    """Spark: no build of its own. The shared Spark scenario (spark_fixtures.py: the nightly pipeline on the
    sample, a full dbt build with every data test, then the unit tests) exports every served view of the
    serving database as Parquet, written from Spark's Arrow batches (Spark's types: decimals, doubles,
    timestamps in UTC); those files are what Spark's readers would get."""
    import pyarrow.parquet as pq
    from spark_fixtures import spark_scenario

    scenario = spark_scenario(request.getfixturevalue("tmp_path_factory"))
    for step in ("run", "export"):
        done = scenario.step(step)
        if done["returncode"] != 0:
            pytest.fail(f"Spark scenario step {step} failed:\n{done['stderr'][-4000:]}")

    def read(relation: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        table = pq.read_table(scenario.exports / f"{relation}.parquet")
        return table.column_names, [tuple(row.values()) for row in table.to_pylist()]

    def float_columns() -> list[str]:
        return [
            f"{path.stem}.{field.name}"
            for path in sorted(scenario.exports.glob("*.parquet"))
            for field in pq.read_schema(path)
            if str(field.type) in ("float", "halffloat")
        ]

    read.float_columns = float_columns  # type: ignore[attr-defined]
    return read


# the first engine is the reference the others are compared with; Spark joins when its scenario runs
# (spark_fixtures.py: SALES_KPIS_SPARK_TESTS=1, make test-spark, which CI runs after make test)
ENGINES: dict[str, Callable[[Path, pytest.FixtureRequest], Reader]] = {
    "duckdb": build_duckdb,
    "postgres": build_postgres,
    **({"spark": build_spark} if spark_tests_enabled() else {}),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, Reader]:
    return {name: build(tmp_path_factory.mktemp(name), request) for name, build in ENGINES.items()}


def relations() -> list[str]:
    """Every kpi_* view and fct_* table of the project (from the models folder, not from one engine)."""
    names = sorted(p.stem for p in (PROJECT_ROOT / "models" / "marts").rglob("*.sql"))
    return [n for n in names if n.startswith(("kpi_", "fct_"))]


def normalise(value: Any) -> Any:
    """A value as compared: decimals to the cent, floats kept, timestamps in UTC without zone."""
    if isinstance(value, decimal.Decimal):
        return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, int) and not isinstance(value, bool):
        return decimal.Decimal(value).quantize(CENT)
    return value


def sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float | decimal.Decimal):
            key.append((1, f"{float(value):.6e}"))
        else:
            key.append((1, str(value)))
    return tuple(key)


def same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def differences(
    reference: list[tuple[Any, ...]], other: list[tuple[Any, ...]], columns: list[str]
) -> list[str]:
    if len(reference) != len(other):
        return [f"{len(reference)} rows vs {len(other)}"]
    ref = sorted((tuple(normalise(v) for v in row) for row in reference), key=sort_key)
    oth = sorted((tuple(normalise(v) for v in row) for row in other), key=sort_key)
    found = []
    for r, o in zip(ref, oth, strict=True):
        bad = [f"{c}: {a!r} vs {b!r}" for c, a, b in zip(columns, r, o, strict=True) if not same(a, b)]
        if bad:
            found.append("; ".join(bad))
    return found


def test_every_kpi_view_and_fact_is_equal_on_every_engine(built: dict[str, Reader]) -> None:
    reference_name, reference = next(iter(built.items()))
    names = relations()
    assert sum(n.startswith("kpi_") for n in names) == KPI_VIEWS
    report: dict[str, list[str]] = {}
    equal_kpis = 0
    for name in names:
        ref_columns, ref_rows = reference(name)
        ok = True
        for engine, read in list(built.items())[1:]:
            columns, rows = read(name)
            if columns != ref_columns:
                report[f"{engine}.{name}"] = [f"columns {columns} vs {ref_columns}"]
                ok = False
                continue
            found = differences(ref_rows, rows, columns)
            if found:
                report[f"{engine}.{name}"] = found[:5]
                ok = False
        equal_kpis += ok and name.startswith("kpi_")
    assert report == {}, f"differs from {reference_name}"
    assert equal_kpis == KPI_VIEWS


def test_no_four_byte_floats_in_the_marts(built: dict[str, Reader]) -> None:
    for engine, read in built.items():
        assert read.float_columns() == [], engine  # type: ignore[attr-defined]
