"""The dashboard without a browser: formatting per language (hand-computed cases), "no data" notes naming
the missing input, the atomic replacement that keeps the last good dashboard, and the pipeline step whose
failure never un-publishes data. Tiny serving files built here; the sample and Chromium are in
test_dashboard_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from scripts.contract import PROJECT_ROOT
from scripts.dashboard import render
from scripts.dashboard.i18n import Formatter, currency_symbol
from scripts.dashboard.panels import PANELS, SECTIONS
from scripts.pipeline.config import Paths
from scripts.pipeline.runner import Pipeline, RunOptions

JAKARTA = ZoneInfo("Asia/Jakarta")


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")


# ---- formatting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        # 1,234,567,890 rupiah = 1.23 billion (en "B") = 1,23 miliar (id "M"), one decimal
        ("en", 1_234_567_890, "Rp 1.2B"),
        ("id", 1_234_567_890, "Rp 1,2 M"),
        # 12,345,678 = 12.3 million (en "M") = 12,3 juta (id "jt")
        ("en", 12_345_678, "Rp 12.3M"),
        ("id", 12_345_678, "Rp 12,3 jt"),
        # below a thousand: whole units, sign before the symbol
        ("en", -950, "-Rp 950"),
        ("id", 999.6, "Rp 1.000"),
    ],
)
def test_money_is_compact_in_the_language_with_the_currency_symbol(
    lang: str, value: float, expected: str
) -> None:
    assert _plain(Formatter(lang, "IDR").money(value)) == expected


def test_full_amounts_group_thousands_per_language() -> None:
    # the leaderboard shows whole rupiah: 1,234,567.89 rounds to 1,234,568
    assert _plain(Formatter("en", "IDR").money(1_234_567.89, compact=False)) == "Rp 1,234,568"
    assert _plain(Formatter("id", "IDR").money(1_234_567.89, compact=False)) == "Rp 1.234.568"


def test_other_currencies_use_their_home_symbol() -> None:
    assert currency_symbol("IDR") == "Rp"
    assert currency_symbol("USD") == "$"
    assert _plain(Formatter("en", "USD").money(1_500_000)) == "$ 1.5M"


def test_rates_percent_and_points() -> None:
    en, id_ = Formatter("en", "IDR"), Formatter("id", "IDR")
    assert en.percent(0.4123) == "41.2%" and id_.percent(0.4123) == "41,2%"
    # 0.412 -> 0.440 is +2.8 percentage points
    assert _plain(en.points(0.440 - 0.412)) == "+2.8 pts"
    assert _plain(id_.points(0.440 - 0.412)) == "+2,8 poin"
    assert en.signed_percent(-0.5) == "-50.0%"
    assert _plain(id_.value(12.34, "days")) == "12,3 hari"


def test_dates_are_shown_in_the_reporting_time_zone() -> None:
    # 20:00 UTC on 15 November is 03:00 on 16 November in Jakarta (UTC+7)
    moment = dt.datetime(2026, 11, 15, 20, 0)
    assert Formatter("en", "IDR", JAKARTA).timestamp(moment) == "16 Nov 2026, 03:00 WIB"
    assert Formatter("id", "IDR", JAKARTA).month(dt.date(2026, 5, 1)) == "Mei 2026"
    locale = Formatter("id", "IDR").vega_locale()
    assert locale["number"]["decimal"] == "," and locale["number"]["thousands"] == "."
    assert locale["time"]["shortMonths"][4] == "Mei"


# ---- tiny serving files ----------------------------------------------------------------------------------


def _tiny_serving(path: Path, run_id: str = "20261115T000000Z-000001") -> Path:
    """A serving file with the pipeline's version table and almost nothing else: no leads in the load, an
    orders table without kept rows, an empty lead-conversion view."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema pipeline; create schema marts; create schema intermediate")
        con.execute(
            "create table pipeline.version as select ? as run_id, date '2026-11-15' as as_of_date, "
            "timestamp '2026-11-15 20:00:00' as published_at, 'sample' as mode, 'x' as raw_source",
            [run_id],
        )
        con.execute(
            "create table marts.dim_months as select date '2026-11-01' as month_start, "
            "date '2026-11-15' as as_of_date"
        )
        con.execute(
            "create table intermediate.int_raw_rows_accounted (table_name varchar, is_table_present boolean, "
            "raw_rows bigint, staged_rows bigint, quarantined_rows bigint)"
        )
        con.execute(
            "insert into intermediate.int_raw_rows_accounted values ('leads', false, 0, 0, 0), "
            "('orders', true, 3, 0, 3), ('opportunities', true, 5, 5, 0)"
        )
        con.execute(
            "create table marts.kpi_lead_conversion_by_channel (month_start date, channel varchar, "
            "leads bigint, leads_to_opportunity bigint, leads_to_customer bigint)"
        )
    return path


