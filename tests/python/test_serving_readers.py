"""The serving file and its Parquet copy, read by the DuckDB 1.x readers BI tools bundle.

One module fixture publishes the sample build twice (versions A and B) with the pipeline's publish step.
The build is `warehouse/test.duckdb`, which `make test` builds just before pytest (`make dbt-test`); run
alone, the fixture builds the sample itself (about two minutes). The readers are the folders `make
bi-readers` installs (duckdb 1.1.3 and 1.4.4 for Python, the DuckDB CLI 1.5.6); each reads every table of
the serving file and every Parquet file, and its values and types must equal what duckdb 2.0 reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from scripts import profile
from scripts.pipeline import publish, serving_parquet
from scripts.pipeline.checks import DATA_QUALITY_MODELS, SERVED_PREFIXES, Relation
from scripts.pipeline.config import Paths

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DUMP = Path(__file__).with_name("serving_dump.py")
READERS = Path(os.environ.get("SALES_KPIS_BI_READERS") or PROJECT_ROOT / "warehouse" / "bi-readers")
PYTHON_READERS = ("duckdb-1.1.3", "duckdb-1.4.4")
CLI_READER = "duckdb-cli-1.5.6"
RUN_A, RUN_B = "20261116T010000Z-aaaaaa", "20261117T010000Z-bbbbbb"
KPI_VIEWS = 20


def missing(message: str) -> None:
    """Skip locally, fail in CI (SALES_KPIS_CI=1): CI must run every reader."""
    if os.environ.get("SALES_KPIS_CI") == "1":
        pytest.fail(message)
    pytest.skip(message)


def reader_folder(name: str) -> Path:
    folder = READERS / name
    if not (folder / ".installed").exists():
        missing(f"DuckDB reader {name} not installed in {READERS}: run `make bi-readers`")
    return folder


def kpi_count(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name like 'kpi%'"
        ).fetchone()[0]


def sample_build(tmp: Path) -> Path:
    """The sample's build database: make dbt-test's, else built here."""
    made = PROJECT_ROOT / "warehouse" / "test.duckdb"
    if made.exists() and kpi_count(made) >= KPI_VIEWS:
        return made
    database = tmp / "test.duckdb"
    env = {
        **os.environ,
        "SALES_KPIS_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "dbt_logs"),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }
    subprocess.run(
        [sys.executable, "-m", "scripts.build_warehouse"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return database


def catalog_relations(database: Path) -> list[Relation]:
    """The served relations, found in the build database's catalog (the pipeline reads the manifest)."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
        ).fetchall()
    return [
        Relation(name, schema, name, "view" if kind == "VIEW" else "table")
        for schema, name, kind in sorted(rows)
        if (schema == "marts" and name.startswith(SERVED_PREFIXES)) or name in DATA_QUALITY_MODELS
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("serving")
    source = sample_build(root)
    build = root / "build" / source.name  # same stem: dbt-duckdb views name the catalog
    build.parent.mkdir()
    shutil.copyfile(source, build)
    paths = Paths.from_env(
        {
            "SALES_KPIS_DUCKDB_PATH": str(build),
            "SALES_KPIS_SERVING_PATH": str(root / "serving" / "sales_kpis.duckdb"),
            "SALES_KPIS_STATE_DIR": str(root / "state"),
        },
        keep_versions=2,
    )
    relations = catalog_relations(build)
    settings = profile.duckdb_settings(PROJECT_ROOT, None)
    for run_id in (RUN_A, RUN_B):
        version = {"run_id": run_id, "as_of_date": "2026-11-15", "published_at": "2026-11-16T01:00:00+00:00"}
        publish.publish(paths, relations, version, [], settings)
    return {"paths": paths, "relations": relations, "parquet": serving_parquet.parquet_root(paths.serving_db)}


def read_with_every_reader(serving_db: Path, parquet_folder: Path, out: Path) -> dict[str, dict[str, Any]]:
    """Every table and Parquet file, read by duckdb 2.0 and by each 1.x reader (in parallel)."""
    out.mkdir(exist_ok=True)
    jobs = {"2.0": ([sys.executable, str(DUMP)], dict(os.environ))}
    for name in PYTHON_READERS:
        env = {**os.environ, "PYTHONPATH": str(reader_folder(name))}
        jobs[name] = ([sys.executable, "-S", str(DUMP)], env)  # -S: nothing from the project's venv
    procs = {
        name: subprocess.Popen(
            [*cmd, str(serving_db), str(out / f"{name}.json"), str(parquet_folder)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (cmd, env) in jobs.items()
    }
    results = {}
    for name, proc in procs.items():
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name} could not read {serving_db}: {stderr[-3000:]}"
        results[name] = json.loads((out / f"{name}.json").read_text())
    return results


@pytest.fixture(scope="module")
def dumps(served: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Version B of the sample, read by every reader."""
    paths: Paths = served["paths"]
    return read_with_every_reader(
        paths.serving_db, served["parquet"] / RUN_B, paths.serving_db.parent.parent / "dumps"
    )


TYPES_SQL = """
create schema marts;
create table marts.fct_types as
select
    i as id,
    sum(i) over () as hugeint_sum,
    (i * 1.123456)::decimal(38, 6) as wide_decimal,
    timestamptz '2026-11-30 23:30:00+07' + to_days(i::integer) as at_tz,
    ['a', 'b' || i] as labels,
    {'rep': 'r' || i, 'n': i} as info,
    to_days(i::integer) as gap,
    i % 2 = 0 as flag,
    null::double as empty
from range(5) as r (i);
create table marts.fct_many_rows as
select
    i as id,
    'label ' || (i % 7) as label,
    (i * 0.01)::decimal(18, 2) as amount
from range(130000) as r (i)
"""


@pytest.fixture(scope="module")
def type_dumps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Types the sample does not have (yet): HUGEINT sums, wide decimals, TIMESTAMPTZ, lists, structs,
    intervals, an all-NULL column; published by the pipeline's publish step, read by every reader."""
    root = tmp_path_factory.mktemp("types")
    paths = Paths.from_env(
        {
            "SALES_KPIS_DUCKDB_PATH": str(root / "types_build.duckdb"),
            "SALES_KPIS_SERVING_PATH": str(root / "serving" / "sales_kpis.duckdb"),
            "SALES_KPIS_STATE_DIR": str(root / "state"),
        }
    )
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute(TYPES_SQL)
        con.execute("create view marts.kpi_types as select * from types_build.marts.fct_types")
        con.execute("create view marts.kpi_many_rows as select * from types_build.marts.fct_many_rows")
    relations = [
        Relation(n, "marts", n, m)
        for n, m in (
            ("fct_types", "table"),
            ("kpi_types", "view"),
            ("fct_many_rows", "table"),
            ("kpi_many_rows", "view"),
        )
    ]
    version = {"run_id": RUN_A, "as_of_date": "2026-11-15", "published_at": "2026-11-16T01:00:00+00:00"}
    publish.publish(paths, relations, version, [], {})
    parquet = serving_parquet.parquet_root(paths.serving_db) / RUN_A
    with duckdb.connect(str(paths.serving_db), read_only=True) as con:
        row_groups = {
            table: sorted(
                con.execute(
                    f"select row_group_id, max(count) from pragma_storage_info('marts.{table}') group by 1"
                ).fetchall()
            )
            for table in ("fct_many_rows", "kpi_many_rows")
        }
    return {**read_with_every_reader(paths.serving_db, parquet, root / "dumps"), "row_groups": row_groups}


def test_the_serving_file_and_archives_are_in_the_duckdb_1_1_storage_format(served: dict[str, Any]) -> None:
    paths: Paths = served["paths"]
    assert publish.storage_number(paths.serving_db) == publish.SERVING_STORAGE_NUMBER == 64
    for run_id in (RUN_A, RUN_B):
        assert publish.storage_number(publish.archive_path(paths, run_id)) == 64


def test_an_old_reader_refuses_duckdb_2_0_s_own_format(tmp_path: Path) -> None:
    """The control: without the storage option, 1.x readers cannot open the file (so the test can fail)."""
    own = tmp_path / "own_format.duckdb"
    with duckdb.connect(str(own)) as con:
        con.execute("create table t as select 1 as x")
    assert publish.storage_number(own) > 64
    result = subprocess.run(
        [sys.executable, "-S", str(DUMP), str(own), str(tmp_path / "out.json")],
        env={**os.environ, "PYTHONPATH": str(reader_folder("duckdb-1.4.4"))},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "version number" in result.stderr


@pytest.mark.parametrize("reader", PYTHON_READERS)
def test_every_served_table_reads_the_same_in_duckdb_1_x(
    dumps: dict[str, dict[str, Any]], reader: str
) -> None:
    reference, old = dumps["2.0"], dumps[reader]
    assert old["duckdb"] == reader.split("-")[1]
    kpis = [t for t in reference["tables"] if t.startswith("marts.kpi_")]
    assert len(kpis) >= KPI_VIEWS
    assert sorted(old["tables"]) == sorted(reference["tables"])
    different = [t for t in reference["tables"] if old["tables"][t] != reference["tables"][t]]
    assert different == [], f"{reader} reads these tables differently from duckdb 2.0"
    types = {c[1] for table in reference["tables"].values() for c in table["columns"]}
    assert {"DECIMAL(18,2)", "DATE", "TIMESTAMP", "BIGINT", "BOOLEAN", "VARCHAR", "DOUBLE"} <= types


@pytest.mark.parametrize("reader", ["2.0", *PYTHON_READERS])
def test_every_parquet_file_holds_the_served_table(dumps: dict[str, dict[str, Any]], reader: str) -> None:
    """Same columns, same types (decimals stay decimals), same values as the serving file, in every reader."""
    reference, parquet = dumps["2.0"]["tables"], dumps[reader]["parquet"]
    assert sorted(parquet) == sorted(reference)  # one file per served table, KPI views included
    different = [t for t in reference if parquet[t] != reference[t]]
    assert different == []


def test_parquet_decimals_are_parquet_decimals_and_every_file_names_its_run(served: dict[str, Any]) -> None:
    folder = served["parquet"] / RUN_B
    manifest = json.loads((folder / serving_parquet.VERSION_FILE).read_text())
    assert manifest["run_id"] == RUN_B
    decimals = 0
    with duckdb.connect(str(served["paths"].serving_db), read_only=True) as con:
        for label, entry in manifest["tables"].items():
            schema, table = label.split(".")
            parquet = pq.ParquetFile(folder / entry["file"])
            assert parquet.metadata.metadata[b"run_id"] == RUN_B.encode()
            assert parquet.metadata.num_rows == entry["rows"]
            arrow = parquet.schema_arrow
            for name, kind in con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ?",
                [schema, table],
            ).fetchall():
                if kind.startswith("DECIMAL"):
                    precision, scale = map(int, kind[8:-1].split(","))
                    field = arrow.field(name).type
                    assert (str(field), field.precision, field.scale) == (
                        f"decimal128({precision}, {scale})",
                        precision,
                        scale,
                    ), f"{label}.{name}"
                    decimals += 1
    assert decimals > 50


def test_hugeint_is_exported_as_an_exact_decimal(tmp_path: Path) -> None:
    """DuckDB writes HUGEINT (sum of integers) to Parquet as DOUBLE; the export keeps it exact."""
    source = tmp_path / "v.duckdb"
    big = 2**70 + 1  # not representable as a double
    with duckdb.connect(str(source)) as con:
        con.execute("create schema pipeline; create schema marts")
        con.execute(
            f"create table pipeline.version as select '{RUN_A}' as run_id, null::date as as_of_date, "
            "null::timestamp as published_at"
        )
        con.execute(
            f"create table marts.kpi_x as select {big}::hugeint as total, sum(i) as s from range(3) r(i)"
        )
    exported = serving_parquet.export_version(source, tmp_path / "parquet", RUN_A)
    file = exported.folder / "marts" / "kpi_x.parquet"
    assert str(pq.read_schema(file).field("total").type) == "decimal128(38, 0)"
    assert pq.read_table(file).column("total").to_pylist()[0] == big


def test_the_duckdb_cli_recipes_of_the_docs(served: dict[str, Any]) -> None:
    """docs/operations.md: `duckdb -readonly <serving file>` and `current/` Parquet, with the CLI 1.5.6."""
    cli = reader_folder(CLI_READER) / "duckdb_cli" / "duckdb"
    paths: Paths = served["paths"]

    def run(*args: str) -> str:
        result = subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "v1.5.6" in run("-csv", "-c", "select version()")
    assert (
        run(
            "-readonly",
            str(paths.serving_db),
            "-csv",
            "-noheader",
            "-c",
            "select run_id from pipeline.version",
        ).strip()
        == RUN_B
    )
    counts = run(
        "-readonly",
        str(paths.serving_db),
        "-csv",
        "-noheader",
        "-c",
        "select count(*), sum(revenue) from marts.kpi_revenue_monthly",
    )
    current = served["parquet"] / serving_parquet.CURRENT_LINK / "marts" / "kpi_revenue_monthly.parquet"
    from_parquet = run("-csv", "-noheader", "-c", f"select count(*), sum(revenue) from '{current}'")
    assert counts == from_parquet and int(counts.split(",")[0]) > 0


READER_LOOP = """
import json, sys, time
from pathlib import Path
import pyarrow.parquet as pq

root, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
with out.open("w") as handle:
    while not stop.exists():
        try:
            folder = (root / "current").resolve()  # resolve the pointer once, then read that folder only
            manifest = json.loads((folder / "_version.json").read_text())
            files = {p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")}
            run_ids, rows_ok = set(), True
            for label, entry in manifest["tables"].items():
                meta = pq.ParquetFile(folder / entry["file"]).metadata
                run_ids.add(meta.metadata[b"run_id"].decode())
                rows_ok = rows_ok and meta.num_rows == entry["rows"]
            listed = {e["file"] for e in manifest["tables"].values()}
            handle.write(json.dumps({"folder": folder.name, "run_ids": sorted(run_ids), "rows_ok": rows_ok,
                                     "files_match": files == listed, "files": len(files)}) + "\\n")
        except Exception as exc:
            handle.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\\n")
        handle.flush()
        time.sleep(0.01)
"""


def test_a_reader_of_current_sees_one_complete_version_while_rollbacks_switch_it(
    served: dict[str, Any],
) -> None:
    paths: Paths = served["paths"]
    root = served["parquet"]
    stop, out = root.parent / "reader.stop", root.parent / "reader.jsonl"
    reader = subprocess.Popen([sys.executable, "-c", READER_LOOP, str(root), str(out), str(stop)])
    served_after = []
    try:
        time.sleep(1)
        for target in [RUN_A, RUN_B] * 3:
            publish.rollback(paths, target)
            served_after.append(
                (publish.served_version(paths.serving_db)["run_id"], serving_parquet.current_version(root))
            )
            time.sleep(0.1)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert served_after == [(t, t) for t in [RUN_A, RUN_B] * 3]  # Parquet follows every rollback
    reads = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r for r in reads if "error" in r] == []
    assert all(r["run_ids"] == [r["folder"]] and r["rows_ok"] and r["files_match"] for r in reads)
    assert {r["folder"] for r in reads} == {RUN_A, RUN_B}
    assert (root / serving_parquet.CURRENT_FILE).read_text().strip() == RUN_B


def test_an_open_duckdb_cli_session_sees_a_new_version_after_open_again(served: dict[str, Any]) -> None:
    """docs/operations.md: an interactive CLI keeps its version until `.open --readonly <file>`."""
    cli = reader_folder(CLI_READER) / "duckdb_cli" / "duckdb"
    paths: Paths = served["paths"]
    session = subprocess.Popen(
        [str(cli), "-readonly", "-csv", "-noheader", str(paths.serving_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def ask(line: str) -> str:
        session.stdin.write(line + "\n")
        session.stdin.flush()
        return session.stdout.readline().strip()

    try:
        assert ask("select run_id from pipeline.version;") == RUN_B
        publish.rollback(paths, RUN_A)
        assert ask("select run_id from pipeline.version;") == RUN_B  # the session keeps its file
        session.stdin.write(f".open --readonly {paths.serving_db}\n")
        assert ask("select run_id from pipeline.version;") == RUN_A
    finally:
        session.stdin.close()
        session.wait(timeout=60)
        publish.rollback(paths, RUN_B)


def test_served_kpi_tables_are_written_in_small_row_groups(type_dumps: dict[str, Any]) -> None:
    """D121, D130: the same 130,000 rows make at least 8 row groups of at most 16,384 rows as a KPI table
    (a parallel insert may leave one more partly filled), and DuckDB's default 2 groups (122,880 + 7,120)
    as a fact; the 1.x readers read both the same (the next test compares every table)."""
    kpi = [rows for _, rows in type_dumps["row_groups"]["kpi_many_rows"]]
    fact = [rows for _, rows in type_dumps["row_groups"]["fct_many_rows"]]
    assert publish.SERVING_ROW_GROUP_SIZE == 16_384
    assert len(kpi) >= 8 and max(kpi) == 16_384 and sum(kpi) == 130_000
    assert fact == [122_880, 7_120]


@pytest.mark.parametrize("reader", PYTHON_READERS)
def test_types_beyond_the_sample_read_the_same_in_duckdb_1_x(type_dumps: dict[str, Any], reader: str) -> None:
    reference, old = type_dumps["2.0"], type_dumps[reader]
    columns = dict(map(tuple, reference["tables"]["marts.kpi_types"]["columns"]))
    assert columns["hugeint_sum"] == "HUGEINT" and columns["at_tz"] == "TIMESTAMP WITH TIME ZONE"
    assert columns["labels"] == "VARCHAR[]" and columns["wide_decimal"] == "DECIMAL(38,6)"
    assert old["tables"] == reference["tables"]
    assert old["parquet"] == reference["parquet"]
    parquet = dict(map(tuple, reference["parquet"]["marts.kpi_types"]["columns"]))
    assert parquet == {**columns, "hugeint_sum": "DECIMAL(38,0)"}  # the one deliberate type change
