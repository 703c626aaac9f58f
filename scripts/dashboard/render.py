"""Build the dashboard of one serving file: data -> charts -> HTML per language and PNG per chart, then
install it atomically.

Everything is written into a temporary folder beside the output folder first; only a complete dashboard
replaces the previous one (an atomic exchange of the two folders on Linux, see `install`), so a failure
at any point leaves the last good dashboard in place.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import json
import logging
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pandas as pd
from altair.utils.schemapi import debug_mode

from scripts.dashboard import charts
from scripts.dashboard.data import Inputs, ServingData
from scripts.dashboard.i18n import LANGUAGES, Formatter, label
from scripts.dashboard.install import clean_temp_dirs, install
from scripts.dashboard.panels import (
    PANELS,
    REJECTED_SQL,
    SCORECARD_COLUMNS,
    SCORECARD_INPUTS,
    SCORECARD_ORDER,
    SCORECARD_RELATION,
    SECTIONS,
    SERIES_LABELS,
    PanelSpec,
)

log = logging.getLogger("dashboard")

TEMPLATES = Path(__file__).parent / "templates"
HTML_NAME = "dashboard_{lang}.html"
STATUS_KEYS = ("on_track", "at_risk", "off_track", "no_target")
MAX_PROGRESS_BARS = 25  # a targets-in-progress chart shows at most this many bars (_furthest_behind)


@dataclass
class Panel:
    """One panel as built: a frame to chart, or a note saying why there is no data."""

    spec: PanelSpec
    frame: pd.DataFrame | None = None
    note: str | None = None  # missing view / inputs, filled in per language
    note_args: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    as_of: dt.date | None
    as_of_month: dt.date | None
    version: dict[str, Any]
    inputs: Inputs
    currency: str
    zone: dt.tzinfo
    freshness: list[dict[str, Any]] | None
    unmapped_labels: int | None
    table_count: int
    has_rejected: bool

    @property
    def last_month(self) -> dt.date | None:
        return _add_months(self.as_of_month, -1) if self.as_of_month else None

    @property
    def window_start(self) -> dt.date | None:
        return _add_months(self.as_of_month, -12) if self.as_of_month else None

    def params(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "as_of_month": self.as_of_month,
            "last_month": self.last_month,
            "window_start": self.window_start,
        }


@dataclass
class BuildResult:
    out_dir: Path
    files: list[Path]
    seconds: float
    run_id: str | None
    no_data: list[str]

    def summary(self) -> str:
        htmls = [f.name for f in self.files if f.suffix == ".html"]
        pngs = [f for f in self.files if f.suffix == ".png"]
        notes = f"; no data: {', '.join(self.no_data)}" if self.no_data else ""
        return f"{', '.join(htmls)} and {len(pngs)} PNG in {self.out_dir} ({self.seconds:.1f} s){notes}"


def _num(value: Any) -> float | None:
    """A float, or None for NULL / NaN."""
    return None if value is None or pd.isna(value) else float(value)


def _add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# ---- data ------------------------------------------------------------------------------------------------


def _context(
    data: ServingData, zone: dt.tzinfo, freshness: list[dict[str, Any]] | None, currency: str | None
) -> Context:
    as_of, as_of_month = data.months()
    version = data.version()
    if as_of is None and version.get("as_of_date"):
        as_of = _as_date(version["as_of_date"])
        as_of_month = as_of.replace(day=1)
    if currency is None and not data.missing("marts.kpi_revenue_monthly", ("currency_code",)):
        row = data.frame("select any_value(currency_code) as c from marts.kpi_revenue_monthly")
        currency = row["c"].iloc[0] if len(row) and row["c"].iloc[0] else None
    unmapped = None
    if not data.missing("intermediate.int_unmapped_labels", ("row_count",)):
        unmapped = int(
            data.frame("select coalesce(sum(row_count), 0) as n from intermediate.int_unmapped_labels")[
                "n"
            ].iloc[0]
        )
    return Context(
        as_of=_as_date(as_of),
        as_of_month=_as_date(as_of_month),
        version=version,
        inputs=data.inputs(),
        currency=currency or "IDR",
        zone=zone,
        freshness=freshness,
        unmapped_labels=unmapped,
        table_count=data.table_count(),
        has_rejected="rejected_rows" in data.columns("intermediate.int_raw_rows_accounted"),
    )


def _missing_note(
    spec_relation: str, inputs_needed: tuple[str, ...], ctx: Context
) -> tuple[str, dict[str, str]]:
    absent = ctx.inputs.absent(inputs_needed) if ctx.inputs.present else []
    empty = ctx.inputs.empty(inputs_needed) if ctx.inputs.present else []
    if absent:
        return "missing_inputs_absent", {"tables": ", ".join(absent)}
    if empty:
        return "missing_inputs_empty", {"tables": ", ".join(empty)}
    return "missing_rows", {"view": spec_relation.split(".")[-1], "tables": ", ".join(inputs_needed) or "-"}


def load_panel(data: ServingData, spec: PanelSpec, ctx: Context) -> Panel:
    missing = data.missing(spec.relation, spec.columns)
    if missing:
        return Panel(spec, note="missing_view", note_args={"what": missing})
    if ctx.as_of_month is None and "$" in spec.sql:
        return Panel(spec, note="missing_view", note_args={"what": "marts.dim_months"})
    sql = spec.sql.replace("{rejected}", REJECTED_SQL if ctx.has_rejected else "")
    used = {k: v for k, v in ctx.params().items() if re.search(rf"\${k}\b", sql)}
    frame = data.frame(sql, used)
    value = "target_value" if spec.chart == "progress" else "value"
    if frame.empty or frame[value].isna().all():
        key, args = _missing_note(spec.relation, spec.inputs, ctx)
        return Panel(spec, note=key, note_args=args)
    return Panel(spec, frame=frame)


def load_scorecard(data: ServingData) -> pd.DataFrame | None:
    if data.missing(SCORECARD_RELATION, SCORECARD_COLUMNS):
        return None
    return data.frame(f"select {', '.join(SCORECARD_COLUMNS)} from {SCORECARD_RELATION} order by month_start")


# ---- per language ----------------------------------------------------------------------------------------


def _shape(panel: Panel, fmt: Formatter) -> pd.DataFrame:
    """The panel's frame with the texts the chart shows: series names, formatted values and months."""
    frame = panel.frame.copy()
    spec = panel.spec
    if "series" in frame:
        frame["series_text"] = [
            str(s) if spec.series_are_data else label(SERIES_LABELS.get(s, s), fmt.lang)
            for s in frame["series"]
        ]
    unit = spec.unit
    frame["text"] = [fmt.value(None if pd.isna(v) else float(v), unit) for v in frame["value"]]
    if "x" in frame:
        months = [_as_date(x) for x in frame["x"]]
        frame["x"] = [m.isoformat() for m in months]
        frame["x_text"] = [fmt.date(m) if spec.day else fmt.month(m) for m in months]
    if "is_complete_month" in frame:
        frame["is_complete_month"] = frame["is_complete_month"].fillna(True).astype(bool)
    frame["value"] = frame["value"].astype(float)
    return frame


