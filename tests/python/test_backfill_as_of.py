"""Backfill: the bundled sample (exported 2026-11-15) built as of 2026-06-30.

A backfill runs today's raw data with a past as-of date. Staging must not quarantine what happened after
the as-of date (that is not bad data, only later data: `future_timestamp` means later than the wall
clock), and the facts must leave it out themselves. One `dbt build` (models and data tests, no unit tests)
of the sample into a temporary DuckDB file, then the KPI views are checked against pandas readings of the
raw CSV files (never the dbt models):

(a) no raw row is quarantined as future_timestamp, though the raw files hold thousands of rows dated after
    the as-of date;
(b) the pipeline at the as-of snapshot (kpi_pipeline_by_stage) counts exactly the deals created on or
    before 30 June (Jakarta) and not closed by then, per stage;
(c) the June win rate (kpi_win_rate_monthly) counts only deals closed on or before 30 June;
(d) no KPI view has a month (or snapshot) after June 2026.

The build gets its as-of date as the nightly pipeline gives it, in the environment
(SALES_KPIS_AS_OF_DATE, D115). A second build of the as-of-sensitive models with the dbt var as_of_date
instead (dbt by hand), in a copy of the database, must compile to the same SQL and give the same rows.

"Closed by then" follows the documented stage timeline (docs/marts.md, fct_opportunity_stage_intervals):
the stage history rows, then the record's own stage appended when the last history row disagrees with it
(at the close time for a closed deal, else at its last change). A deal lost on 26 June and reopened in
July is closed on 30 June; a deal created in May and won in August is open on 30 June.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_scenario import read_relation
from kpi_reference import label, truthy

from scripts.dbt_cli import run_dbt
from scripts.load_raw import load_directory

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PROJECT_ROOT / "seeds" / "sample_crm"
AS_OF = date(2026, 6, 30)
TIMEZONE = "Asia/Jakarta"
DBT_ARGS = ["build", "--exclude-resource-type", "unit_test"]
CLOSED_STAGES = frozenset({"closed_won", "closed_lost"})


# as-of-sensitive models: a month spine cut at the as-of month, a fact cut at the as-of date, a KPI view
AS_OF_MODELS = ("dim_months", "fct_customer_months", "kpi_scorecard")


def dbt_env(database: Path, root: Path, as_of: str) -> dict[str, str]:
    return {
        "SALES_KPIS_DUCKDB_PATH": str(database),
        "SALES_KPIS_TARGET": "duckdb",
        "SALES_KPIS_AS_OF_DATE": as_of,
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built as of 30 June, the date given as the pipeline gives it (the environment)."""
    root = tmp_path_factory.mktemp("backfill_as_of")
    database = root / "warehouse.duckdb"
    load_directory(SAMPLE_DIR, database)
    result = run_dbt(
        DBT_ARGS,
        None,
        env=dbt_env(database, root, AS_OF.isoformat()),
        target_path=root / "target",
        quiet=True,
    )
    assert result.ok, f"dbt build as of {AS_OF} failed: {result.failures}"
    return database


@pytest.fixture(scope="module")
def var_built(database: Path) -> Path:
    """A copy of the database (same file name, so the same catalog in the SQL) where the as-of-sensitive
    models are built again with the dbt var as_of_date and no date in the environment."""
    root = database.parent / "var_path"
    root.mkdir()
    copy = root / database.name
    shutil.copyfile(database, copy)
    result = run_dbt(
        ["run", "--select", *AS_OF_MODELS],
        {"as_of_date": AS_OF.isoformat()},
        env=dbt_env(copy, root, ""),
        target_path=root / "target",
        quiet=True,
    )
    assert result.ok, f"dbt run with --vars as_of_date failed: {result.failures}"
    return copy


# ----- pandas readings of the raw files --------------------------------------------------------------
def raw_table(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])


OFFSET = r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)? ?(?:Z|UTC|[+-][0-9]{2}(?::?[0-9]{2})?)$"


