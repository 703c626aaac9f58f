"""Independent pandas implementations of KPI definitions, computed from raw CSV files only.

Written from the spec (/work/shared/spec/kpis.md), docs/raw_contract.md, docs/staging_rules.md and the
documented readings in models/marts/kpi/docs/, never from a dbt model's output or SQL. The input is a
clean generated data set (no messy rows), so the only staging rules needed here are type parsing, label
mapping through the seeds' CSV files, currency conversion and time zones:

- Timestamps are instants (text with an offset converts to UTC, text without one is UTC); months and
  dates are cut in the reporting time zone (Asia/Jakarta by default).
- Money converts to the reporting currency at the nearest rate on or before the transaction date (the
  reporting-zone date of the transaction), each raw money column rounded to the cent on its own, as
  staging adds `<column>_reporting` (staging_rules.md). A line's net value is then quantity * unit_price -
  discount_amount in the reporting currency, rounded to the cent.
- Nothing dated after the as-of date counts.

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
    def local_dates(self, values: pd.Series) -> list[date | None]:
        """Reporting-zone calendar dates of UTC timestamp text (None for missing)."""
        parsed = pd.to_datetime(values, format="ISO8601", utc=True)  # an offset converts; none means UTC
        local = parsed.dt.tz_convert(self.timezone).dt.tz_localize(None)
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
        code = code.strip().upper()
        if code == self.reporting_currency:
            return Decimal(1)
        days, values = self._rates[code]
        index = bisect.bisect_right(days, day) - 1
        if index < 0:
            raise ValueError(f"no {code} rate on or before {day}")
        return values[index]

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
    """Order lines with their order's fields and net value in the reporting currency.

    Each money column converts at the order's date (ordered_at, reporting zone) and is rounded to the
    cent; net = quantity * unit_price - discount_amount (a missing discount is 0), rounded to the cent.
    """
    orders = raw.table("orders")
    lines = raw.table("order_lines")
    if orders.empty or lines.empty:
        return pd.DataFrame(columns=["order_line_id", "order_id", "net"])
    orders["ordered_date"] = raw.local_dates(orders["ordered_at"])
    merged = lines.merge(orders, on="order_id", how="inner", validate="many_to_one")
    nets = []
    for r in merged.itertuples():
        quantity = Decimal(r.quantity)
        price = raw.convert(r.unit_price, r.currency_code, r.ordered_date)
        discount = raw.convert(
            r.discount_amount if pd.notna(r.discount_amount) else "0", r.currency_code, r.ordered_date
        )
        nets.append(cents(quantity * price - discount))
    merged["net"] = nets
    return merged[["order_line_id", "order_id", "net"]]


def orders_dated(raw: RawData) -> pd.DataFrame:
    """Orders placed by the as-of date, with status, local dates, whether the invoice and the refund
    count by the as-of date, and the refund date (updated_at, never before the invoice)."""
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
                "is_invoiced",
                "is_refunded",
                "opportunity_id",
            ]
        )
    orders["status"] = [label(s) for s in orders["status"]]
    orders["ordered_date"] = raw.local_dates(orders["ordered_at"])
    orders["invoiced_date"] = raw.local_dates(orders["invoiced_at"])
    invoiced_ts = pd.to_datetime(orders["invoiced_at"], format="ISO8601", utc=True)
    updated_ts = pd.to_datetime(orders["updated_at"], format="ISO8601", utc=True)
    refund_ts = updated_ts.where(updated_ts.notna() & (updated_ts >= invoiced_ts), invoiced_ts)
    orders["refund_date"] = raw.local_dates(refund_ts.dt.strftime("%Y-%m-%d %H:%M:%S"))
    orders = orders[[d <= raw.as_of for d in orders["ordered_date"]]].copy()
    orders["is_invoiced"] = [
        s in INVOICED_STATUSES and d is not None and d <= raw.as_of
        for s, d in zip(orders["status"], orders["invoiced_date"], strict=True)
    ]
    orders["is_refunded"] = [
        inv and s == "refunded" and d is not None and d <= raw.as_of
        for inv, s, d in zip(orders["is_invoiced"], orders["status"], orders["refund_date"], strict=True)
    ]
    return orders


def _spine(first: date | None, as_of: date) -> list[date]:
    return [] if first is None else month_range(first, as_of)


# ----- KPI 1: revenue by month -----------------------------------------------------------------------
def revenue_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_revenue_monthly: invoiced order lines by invoiced month, refunds negative in the refund month."""
    orders = orders_dated(raw)
    lines = order_lines_reporting(raw).merge(
        orders[["order_id", "account_id", "invoiced_date", "refund_date", "is_invoiced", "is_refunded"]],
        on="order_id",
    )
    events = []
    for r in lines.itertuples():
        if r.is_invoiced:
            events.append((month_of(r.invoiced_date), "invoice", r.net, r.order_id, r.account_id))
        if r.is_refunded:
            events.append((month_of(r.refund_date), "refund", -r.net, r.order_id, r.account_id))
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
                "paying_customers": len({e[4] for e in invoices}),
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
    """kpi_bookings_monthly: value of orders received (not cancelled) by ordered month, split by the
    originating opportunity's type (no opportunity: new business)."""
    orders = orders_dated(raw)
    orders = orders[orders["status"] != "cancelled"]
    amounts = order_lines_reporting(raw).groupby("order_id")["net"].apply(lambda s: sum(s, Decimal(0)))
    opps = opportunities(raw)
    types = dict(zip(opps["opportunity_id"], opps["opportunity_type"], strict=True))
    booked = [
        (
            month_of(r.ordered_date),
            types.get(r.opportunity_id, "new_business"),
            amounts.get(r.order_id, Decimal(0)),
        )
        for r in orders.itertuples()
    ]
    first = min((b[0] for b in booked), default=None)
    rows = []
    for month in _spine(first, raw.as_of):
        here = [b for b in booked if b[0] == month]
        row: dict[str, Any] = {
            "month_start": month,
            "bookings": sum((b[2] for b in here), Decimal(0)),
            "booked_orders": len(here),
        }
        for kind in OPPORTUNITY_TYPES:
            row[f"{kind}_bookings"] = sum((b[2] for b in here if b[1] == kind), Decimal(0))
            row[f"{kind}_orders"] = sum(1 for b in here if b[1] == kind)
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
                "avg_won_deal_size": None if len(won) == 0 else cents(won_amount / len(won)),
            }
        )
    return pd.DataFrame(rows, columns=[*WIN_RATE.columns])


