"""Independent pandas implementations of KPI definitions, computed from raw CSV files only.

Written from the spec (/work/shared/spec/kpis.md), docs/raw_contract.md, docs/staging_rules.md and the
documented readings in models/marts/kpi/docs/, never from a dbt model's output or SQL. The input is a
clean generated data set (no messy rows), so the only staging rules needed here are type parsing, label
mapping through the seeds' CSV files, currency conversion and time zones:

- Timestamps with an offset are instants; without one they are wall-clock time in `raw_timezone` (by
  default the reporting time zone). Months and dates are cut in the reporting time zone (Asia/Jakarta).
- Money converts to the reporting currency at the nearest rate on or before the transaction date (the
  reporting-zone date of the transaction), each raw money column rounded to the cent on its own, as
  staging adds `<column>_reporting` (staging_rules.md). A line's net value is then quantity * unit_price -
  discount_amount in the reporting currency, rounded to the cent. Bookings take the order date's rate,
  revenue the invoice date's (docs/decisions.md D41): a line has two values.
- Nothing dated after the as-of date counts; a cancellation or refund counts in the month it happened
  (cancelled_at / refunded_at, else the order's updated_at, never before the order / invoice; D36).

`compare()` is the comparator the cross-check tests use: money exact to the cent, counts exact, ratios
within a floating-point tolerance, values the views round to 2 decimals within half a cent.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
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

    @classmethod
    def load(cls, raw_dir: Path, seeds_dir: Path, timezone: str = "Asia/Jakarta") -> RawData:
        manifest = json.loads((raw_dir / "manifest.json").read_text(encoding="utf-8"))
        tables = {
            path.name.removesuffix(".csv"): pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""]
            )
            for path in sorted(raw_dir.glob("*.csv"))
        }
        raw = cls(
            tables=tables,
            as_of=date.fromisoformat(manifest["as_of_date"]),
            reporting_currency=manifest["reporting_currency"],
            timezone=timezone,
            seeds_dir=seeds_dir,
        )
        raw._index_rates()
        return raw

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

    def convert(self, amount: object, code: str, day: date) -> Decimal | None:
        """A raw money value converted to the reporting currency, rounded to the cent."""
        if amount is None or (isinstance(amount, float) and pd.isna(amount)):
            return None
        return cents(Decimal(str(amount)) * self.rate(code, day))

    # seeds
    def seed(self, name: str) -> pd.DataFrame:
        assert self.seeds_dir is not None
        return pd.read_csv(self.seeds_dir / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])


# ----- shared derivations ----------------------------------------------------------------------------
def opportunities(raw: RawData) -> pd.DataFrame:
    """Opportunities with their standard outcome (stage_mapping seed decides; unknown labels fall back on
    the row's flags), close time, amount in the reporting currency, local dates and account segment."""
    opps = raw.table("opportunities")
    if opps.empty:
        return pd.DataFrame(
            columns=[
                "opportunity_id",
                "account_id",
                "lead_id",
                "created_at",
                "is_won",
                "is_lost",
                "is_closed",
                "amount_rep",
                "created_date",
                "closed_date",
                "segment",
                "opportunity_type",
            ]
        )
    mapping = raw.seed("stage_mapping")
    by_label = {label(r.stage_label): (truthy(r.is_closed), truthy(r.is_won)) for r in mapping.itertuples()}
    closed, won = [], []
    for r in opps.itertuples():
        mapped = by_label.get(label(r.stage_name))
        row_won = bool(truthy(r.is_won))
        row_closed = bool(truthy(r.is_closed)) or row_won
        closed.append(mapped[0] if mapped else row_closed)
        won.append(mapped[1] if mapped else row_won)
    opps["is_closed"] = closed
    opps["is_won"] = won
    opps["is_lost"] = opps["is_closed"] & ~opps["is_won"]
    # a closed deal without a close time is dated at its last change
    opps["closed_ts"] = opps["closed_at"].where(opps["closed_at"].notna(), opps["updated_at"])
    opps.loc[~opps["is_closed"], "closed_ts"] = None
    opps["created_date"] = raw.local_dates(opps["created_at"])
    opps["closed_date"] = raw.local_dates(opps["closed_ts"])
    # the amount converts at the rate of the close date (open deals: the creation date)
    opps["amount_rep"] = [
        raw.convert(r.amount, r.currency_code, r.closed_date or r.created_date) for r in opps.itertuples()
    ]
    accounts = raw.table("accounts")
    segments = {r.account_id: label(r.segment) for r in accounts.itertuples()}
    opps["segment"] = [segments.get(a) or "unknown" for a in opps["account_id"]]
    opps["opportunity_type"] = [label(t) or "new_business" for t in opps["opportunity_type"]]
    return opps


def order_lines_reporting(raw: RawData) -> pd.DataFrame:
    """Order lines with their net value in the reporting currency, twice (D41):

    - net: at the order date's rate (the bookings value);
    - invoiced_net: at the invoice date's rate (the revenue value); an order not invoiced takes its order
      date, and an invoice dated before every rate of the currency takes the order date's rate.
    Each money column converts on its own and is rounded to the cent; net = quantity * unit_price -
    discount_amount (a missing discount is 0), rounded to the cent.
    """
    orders = raw.table("orders")
    lines = raw.table("order_lines")
    if orders.empty or lines.empty:
        return pd.DataFrame(columns=["order_line_id", "order_id", "net", "invoiced_net"])
    orders["ordered_date"] = raw.local_dates(orders["ordered_at"])
    orders["invoiced_date"] = raw.local_dates(orders["invoiced_at"])
    merged = lines.merge(orders, on="order_id", how="inner", validate="many_to_one")
    nets, invoiced_nets = [], []
    for r in merged.itertuples():
        quantity = Decimal(r.quantity)
        discount_text = r.discount_amount if pd.notna(r.discount_amount) else "0"
        order_rate = raw.rate(r.currency_code, r.ordered_date)
        invoice_rate = raw.rate_or_none(r.currency_code, r.invoiced_date or r.ordered_date) or order_rate
        for rate, out in ((order_rate, nets), (invoice_rate, invoiced_nets)):
            price = cents(Decimal(r.unit_price) * rate)
            discount = cents(Decimal(discount_text) * rate)
            out.append(cents(quantity * price - discount))
    merged["net"] = nets
    merged["invoiced_net"] = invoiced_nets
    return merged[["order_line_id", "order_id", "net", "invoiced_net"]]


def orders_dated(raw: RawData) -> pd.DataFrame:
    """Orders placed by the as-of date, with status, local dates, whether the invoice, the cancellation
    and the refund count by the as-of date, and their dates: a cancellation at cancelled_at, else
    updated_at, never before the order; a refund at refunded_at, else updated_at, never before the invoice
    (and without either, at the order / invoice itself)."""
    orders = raw.table("orders")
    if orders.empty:
        return pd.DataFrame(
            columns=[
                "order_id",
                "account_id",
                "status",
                "ordered_date",
                "invoiced_date",
                "refund_date",
                "cancel_date",
                "is_invoiced",
                "is_refunded",
                "is_cancelled",
                "opportunity_id",
            ]
        )
    orders["status"] = [label(s) for s in orders["status"]]
    orders["ordered_date"] = raw.local_dates(orders["ordered_at"])
    orders["invoiced_date"] = raw.local_dates(orders["invoiced_at"])

    def event_dates(column: str, floor_column: str) -> list[date | None]:
        """The event's own time, else the last change, never before the floor (order or invoice)."""
        own = raw.moments(orders[column]) if column in orders else [None] * len(orders)
        updated = raw.moments(orders["updated_at"])
        floors = raw.moments(orders[floor_column])
        moments = []
        for event, change, floor in zip(own, updated, floors, strict=True):
            moment = event if event is not None else change
            if floor is not None and (moment is None or moment < floor):
                moment = floor
            moments.append(moment)
        return raw.local_dates(moments)

    orders["refund_date"] = event_dates("refunded_at", "invoiced_at")
    orders["cancel_date"] = event_dates("cancelled_at", "ordered_at")
    orders = orders[[d <= raw.as_of for d in orders["ordered_date"]]].copy()
    orders["is_invoiced"] = [
        s in INVOICED_STATUSES and d is not None and d <= raw.as_of
        for s, d in zip(orders["status"], orders["invoiced_date"], strict=True)
    ]
    orders["is_refunded"] = [
        inv and s == "refunded" and d is not None and d <= raw.as_of
        for inv, s, d in zip(orders["is_invoiced"], orders["status"], orders["refund_date"], strict=True)
    ]
    orders["is_cancelled"] = [
        s == "cancelled" and d is not None and d <= raw.as_of
        for s, d in zip(orders["status"], orders["cancel_date"], strict=True)
    ]
    return orders


def _spine(first: date | None, as_of: date) -> list[date]:
    return [] if first is None else month_range(first, as_of)


# ----- KPI 1: revenue by month -----------------------------------------------------------------------
def revenue_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_revenue_monthly: invoiced order lines by invoiced month (at the invoice date's rate), refunds
    negative in the refund month. An order naming no account is revenue but no paying customer."""
    orders = orders_dated(raw)
    lines = order_lines_reporting(raw).merge(
        orders[["order_id", "account_id", "invoiced_date", "refund_date", "is_invoiced", "is_refunded"]],
        on="order_id",
    )
    events = []
    for r in lines.itertuples():
        # revenue is worth what was invoiced, at the invoice date's rate; a refund reverses exactly that
        if r.is_invoiced:
            events.append((month_of(r.invoiced_date), "invoice", r.invoiced_net, r.order_id, r.account_id))
        if r.is_refunded:
            events.append((month_of(r.refund_date), "refund", -r.invoiced_net, r.order_id, r.account_id))
    first = min((e[0] for e in events), default=None)
    rows = []
    for month in _spine(first, raw.as_of):
        here = [e for e in events if e[0] == month]
        invoices = [e for e in here if e[1] == "invoice"]
        refunds = [e for e in here if e[1] == "refund"]
        rows.append(
            {
                "month_start": month,
                "revenue": sum((e[2] for e in here), Decimal(0)),
                "invoiced_revenue": sum((e[2] for e in invoices), Decimal(0)),
                "refunded_revenue": -sum((e[2] for e in refunds), Decimal(0)),
                "invoiced_orders": len({e[3] for e in invoices}),
                "refunded_orders": len({e[3] for e in refunds}),
                "paying_customers": len({e[4] for e in invoices if not _missing(e[4])}),
            }
        )
    return pd.DataFrame(rows, columns=[*REVENUE.columns])


# ----- KPI 2: sales growth ---------------------------------------------------------------------------
def sales_growth_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_sales_growth_monthly: month-over-month and year-over-year growth of net revenue."""
    revenue = revenue_monthly(raw)
    by_month = dict(zip(revenue["month_start"], revenue["revenue"], strict=True))
    rows = []
    for month, current in by_month.items():
        previous = by_month.get(add_months(month, -1))
        last_year = by_month.get(add_months(month, -12))
        rows.append(
            {
                "month_start": month,
                "revenue": current,
                "revenue_prev_month": previous,
                "mom_growth_rate": None if not previous else float((current - previous) / previous),
                "revenue_same_month_last_year": last_year,
                "yoy_growth_rate": None if not last_year else float((current - last_year) / last_year),
            }
        )
    return pd.DataFrame(rows, columns=[*GROWTH.columns])


# ----- KPI 3: bookings -------------------------------------------------------------------------------
def bookings_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_bookings_monthly: net bookings. Every order placed by the as-of date adds its value (order
    date's rate) in its order month; an order cancelled by the as-of date takes it away in the month of the
    cancellation, never earlier (D36). Split by the originating opportunity's type (no opportunity: new
    business); order counts are the orders received and the orders cancelled."""
    orders = orders_dated(raw)
    amounts = order_lines_reporting(raw).groupby("order_id")["net"].apply(lambda s: sum(s, Decimal(0)))
    opps = opportunities(raw)
    types = dict(zip(opps["opportunity_id"], opps["opportunity_type"], strict=True))
    events = []  # (month, kind, type, signed amount)
    for r in orders.itertuples():
        kind = types.get(r.opportunity_id, "new_business")
        value = amounts.get(r.order_id, Decimal(0))
        events.append((month_of(r.ordered_date), "booking", kind, value))
        if r.is_cancelled:
            events.append((month_of(r.cancel_date), "cancellation", kind, -value))
    first = min((e[0] for e in events), default=None)
    rows = []
    for month in _spine(first, raw.as_of):
        here = [e for e in events if e[0] == month]
        received = [e for e in here if e[1] == "booking"]
        cancelled = [e for e in here if e[1] == "cancellation"]
        row: dict[str, Any] = {
            "month_start": month,
            "bookings": sum((e[3] for e in here), Decimal(0)),
            "gross_bookings": sum((e[3] for e in received), Decimal(0)),
            "cancelled_bookings": -sum((e[3] for e in cancelled), Decimal(0)),
            "booked_orders": len(received),
            "cancelled_orders": len(cancelled),
        }
        for kind in OPPORTUNITY_TYPES:
            row[f"{kind}_bookings"] = sum((e[3] for e in here if e[2] == kind), Decimal(0))
            row[f"{kind}_orders"] = sum(1 for e in received if e[2] == kind)
        rows.append(row)
    return pd.DataFrame(rows, columns=[*BOOKINGS.columns])


# ----- KPI 6: win rate -------------------------------------------------------------------------------
def win_rate_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_win_rate_monthly: deals won and lost by month of close, count- and amount-based win rates."""
    opps = opportunities(raw)
    closed = opps[opps["is_closed"]].copy()
    closed = closed[[d <= raw.as_of for d in closed["closed_date"]]]
    closed["month"] = [month_of(d) for d in closed["closed_date"]]
    first = closed["month"].min() if len(closed) else None
    rows = []
    for month in _spine(first, raw.as_of):
        here = closed[closed["month"] == month]
        won, lost = here[here["is_won"]], here[~here["is_won"]]
        won_amount = sum((a for a in won["amount_rep"] if a is not None), Decimal(0))
        with_amount = sum(1 for a in won["amount_rep"] if a is not None)
        lost_amount = sum((a for a in lost["amount_rep"] if a is not None), Decimal(0))
        rows.append(
            {
                "month_start": month,
                "deals_won": len(won),
                "deals_lost": len(lost),
                "closed_deals": len(here),
                "win_rate": ratio(len(won), len(here)),
                "won_amount": won_amount,
                "lost_amount": lost_amount,
                "closed_amount": won_amount + lost_amount,
                "win_rate_by_amount": ratio(won_amount, won_amount + lost_amount),
                # the average is over the won deals that have an amount (D35)
                "avg_won_deal_size": None if with_amount == 0 else cents(won_amount / with_amount),
                "won_deals_with_amount": with_amount,
                "won_deals_without_amount": len(won) - with_amount,
            }
        )
    return pd.DataFrame(rows, columns=[*WIN_RATE.columns])


# ----- KPI 7: sales cycle ----------------------------------------------------------------------------
def _median(values: list[int]) -> float | None:
    values = sorted(values)
    n = len(values)
    if n == 0:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def sales_cycle_monthly(raw: RawData, fiscal_year_start_month: int = 1) -> pd.DataFrame:
    """kpi_sales_cycle_monthly: won deals by close month x segment, plus segment 'all' for every segment
    together; cycle = whole days from the created date to the closed date (reporting zone), none for a deal
    closed before it was created (it counts in won_deals, not in the averages). Each row also has the
    median over the fiscal quarter and fiscal year to date (deals closed from the period's first month)."""
    opps = opportunities(raw)
    won = opps[opps["is_won"]].copy()
    won = won[[d <= raw.as_of for d in won["closed_date"]]]
    won["month"] = [month_of(d) for d in won["closed_date"]]
    created = raw.moments(won["created_at"])
    closed = raw.moments(won["closed_ts"])
    won["cycle"] = [
        (c - s).days if closed_at >= created_at else None
        for s, c, created_at, closed_at in zip(
            won["created_date"], won["closed_date"], created, closed, strict=True
        )
    ]
    deals = [(m, seg, c) for m, seg, c in zip(won["month"], won["segment"], won["cycle"], strict=True)]
    deals += [(m, "all", c) for m, _, c in deals]

    def fiscal_starts(month: date) -> tuple[date, date]:
        """First month of the month's fiscal year and of its fiscal quarter."""
        back = (month.month - fiscal_year_start_month) % 12
        year_start = add_months(month, -back)
        return year_start, add_months(year_start, (back // 3) * 3)

    first = min((d[0] for d in deals), default=None)
    rows = []
    for month in _spine(first, raw.as_of):
        year_start, quarter_start = fiscal_starts(month)
        for segment in sorted({d[1] for d in deals}):
            mine = [d for d in deals if d[1] == segment]
            here = [d[2] for d in mine if d[0] == month]
            cycles = [c for c in here if c is not None]
            quarter = [d[2] for d in mine if quarter_start <= d[0] <= month and d[2] is not None]
            year = [d[2] for d in mine if year_start <= d[0] <= month and d[2] is not None]
            n = len(cycles)
            rows.append(
                {
                    "month_start": month,
                    "segment": segment,
                    "is_all_segments": segment == "all",
                    "won_deals": len(here),
                    "won_deals_with_cycle": n,
                    "total_cycle_days": sum(cycles),
                    "avg_cycle_days": None if n == 0 else sum(cycles) / n,
                    "median_cycle_days": _median(cycles),
                    "min_cycle_days": min(cycles) if n else None,
                    "max_cycle_days": max(cycles) if n else None,
                    "fiscal_quarter_to_date_won_deals_with_cycle": len(quarter),
                    "fiscal_quarter_to_date_median_cycle_days": _median(quarter),
                    "fiscal_year_to_date_won_deals_with_cycle": len(year),
                    "fiscal_year_to_date_median_cycle_days": _median(year),
                }
            )
    return pd.DataFrame(rows, columns=[*SALES_CYCLE.columns])


# ----- KPI 8: lead conversion by channel -------------------------------------------------------------
def lead_conversion_by_channel(raw: RawData) -> pd.DataFrame:
    """kpi_lead_conversion_by_channel: lead cohorts by created month x channel; converted = has an
    opportunity (its converted_opportunity_id, else the earliest deal carrying its lead_id); customer =
    that opportunity is won now; days to convert = created date -> won date."""
    leads = raw.table("leads")
    if leads.empty:
        return pd.DataFrame(columns=[*LEAD_CONVERSION.columns])
    mapping = raw.seed("channel_mapping")
    channel_of = {label(r.source_label): (r.channel, r.channel_group) for r in mapping.itertuples()}
    groups = dict(channel_of.values())
    all_opps = opportunities(raw)
    earliest = (
        all_opps[all_opps["lead_id"].notna()]
        .sort_values(["created_at", "opportunity_id"])
        .drop_duplicates("lead_id")
        .set_index("lead_id")["opportunity_id"]
    )
    opps = all_opps.set_index("opportunity_id")
    leads["created_date"] = raw.local_dates(leads["created_at"])
    cohort = []
    for r in leads.itertuples():
        channel = channel_of.get(label(r.lead_source), ("other", groups.get("other", "inbound")))[0]
        opp_id = r.converted_opportunity_id if r.converted_opportunity_id in opps.index else None
        opp_id = opp_id or earliest.get(r.lead_id)
        won = opp_id is not None and bool(opps.at[opp_id, "is_won"])
        # days from the lead's creation to the win; none when the deal was won before the lead existed
        days = None
        if won and raw.moments([opps.at[opp_id, "closed_ts"]])[0] >= raw.moments([r.created_at])[0]:
            days = (opps.at[opp_id, "closed_date"] - r.created_date).days
        cohort.append((month_of(r.created_date), channel, opp_id is not None, won, days))
    frame = pd.DataFrame(cohort, columns=["month", "channel", "to_opp", "to_customer", "days"])
    rows = []
    for month in _spine(frame["month"].min(), raw.as_of):
        for channel in sorted(set(frame["channel"])):
            here = frame[(frame["month"] == month) & (frame["channel"] == channel)]
            leads_n, to_opp, to_cust = len(here), int(here["to_opp"].sum()), int(here["to_customer"].sum())
            with_days = [d for d in here["days"] if pd.notna(d)]
            total_days = int(sum(with_days))
            rows.append(
                {
                    "month_start": month,
                    "channel": channel,
                    "channel_group": groups.get(channel, "inbound"),
                    "leads": leads_n,
                    "leads_to_opportunity": to_opp,
                    "lead_to_opportunity_ratio": ratio(to_opp, leads_n),
                    "leads_to_customer": to_cust,
                    "lead_conversion_rate": ratio(to_cust, leads_n),
                    "opportunity_to_customer_rate": ratio(to_cust, to_opp),
                    "total_days_to_convert": total_days,
                    "leads_with_days_to_convert": len(with_days),
                    "avg_days_to_convert": ratio(total_days, len(with_days)),
                }
            )
    return pd.DataFrame(rows, columns=[*LEAD_CONVERSION.columns])


# ----- KPI 16: customer retention and churn ----------------------------------------------------------
def customer_retention_monthly(raw: RawData, inactivity_days: int = 90) -> pd.DataFrame:
    """kpi_customer_retention_monthly: customers active at the previous month's evaluation point, and how
    many of them are still active (retained) or not (churned) at this month's.

    Evaluation point: the month's last day, or the as-of date for the as-of month. A customer with any
    subscription is active while one runs then (started on or before, not ended by it); any other
    customer while its latest invoice on or before it is at most `inactivity_days` old.
    """
    subs = raw.table("subscriptions")
    subscription_spans: dict[str, list[tuple[date, date | None]]] = {}
    if not subs.empty:
        for account, start, end in zip(
            subs["account_id"],
            raw.local_dates(subs["started_at"]),
            raw.local_dates(subs["ended_at"]),
            strict=True,
        ):
            subscription_spans.setdefault(account, []).append((start, end))
    orders = orders_dated(raw)
    invoices: dict[str, list[date]] = {}
    for r in orders[orders["is_invoiced"]].itertuples():
        if r.account_id not in subscription_spans:
            invoices.setdefault(r.account_id, []).append(r.invoiced_date)
    for days in invoices.values():
        days.sort()

    def active(account: str, point: date) -> bool:
        if account in subscription_spans:
            return any(s <= point and (e is None or e > point) for s, e in subscription_spans[account])
        days = invoices[account]
        index = bisect.bisect_right(days, point) - 1
        return index >= 0 and (point - days[index]).days <= inactivity_days

    def evaluation_point(month: date) -> date:
        return raw.as_of if month == month_of(raw.as_of) else month_end(month)

    # repeat purchases: each customer's booked orders (not cancelled by the as-of date) in time order
    booked = orders[~orders["is_cancelled"] & orders["account_id"].notna()].copy()
    booked["moment"] = raw.moments(booked["ordered_at"])
    booked = booked.sort_values(["moment", "order_id"])
    nth_order_months: dict[str, list[date]] = {}
    for r in booked.itertuples():
        nth_order_months.setdefault(r.account_id, []).append(month_of(r.ordered_date))

    accounts = sorted(set(subscription_spans) | set(invoices))
    first_event = min(
        [s for spans in subscription_spans.values() for s, _ in spans]
        + [d for v in invoices.values() for d in v],
        default=None,
    )
    months = _spine(first_event, raw.as_of)
    status = {m: {a for a in accounts if active(a, evaluation_point(m))} for m in months}
    active_months = [m for m in months if status[m]]
    if not active_months:
        return pd.DataFrame(columns=[*RETENTION.columns])
    seen: set[str] = set()  # customers active in any earlier month
    rows = []
    for m in month_range(active_months[0], raw.as_of):
        before = status.get(add_months(m, -1), set())
        now = status[m]
        new = now - seen
        seen |= now
        at_start, retained, churned = len(before), len(before & now), len(before - now)
        with_orders = sum(1 for months in nth_order_months.values() if months[0] <= m)
        repeat = sum(1 for months in nth_order_months.values() if len(months) > 1 and months[1] <= m)
        rows.append(
            {
                "month_start": m,
                "customers_at_start": at_start,
                "retained_customers": retained,
                "churned_customers": churned,
                "new_customers": len(new),
                "reactivated_customers": len(now - before - new),
                "customers_at_end": len(now),
                "retention_rate": ratio(retained, at_start),
                "churn_rate": ratio(churned, at_start),
                "customers_with_orders": with_orders,
                "repeat_customers": repeat,
                "repeat_purchase_rate": ratio(repeat, with_orders),
            }
        )
    return pd.DataFrame(rows, columns=[*RETENTION.columns])


# ----- the comparator --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """How to compare one KPI view with its reference: grain keys and the kind of each measure."""

    view: str
    keys: tuple[str, ...]
    money: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    ratios: tuple[str, ...] = ()
    rounded: tuple[str, ...] = ()  # values the view rounds to 2 decimals

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.money, *self.counts, *self.ratios, *self.rounded)


RATIO_TOLERANCE = 1e-9
ROUNDED_TOLERANCE = 0.005 + 1e-9

REVENUE = Spec(
    "kpi_revenue_monthly",
    keys=("month_start",),
    money=("revenue", "invoiced_revenue", "refunded_revenue"),
    counts=("invoiced_orders", "refunded_orders", "paying_customers"),
)
GROWTH = Spec(
    "kpi_sales_growth_monthly",
    keys=("month_start",),
    money=("revenue", "revenue_prev_month", "revenue_same_month_last_year"),
    ratios=("mom_growth_rate", "yoy_growth_rate"),
)
BOOKINGS = Spec(
    "kpi_bookings_monthly",
    keys=("month_start",),
    money=(
        "bookings",
        "gross_bookings",
        "cancelled_bookings",
        "new_business_bookings",
        "upsell_bookings",
        "renewal_bookings",
    ),
    counts=("booked_orders", "cancelled_orders", "new_business_orders", "upsell_orders", "renewal_orders"),
)
WIN_RATE = Spec(
    "kpi_win_rate_monthly",
    keys=("month_start",),
    money=("won_amount", "lost_amount", "closed_amount", "avg_won_deal_size"),
    counts=("deals_won", "deals_lost", "closed_deals", "won_deals_with_amount", "won_deals_without_amount"),
    ratios=("win_rate", "win_rate_by_amount"),
)
SALES_CYCLE = Spec(
    "kpi_sales_cycle_monthly",
    keys=("month_start", "segment"),
    counts=(
        "won_deals",
        "won_deals_with_cycle",
        "total_cycle_days",
        "min_cycle_days",
        "max_cycle_days",
        "fiscal_quarter_to_date_won_deals_with_cycle",
        "fiscal_year_to_date_won_deals_with_cycle",
    ),
    rounded=(
        "avg_cycle_days",
        "median_cycle_days",
        "fiscal_quarter_to_date_median_cycle_days",
        "fiscal_year_to_date_median_cycle_days",
    ),
)
LEAD_CONVERSION = Spec(
    "kpi_lead_conversion_by_channel",
    keys=("month_start", "channel", "channel_group"),
    counts=(
        "leads",
        "leads_to_opportunity",
        "leads_to_customer",
        "total_days_to_convert",
        "leads_with_days_to_convert",
    ),
    ratios=("lead_to_opportunity_ratio", "lead_conversion_rate", "opportunity_to_customer_rate"),
    rounded=("avg_days_to_convert",),
)
RETENTION = Spec(
    "kpi_customer_retention_monthly",
    keys=("month_start",),
    counts=(
        "customers_at_start",
        "retained_customers",
        "churned_customers",
        "new_customers",
        "reactivated_customers",
        "customers_at_end",
        "customers_with_orders",
        "repeat_customers",
    ),
    ratios=("retention_rate", "churn_rate", "repeat_purchase_rate"),
)
SPECS = {s.view: s for s in (REVENUE, GROWTH, BOOKINGS, WIN_RATE, SALES_CYCLE, LEAD_CONVERSION, RETENTION)}
REFERENCES = {
    "kpi_revenue_monthly": revenue_monthly,
    "kpi_sales_growth_monthly": sales_growth_monthly,
    "kpi_bookings_monthly": bookings_monthly,
    "kpi_win_rate_monthly": win_rate_monthly,
    "kpi_sales_cycle_monthly": sales_cycle_monthly,
    "kpi_lead_conversion_by_channel": lead_conversion_by_channel,
    "kpi_customer_retention_monthly": customer_retention_monthly,
}


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and pd.isna(value))


def _key(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _order(key: tuple) -> tuple:
    """Sort keys naturally: dates in calendar order, NULL first."""
    return tuple("" if v is None else v.isoformat() if isinstance(v, date) else str(v) for v in key)


def _same(kind: str, expected: object, actual: object) -> bool:
    if _missing(expected) or _missing(actual):
        return _missing(expected) and _missing(actual)
    if kind == "money":
        return cents(Decimal(str(expected))) == cents(Decimal(str(actual)))
    if kind == "counts":
        return int(expected) == int(actual) and float(expected) == float(actual)
    tolerance = RATIO_TOLERANCE if kind == "ratios" else ROUNDED_TOLERANCE
    return abs(float(expected) - float(actual)) <= tolerance


def compare(spec: Spec, expected: pd.DataFrame, actual: pd.DataFrame, limit: int = 20) -> list[str]:
    """Differences between a reference frame and a view's rows (empty when they agree).

    Rows are matched on the grain keys; a row present on one side only is a difference.
    """
    problems: list[str] = []
    for side, frame in (("reference", expected), ("view", actual)):
        absent = [c for c in spec.columns if c not in frame.columns]
        if absent:
            problems.append(f"{spec.view}: {side} lacks columns {absent}")
    if problems:
        return problems

    def index(frame: pd.DataFrame) -> dict[tuple, dict[str, object]]:
        out = {}
        for record in frame.to_dict("records"):
            out[tuple(_key(record[k]) for k in spec.keys)] = record
        return out

    exp, act = index(expected), index(actual)
    for key in sorted(set(exp) - set(act), key=_order):
        problems.append(f"{spec.view} {dict(zip(spec.keys, key, strict=True))}: row missing from the view")
    for key in sorted(set(act) - set(exp), key=_order):
        problems.append(f"{spec.view} {dict(zip(spec.keys, key, strict=True))}: row not in the reference")
    kinds: Iterable[tuple[str, Sequence[str]]] = (
        ("money", spec.money),
        ("counts", spec.counts),
        ("ratios", spec.ratios),
        ("rounded", spec.rounded),
    )
    kinds = list(kinds)
    for key in sorted(set(exp) & set(act), key=_order):
        for kind, columns in kinds:
            for column in columns:
                e, a = exp[key][column], act[key][column]
                if not _same(kind, e, a):
                    where = dict(zip(spec.keys, key, strict=True))
                    problems.append(f"{spec.view} {where} {column}: reference {e!r} != view {a!r}")
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more differences"]
    return problems
