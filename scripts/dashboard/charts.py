"""The dashboard's charts, as Altair (Vega-Lite) specifications: no chart is drawn by hand.

Every builder takes a tidy pandas frame shaped by `panels` (x / series / value, or label / value) with
the text to show already formatted for the language (`text` columns), and returns a Vega-Lite dict. The
same dict is embedded in the HTML (rendered by the Vega bundle in the page) and rendered to PNG by
vl-convert. Months are calendar dates of the reporting time zone: they are read and shown as UTC so a
browser in another time zone never shifts them.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from scripts.dashboard.i18n import Formatter

WIDTH, HEIGHT = 470, 230
STATUS_COLORS = {"on_track": "#2e7d32", "at_risk": "#f9a825", "off_track": "#c62828", "no_target": "#90a4ae"}


def _config(chart: alt.TopLevelMixin, fmt: Formatter) -> dict[str, Any]:
    spec = chart.configure(locale=fmt.vega_locale(), font="Liberation Sans, DejaVu Sans, sans-serif")
    spec = spec.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=11)
    return spec.configure_legend(orient="bottom", title=None, labelLimit=220).to_dict(validate=False)


def _month_x(field: str = "x", title: str | None = None, day: bool = False) -> alt.X:
    unit = "utcyearmonthdate" if day else "utcyearmonth"
    return alt.X(f"{field}:T", timeUnit=unit, title=title, axis=alt.Axis(format="%b %Y", formatType="utc"))


def _money_y(fmt: Formatter, field: str = "value", stack: bool | None = None) -> alt.Y:
    return alt.Y(f"{field}:Q", title=None, stack=stack, axis=alt.Axis(labelExpr=fmt.compact_axis_expr()))


def _rate_y(field: str = "value") -> alt.Y:
    return alt.Y(f"{field}:Q", title=None, axis=alt.Axis(format=".0%"))


def _plain_y(field: str = "value") -> alt.Y:
    return alt.Y(f"{field}:Q", title=None, axis=alt.Axis(format=",.0f"))


def _y(fmt: Formatter, unit: str, field: str = "value", stack: bool | None = None) -> alt.Y:
    if unit == "currency":
        return _money_y(fmt, field, stack)
    return _rate_y(field) if unit == "ratio" else _plain_y(field)


def _tooltip(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{name}:N", title=title) for name, title in fields]


def bars_by_month(frame: pd.DataFrame, fmt: Formatter, unit: str, title: str) -> dict[str, Any]:
    """One bar per month; the month to date (is_complete_month false) paler."""
    chart = (
        alt.Chart(frame, title=title, width=WIDTH, height=HEIGHT)
        .mark_bar(color="#1565c0")
        .encode(
            x=_month_x(),
            y=_y(fmt, unit),
            opacity=alt.condition("datum.is_complete_month", alt.value(1.0), alt.value(0.45)),
            tooltip=_tooltip(("x_text", ""), ("text", "")),
        )
    )
    return _config(chart, fmt)


def lines_by_month(
    frame: pd.DataFrame, fmt: Formatter, unit: str, title: str, day: bool = False
) -> dict[str, Any]:
    """One line per series (series_text is the legend)."""
    chart = (
        alt.Chart(frame, title=title, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=_month_x(day=day),
            y=_y(fmt, unit),
            color=alt.Color("series_text:N", sort=None),
            tooltip=_tooltip(("x_text", ""), ("series_text", ""), ("text", "")),
        )
    )
    return _config(chart, fmt)


def stacked_by_month(
    frame: pd.DataFrame, fmt: Formatter, unit: str, title: str, day: bool = False
) -> dict[str, Any]:
    """Stacked bars per month (or snapshot day), one colour per series, in the frame's series order."""
    order = list(dict.fromkeys(frame["series_text"]))
    chart = (
        alt.Chart(frame, title=title, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=_month_x(day=day),
            y=_y(fmt, unit, stack=True),
            color=alt.Color("series_text:N", sort=order),
            order=alt.Order("series_order:Q"),
            tooltip=_tooltip(("x_text", ""), ("series_text", ""), ("text", "")),
        )
    )
    return _config(chart, fmt)