def _furthest_behind(frame: pd.DataFrame) -> pd.DataFrame:
    """Targets in progress in the order a manager reads them: all of them by name when there are at most
    MAX_PROGRESS_BARS; otherwise the MAX_PROGRESS_BARS furthest behind pace (lowest pacing rate, targets
    without a pace last), worst first. A company with thousands of reps gets a chart a person can read
    (and one Vega-Lite can embed) instead of one bar per rep; the title says how many are shown."""
    if len(frame) <= MAX_PROGRESS_BARS:
        return frame.sort_values(["metric", "label"])
    ordered = frame.sort_values(
        ["pacing_rate", "metric", "label"],
        na_position="last",
        kind="mergesort",
        key=lambda c: pd.to_numeric(c, errors="coerce") if c.name == "pacing_rate" else c,
    )
    return ordered.head(MAX_PROGRESS_BARS)


def _progress_frame(panel: Panel, fmt: Formatter) -> tuple[pd.DataFrame, str, int]:
    """Targets in progress: the finest period grain present, and for rep targets one metric (revenue
    when there are revenue targets); the bars, the metric and how many targets there were before the cap."""
    frame = panel.frame.copy()
    # unique() first: set() of a column walks all its rows in Python
    present = set(frame["period_grain"].unique())
    grains = [g for g in ("month", "quarter", "year", "custom") if g in present]
    frame = frame[frame["period_grain"] == grains[0]] if grains else frame
    metrics = set(frame["metric"].unique())
    metric = "revenue" if "revenue" in metrics else sorted(metrics)[0]
    if panel.spec.key == "rep_targets":
        frame = frame[frame["metric"] == metric]
    total = len(frame)
    frame = _furthest_behind(frame)
    rows = []
    for r in frame.itertuples():
        unit = "currency" if r.is_money_metric else "count"
        status = "no_target" if pd.isna(r.pacing_rate) else ("on_track" if r.on_track else "off_track")
        name = (
            r.label
            if panel.spec.key == "rep_targets"
            else f"{r.label} · {label('metric_' + r.metric, fmt.lang)}"
        )
        rows.append(
            {
                "label": name,
                "one": 1.0,
                "attainment_shown": 0.0 if pd.isna(r.attainment_rate) else float(r.attainment_rate),
                "elapsed_share": float(r.elapsed_share or 0),
                "status": status,
                "text": f"{fmt.value(_num(r.actual_value) or 0.0, unit)} / "
                f"{fmt.value(_num(r.target_value) or 0.0, unit)} ({fmt.percent(_num(r.attainment_rate))})",
                "pace_text": f"{label('pace', fmt.lang)}: {fmt.percent(_num(r.pacing_rate))}",
            }
        )
    return pd.DataFrame(rows), metric, total


