"""Customer value, acquisition cost and churn by acquiring rep, from the re-derived facts."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pandas as pd

from .common import CENT, RawData, add_months, cents, label, month_of, ratio
from .entities import (
    channel_mapping,
    customer_months,
    customers,
    leads,
    opportunities,
    rep_month_rows,
    reps,
    revenue_events,
    spine,
)
from .specs import ACQUISITION_COST, LIFETIME_VALUE, REP_CHURN

ZERO = Decimal(0)
CHURN_HORIZON_MONTHS = 6


def _sum(values: Any) -> Decimal:
    return sum((v for v in values if v is not None and not (isinstance(v, float) and pd.isna(v))), ZERO)


# ----- company-wide customer value (int_customer_value_monthly) --------------------------------------
def customer_value_monthly(raw: RawData) -> dict[date, dict[str, Any]]:
    """Per month: revenue, gross profit and costed revenue (revenue events), active customers, churned
    customers and customers at start (customer months), and the 12 months ending with it pooled: ARPA =
    revenue / active customer months, margin = profit / costed revenue, churn = churned / at start,
    predicted CLV = ARPA * margin / churn (D39)."""

    def compute(raw: RawData) -> dict[date, dict[str, Any]]:
        events = revenue_events(raw)
        cm = customer_months(raw)
        months = spine(raw, min([*events["month"], *cm["month"]], default=None))
        per: dict[date, dict[str, Any]] = {}
        for m in months:
            ev = events[events["month"] == m]
            costed = ev[ev["cost"].notna()]
            here = cm[cm["month"] == m]
            per[m] = {
                "revenue": _sum(ev["revenue"]),
                "costed_revenue": _sum(costed["revenue"]),
                "gross_profit": _sum(costed["revenue"]) - _sum(costed["cost"]),
                "active": int(here["is_active"].sum()),
                "churned": int(here["is_churned"].sum()),
                "at_start": int(here["was_active"].sum()),
            }
        for m in months:
            window = [per[w] for w in (add_months(m, -i) for i in range(12)) if w in per]
            revenue = sum((w["revenue"] for w in window), ZERO)
            active = sum(w["active"] for w in window)
            costed = sum((w["costed_revenue"] for w in window), ZERO)
            profit = sum((w["gross_profit"] for w in window), ZERO)
            churned = sum(w["churned"] for w in window)
            at_start = sum(w["at_start"] for w in window)
            arpa, margin, churn = ratio(revenue, active), ratio(profit, costed), ratio(churned, at_start)
            per[m]["trailing_churn"] = churn
            per[m]["predicted_clv"] = (
                None if arpa is None or margin is None or not churn else arpa * margin / churn
            )
        return per

    return raw.cached("customer_value_monthly", compute)


# ----- KPI 17: customer lifetime value ---------------------------------------------------------------
def customer_lifetime_value(raw: RawData) -> pd.DataFrame:
    """kpi_customer_lifetime_value: per acquisition month x segment, the cohort's revenue, profit (over
    the customers whose profit is known, D35), ARPA over active customer months, margin, own churn, and
    predicted CLV with the company's trailing churn at the as-of month (D39)."""
    found = customers(raw)
    if not found:
        return pd.DataFrame(columns=[*LIFETIME_VALUE.columns])
    events = revenue_events(raw)
    cm = customer_months(raw)
    trailing = customer_value_monthly(raw).get(month_of(raw.as_of), {}).get("trailing_churn")
    by_account_events = {a: g for a, g in events.groupby("account_id")}
    by_account_months = {a: g for a, g in cm.groupby("account_id")}
    cohorts: dict[tuple[date, str], list[str]] = {}
    for c in found.values():
        cohorts.setdefault((month_of(c.acquired), c.segment), []).append(c.account_id)
    segments = sorted({s for _, s in cohorts})
    rows = []
    for m in spine(raw, min(m for m, _ in cohorts)):
        for segment in segments:
            members = cohorts.get((m, segment), [])
            revenue = costed = profit = known_profit = ZERO
            known = active = churns = at_risk = 0
            for account in members:
                ev = by_account_events.get(account)
                months = by_account_months.get(account)
                if ev is not None:
                    c_ev = ev[ev["cost"].notna()]
                    revenue += _sum(ev["revenue"])
                    costed += _sum(c_ev["revenue"])
                    profit += _sum(c_ev["revenue"]) - _sum(c_ev["cost"])
                if ev is None or ev["cost"].notna().all():
                    known += 1
                    if ev is not None:
                        known_profit += _sum(ev["revenue"]) - _sum(ev["cost"])
                if months is not None:
                    active += int(months["is_active"].sum())
                    churns += int(months["is_churned"].sum())
                    at_risk += int(months["was_active"].sum())
            arpa = ratio(revenue, active)
            margin = ratio(profit, costed)
            rows.append(
                {
                    "acquisition_month": m,
                    "segment": segment,
                    "customers": len(members),
                    "revenue_to_date": revenue,
                    "costed_revenue_to_date": costed,
                    "gross_profit_to_date": profit,
                    "uncosted_revenue_to_date": revenue - costed,
                    "profit_known_customers": known,
                    "profit_known_gross_profit": known_profit,
                    "historical_clv_avg": ratio(known_profit, known),
                    "active_customer_months": active,
                    "arpa_monthly": arpa,
                    "gross_margin_rate": margin,
                    "churn_events": churns,
                    "customer_months_at_risk": at_risk,
                    "monthly_churn_rate": ratio(churns, at_risk),
                    "trailing_12m_monthly_churn_rate": trailing,
                    "predicted_clv": None
                    if arpa is None or margin is None or not trailing
                    else arpa * margin / trailing,
                }
            )
    return pd.DataFrame(rows, columns=[*LIFETIME_VALUE.columns])