def ranked_bars(
    frame: pd.DataFrame, fmt: Formatter, unit: str, title: str, rule: float | None = None
) -> dict[str, Any]:
    """Horizontal bars, largest first, one per label (names are data: rendered as text by Vega)."""
    base = alt.Chart(frame, title=title, width=WIDTH, height=max(80, 22 * len(frame)))
    bars = base.mark_bar(color="#1565c0").encode(
        y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("value:Q", title=None, axis=_x_axis(fmt, unit)),
        tooltip=_tooltip(("label", ""), ("text", "")),
    )
    layers: list[alt.Chart] = [bars]
    if rule is not None:
        layers.append(alt.Chart(pd.DataFrame({"rule": [rule]})).mark_rule(color="#c62828").encode(x="rule:Q"))
    return _config(alt.layer(*layers), fmt)


def _x_axis(fmt: Formatter, unit: str) -> alt.Axis:
    if unit == "currency":
        return alt.Axis(labelExpr=fmt.compact_axis_expr())
    return alt.Axis(format=".0%") if unit == "ratio" else alt.Axis(format=",.1~f")


def grouped_bars(frame: pd.DataFrame, fmt: Formatter, unit: str, title: str) -> dict[str, Any]:
    """Horizontal bars per label, one per series side by side (yOffset), e.g. the lead funnel."""
    order = list(dict.fromkeys(frame["series_text"]))
    chart = (
        alt.Chart(frame, title=title, width=WIDTH, height=max(100, 14 * len(frame)))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("series_text:N", sort=order),
            x=alt.X("value:Q", title=None, axis=_x_axis(fmt, unit)),
            color=alt.Color("series_text:N", sort=order),
            tooltip=_tooltip(("label", ""), ("series_text", ""), ("text", "")),
        )
    )
    return _config(chart, fmt)


def progress_bars(frame: pd.DataFrame, fmt: Formatter, title: str) -> dict[str, Any]:
    """Target progress: a grey track to 100 %, the attainment coloured by pace status, and a black tick
    where the elapsed share of the period says the actual should be today."""
    height = max(80, 24 * len(frame))
    base = alt.Chart(frame, title=title, width=WIDTH, height=height)
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=240))
    scale = alt.Scale(domain=[0, max(1.2, float(frame["attainment_shown"].max() or 0))], clamp=True)
    track = base.mark_bar(color="#eceff1").encode(
        y=y, x=alt.X("one:Q", scale=scale, title=None, axis=alt.Axis(format=".0%"))
    )
    done = base.mark_bar().encode(
        y=y,
        x=alt.X("attainment_shown:Q", scale=scale),
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
            legend=None,
        ),
        tooltip=_tooltip(("label", ""), ("text", ""), ("pace_text", "")),
    )
    tick = base.mark_tick(color="#000", thickness=2, size=18).encode(
        y=y, x=alt.X("elapsed_share:Q", scale=scale)
    )
    return _config(alt.layer(track, done, tick), fmt)


def sparkline(frame: pd.DataFrame, fmt: Formatter, color: str = "#1565c0") -> dict[str, Any]:
    """A small line of a KPI's monthly values, no axes."""
    chart = (
        alt.Chart(frame, width=180, height=40)
        .mark_line(color=color, point=alt.OverlayMarkDef(size=12, color=color))
        .encode(
            x=alt.X("x:T", timeUnit="utcyearmonth", axis=None),
            y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            tooltip=_tooltip(("x_text", ""), ("text", "")),
        )
    )
    return _config(chart, fmt)


def scorecard_grid(tiles: list[dict[str, Any]], fmt: Formatter, title: str) -> dict[str, Any]:
    """The scorecard as one picture for e-mail: a sparkline per KPI titled with its value and status."""
    charts = []
    for tile in tiles:
        frame = tile["spark_frame"]
        subtitle = f"{tile['value_text']} · {tile['status_text']} · {tile['change_text']}"
        charts.append(
            alt.Chart(
                frame, title=alt.Title(tile["name"], subtitle=subtitle, fontSize=13), width=220, height=50
            )
            .mark_line(color=STATUS_COLORS.get(tile["status"], "#1565c0"), point=True)
            .encode(
                x=alt.X("x:T", timeUnit="utcyearmonth", axis=None),
                y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
            )
        )
    grid = alt.concat(*charts, columns=4, title=alt.Title(title, fontSize=15))
    return _config(grid, fmt)