def utc(values: pd.Series) -> pd.Series:
    """ISO 8601 text as naive UTC timestamps: an offset is converted, text without one is wall-clock time
    in raw_timezone (the reporting zone by default); unparseable text is NaT."""
    text = values.str.strip()
    has_offset = text.str.contains(OFFSET, regex=True, na=False)
    aware = pd.to_datetime(text.where(has_offset), format="ISO8601", utc=True, errors="coerce")
    naive = pd.to_datetime(text.where(~has_offset), format="ISO8601", errors="coerce")
    local = naive.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    return aware.fillna(local).dt.tz_localize(None)


def local_date(moment: pd.Timestamp) -> date:
    return moment.tz_localize("UTC").tz_convert(TIMEZONE).date()


def unparseable(values: pd.Series, parsed: pd.Series) -> pd.Series:
    return values.notna() & parsed.isna()


def current_rows(frame: pd.DataFrame, key: str, timestamps: list[str]) -> pd.DataFrame:
    """The kept rows of a table as staging_rules.md defines them, for the rules this sample exercises:
    a non-blank key, the latest version by updated_at, not soft-deleted, every timestamp parseable."""
    frame = frame.assign(key=frame[key].str.strip())
    frame = frame[frame["key"].notna() & (frame["key"] != "")].copy()
    if "updated_at" in frame:
        frame["_updated"] = utc(frame["updated_at"])
        # the first time the extract saw the record: a missing created_at falls back to it
        frame["first_seen_ts"] = frame.groupby("key")["_updated"].transform("min")
        frame = frame.sort_values(["key", "_updated"], ascending=[True, False], na_position="last")
    frame = frame.drop_duplicates("key")
    if "is_deleted" in frame:
        frame = frame[~frame["is_deleted"].map(lambda v: bool(truthy(v)))]
    for column in timestamps:
        parsed = utc(frame[column])
        frame = frame[~unparseable(frame[column], parsed)].copy()
        frame[f"{column}_ts"] = utc(frame[column])
    return frame


@dataclass(frozen=True)
class DealAtAsOf:
    opportunity_id: str
    stage: str
    closed_date: date | None


