"""Independent pandas recomputation of the 20 KPI views from the raw CSV files.

Written from the documentation (the spec /work/shared/spec/kpis.md, docs/raw_contract.md,
docs/staging_rules.md, docs/marts.md, docs/decisions.md, models/marts/kpi/docs/*.md and each view's YAML),
never from a model's SQL or output, and sharing no SQL, macro or Python helper with the models:

- staging.py   the checker's own reading of the contract and staging rules (versions, soft deletes,
               quarantines, repairs, kept-and-flagged fallbacks, parsing with offsets and raw_timezone);
- common.py    the raw data set (a plain CSV read, then staging.py), months, rates, small helpers;
- entities.py  what the facts hold (orders, lines, deals, leads, emails, customers, reps), re-derived;
- views_*.py   one function per KPI view; scorecard.py the headline KPIs from those references;
- specs.py     which columns of each view are compared, and how; compare.py the comparator.
"""

from .common import CENT, RawData, add_months, cents, label, month_end, month_of, month_range, ratio, truthy
from .compare import RATIO_TOLERANCE, ROUNDED_TOLERANCE, Spec, compare
from .entities import UNASSIGNED, UNKNOWN_ACCOUNT, opportunities
from .registry import DESCRIPTIVE_COLUMNS, REFERENCES, SPECS, check_view, descriptive_problems
from .specs import LEAD_CONVERSION, SALES_CYCLE, WIN_RATE
from .views_core import lead_conversion_by_channel, sales_cycle_monthly, win_rate_monthly

__all__ = [
    "CENT",
    "DESCRIPTIVE_COLUMNS",
    "LEAD_CONVERSION",
    "RATIO_TOLERANCE",
    "REFERENCES",
    "ROUNDED_TOLERANCE",
    "SALES_CYCLE",
    "SPECS",
    "UNASSIGNED",
    "UNKNOWN_ACCOUNT",
    "WIN_RATE",
    "RawData",
    "Spec",
    "add_months",
    "cents",
    "check_view",
    "compare",
    "descriptive_problems",
    "label",
    "lead_conversion_by_channel",
    "month_end",
    "month_of",
    "month_range",
    "opportunities",
    "ratio",
    "sales_cycle_monthly",
    "truthy",
    "win_rate_monthly",
]