def _rep_targets(pacing: list[float | None]) -> render.Panel:
    """Month revenue targets of reps named rep-0000, rep-0001, ... with the given pacing rates."""
    spec = next(p for p in PANELS if p.key == "rep_targets")
    rows = [
        {
            "label": f"rep-{i:04d}",
            "metric": "revenue",
            "period_grain": "month",
            "period_start": dt.date(2026, 11, 1),
            "period_end": dt.date(2026, 11, 30),
            "target_value": 100.0,
            "actual_value": 50.0,
            "attainment_rate": 0.5,
            "elapsed_share": 0.5,
            "pacing_rate": rate,
            "on_track": rate is not None and rate >= 1,
            "is_money_metric": True,
        }
        for i, rate in enumerate(pacing)
    ]
    return render.Panel(spec, frame=pd.DataFrame(rows))


def test_a_few_targets_in_progress_are_all_shown_by_name() -> None:
    fmt = Formatter("en", "IDR")
    panel = _rep_targets([1.2, None, 0.4])
    frame, metric, total = render._progress_frame(panel, fmt)
    assert (list(frame["label"]), metric, total) == (["rep-0000", "rep-0001", "rep-0002"], "revenue", 3)
    assert "furthest" not in render._title(panel, fmt, None)  # type: ignore[arg-type]


def test_thousands_of_rep_targets_show_the_ones_furthest_behind_pace() -> None:
    # 5,030 reps (the SF1 benchmark's count, where one bar per rep broke Altair's 5,000-row limit): rep i
    # paces at (i % 100) / 100, except every 7th, which has no pace. Pace 0.0 is the lowest; the reps with
    # it are the multiples of 100 that are not multiples of 7 (43 of them): the first 25 by name are shown
    fmt = Formatter("en", "IDR")
    pacing = [None if i % 7 == 0 else (i % 100) / 100 for i in range(5030)]
    panel = _rep_targets(pacing)
    frame, _, total = render._progress_frame(panel, fmt)
    expected = [f"rep-{i:04d}" for i in range(5030) if i % 100 == 0 and i % 7 != 0][
        : render.MAX_PROGRESS_BARS
    ]
    assert total == 5030
    assert list(frame["label"]) == expected
    title = _plain(render._title(panel, fmt, None))  # type: ignore[arg-type]
    assert title.startswith("Rep targets in progress (")
    assert title.endswith(") · the 25 of 5,030 furthest behind pace")
    chart = render._chart(panel, fmt, title)  # raised MaxRowsError with one bar per rep
    assert len(chart["datasets"][next(iter(chart["datasets"]))]) == render.MAX_PROGRESS_BARS


def _notes(out: Path, lang: str = "en") -> str:
    return (out / f"dashboard_{lang}.html").read_text(encoding="utf-8")


def test_every_panel_without_data_says_which_input_is_missing(tmp_path: Path) -> None:
    serving = _tiny_serving(tmp_path / "serving" / "sales_kpis.duckdb")
    result = render.build_dashboard(serving, tmp_path / "dashboard", png=False, zone=JAKARTA)
    assert sorted(result.no_data) == sorted(p.key for p in PANELS if p.key != "quarantine")
    html = _notes(result.out_dir)
    # a view the serving file does not have is named
    assert "No data: the serving file has no marts.kpi_sales_growth_monthly" in html
    # the lead funnel's view is there but empty: the raw table leads was absent from the load
    assert "No data: it needs the raw table(s) leads, absent from this load" in html
    # the quarantine panel has data (3 rows quarantined in orders)
    assert 'data-chart="quarantine"' in html
    # every section is there, each with a chart or a note, never an empty chart
    for section in SECTIONS:
        assert f'data-section="{section}"' in html
    assert html.count("data-no-data") >= len(result.no_data) + 1  # + the scorecard
    assert "No data" in _notes(result.out_dir, "id") or "Tidak ada data" in _notes(result.out_dir, "id")


