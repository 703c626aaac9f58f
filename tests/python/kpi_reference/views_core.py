"""The first seven views: revenue, growth, bookings, win rate, sales cycle, lead conversion, retention."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from .common import OPPORTUNITY_TYPES, RawData, _spine, add_months, cents, month_of, month_range, ratio
from .entities import (
    booking_events,
    channel_mapping,
    customer_months,
    leads,
    opportunities,
    orders_dated,
    revenue_events,
)
from .specs import BOOKINGS, GROWTH, LEAD_CONVERSION, RETENTION, REVENUE, SALES_CYCLE, WIN_RATE


# ----- KPI 1: revenue by month -----------------------------------------------------------------------
def revenue_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_revenue_monthly: invoiced order lines by invoiced month (at the invoice date's rate), refunds
    negative in the refund month. An order naming no account is revenue but no paying customer."""
    events = revenue_events(raw)
    first = events["month"].min() if len(events) else None
    rows = []
    for month in _spine(first, raw.as_of):
        here = events[events["month"] == month]
        invoices = here[here["kind"] == "invoice"]
        refunds = here[here["kind"] == "refund"]
        rows.append(
            {
                "month_start": month,
                "revenue": sum(here["revenue"], Decimal(0)),
                "invoiced_revenue": sum(invoices["revenue"], Decimal(0)),
                "refunded_revenue": -sum(refunds["revenue"], Decimal(0)),
                "invoiced_orders": invoices["order_id"].nunique(),
                "refunded_orders": refunds["order_id"].nunique(),
                "paying_customers": invoices.loc[
                    ~invoices["is_unknown_account"].astype(bool), "account_id"
                ].nunique(),
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
    events = booking_events(raw)
    first = events["month"].min() if len(events) else None
    rows = []
    for month in _spine(first, raw.as_of):
        here = events[events["month"] == month]
        received = here[here["kind"] == "booking"]
        cancelled = here[here["kind"] == "cancellation"]
        row: dict[str, Any] = {
            "month_start": month,
            "bookings": sum(here["amount"], Decimal(0)),
            "gross_bookings": sum(received["amount"], Decimal(0)),
            "cancelled_bookings": -sum(cancelled["amount"], Decimal(0)),
            "booked_orders": len(received),
            "cancelled_orders": len(cancelled),
        }
        for kind in OPPORTUNITY_TYPES:
            row[f"{kind}_bookings"] = sum(here.loc[here["type"] == kind, "amount"], Decimal(0))
            row[f"{kind}_orders"] = int((received["type"] == kind).sum())
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
    # a plain list: in a frame column, None next to integers would become NaN (not None)
    cycles_of_deals = [
        (c - s).days if closed_at >= created_at else None
        for s, c, created_at, closed_at in zip(
            won["created_date"], won["closed_date"], created, closed, strict=True
        )
    ]
    deals = [(m, seg, c) for m, seg, c in zip(won["month"], won["segment"], cycles_of_deals, strict=True)]
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
    that opportunity is won now; days to convert = created date -> won date (none when won before the
    lead was created). Channels: those with at least one lead; months from the first lead's month."""
    frame = leads(raw)
    if frame.empty:
        return pd.DataFrame(columns=[*LEAD_CONVERSION.columns])
    _, groups = channel_mapping(raw)
    frame = frame.assign(month=[month_of(d) for d in frame["created_date"]])
    rows = []
    for month in _spine(frame["month"].min(), raw.as_of):
        for channel in sorted(set(frame["channel"])):
            here = frame[(frame["month"] == month) & (frame["channel"] == channel)]
            leads_n = len(here)
            to_opp = int(here["opp_id"].notna().sum())
            to_cust = int(here["is_won"].sum())
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
    many of them are still active (retained) or not (churned) at this month's; MRR movements; repeat
    purchases (customers with a first / second booked order by the month's end, D44). Months from the
    first month with an active customer."""
    cm = customer_months(raw, inactivity_days)
    if cm.empty or not cm["is_active"].any():
        return pd.DataFrame(columns=[*RETENTION.columns])
    orders = orders_dated(raw)
    numbered = orders[orders["customer_order_number"].notna()]
    firsts = [month_of(d) for d in numbered.loc[numbered["customer_order_number"] == 1, "ordered_date"]]
    seconds = [month_of(d) for d in numbered.loc[numbered["customer_order_number"] == 2, "ordered_date"]]
    first_active = cm.loc[cm["is_active"], "month"].min()
    rows = []
    zero = Decimal(0)
    for m in month_range(first_active, raw.as_of):
        here = cm[cm["month"] == m]
        at_start = here[here["was_active"]]
        retained = here[here["is_retained"]]
        churned = here[here["is_churned"]]
        new = here[here["is_new"]]
        reactivated = here[here["is_reactivated"]]
        mrr_start = sum(at_start["mrr_prev"], zero)
        changes = [a - b for a, b in zip(retained["mrr"], retained["mrr_prev"], strict=True)]
        expansion = sum((c for c in changes if c > 0), zero)
        contraction = -sum((c for c in changes if c < 0), zero)
        churned_mrr = sum(churned["mrr_prev"], zero)
        gross = mrr_start - churned_mrr - contraction
        with_orders = sum(1 for f in firsts if f <= m)
        repeat = sum(1 for f in seconds if f <= m)
        rows.append(
            {
                "month_start": m,
                "customers_at_start": len(at_start),
                "retained_customers": len(retained),
                "churned_customers": len(churned),
                "new_customers": len(new),
                "reactivated_customers": len(reactivated),
                "customers_at_end": int(here["is_active"].sum()),
                "retention_rate": ratio(len(retained), len(at_start)),
                "churn_rate": ratio(len(churned), len(at_start)),
                "mrr_start": mrr_start,
                "new_mrr": sum(new["mrr"], zero),
                "reactivated_mrr": sum(reactivated["mrr"], zero),
                "expansion_mrr": expansion,
                "contraction_mrr": contraction,
                "churned_mrr": churned_mrr,
                "mrr_end": sum(here["mrr"], zero),
                "gross_retained_mrr": gross,
                "net_retained_mrr": gross + expansion,
                "gross_revenue_retention": ratio(gross, mrr_start),
                "net_revenue_retention": ratio(gross + expansion, mrr_start),
                "customers_with_orders": with_orders,
                "repeat_customers": repeat,
                "repeat_purchase_rate": ratio(repeat, with_orders),
            }
        )
    return pd.DataFrame(rows, columns=[*RETENTION.columns])