def _chart(panel: Panel, fmt: Formatter, title: str) -> dict[str, Any]:
    spec = panel.spec
    if spec.chart == "progress":
        frame = _progress_frame(panel, fmt)[0]
        return charts.progress_bars(frame, fmt, title)
    frame = _shape(panel, fmt)
    if spec.chart == "bars":
        return charts.bars_by_month(frame, fmt, spec.unit, title)
    if spec.chart == "lines":
        return charts.lines_by_month(frame, fmt, spec.unit, title, day=spec.day)
    if spec.chart == "stacked":
        return charts.stacked_by_month(frame, fmt, spec.unit, title, day=spec.day)
    if spec.chart == "grouped":
        return charts.grouped_bars(frame, fmt, spec.unit, title)
    return charts.ranked_bars(frame, fmt, spec.unit, title, rule=spec.rule)


def _title(panel: Panel, fmt: Formatter, ctx: Context) -> str:
    if panel.spec.key == "leaderboard":
        return label("leaderboard", fmt.lang, month=fmt.month(ctx.last_month))
    title = label(panel.spec.key, fmt.lang)
    if panel.spec.chart == "progress" and panel.frame is not None:
        _, metric, total = _progress_frame(panel, fmt)
        if panel.spec.key == "rep_targets":
            title = label("rep_targets", fmt.lang, metric=label("metric_" + metric, fmt.lang))
        if total > MAX_PROGRESS_BARS:
            title += " · " + label(
                "furthest_behind", fmt.lang, shown=MAX_PROGRESS_BARS, total=fmt.number(total)
            )
    elif panel.spec.key == "rep_targets":
        title = label("rep_targets", fmt.lang, metric=label("metric_revenue", fmt.lang))
    return title


def _scorecard_tiles(scorecard: pd.DataFrame | None, fmt: Formatter, ctx: Context) -> list[dict[str, Any]]:
    if scorecard is None or scorecard.empty:
        return []
    names = sorted(
        set(scorecard["kpi_name"]),
        key=lambda n: (SCORECARD_ORDER.index(n) if n in SCORECARD_ORDER else 99, n),
    )
    tiles = []
    for name in names:
        rows = scorecard[scorecard["kpi_name"] == name].sort_values("month_start")
        last = rows.iloc[-1]
        unit = str(last["value_unit"])
        value = None if pd.isna(last["value"]) else float(last["value"])
        previous = None if pd.isna(last["previous_value"]) else float(last["previous_value"])
        if value is None and previous is None:
            change_text = "–"
            change = None
        elif unit == "ratio":
            change = None if value is None or previous is None else value - previous
            change_text = fmt.points(change)
        else:
            change = None if pd.isna(last["change_rate"]) else float(last["change_rate"])
            change_text = fmt.signed_percent(change)
        good = None if change in (None, 0) else (change > 0) == bool(last["is_higher_better"])
        status = str(last["status"]) if last["status"] in STATUS_KEYS else "no_target"
        spark = rows.tail(13)
        spark = spark[spark["value"].notna()]
        spark_frame = pd.DataFrame(
            {
                "x": [_as_date(m).isoformat() for m in spark["month_start"]],
                "value": spark["value"].astype(float),
                "x_text": [fmt.month(_as_date(m)) for m in spark["month_start"]],
                "text": [fmt.value(float(v), unit) for v in spark["value"]],
            }
        )
        target = None if pd.isna(last["target_value"]) else float(last["target_value"])
        note = None
        if value is None:
            key, args = _missing_note(SCORECARD_RELATION, SCORECARD_INPUTS.get(name, ()), ctx)
            note = f"{label('no_data', fmt.lang)}: {label(key, fmt.lang, **args)}"
        tiles.append(
            {
                "key": name,
                "name": label(f"kpi_{name}", fmt.lang),
                "value_text": fmt.value(value, unit),
                "target_text": fmt.value(target, unit) if target is not None else None,
                "attainment_text": fmt.percent(
                    None if pd.isna(last["attainment_rate"]) else float(last["attainment_rate"])
                ),
                "pace_text": fmt.percent(
                    None if pd.isna(last["pacing_rate"]) else float(last["pacing_rate"])
                ),
                "status": status,
                "status_text": label(f"status_{status}", fmt.lang),
                "change_text": change_text,
                "change_class": "good" if good else ("bad" if good is False else "flat"),
                "spark_frame": spark_frame,
                "spark": charts.sparkline(spark_frame, fmt) if len(spark_frame) >= 2 else None,
                "note": note,
            }
        )
    return tiles