def deals_at_as_of() -> list[DealAtAsOf]:
    """Every kept deal created on or before the as-of date (Jakarta), in its stage at the end of that day."""
    mapping = {
        label(r.stage_label): (r.standard_stage, truthy(r.is_won))
        for r in pd.read_csv(PROJECT_ROOT / "seeds" / "stage_mapping.csv", dtype=str).itertuples()
    }
    # deals whose account or owner does not resolve, or that closed before they were created, are kept
    # (flagged); a missing created_at falls back to the first history entry, else the first sighting
    opps = current_rows(
        raw_table("opportunities"), "opportunity_id", ["created_at", "closed_at", "updated_at"]
    )
    amount = pd.to_numeric(opps["amount"], errors="coerce")
    opps = opps[~unparseable(opps["amount"], amount) & ~(amount < 0)].copy()

    history = raw_table("opportunity_stage_history")
    history["key"] = history["opportunity_id"].str.strip()
    history["entered_ts"] = utc(history["entered_at"])
    first_entered = history.groupby("key")["entered_ts"].min()

    def created(
        key: str, raw_created: pd.Timestamp, seen: pd.Timestamp, closed: pd.Timestamp
    ) -> pd.Timestamp:
        if pd.notna(raw_created):
            return raw_created
        if pd.notna(first_entered.get(key, pd.NaT)):
            return first_entered[key]
        known = [t for t in (seen, closed) if pd.notna(t)]
        return min(known) if known else pd.NaT

    opps["created_at_ts"] = [
        created(*values)
        for values in zip(
            opps["key"], opps["created_at_ts"], opps["first_seen_ts"], opps["closed_at_ts"], strict=True
        )
    ]
    opps = opps[opps["created_at_ts"].notna()]
    history_amount = pd.to_numeric(history["amount"], errors="coerce")
    history = history[
        history["key"].isin(set(opps["key"]))
        & history["entered_ts"].notna()
        & ~unparseable(history["amount"], history_amount)
    ]
    history["stage"] = [mapping.get(label(s), ("unmapped", False))[0] for s in history["stage_name"]]
    history = history.drop_duplicates(["key", "entered_ts", "stage_name"]).sort_values(["key", "entered_ts"])
    history_by_deal = {
        k: list(zip(g["entered_ts"], g["stage"], strict=True)) for k, g in history.groupby("key")
    }

    deals = []
    for r in opps.itertuples():
        if local_date(r.created_at_ts) > AS_OF:
            continue
        mapped = mapping.get(label(r.stage_name))
        if mapped:
            stage = mapped[0]
        elif truthy(r.is_won):
            stage = "closed_won"
        else:
            stage = "closed_lost" if truthy(r.is_closed) else "unmapped"
        is_closed = stage in CLOSED_STAGES
        closed_ts = (r.closed_at_ts if pd.notna(r.closed_at_ts) else r.updated_at_ts) if is_closed else None
        if is_closed and pd.isna(closed_ts):
            continue  # a closed deal without any close time is quarantined (missing_required_value)
        # the timeline: history, then the record's stage when history is missing or ends elsewhere
        events = list(history_by_deal.get(r.key, []))
        if not events:
            # a deal closed before it was created enters its closed stage at its creation
            events = (
                [(r.created_at_ts, "unmapped"), (max(closed_ts, r.created_at_ts), stage)]
                if is_closed
                else [(r.created_at_ts, stage)]
            )
        elif events[-1][1] != stage:
            at = (
                max(closed_ts, r.created_at_ts)
                if is_closed
                else (r.updated_at_ts if pd.notna(r.updated_at_ts) else events[-1][0])
            )
            events.append((max(at, events[-1][0]), stage))
        known = [e for e in events if local_date(e[0]) <= AS_OF]
        at_as_of = known[-1] if known else events[0]  # the first interval starts at creation
        closed_date = None
        if at_as_of[1] in CLOSED_STAGES:
            record_closed = is_closed and local_date(closed_ts) <= AS_OF
            closed_date = local_date(closed_ts) if record_closed else local_date(at_as_of[0])
        deals.append(DealAtAsOf(r.key, at_as_of[1], closed_date))
    return deals


# ----- the checks ------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.e2e
def test_later_events_are_not_quarantined_as_future(database: Path) -> None:
    later = 0
    for table, column in [
        ("opportunities", "closed_at"),
        ("leads", "created_at"),
        ("orders", "ordered_at"),
        ("email_events", "occurred_at"),
        ("activities", "occurred_at"),
    ]:
        moments = utc(raw_table(table)[column]).dropna()
        later += sum(local_date(m) > AS_OF for m in moments)
    assert later > 1000, "the sample should hold many rows dated after the backfill's as-of date"
    with duckdb.connect(str(database), read_only=True) as con:
        future = con.execute(
            "select count(*) from intermediate.int_raw_rows_quarantined where reason = 'future_timestamp'"
        ).fetchone()[0]
    assert future == 0


@pytest.mark.slow
@pytest.mark.e2e
def test_pipeline_at_the_as_of_snapshot_counts_deals_open_on_that_day(database: Path) -> None:
    deals = deals_at_as_of()
    expected = Counter(d.stage for d in deals if d.stage not in CLOSED_STAGES)
    # the motivating cases are present: created by 30 June, closed after it (open then)
    raw = current_rows(
        raw_table("opportunities"), "opportunity_id", ["created_at", "closed_at", "updated_at"]
    )
    closed_later = {
        r.key
        for r in raw.itertuples()
        if pd.notna(r.closed_at_ts) and local_date(r.closed_at_ts) > AS_OF >= local_date(r.created_at_ts)
    }
    assert len(closed_later & {d.opportunity_id for d in deals if d.stage not in CLOSED_STAGES}) >= 20

    pipeline = read_relation(database, "marts.kpi_pipeline_by_stage")
    at_as_of = pipeline[pipeline["is_as_of_snapshot"].astype(bool)]
    assert set(at_as_of["snapshot_date"]) == {AS_OF}
    actual = {s: int(n) for s, n in zip(at_as_of["stage"], at_as_of["open_opportunities"], strict=True) if n}
    assert actual == dict(expected)
    assert sum(actual.values()) == sum(expected.values()) > 0


