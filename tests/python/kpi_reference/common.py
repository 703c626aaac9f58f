"""The raw data set the references read, its months, rates and small value helpers.

Written from the spec (/work/shared/spec/kpis.md), docs/raw_contract.md, docs/staging_rules.md and the
documented readings in models/marts/kpi/docs/, never from a dbt model's output or SQL. RawData.load reads
the raw CSV files as text and applies the checker's own reading of the staging rules (staging.py), so the
input may be messy: what the references see is the kept rows, normalised, with their warning flags.

- Timestamps with an offset are instants; without one they are wall-clock time in `raw_timezone` (by
  default the reporting time zone). Months and dates are cut in the reporting time zone (Asia/Jakarta).
- Money converts to the reporting currency at the nearest rate on or before the transaction date (the
  reporting-zone date of the transaction), each raw money column rounded to the cent on its own, as
  staging adds `<column>_reporting` (staging_rules.md). A line's net value is then quantity * unit_price -
  discount_amount in the reporting currency, rounded to the cent. Bookings take the order date's rate,
  revenue the invoice date's (docs/decisions.md D41): a line has two values.
- Nothing dated after the as-of date counts; a cancellation or refund counts in the month it happened
  (cancelled_at / refunded_at, else the order's updated_at, never before the order / invoice; D36).

The comparator the cross-check tests use is compare.py's compare().
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

CENT = Decimal("0.01")
INVOICED_STATUSES = frozenset({"invoiced", "paid", "refunded"})
OPPORTUNITY_TYPES = ("new_business", "upsell", "renewal")


# ----- small value helpers ---------------------------------------------------------------------------
def cents(value: Decimal) -> Decimal:
    """A money amount rounded to the cent (half away from zero, as SQL round does)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def label(value: object) -> str | None:
    """A label as staging matches it: trimmed, inner whitespace collapsed, lower-cased; blank -> None."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = " ".join(str(value).split()).lower()
    return text or None


def truthy(value: object) -> bool | None:
    text = label(value)
    if text is None:
        return None
    return text in {"true", "t", "1", "yes", "y"}


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def month_range(first: date, last: date) -> list[date]:
    """Month starts from first's month to last's month inclusive."""
    out, current = [], month_of(first)
    while current <= month_of(last):
        out.append(current)
        current = add_months(current, 1)
    return out


# an offset at the end of a date-time (a date alone such as 2025-03-04 has none)
OFFSET = r"[0-9]:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)? ?(?:Z|UTC|[+-][0-9]{2}(?::?[0-9]{2})?)$"


def ratio(numerator: float | int | Decimal, denominator: float | int | Decimal) -> float | None:
    """numerator / denominator, None when the denominator is 0 (the spec's NULL)."""
    return None if denominator == 0 else float(numerator) / float(denominator)


# ----- the raw data set ------------------------------------------------------------------------------
@dataclass
class RawData:
    """The raw CSV tables of a generated data set, with its as-of date and reporting settings."""

    tables: dict[str, pd.DataFrame]
    as_of: date
    reporting_currency: str
    timezone: str = "Asia/Jakarta"
    seeds_dir: Path | None = None
    raw_timezone: str | None = None  # zone of offset-less raw timestamps (None: the reporting zone)
    _rates: dict[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict, repr=False)

    staged_versions: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    quarantined: dict[str, int] = field(default_factory=dict, repr=False)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        raw_dir: Path,
        seeds_dir: Path,
        timezone: str = "Asia/Jakarta",
        raw_timezone: str | None = None,
        as_of: date | None = None,
        reporting_currency: str | None = None,
    ) -> RawData:
        """Read the raw CSV files as text (a plain file read) and apply the checker's own reading of the
        contract and staging rules (staging.py): what is left is the kept rows, normalised, with flags.

        The as-of date and reporting currency come from the arguments, else from the generator's
        manifest.json in raw_dir. Bytes that are not UTF-8 become U+FFFD, as the loader documents."""
        from .staging import Stager, collapse

        manifest_path = raw_dir / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        as_of = as_of or date.fromisoformat(manifest["as_of_date"])
        reporting_currency = reporting_currency or manifest["reporting_currency"]
        texts = {
            path.name.removesuffix(".csv"): pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], encoding_errors="replace"
            )
            for path in sorted(raw_dir.glob("*.csv"))
        }
        mapping = pd.read_csv(seeds_dir / "stage_mapping.csv", dtype=str, keep_default_na=False)
        stage_labels = {
            collapse(r.stage_label): (truthy(r.is_closed), truthy(r.is_won)) for r in mapping.itertuples()
        }
        staged = Stager(texts, stage_labels, reporting_currency, timezone, raw_timezone).stage()
        raw = cls(
            tables=staged.kept,
            as_of=as_of,
            reporting_currency=reporting_currency,
            timezone=timezone,
            seeds_dir=seeds_dir,
            raw_timezone=raw_timezone,
            staged_versions=staged.versions,
            quarantined=staged.quarantined,
        )
        raw._index_rates()
        return raw

    def cached(self, name: str, compute: Any) -> Any:
        """compute(self) once per data set (derived tables are read by several views)."""
        if name not in self.memo:
            self.memo[name] = compute(self)
        return self.memo[name]

    def table(self, name: str) -> pd.DataFrame:
        """A raw table, or an empty frame when the data set does not have it."""
        return self.tables.get(name, pd.DataFrame()).copy()

    # time
    def instants(self, values: pd.Series) -> pd.Series:
        """Raw timestamp text as UTC instants: an offset in the text wins, else raw_timezone."""
        text = values.astype("string").str.strip()
        has_offset = text.str.contains(OFFSET, regex=True, na=False)
        naive = text.notna() & ~has_offset
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
        if has_offset.any():
            out[has_offset] = pd.to_datetime(text[has_offset], format="ISO8601", utc=True)
        if naive.any():
            zone = self.raw_timezone or self.timezone
            out[naive] = (
                pd.to_datetime(text[naive], format="ISO8601").dt.tz_localize(zone).dt.tz_convert("UTC")
            )
        return out

    def moments(self, values: pd.Series | list) -> list[pd.Timestamp | None]:
        """Raw timestamp text as a list of UTC instants (None for missing), by the rule of instants()."""
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype="object")
        return [None if pd.isna(v) else v for v in self.instants(series)]

    def local_dates(self, values: pd.Series | list) -> list[date | None]:
        """Reporting-zone calendar dates of raw timestamp text, of UTC instants or of a list of instants."""
        if isinstance(values, list):
            values = pd.Series(values, dtype="datetime64[us, UTC]")
        instants = values if isinstance(values.dtype, pd.DatetimeTZDtype) else self.instants(values)
        local = instants.dt.tz_convert(self.timezone)
        return [None if pd.isna(v) else v.date() for v in local]

    def end_of(self, day: date) -> pd.Timestamp:
        """The last instant (UTC) of a reporting-zone day."""
        start = pd.Timestamp(day + timedelta(days=1)).tz_localize(self.timezone).tz_convert("UTC")
        return start - pd.Timedelta(microseconds=1)

    # money
    def _index_rates(self) -> None:
        rates = self.table("currency_rates")
        if rates.empty:
            return
        rates["day"] = [date.fromisoformat(v[:10]) for v in rates["rate_date"]]
        rates["code"] = rates["currency_code"].str.strip().str.upper()
        for code, group in rates.sort_values("day").groupby("code"):
            self._rates[code] = (list(group["day"]), [Decimal(v) for v in group["rate_to_reporting"]])

    def rate(self, code: str, day: date) -> Decimal:
        """The rate of the nearest currency_rates day on or before `day`; the reporting currency is 1."""
        found = self.rate_or_none(code, day)
        if found is None:
            raise ValueError(f"no {code.strip().upper()} rate on or before {day}")
        return found

    def rate_or_none(self, code: str, day: date) -> Decimal | None:
        """As rate(), None when the currency has no rate on or before `day`."""
        code = code.strip().upper()
        if code == self.reporting_currency:
            return Decimal(1)
        days, values = self._rates[code]
        index = bisect.bisect_right(days, day) - 1
        return None if index < 0 else values[index]

    def first_rate(self, code: str) -> Decimal:
        """The currency's first rate (the reporting currency is 1)."""
        code = code.strip().upper()
        return Decimal(1) if code == self.reporting_currency else self._rates[code][1][0]

    def convert(self, amount: object, code: str, day: date) -> Decimal | None:
        """A raw money value converted to the reporting currency, rounded to the cent."""
        if amount is None or (isinstance(amount, float) and pd.isna(amount)):
            return None
        return cents(Decimal(str(amount)) * self.rate(code, day))

    # seeds
    def seed(self, name: str) -> pd.DataFrame:
        assert self.seeds_dir is not None
        return pd.read_csv(self.seeds_dir / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])


def _spine(first: date | None, as_of: date) -> list[date]:
    return [] if first is None else month_range(first, as_of)