def _leaderboard_rows(panel: Panel, fmt: Formatter) -> list[dict[str, str]]:
    if panel.frame is None:
        return []
    rows = []
    for r in panel.frame.itertuples():
        if pd.isna(r.rank_change) or pd.isna(r.rank_prev_month):
            change = label("new_in_ranking", fmt.lang) if pd.isna(r.rank_prev_month) else "–"
            change_class = "flat"
        else:
            # rank_change > 0: moved up (previous rank minus current rank)
            moved = int(r.rank_change)
            change = "=" if moved == 0 else (f"▲ {moved}" if moved > 0 else f"▼ {-moved}")
            change_class = "flat" if moved == 0 else ("good" if moved > 0 else "bad")
        rows.append(
            {
                "rank": "–" if pd.isna(r.revenue_rank) else str(int(r.revenue_rank)),
                "name": str(r.label),
                "team": ""
                if r.team is None or (isinstance(r.team, float) and pd.isna(r.team))
                else str(r.team),
                "revenue": fmt.money(float(r.value), compact=False),
                "deals_won": fmt.number(r.deals_won),
                "change": change,
                "change_class": change_class,
            }
        )
    return rows


def _health(ctx: Context, fmt: Formatter) -> dict[str, Any]:
    version = ctx.version
    stale = None
    if ctx.freshness is not None:
        stale = [
            {"table": s.get("table"), "status": s.get("status"), "age": fmt.number(s.get("age_hours"), 1)}
            for s in ctx.freshness
            if s.get("status") in ("warn", "error", "stale")
        ]
    published = version.get("published_at")
    return {
        "as_of": fmt.date(ctx.as_of),
        "run_id": version.get("run_id") or "–",
        "published": fmt.timestamp(published) if isinstance(published, dt.datetime) else "–",
        "mode": " · ".join(str(v) for v in (version.get("mode"), version.get("raw_source")) if v) or "–",
        "tables": str(ctx.table_count),
        "unmapped": "–" if ctx.unmapped_labels is None else fmt.number(ctx.unmapped_labels),
        "stale": stale,
    }


