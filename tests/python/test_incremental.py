"""Incremental nights (D119): a sequence of nights that append the next export and build incrementally ends
with the same tables as one full refresh of the same raw rows.

One sequence for the module, on the sample: a full load and build (as of 2026-11-15), then two nights of
changes (scripts.sampledata.changes, 5 % of each table with a one-column key: new ids, late-arriving
activities and e-mail events, newer versions of old ids, soft deletes) appended with `load_raw --append`
and built without --full-refresh. The database is then rebuilt with --full-refresh and every relation of
staging, intermediate and marts is compared, by row count and an order-independent checksum of its rows.
A full reload after incremental nights, built without --full-refresh, must equal the first night's build
(the incremental models notice the new epoch). Models only: the data tests prove the models elsewhere.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from scripts.contract import PROJECT_ROOT
from scripts.load_raw import LoadReport, load_directory
from scripts.sampledata.changes import write_changes
from tests.python.dbt_scenario import SCENARIO_DB, run_scenario_dbt

pytestmark = pytest.mark.e2e

SAMPLE = PROJECT_ROOT / "seeds" / "sample_crm"
FIRST_DAY = dt.date(2026, 11, 15)  # the sample's as-of date
BUILD = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")
INCREMENTAL_FILTER = "> (select coalesce(max(_load_batch), -1) from"


@dataclass(frozen=True)
class Nights:
    root: Path
    first_build: Path  # copy of the database after the first (full) night
    incremental: Path  # copy after the two incremental nights
    full_refresh: Path  # the same raw rows rebuilt with --full-refresh
    reloaded: Path  # a full reload of the sample built without --full-refresh
    loads: list[LoadReport]
    compiled_incremental: dict[str, str]  # model -> SQL dbt ran on the last incremental night


def _build(root: Path, day: dt.date, *extra: str) -> None:
    result = run_scenario_dbt(root, [*BUILD, *extra], {}, env={"SALES_KPIS_AS_OF_DATE": day.isoformat()})
    assert result.returncode == 0, "dbt build failed:\n" + "\n".join(result.output_tail)


def _copy(root: Path, name: str) -> Path:
    target = root / f"{name}.duckdb"
    shutil.copyfile(root / SCENARIO_DB, target)
    return target


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    root = tmp_path_factory.mktemp("incremental")
    database = root / SCENARIO_DB
    loads = [load_directory(SAMPLE, database)]
    _build(root, FIRST_DAY, "--full-refresh")
    first_build = _copy(root, "first_build")
    compiled: dict[str, str] = {}
    for night in (1, 2):
        day = FIRST_DAY + dt.timedelta(days=night)
        changes = root / f"night{night + 1}"
        write_changes(SAMPLE, changes, 0.05, day)
        loads.append(load_directory(changes, database, append=True))
        _build(root, day)
    run_dir = root / "target" / "compiled" / "sales_kpis" / "models" / "staging" / "crm" / "base"
    for model in ("base_crm__activities", "base_crm__email_events"):
        compiled[model] = (run_dir / f"{model}.sql").read_text(encoding="utf-8")
    incremental = _copy(root, "incremental")
    _build(root, FIRST_DAY + dt.timedelta(days=2), "--full-refresh")
    full_refresh = _copy(root, "full_refresh")
    loads.append(load_directory(SAMPLE, database))
    _build(root, FIRST_DAY)
    reloaded = _copy(root, "reloaded")
    return Nights(root, first_build, incremental, full_refresh, reloaded, loads, compiled)


def checksums(database: Path) -> dict[str, tuple[int, int]]:
    """Per relation of the compared schemas: (rows, sum of row hashes). Doubles are rounded to 9 digits
    (a sum of doubles may differ in its last bit with the order rows are added in); `_load_batch`, the
    number of the load a row came in, is left out (a reload of the same files has a new one)."""
    out: dict[str, tuple[int, int]] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in "
            f"({', '.join(repr(s) for s in COMPARED_SCHEMAS)}) order by 1, 2"
        ).fetchall()
        for schema, name in relations:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? and column_name != '_load_batch' "
                "order by ordinal_position",
                [schema, name],
            ).fetchall()
            values = ", ".join(
                f'round("{c}", 9)' if t in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"' for c, t in columns
            )
            rows, total = con.execute(
                f'select count(*), coalesce(sum(hash({values})::hugeint), 0) from "{schema}"."{name}"'
            ).fetchone()
            out[f"{schema}.{name}"] = (rows, int(total))
    return out


def _differences(left: dict[str, tuple[int, int]], right: dict[str, tuple[int, int]]) -> list[str]:
    names = sorted(set(left) | set(right))
    return [f"{n}: {left.get(n)} != {right.get(n)}" for n in names if left.get(n) != right.get(n)]


def test_the_nights_appended_new_and_changed_rows(nights: Nights) -> None:
    first, night2, night3, reload = nights.loads
    assert not first.appended and night2.appended and night3.appended and not reload.appended
    batches = [r.load_batch for r in nights.loads]
    assert batches == sorted(batches) and len(set(batches)) == 4  # always increasing, a reload too
    assert night2.rows["activities"] > 0 and night2.rows["email_events"] > 0
    with duckdb.connect(str(nights.incremental), read_only=True) as con:
        by_batch = con.execute(
            "select _load_batch, count(*) from staging.base_crm__activities group by 1 order by 1"
        ).fetchall()
        late = con.execute(
            "select count(*) from staging.base_crm__activities "
            "where _load_batch > ? and occurred_at < timestamp '2026-11-01'",
            [first.load_batch],
        ).fetchone()[0]
        versions = con.execute(
            "select count(*) from staging.base_crm__activities where _disposition = 'superseded'"
        ).fetchone()[0]
    with duckdb.connect(str(nights.first_build), read_only=True) as con:
        versions_before = con.execute(
            "select count(*) from staging.base_crm__activities where _disposition = 'superseded'"
        ).fetchone()[0]
    # the full load's rows carry its batch, then each night's
    assert [b for b, _ in by_batch] == batches[:3]
    assert [n for _, n in by_batch][1:] == [night2.rows["activities"], night3.rows["activities"]]
    assert late > 0  # activities that happened long before the night they arrived in
    assert versions > versions_before  # the nights' second versions (deleted) of old activities


def test_the_last_nights_read_only_the_keys_they_touched(nights: Nights) -> None:
    for model, sql in nights.compiled_incremental.items():
        assert INCREMENTAL_FILTER in sql, f"{model} was not built incrementally"


def test_incremental_nights_equal_one_full_refresh(nights: Nights) -> None:
    incremental, full = checksums(nights.incremental), checksums(nights.full_refresh)
    assert len(full) > 50
    assert any(n.startswith("marts.fct_") for n in full) and any(n.startswith("marts.kpi_") for n in full)
    assert _differences(incremental, full) == []
    # and the nights changed something: the first night's tables differ from the last
    assert _differences(checksums(nights.first_build), full)


def test_a_full_reload_after_incremental_nights_replaces_what_they_added(nights: Nights) -> None:
    assert _differences(checksums(nights.reloaded), checksums(nights.first_build)) == []