# ----- KPI 7: sales cycle ----------------------------------------------------------------------------
def sales_cycle_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_sales_cycle_monthly: won deals by close month x segment, cycle = whole days from the created
    date to the closed date (reporting zone)."""
    opps = opportunities(raw)
    won = opps[opps["is_won"]].copy()
    won = won[[d <= raw.as_of for d in won["closed_date"]]]
    won["month"] = [month_of(d) for d in won["closed_date"]]
    won["cycle"] = [(c - s).days for s, c in zip(won["created_date"], won["closed_date"], strict=True)]
    first = won["month"].min() if len(won) else None
    rows = []
    for month in _spine(first, raw.as_of):
        for segment in sorted(set(won["segment"])):
            cycles = sorted(won[(won["month"] == month) & (won["segment"] == segment)]["cycle"])
            n = len(cycles)
            median = None
            if n:
                median = cycles[n // 2] if n % 2 else (cycles[n // 2 - 1] + cycles[n // 2]) / 2
            rows.append(
                {
                    "month_start": month,
                    "segment": segment,
                    "won_deals": n,
                    "total_cycle_days": sum(cycles),
                    "avg_cycle_days": None if n == 0 else sum(cycles) / n,
                    "median_cycle_days": median,
                    "min_cycle_days": min(cycles) if n else None,
                    "max_cycle_days": max(cycles) if n else None,
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
        days = (opps.at[opp_id, "closed_date"] - r.created_date).days if won else None
        cohort.append((month_of(r.created_date), channel, opp_id is not None, won, days))
    frame = pd.DataFrame(cohort, columns=["month", "channel", "to_opp", "to_customer", "days"])
    rows = []
    for month in _spine(frame["month"].min(), raw.as_of):
        for channel in sorted(set(frame["channel"])):
            here = frame[(frame["month"] == month) & (frame["channel"] == channel)]
            leads_n, to_opp, to_cust = len(here), int(here["to_opp"].sum()), int(here["to_customer"].sum())
            total_days = int(sum(d for d in here["days"] if pd.notna(d)))
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
                    "avg_days_to_convert": ratio(total_days, to_cust),
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
    money=("bookings", "new_business_bookings", "upsell_bookings", "renewal_bookings"),
    counts=("booked_orders", "new_business_orders", "upsell_orders", "renewal_orders"),
)
WIN_RATE = Spec(
    "kpi_win_rate_monthly",
    keys=("month_start",),
    money=("won_amount", "lost_amount", "closed_amount", "avg_won_deal_size"),
    counts=("deals_won", "deals_lost", "closed_deals"),
    ratios=("win_rate", "win_rate_by_amount"),
)
SALES_CYCLE = Spec(
    "kpi_sales_cycle_monthly",
    keys=("month_start", "segment"),
    counts=("won_deals", "total_cycle_days", "min_cycle_days", "max_cycle_days"),
    rounded=("avg_cycle_days", "median_cycle_days"),
)
LEAD_CONVERSION = Spec(
    "kpi_lead_conversion_by_channel",
    keys=("month_start", "channel", "channel_group"),
    counts=("leads", "leads_to_opportunity", "leads_to_customer", "total_days_to_convert"),
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
    ),
    ratios=("retention_rate", "churn_rate"),
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