def page(
    panels: list[Panel], scorecard: pd.DataFrame | None, ctx: Context, lang: str, bundle: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    """The HTML of one language, and the chart specs it holds (rendered to PNG by the caller)."""
    fmt = Formatter(lang, ctx.currency, ctx.zone)
    # Altair validates every object against the Vega-Lite schema as it is built (about a second per
    # page); the charts are fixed code, checked by the tests, so building skips it
    with debug_mode(False):
        return _page(panels, scorecard, ctx, fmt, bundle)


def _page(
    panels: list[Panel], scorecard: pd.DataFrame | None, ctx: Context, fmt: Formatter, bundle: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    lang = fmt.lang
    tiles = _scorecard_tiles(scorecard, fmt, ctx)
    specs: dict[str, dict[str, Any]] = {}
    for tile in tiles:
        if tile["spark"] is not None:
            specs[f"spark_{tile['key']}"] = tile["spark"]
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    for panel in panels:
        title = _title(panel, fmt, ctx)
        item: dict[str, Any] = {
            "key": panel.spec.key,
            "title": title,
            "note": None,
            "rows": [],
            "caption": None,
        }
        if panel.frame is None:
            item["note"] = (
                f"{label('no_data', lang)}: {label(panel.note or 'missing_rows', lang, **panel.note_args)}"
            )
        else:
            specs[panel.spec.key] = _chart(panel, fmt, title)
        if panel.spec.key == "leaderboard":
            item["rows"] = _leaderboard_rows(panel, fmt)
        if panel.spec.key in ("team_targets", "rep_targets") and panel.frame is not None:
            item["caption"] = label("pace_marker", lang)
        sections[panel.spec.section].append(item)
    scorecard_note = None
    if scorecard is None or scorecard.empty:
        key, args = _missing_note(SCORECARD_RELATION, ("orders",), ctx)
        scorecard_note = f"{label('no_data', lang)}: " + (
            label("missing_view", lang, what=SCORECARD_RELATION)
            if scorecard is None
            else label(key, lang, **args)
        )
    else:
        specs["scorecard"] = charts.scorecard_grid(tiles, fmt, label("section_scorecard", lang))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    html = env.get_template("dashboard.html.j2").render(
        lang=lang,
        other_lang=next(other for other in LANGUAGES if other != lang),
        html_name=HTML_NAME,
        t=lambda key, **kw: label(key, lang, **kw),
        sections=SECTIONS,
        items=sections,
        tiles=tiles,
        scorecard_note=scorecard_note,
        scorecard_caption=label(
            "scorecard_note", lang, month=fmt.month(ctx.as_of_month), previous=fmt.month(ctx.last_month)
        ),
        health=_health(ctx, fmt),
        previous_month=fmt.month(ctx.last_month),
        currency=ctx.currency,
        specs_json=_script_json({k: v for k, v in specs.items()}),
        bundle=bundle.replace("</script", "<\\/script"),
    )
    return html, specs


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&' can end it or open a comment."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---- assembly --------------------------------------------------------------------------------------------


def vega_bundle(cache_dir: Path | None) -> str:
    """vl-convert's bundle of Vega, Vega-Lite and vega-embed (about 0.9 MB; building it takes seconds,
    so it is cached per vl-convert version, in `cache_dir` and in the process)."""
    version = importlib.metadata.version("vl-convert-python")
    cached = cache_dir / f"vega-bundle-{version}.js" if cache_dir else None
    if cached and cached.exists():
        return cached.read_text(encoding="utf-8")
    bundle = _bundle(version)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(cached)
    return bundle


@functools.cache
def _bundle(version: str) -> str:
    """The bundle of the installed vl-convert (`version` is the cache key)."""
    import vl_convert

    return vl_convert.javascript_bundle()


def render_png(spec: dict[str, Any]) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(spec, scale=1)


def build_dashboard(
    serving: Path,
    out_dir: Path,
    *,
    languages: tuple[str, ...] = LANGUAGES,
    png: bool = True,
    zone: dt.tzinfo | None = None,
    currency: str | None = None,
    freshness: list[dict[str, Any]] | None = None,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Build the dashboard of `serving` into `out_dir` (replaced atomically when complete)."""
    started = time.monotonic()
    zone = zone or ZoneInfo("UTC")
    with ServingData(serving) as data:
        ctx = _context(data, zone, freshness, currency)
        panels = [load_panel(data, spec, ctx) for spec in PANELS]
        scorecard = load_scorecard(data)
    log.info("dashboard data read from %s in %.1f s", serving, time.monotonic() - started)
    bundle = vega_bundle(cache_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_temp_dirs(out_dir)
    tmp = out_dir.parent / f".{out_dir.name}.{secrets.token_hex(4)}.tmp"
    tmp.mkdir()
    files = []
    try:
        for lang in languages:
            html, specs = page(panels, scorecard, ctx, lang, bundle)
            target = tmp / HTML_NAME.format(lang=lang)
            target.write_text(html, encoding="utf-8")
            files.append(target)
            if png:
                png_dir = tmp / "png" / lang
                png_dir.mkdir(parents=True)
                for key, spec in specs.items():
                    if key.startswith("spark_"):
                        continue
                    path = png_dir / f"{key}.png"
                    path.write_bytes(render_png(spec))
                    files.append(path)
            log.info("dashboard %s: %d charts (%.1f s)", lang, len(specs), time.monotonic() - started)
        (tmp / "manifest.json").write_text(
            json.dumps(
                {
                    "run_id": ctx.version.get("run_id"),
                    "as_of_date": ctx.as_of.isoformat() if ctx.as_of else None,
                    "serving_file": str(serving),
                    "built_at": dt.datetime.now(dt.UTC).isoformat(),
                    "languages": list(languages),
                    "files": [str(f.relative_to(tmp)) for f in files],
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        install(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    no_data = [p.spec.key for p in panels if p.frame is None]
    return BuildResult(
        out_dir=out_dir,
        files=[out_dir / f.relative_to(tmp) for f in files],
        seconds=time.monotonic() - started,
        run_id=ctx.version.get("run_id"),
        no_data=no_data,
    )