# ----- KPI 18: customer acquisition cost -------------------------------------------------------------
def acquisition_channels(raw: RawData) -> dict[str, str]:
    """Per customer, the channel of the lead that originated its first won deal ('unattributed' else)."""
    lead_channel = dict(zip(leads(raw)["lead_id"], leads(raw)["channel"], strict=True))
    opps = opportunities(raw).set_index("opportunity_id")
    out = {}
    for c in customers(raw).values():
        channel = None
        if c.first_won_opportunity_id is not None:
            lead = opps.at[c.first_won_opportunity_id, "lead_id"]
            channel = lead_channel.get(lead) if lead is not None and not pd.isna(lead) else None
        out[c.account_id] = channel or "unattributed"
    return out


def allocate(total: Decimal, shares: dict[str, int]) -> dict[str, Decimal]:
    """total shared in proportion to shares, in whole cents: floors, then the left-over cents one each
    to the largest remainders (ties by channel name)."""
    weight = sum(shares.values())
    exact = {c: total * n / weight for c, n in shares.items()}
    floors = {c: v.quantize(CENT, rounding=ROUND_FLOOR) for c, v in exact.items()}
    left = int(((total - sum(floors.values())) / CENT).to_integral_value())
    for c in sorted(exact, key=lambda c: (-(exact[c] - floors[c]), c))[:left]:
        floors[c] += CENT
    return floors


