"""Fast tests of the pipeline's pieces on tiny hand-made DuckDB files (no dbt): lock, checks, GX suites,
publish / rollback, freshness judgement, run history."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from scripts.pipeline import publish
from scripts.pipeline.checks import Checks, ChecksError, checked_models, served_relations
from scripts.pipeline.config import ConfigError, Paths, check_identifier, new_run_id, parse_as_of
from scripts.pipeline.freshness import (
    check_freshness_in_process,
    judge,
    reference_instant,
    source_definitions,
    target_is_duckdb,
)
from scripts.pipeline.history import RunRecord, RunStore, batch_tested_by
from scripts.pipeline.lock import LockBusyError, LockInfo, PipelineLock, read_lock_info
from scripts.pipeline.validate import month_gaps, validate_build

pytestmark = pytest.mark.timeout(120)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def make_paths(root: Path, serving_name: str = "sales_kpis.duckdb") -> Paths:
    env = {
        "SALES_KPIS_DUCKDB_PATH": str(root / "build.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(root / "serving" / serving_name),
        "SALES_KPIS_STATE_DIR": str(root / "state"),
        "DBT_TARGET_PATH": str(root / "target"),
    }
    return Paths.from_env(env, keep_versions=2)


def make_build(path: Path, revenue: list[float] | None = None, win_rate: float = 0.5) -> None:
    """A tiny 'build database': a fact table and a KPI view that names the catalog, as dbt-duckdb does."""
    revenue = revenue or [100.0, 200.0, 300.0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    catalog = path.stem
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema intermediate")
        con.execute(
            "create table marts.fct_sales as select * from (values "
            + ", ".join(
                f"(date '2026-0{i + 1}-01', 'r1', {amount}, {win_rate}, 3, 2)"
                for i, amount in enumerate(revenue)
            )
            + ") t(month_start, rep_id, revenue, win_rate, closed_deals, deals_won)"
        )
        con.execute(f"create view marts.kpi_sales as select * from {catalog}.marts.fct_sales")
        con.execute(
            "create table intermediate.int_unmapped_labels as select 'stage' as label_type, 'x' as raw_label"
        )


def manifest(checks: dict[str, object] | None = None) -> dict[str, object]:
    def node(name: str, schema: str, materialized: str, meta: dict[str, object] | None) -> dict[str, object]:
        config = {"materialized": materialized, "enabled": True, "meta": {"checks": meta} if meta else {}}
        return {"resource_type": "model", "name": name, "schema": schema, "alias": name, "config": config}

    kpi_checks = checks or {
        "grain": ["month_start", "rep_id"],
        "month_column": "month_start",
        "bounded_rates": ["win_rate"],
        "ratios": [["deals_won", "closed_deals"]],
        "non_negative": ["revenue"],
        "not_null": ["rep_id"],
    }
    return {
        "nodes": {
            "model.p.kpi_sales": node("kpi_sales", "marts", "view", kpi_checks),
            "model.p.fct_sales": node("fct_sales", "marts", "table", {"grain": ["month_start", "rep_id"]}),
            "model.p.int_unmapped_labels": node("int_unmapped_labels", "intermediate", "table", None),
            "model.p.stg_x": node("stg_x", "staging", "view", None),
            "test.p.some_test": {"resource_type": "test", "name": "some_test"},
        }
    }


# ---- config and input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-01-01'; drop table x; --", "2026-02-30", "20260101", "2026-1-1", " 2026-01-01", ""]
)
def test_parse_as_of_rejects_anything_but_a_calendar_date(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_as_of(text)


def test_parse_as_of_accepts_a_date() -> None:
    assert parse_as_of("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("name", ["raw'; drop schema raw; --", 'raw"x', "RAW", "1raw", "raw schema", ""])
def test_identifiers_are_checked(name: str) -> None:
    with pytest.raises(ConfigError):
        check_identifier(name)


def test_dbt_gets_the_as_of_date_in_its_environment_and_never_an_inherited_one(tmp_path: Path) -> None:
    paths = Paths.from_env({"SALES_KPIS_DUCKDB_PATH": str(tmp_path / "a.duckdb")})
    assert paths.dbt_env(dt.date(2026, 6, 30))["SALES_KPIS_AS_OF_DATE"] == "2026-06-30"
    # no date: an empty value overrides one in the caller's environment, so the models use today
    assert paths.dbt_env()["SALES_KPIS_AS_OF_DATE"] == ""


def test_paths_refuse_serving_the_build_database(tmp_path: Path) -> None:
    env = {
        "SALES_KPIS_DUCKDB_PATH": str(tmp_path / "a.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(tmp_path / "a.duckdb"),
    }
    with pytest.raises(ConfigError):
        Paths.from_env(env)
    env["SALES_KPIS_SERVING_PATH"] = str(tmp_path / "serving" / "a.duckdb")
    with pytest.raises(ConfigError, match="different names"):
        Paths.from_env(env)


def test_run_ids_sort_by_time_and_are_unique() -> None:
    early = new_run_id(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    late = new_run_id(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert early < late
    assert len({new_run_id() for _ in range(50)}) == 50


# ---- lock ------------------------------------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from scripts.pipeline.lock import LockInfo, PipelineLock
lock = PipelineLock(Path(sys.argv[1]), LockInfo("holder-run", 0, "h", "t", "run"))
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_refuses_a_second_holder_and_is_freed_when_the_holder_is_killed(tmp_path: Path) -> None:
    lock_file = tmp_path / "state" / "pipeline.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock_file)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockBusyError) as refused:
            PipelineLock(lock_file, LockInfo("second", os.getpid(), "h", "t", "run")).acquire()
        assert refused.value.holder is not None and refused.value.holder.run_id == "holder-run"
        assert "in progress" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()
    # kill -9 left the file behind, but the kernel dropped the flock: the next run takes over at once
    with PipelineLock(lock_file, LockInfo("third", os.getpid(), "h", "t", "run")) as lock:
        assert lock.previous is not None and lock.previous.run_id == "holder-run"
        info = read_lock_info(lock_file)
        assert info is not None and info.run_id == "third"


# ---- checks from the manifest ----------------------------------------------------------------------------


def test_models_are_discovered_from_the_manifest() -> None:
    m = manifest()
    assert [r.label for r in served_relations(m)] == [
        "marts.fct_sales",
        "intermediate.int_unmapped_labels",
        "marts.kpi_sales",
    ]
    models = checked_models(m)
    assert [c.relation.name for c in models] == ["kpi_sales", "fct_sales"]  # KPI views first
    assert models[0].checks is not None and models[0].checks.ratios == (("deals_won", "closed_deals"),)


def test_malformed_checks_are_reported_not_ignored() -> None:
    with pytest.raises(ChecksError):
        Checks.from_meta({"grian": ["month_start"]})
    with pytest.raises(ChecksError):
        Checks.from_meta({"ratios": [["a"]]})
    with pytest.raises(ChecksError):
        Checks.from_meta({"not_null": ["bad name; drop"]})
    models = checked_models(manifest({"bounded_rates": "win_rate", "unknown": 1}))
    assert models[0].checks is None and "unknown" in (models[0].error or "")


def test_month_gaps_per_group() -> None:
    frame = pd.DataFrame(
        {
            "month_start": pd.to_datetime(
                ["2026-01-01", "2026-02-01", "2026-04-01", "2026-03-01", "2026-05-01"]
            ),
            "rep_id": ["a", "a", "a", "b", "b"],
        }
    )
    gaps = month_gaps(frame, "month_start", ["rep_id"])
    assert gaps.tolist() == [
        "ok",
        "ok",
        "2026-02-01 -> 2026-04-01 (rep_id=a)",
        "ok",
        "2026-03-01 -> 2026-05-01 (rep_id=b)",
    ]
    assert (month_gaps(frame.iloc[:2], "month_start", []) == "ok").all()


# ---- great-expectations suites ---------------------------------------------------------------------------


def test_suites_pass_on_good_data_and_name_each_failure(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    make_build(build)
    report = validate_build(build, checked_models(manifest()), tmp_path / "results.json")
    assert report.ok, [f.describe() for f in report.failures]
    assert (
        report.suites == 2
        and report.evaluated >= 10
        and report.row_counts == {"kpi_sales": 3, "fct_sales": 3}
    )
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["summary"]["failed"] == 0 and set(saved["suites"]) == {"kpi_sales", "fct_sales"}

    with duckdb.connect(str(build)) as con:
        con.execute("update marts.fct_sales set win_rate = 1.5 where month_start = date '2026-02-01'")
        con.execute("update marts.fct_sales set deals_won = 9 where month_start = date '2026-01-01'")
        con.execute("update marts.fct_sales set revenue = -1 where month_start = date '2026-01-01'")
        con.execute("delete from marts.fct_sales where month_start = date '2026-02-01'")
        con.execute("insert into marts.fct_sales values (date '2026-03-01', 'r1', 1, 0.1, 1, 1)")
        con.execute("insert into marts.fct_sales values (date '2026-04-01', null, 1, 0.1, 1, 1)")
    report = validate_build(build, checked_models(manifest()))
    failed = {(f.model, f.check) for f in report.failures}
    assert ("kpi_sales", "ratio_numerator_le_denominator") in failed
    assert ("kpi_sales", "non_negative") in failed
    assert ("kpi_sales", "grain_unique") in failed
    assert ("kpi_sales", "grain_not_null") in failed
    assert ("kpi_sales", "months_contiguous") in failed
    assert ("fct_sales", "grain_unique") in failed
    gap = next(f for f in report.failures if f.check == "months_contiguous")
    assert "2026-01-01 -> 2026-03-01" in gap.describe()
    assert "kpi_sales: ratio_numerator_le_denominator (deals_won, closed_deals)" in " ".join(
        f.describe() for f in report.failures
    )


def test_a_rate_above_one_fails_and_a_missing_column_is_reported(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    make_build(build, win_rate=1.25)
    checks = {
        "grain": ["month_start", "rep_id"],
        "bounded_rates": ["win_rate"],
        "not_null": ["no_such_column"],
    }
    report = validate_build(build, checked_models(manifest(checks)))
    failed = {(f.model, f.check, tuple(f.columns)) for f in report.failures}
    assert ("kpi_sales", "bounded_rate", ("win_rate",)) in failed
    assert any(f.check == "columns_exist" and f.model == "kpi_sales" for f in report.failures)


def test_a_nullable_grain_column_counts_null_as_one_value(tmp_path: Path) -> None:
    """Marketing emails have rep_id NULL: one NULL row per month is fine, two are a duplicate grain."""
    build = tmp_path / "build.duckdb"
    make_build(build)
    with duckdb.connect(str(build)) as con:
        con.execute("insert into marts.fct_sales values (date '2026-01-01', null, 5, 0.1, 1, 1)")
    checks = {"grain": ["month_start", "rep_id"], "nullable_grain": ["rep_id"]}
    report = validate_build(build, checked_models(manifest(checks)))
    assert not [f for f in report.failures if f.model == "kpi_sales"], [f.describe() for f in report.failures]

    with duckdb.connect(str(build)) as con:
        con.execute("insert into marts.fct_sales values (date '2026-01-01', null, 7, 0.1, 1, 1)")
    report = validate_build(build, checked_models(manifest(checks)))
    assert ("kpi_sales", "grain_unique") in {(f.model, f.check) for f in report.failures}
    with pytest.raises(ChecksError):
        Checks.from_meta({"grain": ["month_start"], "nullable_grain": ["rep_id"]})


# ---- publish and rollback --------------------------------------------------------------------------------


def served_tables(serving: Path) -> dict[str, str]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return dict(
            con.execute(
                "select table_schema || '.' || table_name, table_type from information_schema.tables"
            ).fetchall()
        )


def do_publish(
    paths: Paths, run_id: str, history: list[dict[str, object]] | None = None
) -> publish.PublishedVersion:
    version = {"run_id": run_id, "as_of_date": "2026-11-15", "published_at": "2026-11-16T01:00:00+00:00"}
    return publish.publish(paths, served_relations(manifest()), version, history or [], {})


def test_publish_writes_plain_tables_atomically_and_rollback_restores(tmp_path: Path) -> None:
    # a quote and a space in the folder name: paths reach SQL only as quoted literals
    paths = make_paths(tmp_path / "it's a dir")
    make_build(paths.build_db)
    record = RunRecord(
        "20261116T010000Z-aaaaaa", "run", "2026-11-16T01:00:00+00:00", "h", 1, status="published"
    )
    first = do_publish(paths, "20261116T010000Z-aaaaaa", [record.history_row()])
    tables = served_tables(paths.serving_db)
    assert tables["marts.kpi_sales"] == "BASE TABLE"  # a plain table: no reference to the build catalog
    assert {"pipeline.version", "pipeline.published_tables", "pipeline.runs"} <= set(tables)
    assert publish.served_version(paths.serving_db)["run_id"] == "20261116T010000Z-aaaaaa"
    with duckdb.connect(str(paths.serving_db), read_only=True) as con:
        assert con.execute("select count(*) from pipeline.runs").fetchone()[0] == 1
        assert con.execute("select sum(revenue) from marts.kpi_sales").fetchone()[0] == 600
    assert not list(paths.serving_db.parent.glob(".*tmp*"))

    make_build(paths.build_db, revenue=[1.0, 2.0, 3.0])
    # a reader holding the old version open does not block the publish and keeps its complete snapshot
    reader = duckdb.connect(str(paths.serving_db), read_only=True)
    second = do_publish(paths, "20261117T010000Z-bbbbbb")
    assert reader.execute("select sum(revenue) from marts.kpi_sales").fetchone()[0] == 600
    reader.close()
    assert second.checksums["marts.kpi_sales"] != first.checksums["marts.kpi_sales"]
    assert publish.served_version(paths.serving_db)["run_id"] == "20261117T010000Z-bbbbbb"

    before, after = publish.rollback(paths, None)
    assert (before, after) == ("20261117T010000Z-bbbbbb", "20261116T010000Z-aaaaaa")
    with duckdb.connect(str(paths.serving_db), read_only=True) as con:
        assert con.execute("select sum(revenue) from marts.kpi_sales").fetchone()[0] == 600
    with pytest.raises(publish.PublishError, match="no archived version older"):
        publish.rollback(paths, None)
    publish.rollback(paths, "20261117T010000Z-bbbbbb")
    assert publish.served_version(paths.serving_db)["run_id"] == "20261117T010000Z-bbbbbb"


def test_the_audit_reads_the_staged_file_and_a_failed_one_is_discarded(tmp_path: Path) -> None:
    """Write-audit-publish (D129): write_candidate computes the KPI view into a table of a new file beside
    the serving one; the suites read that file, not the build; only publish_candidate serves it."""
    paths = make_paths(tmp_path)
    make_build(paths.build_db)
    do_publish(paths, "20261116T010000Z-aaaaaa")
    run_id = "20261117T010000Z-bbbbbb"
    candidate = publish.write_candidate(paths, served_relations(manifest()), run_id, {})
    assert candidate.file == publish.temp_serving_file(paths, run_id) and candidate.file.exists()
    assert served_tables(candidate.file)["marts.kpi_sales"] == "BASE TABLE"
    assert publish.served_version(paths.serving_db)["run_id"] == "20261116T010000Z-aaaaaa"
    # the build changes after staging: the audit of the staged file does not see it
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("update marts.fct_sales set win_rate = 7")
    assert validate_build(candidate.file, checked_models(manifest())).ok
    assert not validate_build(paths.build_db, checked_models(manifest())).ok
    # what the audit reads is what gets served
    version = {"run_id": run_id, "as_of_date": "2026-11-15", "published_at": "2026-11-17T01:00:00+00:00"}
    publish.publish_candidate(paths, candidate, version, [])
    assert publish.served_version(paths.serving_db)["run_id"] == run_id
    with duckdb.connect(str(paths.serving_db), read_only=True) as con:
        assert con.execute("select max(win_rate) from marts.kpi_sales").fetchone()[0] == 0.5
        assert con.execute("select count(*) from pipeline.published_tables").fetchone()[0] == 3
    assert not list(paths.serving_db.parent.glob(".*tmp*"))
    # staged from the changed build (win_rate 7), a file fails its audit: it is discarded, the served
    # version stays
    bad = publish.write_candidate(paths, served_relations(manifest()), "20261118T010000Z-cccccc", {})
    report = validate_build(bad.file, checked_models(manifest()))
    assert ("kpi_sales", "bounded_rate") in {(f.model, f.check) for f in report.failures}
    publish.discard(bad)
    assert not bad.file.exists() and not list(paths.serving_db.parent.glob(".*tmp*"))
    assert publish.served_version(paths.serving_db)["run_id"] == run_id


def test_the_staged_file_is_audited_with_the_build_for_models_it_does_not_serve(tmp_path: Path) -> None:
    """An extra check may name any model (docs/operations.md), such as a staging view that is not served:
    the audit of the staged file reads that one from the build, where dbt's view resolves."""
    paths = make_paths(tmp_path)
    make_build(paths.build_db)
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("create schema staging")
        con.execute("create view staging.stg_x as select rep_id, revenue from build.marts.fct_sales")
    candidate = publish.write_candidate(paths, served_relations(manifest()), "20261117T010000Z-bbbbbb", {})
    assert "staging.stg_x" not in served_tables(candidate.file)
    extra = {"stg_x": {"non_negative": ["revenue"], "rows_when_inputs_have_rows": ["stg_x"]}}
    models = checked_models(manifest(), extra)
    report = validate_build(candidate.file, models, fallback=paths.build_db)
    assert report.ok, [f.describe() for f in report.failures]
    assert report.row_counts["stg_x"] == 3 and report.row_counts["kpi_sales"] == 3
    without = validate_build(candidate.file, models)
    assert [(f.model, f.check) for f in without.failures] == [("stg_x", "relation_exists")]
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("update marts.fct_sales set revenue = -5 where month_start = date '2026-01-01'")
    failed = validate_build(candidate.file, models, fallback=paths.build_db).failures
    # the staged KPI table keeps the values it was staged with; the build's view shows the change
    assert [(f.model, f.check) for f in failed] == [("stg_x", "non_negative")]
    publish.discard(candidate)


