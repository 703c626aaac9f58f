"""Every compared view: its spec and its reference function."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from . import specs
from . import views_core as core
from . import views_customers as customers
from . import views_pipeline as pipeline
from . import views_sales as sales
from .common import RawData, month_of
from .compare import Spec, compare
from .scorecard import scorecard

Reference = Callable[[RawData], pd.DataFrame]

_PAIRS: tuple[tuple[Spec, Reference], ...] = (
    (specs.REVENUE, core.revenue_monthly),
    (specs.GROWTH, core.sales_growth_monthly),
    (specs.BOOKINGS, core.bookings_monthly),
    (specs.WIN_RATE, core.win_rate_monthly),
    (specs.SALES_CYCLE, core.sales_cycle_monthly),
    (specs.LEAD_CONVERSION, core.lead_conversion_by_channel),
    (specs.RETENTION, core.customer_retention_monthly),
    (specs.MARGIN, sales.profit_margin_monthly),
    (specs.MARGIN_BY_CATEGORY, sales.profit_margin_by_category),
    (specs.PURCHASE_VALUE, sales.average_purchase_value),
    (specs.SALES_PER_REP, sales.sales_per_rep),
    (specs.SALES_VS_TARGET, sales.sales_vs_target),
    (specs.PIPELINE_BY_STAGE, pipeline.pipeline_by_stage),
    (specs.PIPELINE_GENERATED, pipeline.pipeline_generated_per_rep),
    (specs.RESPONSE_TIME, pipeline.lead_response_time),
    (specs.EMAIL, pipeline.email_engagement),
    (specs.LIFETIME_VALUE, customers.customer_lifetime_value),
    (specs.ACQUISITION_COST, customers.customer_acquisition_cost),
    (specs.REP_CHURN, customers.rep_customer_churn),
    (specs.SCORECARD, scorecard),
)
SPECS: dict[str, Spec] = {s.view: s for s, _ in _PAIRS}
REFERENCES: dict[str, Reference] = {s.view: f for s, f in _PAIRS}


# descriptive columns of the views that no reference carries, checked by check_view() row by row
DESCRIPTIVE_COLUMNS = frozenset({"currency_code", "is_complete_month", "is_all_segments"})


def descriptive_problems(view: str, frame: pd.DataFrame, raw: RawData, limit: int = 20) -> list[str]:
    """Money in the reporting currency (NULL for a target that is not money), a month complete when it is
    before the as-of month, segment 'all' flagged as all segments."""
    problems = []
    for row in frame.to_dict("records"):
        if "currency_code" in row:
            expected = raw.reporting_currency if row.get("is_money_metric", True) else None
            if row["currency_code"] != expected:
                problems.append(f"{view} {row}: currency_code {row['currency_code']!r} != {expected!r}")
        if "is_complete_month" in row:
            month = row.get("month_start", row.get("acquisition_month"))
            if row["is_complete_month"] != (month < month_of(raw.as_of)):
                problems.append(f"{view} month {month}: is_complete_month {row['is_complete_month']}")
        if "is_all_segments" in row and row["is_all_segments"] != (row["segment"] == "all"):
            problems.append(f"{view} {row['month_start']} {row['segment']}: is_all_segments")
    return problems[:limit]


def check_view(view: str, expected: pd.DataFrame, actual: pd.DataFrame, raw: RawData) -> list[str]:
    """Everything wrong with a view's rows against its reference (empty when they agree); a reference
    without rows is a problem too (the comparison would prove nothing)."""
    if len(expected) == 0:
        return [f"{view}: the data set gives the reference no rows, the cross-check would be vacuous"]
    return compare(SPECS[view], expected, actual) + descriptive_problems(view, actual, raw)