@pytest.mark.slow
@pytest.mark.e2e
def test_june_win_rate_counts_only_deals_closed_by_june_30(database: Path) -> None:
    closed_in_june = [d for d in deals_at_as_of() if d.closed_date and d.closed_date >= date(2026, 6, 1)]
    won = sum(d.stage == "closed_won" for d in closed_in_june)
    lost = sum(d.stage == "closed_lost" for d in closed_in_june)
    win_rate = read_relation(database, "marts.kpi_win_rate_monthly")
    june = win_rate[win_rate["month_start"] == date(2026, 6, 1)]
    assert len(june) == 1
    assert (int(june["deals_won"].iloc[0]), int(june["deals_lost"].iloc[0])) == (won, lost)
    assert won + lost > 0


@pytest.mark.slow
@pytest.mark.e2e
def test_no_kpi_view_reaches_past_the_as_of_month(database: Path) -> None:
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name like 'kpi\\_%' escape '\\' "
            "and data_type = 'DATE' order by 1, 2"
        ).fetchall()
        views = {t for t, _ in columns}
        assert len(views) >= 20
        late = {}
        for view, column in columns:
            if (view, column) in {
                ("kpi_sales_vs_target", "period_start"),
                ("kpi_sales_vs_target", "period_end"),
            }:
                continue  # a target for a later period is a plan (is_future_period), checked below
            limit = AS_OF if column.endswith("_date") else AS_OF.replace(day=1)
            latest = con.execute(f'select max("{column}") from marts."{view}"').fetchone()[0]
            if latest is not None and latest > limit:
                late[f"{view}.{column}"] = latest
        future_targets = con.execute(
            "select count(*), count(case when is_future_period and actual_value = 0 then 1 end) "
            "from marts.kpi_sales_vs_target where period_start > ?",
            [AS_OF],
        ).fetchone()
    assert late == {}
    assert future_targets[0] == future_targets[1]


def compiled_sql(database: Path, model: str) -> str:
    return next((database.parent / "target" / "compiled").rglob(f"{model}.sql")).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.e2e
def test_the_date_in_the_environment_builds_what_the_var_builds(database: Path, var_built: Path) -> None:
    for model in AS_OF_MODELS:
        compiled = {path: compiled_sql(path, model) for path in (database, var_built)}
        assert compiled[database] == compiled[var_built], model
        from_env, from_var = (read_relation(path, f"marts.{model}") for path in (database, var_built))
        assert len(from_env) > 0, model
        key = list(from_env.columns)
        pd.testing.assert_frame_equal(
            from_env.sort_values(key, ignore_index=True, key=lambda c: c.astype(str)),
            from_var.sort_values(key, ignore_index=True, key=lambda c: c.astype(str)),
            obj=model,
        )
    # the date reached the models as a literal (dim_months reads it; the others read dim_months)
    assert f"cast('{AS_OF.isoformat()}' as date)" in compiled_sql(database, "dim_months")
    months = read_relation(database, "marts.dim_months")
    assert set(months["as_of_date"]) == {AS_OF}


@pytest.mark.slow
@pytest.mark.e2e
def test_a_bad_date_in_the_environment_fails_with_its_name(database: Path) -> None:
    root = database.parent  # the build's own target folder: dbt re-uses its parse, whatever the date
    result = run_dbt(
        ["run-operation", "validate_project_vars"],
        None,
        env=dbt_env(database, root, "2026-02-30"),
        target_path=root / "target",
        quiet=True,
    )
    assert result.returncode != 0
    assert 'SALES_KPIS_AS_OF_DATE (environment)="2026-02-30"' in "\n".join(result.output_tail)