def test_checksums_are_stable_and_versions_are_pruned(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths.build_db)
    runs = [f"2026111{i}T010000Z-00000{i}" for i in range(4)]
    sums = [do_publish(paths, run_id).checksums for run_id in runs]
    assert all(s == sums[0] for s in sums)  # same input, same checksums
    dropped = publish.prune_versions(paths, paths.keep_versions, {runs[-1]}, set(runs[1:]))
    assert dropped == [runs[0], runs[1]]  # never served (not in published runs), then beyond keep=2
    assert publish.archived_versions(paths) == runs[2:]


def test_interrupted_publish_leaves_only_temp_files_which_are_cleaned(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    make_build(paths.build_db)
    do_publish(paths, "20261116T010000Z-aaaaaa")
    tmp = publish.temp_serving_file(paths, "20261117T010000Z-bbbbbb")
    tmp.write_bytes(b"half a database")
    (paths.versions_dir / ".20261117T010000Z-bbbbbb.partial").write_bytes(b"x")
    assert publish.served_version(paths.serving_db)["run_id"] == "20261116T010000Z-aaaaaa"
    removed = publish.clean_temp_files(paths)
    assert len(removed) == 2 and not tmp.exists()


# ---- freshness and history -------------------------------------------------------------------------------


def test_freshness_is_judged_at_the_as_of_date() -> None:
    jakarta = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    reference = reference_instant(dt.date(2026, 11, 15), jakarta, now)
    assert reference == dt.datetime(2026, 11, 15, 17, 0, tzinfo=dt.UTC)  # end of the day in Jakarta
    loaded = dt.datetime(2026, 11, 14, 12, 0, tzinfo=dt.UTC)
    assert judge("orders", loaded, reference, 36, 72, True).status == "pass"
    assert judge("orders", loaded - dt.timedelta(hours=20), reference, 36, 72, True).status == "warn"
    assert judge("orders", loaded - dt.timedelta(hours=60), reference, 36, 72, True).status == "error"
    assert judge("leads", None, reference, 36, 72, False).status == "skipped"
    assert judge("accounts", None, reference, 36, 72, True).status == "error"
    # today's run: the reference is now, not the end of today
    early = dt.datetime(2026, 11, 15, 2, 0, tzinfo=dt.UTC)
    assert reference_instant(dt.date(2026, 11, 15), jakarta, early) == early


def test_freshness_in_process_reads_the_sources_file_and_measures_like_dbt(tmp_path: Path) -> None:
    """The DuckDB target measures max(loaded_at_field) itself (no `dbt source freshness` process), with the
    criteria of _crm__sources.yml rendered with the run's vars. Hand-computed at the sample's as-of date:
    the reference is 2026-11-15 17:00 UTC (end of the day in Jakarta)."""
    definitions = source_definitions(PROJECT_ROOT, {"freshness_error_after_hours": 48})
    assert (definitions["orders"].warn_after_hours, definitions["orders"].error_after_hours) == (36.0, 48.0)
    assert not definitions["sales_reps"].configured  # freshness: null on reference data
    assert target_is_duckdb(PROJECT_ROOT, "duckdb") and not target_is_duckdb(PROJECT_ROOT, "no_such_target")
    paths = make_paths(tmp_path)
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("create schema raw")
        for table in ("orders", "leads", "opportunities", "accounts", "sales_reps"):
            con.execute(f"create table raw.{table} (updated_at varchar)")
        # newest order 2026-11-15 08:00+07:00 = 01:00 UTC: 16 h old -> pass
        con.execute(
            "insert into raw.orders values ('2026-11-14 09:00:00+07:00'), ('2026-11-15 08:00:00+07:00')"
        )
        # newest lead 2026-11-13 19:00 UTC (a value that is no timestamp is ignored): 46 h -> warn
        con.execute("insert into raw.leads values ('2026-11-13 19:00:00+00'), ('31/12/2026')")
        # newest deal 2026-11-13 05:00 UTC: 60 h, under the default 72 h but over the run's 48 h -> error
        con.execute("insert into raw.opportunities values ('2026-11-13 05:00:00+00')")
        # accounts: no timestamp at all, a required table -> error
        con.execute("insert into raw.accounts values (null)")
        con.execute("insert into raw.sales_reps values ('2020-01-01 00:00:00+00')")
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    report = check_freshness_in_process(
        paths,
        ["orders", "leads", "opportunities", "accounts", "sales_reps"],
        ("accounts", "opportunities", "sales_reps"),
        dt.date(2026, 11, 15),
        dt.timezone(dt.timedelta(hours=7)),
        {"freshness_error_after_hours": 48},
        "raw",
        now,
    )
    got = {s.table: (s.status, s.age_hours) for s in report.sources}
    assert got == {
        "orders": ("pass", 16.0),
        "leads": ("warn", 46.0),
        "opportunities": ("error", 60.0),
        "accounts": ("error", None),
        "sales_reps": ("skipped", None),
    }
    assert report.reference_at == "2026-11-15T17:00:00+00:00"


def test_runs_that_died_are_marked_abandoned(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    dead = RunRecord("20261116T010000Z-aaaaaa", "run", "2026-11-16T01:00:00+00:00", "h", 1)
    dead.begin_step("build")
    store.save(dead)
    store.save(
        RunRecord("20261116T020000Z-bbbbbb", "run", "2026-11-16T02:00:00+00:00", "h", 2, status="failed")
    )
    time.sleep(0.01)
    assert store.mark_abandoned("20261117T010000Z-cccccc") == ["20261116T010000Z-aaaaaa"]
    record = store.load("20261116T010000Z-aaaaaa")
    assert record.status == "abandoned" and record.failing_step == "build"
    assert store.load("20261116T020000Z-bbbbbb").status == "failed"


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ({"load_batch": 1764000000000000, "select": None, "exclude": None}, 1764000000000000),
        (None, None),  # no successful build since the last load
        ({"select": None, "exclude": None}, None),  # built before batches were recorded
        ({"load_batch": 17, "select": "dim_months", "exclude": None}, None),  # a partial build
        ({"load_batch": 17, "select": None, "exclude": "resource_type:test"}, None),  # tests left out
        ({"load_batch": "17", "select": None, "exclude": None}, None),
        ({"load_batch": True, "select": None, "exclude": None}, None),
    ],
)
def test_only_a_whole_build_vouches_for_the_raw_rows_it_tested(
    marker: dict[str, object] | None, expected: int | None
) -> None:
    assert batch_tested_by(marker) == expected


def test_dbt_gets_the_tested_batch_in_the_environment_and_never_a_stale_one(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    assert paths.dbt_env(raw_tested_batch=42)["SALES_KPIS_RAW_TESTED_BATCH"] == "42"
    assert paths.dbt_env()["SALES_KPIS_RAW_TESTED_BATCH"] == ""