def test_a_kpi_whose_input_has_no_kept_rows_says_so(tmp_path: Path) -> None:
    serving = _tiny_serving(tmp_path / "serving.duckdb")
    with duckdb.connect(str(serving)) as con:
        con.execute(
            "create table marts.kpi_bookings_monthly (month_start date, new_business_bookings decimal(18,2), "
            "upsell_bookings decimal(18,2), renewal_bookings decimal(18,2), is_complete_month boolean)"
        )
    result = render.build_dashboard(serving, tmp_path / "out", png=False, languages=("id",))
    html = _notes(result.out_dir, "id")
    assert (
        "Tidak ada data: memerlukan tabel mentah orders, yang tidak memiliki baris yang dapat dipakai" in html
    )


def test_a_failed_build_leaves_the_last_good_dashboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = _tiny_serving(tmp_path / "serving.duckdb", "20261115T000000Z-000001")
    out = tmp_path / "dashboard"
    render.build_dashboard(serving, out, png=False)
    first = (out / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(first)["run_id"] == "20261115T000000Z-000001"

    # a second, successful build replaces it as a whole
    serving2 = _tiny_serving(tmp_path / "serving2.duckdb", "20261116T000000Z-000002")
    render.build_dashboard(serving2, out, png=False)
    assert (
        json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run_id"] == "20261116T000000Z-000002"
    )
    second = (out / "manifest.json").read_text(encoding="utf-8")

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("chart library crashed")

    monkeypatch.setattr(render, "page", broken)
    with pytest.raises(RuntimeError, match="chart library crashed"):
        render.build_dashboard(serving, out, png=False)
    assert (out / "manifest.json").read_text(encoding="utf-8") == second
    assert (out / "dashboard_en.html").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".old"))]


def _pipeline(tmp_path: Path) -> Pipeline:
    paths = Paths(
        project_dir=PROJECT_ROOT,
        build_db=tmp_path / "build.duckdb",
        serving_db=tmp_path / "serving" / "sales_kpis.duckdb",
        state_dir=tmp_path / "state",
        target_dir=tmp_path / "target",
        keep_versions=2,
    )
    return Pipeline(paths, RunOptions(command="run"), "20261115T000000Z-00000a", None)


def test_the_pipeline_step_writes_the_dashboard_beside_the_serving_file(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path)
    _tiny_serving(pipeline.paths.serving_db)
    pipeline._dashboard()
    step = pipeline.record.steps[-1]
    assert (step.name, step.status) == ("dashboard", "ok")
    assert (tmp_path / "serving" / "dashboard" / "dashboard_en.html").exists()
    assert (tmp_path / "serving" / "dashboard" / "dashboard_id.html").exists()


def test_a_failing_dashboard_step_warns_and_does_not_fail_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from scripts.pipeline import dashboard

    pipeline = _pipeline(tmp_path)

    def broken(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(dashboard, "build_for", broken)
    with caplog.at_level(logging.WARNING):
        pipeline._dashboard()  # does not raise: the data is already published
    step = pipeline.record.steps[-1]
    assert (step.name, step.status) == ("dashboard", "failed") and "disk full" in step.detail
    assert "the data IS published" in caplog.text


def test_the_step_can_be_switched_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALES_KPIS_DASHBOARD", "off")
    pipeline = _pipeline(tmp_path)
    pipeline._dashboard()
    assert not pipeline.record.steps


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_lines(tmp_path: Path) -> None:
    assert _cli("scripts.dashboard", "--help").returncode == 0
    missing = _cli(
        "scripts.dashboard", "--serving", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o")
    )
    assert missing.returncode == 2 and "no serving file" in missing.stderr
    bad = _cli("scripts.pipeline", "dashboard", "--run-id", "../../etc")
    assert bad.returncode == 2 and "invalid run id" in bad.stderr
