"""Every compared view: its spec and its reference function."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from . import specs
from . import views_core as core
from .common import RawData
from .compare import Spec

Reference = Callable[[RawData], pd.DataFrame]

_PAIRS: tuple[tuple[Spec, Reference], ...] = (
    (specs.REVENUE, core.revenue_monthly),
    (specs.GROWTH, core.sales_growth_monthly),
    (specs.BOOKINGS, core.bookings_monthly),
    (specs.WIN_RATE, core.win_rate_monthly),
    (specs.SALES_CYCLE, core.sales_cycle_monthly),
    (specs.LEAD_CONVERSION, core.lead_conversion_by_channel),
    (specs.RETENTION, core.customer_retention_monthly),
)
SPECS: dict[str, Spec] = {s.view: s for s, _ in _PAIRS}
REFERENCES: dict[str, Reference] = {s.view: f for s, f in _PAIRS}
