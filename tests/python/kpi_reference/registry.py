"""Every compared view: its spec and its reference function."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from . import specs
from . import views_core as core
from . import views_customers as customers
from . import views_pipeline as pipeline
from . import views_sales as sales
from .common import RawData
from .compare import Spec
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
