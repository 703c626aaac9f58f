"""kpi_scorecard from this package's own references of the underlying KPIs and the raw targets.

Each headline row is checked against the reference of its KPI (never against the other views), with
the company targets prorated here from the raw sales_targets (models/marts/kpi/docs/kpi_scorecard.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from .common import RawData, add_months, cents, month_end, month_of, month_range
from .entities import customers
from .specs import SCORECARD
from .views_core import bookings_monthly, customer_retention_monthly, revenue_monthly, win_rate_monthly
from .views_customers import customer_acquisition_cost
from .views_pipeline import pipeline_by_stage
from .views_sales import profit_margin_monthly, targets

# the default var scorecard_kpis
DEFAULT_KPIS = (
    "revenue",
    "bookings",
    "gross_margin_rate",
    "weighted_pipeline",
    "win_rate",
    "new_customers",
    "customer_churn_rate",
    "cac",
)
AT_RISK_RATIO = Decimal("0.9")
GRAIN_ORDER = ("month", "quarter", "year", "custom")


def _series(frame: pd.DataFrame, column: str) -> dict[date, Any]:
    return {
        m: None if v is None or (isinstance(v, float) and pd.isna(v)) else v
        for m, v in zip(frame["month_start"], frame[column], strict=True)
    }


def _weighted_pipeline(raw: RawData) -> tuple[dict[date, Any], bool]:
    frame = pipeline_by_stage(raw)
    out: dict[date, Any] = {}
    for d, amount in zip(frame["snapshot_date"], frame["weighted_pipeline_amount"], strict=True):
        if d == raw.as_of or d == month_end(month_of(d)):
            out[month_of(d)] = out.get(month_of(d), Decimal(0)) + amount
    return out, True


def _new_customers(raw: RawData) -> tuple[dict[date, Any], bool]:
    out: dict[date, Any] = {}
    for c in customers(raw).values():
        out[month_of(c.acquired)] = out.get(month_of(c.acquired), 0) + 1
    return out, True


def _cac(raw: RawData) -> tuple[dict[date, Any], bool]:
    frame = customer_acquisition_cost(raw)
    frame = frame[frame["channel"] == "all"]
    return _series(frame, "cac"), False


# kpi_name -> (series, is additive (missing month = 0), unit, higher is better, target metric)
KPIS: dict[str, tuple[Callable[[RawData], tuple[dict[date, Any], bool]], str, bool, str | None]] = {
    "revenue": (lambda r: (_series(revenue_monthly(r), "revenue"), True), "currency", True, "revenue"),
    "bookings": (lambda r: (_series(bookings_monthly(r), "bookings"), True), "currency", True, "bookings"),
    "gross_margin_rate": (
        lambda r: (_series(profit_margin_monthly(r), "gross_margin_rate"), False),
        "ratio",
        True,
        None,
    ),
    "weighted_pipeline": (_weighted_pipeline, "currency", True, None),
    "win_rate": (lambda r: (_series(win_rate_monthly(r), "win_rate"), False), "ratio", True, None),
    "new_customers": (_new_customers, "count", True, "new_accounts"),
    "customer_churn_rate": (
        lambda r: (_series(customer_retention_monthly(r), "churn_rate"), False),
        "ratio",
        False,
        None,
    ),
    "cac": (_cac, "currency", False, None),
}


def company_targets(raw: RawData, metric: str, month: date) -> tuple[Decimal | None, Decimal | None]:
    """(target, target to date) of the month: company targets of the metric prorated by overlapping days
    (each rounded to cents), the finest grain among those overlapping the month only."""
    frame = targets(raw)
    if frame.empty:
        return None, None
    first, last = month, month_end(month)
    mine = frame[(frame["scope"] == "company") & (frame["metric"] == metric)]
    overlapping = [
        t for t in mine.to_dict("records") if t["period_start"] <= last and t["period_end"] >= first
    ]
    if not overlapping:
        return None, None
    finest = min(GRAIN_ORDER.index(t["period_grain"]) for t in overlapping)
    total = to_date = Decimal(0)
    for t in overlapping:
        if GRAIN_ORDER.index(t["period_grain"]) != finest:
            continue
        start, end = max(first, t["period_start"]), min(last, t["period_end"])
        days = (end - start).days + 1
        elapsed = max(0, (min(end, raw.as_of) - start).days + 1)
        total += cents(t["target_value"] * days / t["period_days"])
        to_date += cents(t["target_value"] * elapsed / t["period_days"])
    return total, to_date


def scorecard(raw: RawData, kpis: tuple[str, ...] = DEFAULT_KPIS) -> pd.DataFrame:
    rows = []
    for name in kpis:
        compute, unit, higher, metric = KPIS[name]
        series, additive = compute(raw)
        present = [m for m, v in series.items() if v is not None or not additive]
        if not present:
            continue
        months = month_range(min(series), raw.as_of)
        for i, m in enumerate(months):
            value = series.get(m, Decimal(0) if additive else None)
            previous = None if i == 0 else series.get(add_months(m, -1), Decimal(0) if additive else None)
            target, to_date = company_targets(raw, metric, m) if metric else (None, None)
            both = value is not None and previous is not None
            value = None if value is None else Decimal(str(value))
            previous = None if previous is None else Decimal(str(previous))
            if target is None:
                status = "no_target"
            elif value is not None and value >= to_date:
                status = "on_track"
            elif value is not None and value >= AT_RISK_RATIO * to_date:
                status = "at_risk"
            else:
                status = "off_track"
            rows.append(
                {
                    "month_start": m,
                    "kpi_name": name,
                    "value": value,
                    "previous_value": previous,
                    "change_value": value - previous if both else None,
                    "change_rate": (float(value) - float(previous)) / float(previous)
                    if both and previous
                    else None,
                    "is_partial_comparison": m == month_of(raw.as_of) and previous is not None,
                    "target_value": target,
                    "target_value_to_date": to_date,
                    "attainment_rate": float(value) / float(target) if target and value is not None else None,
                    "pacing_rate": float(value) / float(to_date) if to_date and value is not None else None,
                    "status": status,
                    "value_unit": unit,
                    "is_higher_better": higher,
                    "target_metric": metric,
                }
            )
    return pd.DataFrame(rows, columns=[*SCORECARD.columns])