def customer_acquisition_cost(raw: RawData) -> pd.DataFrame:
    """kpi_customer_acquisition_cost: new customers by acquisition month and channel, the channel's
    marketing spend (unknown spend labels: 'other'), the month's sales expenses shared by new customers
    in cents (largest remainder), CAC rounded to cents, LTV:CAC with the month's company predicted CLV;
    a blended 'all' row. No rows without marketing spend or sales expenses (D15)."""
    by_label, groups = channel_mapping(raw)
    spend = raw.table("marketing_spend")
    expenses = raw.table("sales_expenses")
    spend_rows: list[tuple[date, str, Decimal]] = []
    if not spend.empty:
        for r in spend.itertuples():
            day = date.fromisoformat(r.spend_date[:10])
            if day <= raw.as_of:
                amount = raw.convert(r.amount, r.currency_code, day)
                spend_rows.append((month_of(day), by_label.get(label(r.channel), "other"), amount))
    expense_rows: list[tuple[date, Decimal]] = []
    if not expenses.empty:
        for r in expenses.itertuples():
            day = date.fromisoformat(r.expense_month[:10])
            if month_of(day) <= month_of(raw.as_of):
                expense_rows.append((month_of(day), raw.convert(r.amount, r.currency_code, day)))
    if not spend_rows and not expense_rows:
        return pd.DataFrame(columns=[*ACQUISITION_COST.columns])
    channel_of = acquisition_channels(raw)
    new: dict[tuple[date, str], int] = {}
    for c in customers(raw).values():
        key = (month_of(c.acquired), channel_of[c.account_id])
        new[key] = new.get(key, 0) + 1
    channels = sorted({*groups, "unattributed", *(c for _, c in new), *(c for _, c, _ in spend_rows)})
    firsts = [m for m, _ in new] + [m for m, _, _ in spend_rows] + [m for m, _ in expense_rows]
    value = customer_value_monthly(raw)
    rows = []
    for m in spine(raw, min(firsts)):
        month_new = {c: n for (mm, c), n in new.items() if mm == m and n > 0}
        total_expenses = _sum(a for mm, a in expense_rows if mm == m)
        allocated = allocate(total_expenses, month_new) if month_new else {}
        clv = value.get(m, {}).get("predicted_clv")
        all_spend = _sum(a for mm, _, a in spend_rows if mm == m)
        for channel in [*channels, "all"]:
            if channel == "all":
                n, marketing, expense = sum(month_new.values()), all_spend, total_expenses
                group = "all"
            else:
                n = month_new.get(channel, 0)
                marketing = _sum(a for mm, c, a in spend_rows if mm == m and c == channel)
                expense = allocated.get(channel, ZERO)
                group = groups.get(channel, "unattributed" if channel == "unattributed" else None)
            cost = marketing + expense
            cac = None if n == 0 else cents(cost / n)
            rows.append(
                {
                    "month_start": m,
                    "channel": channel,
                    "channel_group": group,
                    "is_blended": channel == "all",
                    "new_customers": n,
                    "marketing_spend": marketing,
                    "sales_expense_allocated": expense,
                    "acquisition_cost": cost,
                    "cac": cac,
                    "predicted_clv": clv,
                    "ltv_to_cac_ratio": None if clv is None or not cac else clv / float(cac),
                }
            )
    return pd.DataFrame(rows, columns=[*ACQUISITION_COST.columns])


# ----- KPI 14: customer churn by acquiring rep -------------------------------------------------------
def rep_customer_churn(raw: RawData, horizon: int = CHURN_HORIZON_MONTHS) -> pd.DataFrame:
    """kpi_rep_customer_churn: customers acquired per month and acquiring rep, those with a churn within
    the horizon (acquisition month to horizon months after), and the cycle of the won deals that
    acquired them (first won deal with a cycle)."""
    found = customers(raw)
    if not found:
        return pd.DataFrame(columns=[*REP_CHURN.columns])
    cm = customer_months(raw)
    churn_months: dict[str, list[date]] = {}
    for a, m in zip(cm.loc[cm["is_churned"], "account_id"], cm.loc[cm["is_churned"], "month"], strict=True):
        churn_months.setdefault(a, []).append(m)
    cycles = dict(zip(opportunities(raw)["opportunity_id"], opportunities(raw)["cycle_days"], strict=True))
    groups: dict[tuple[date, str], list[Any]] = {}
    for c in found.values():
        groups.setdefault((month_of(c.acquired), c.acquiring_rep_id), []).append(c)
    kept = reps(raw)
    as_of_month = month_of(raw.as_of)
    rows = []
    for m, rep in rep_month_rows(raw, min(m for m, _ in groups), set(groups)):
        members = groups.get((m, rep), [])
        last = add_months(m, horizon)
        churned = sum(1 for c in members if any(m <= x <= last for x in churn_months.get(c.account_id, [])))
        with_cycle = [
            cycles.get(c.first_won_opportunity_id)
            for c in members
            if c.first_won_opportunity_id is not None and not pd.isna(cycles.get(c.first_won_opportunity_id))
        ]
        total = int(sum(with_cycle))
        rows.append(
            {
                "acquisition_month": m,
                "rep_id": rep,
                "is_horizon_complete": last < as_of_month,
                "is_employed_in_month": rep in kept and kept[rep].employed_in(m),
                "churn_horizon_months": horizon,
                "customers_acquired": len(members),
                "customers_churned": churned,
                "rep_churn_rate": ratio(churned, len(members)),
                "acquiring_won_deals": len(with_cycle),
                "acquiring_cycle_days_total": total,
                "avg_sales_cycle_days": ratio(total, len(with_cycle)),
            }
        )
    return pd.DataFrame(rows, columns=[*REP_CHURN.columns])
