"""Margins, purchase value, the rep leaderboard and sales against target, from the re-derived facts."""

from __future__ import annotations

import bisect
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from .common import RawData, _spine, add_months, month_of, ratio
from .entities import (
    UNASSIGNED,
    booking_events,
    customers,
    opportunities,
    rep_month_rows,
    reps,
    revenue_events,
    team_key,
    team_on,
    team_periods,
)
from .specs import MARGIN, MARGIN_BY_CATEGORY, PURCHASE_VALUE, SALES_PER_REP, SALES_VS_TARGET

ZERO = Decimal(0)
# what kpi_sales_vs_target repeats of each target row
TARGET_COLUMNS = (
    "target_id",
    "scope",
    "rep_id",
    "metric",
    "period_grain",
    "is_money_metric",
    "is_period_complete",
    "is_future_period",
    "period_days",
    "elapsed_days",
    "elapsed_share",
    "target_value",
    "period_start",
    "period_end",
)


def _sum(values: Any) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


# ----- KPI 4: profit margin --------------------------------------------------------------------------
def _margin_row(events: pd.DataFrame) -> dict[str, Any]:
    costed = events[events["cost"].notna()]
    revenue = _sum(costed["revenue"])
    cost = _sum(costed["cost"])
    uncosted = _sum(events.loc[events["cost"].isna(), "revenue"])
    return {
        "revenue": revenue,
        "cost": cost,
        "gross_profit": revenue - cost,
        "gross_margin_rate": ratio(revenue - cost, revenue),
        "uncosted_revenue": uncosted,
        "total_revenue": revenue + uncosted,
    }


def profit_margin_monthly(raw: RawData) -> pd.DataFrame:
    """kpi_profit_margin_monthly: revenue and cost of the lines whose cost is known (refunds reverse
    both), margin = profit / revenue, uncosted revenue beside; from the first month with costed revenue;
    no rows without any costed line."""
    events = revenue_events(raw)
    costed = events[events["cost"].notna()]
    first = costed["month"].min() if len(costed) else None
    rows = [{"month_start": m, **_margin_row(events[events["month"] == m])} for m in _spine(first, raw.as_of)]
    return pd.DataFrame(rows, columns=[*MARGIN.columns])


def profit_margin_by_category(raw: RawData) -> pd.DataFrame:
    """kpi_profit_margin_by_category: the same per product category, every category that has revenue in
    every month from the first month with costed revenue."""
    events = revenue_events(raw)
    costed = events[events["cost"].notna()]
    first = costed["month"].min() if len(costed) else None
    rows = []
    for m in _spine(first, raw.as_of):
        for category in sorted(set(events["category"])):
            here = events[(events["month"] == m) & (events["category"] == category)]
            rows.append({"month_start": m, "product_category": category, **_margin_row(here)})
    return pd.DataFrame(rows, columns=[*MARGIN_BY_CATEGORY.columns])


# ----- KPI 15: average purchase value ----------------------------------------------------------------
def average_purchase_value(raw: RawData) -> pd.DataFrame:
    """kpi_average_purchase_value: orders invoiced in the month per segment, their invoiced value (before
    refunds), value per order, customers (not the unknown account) and their revenue per customer;
    refunds by refund month beside; every segment with invoices in every month from the first invoice."""
    events = revenue_events(raw)
    invoices = events[events["kind"] == "invoice"]
    refunds = events[events["kind"] == "refund"]
    first = invoices["month"].min() if len(invoices) else None
    rows = []
    for m in _spine(first, raw.as_of):
        for segment in sorted(set(invoices["segment"])):
            here = invoices[(invoices["month"] == m) & (invoices["segment"] == segment)]
            known = here[~here["is_unknown_account"].astype(bool)]
            revenue = _sum(here["revenue"])
            refunded = -_sum(
                refunds.loc[(refunds["month"] == m) & (refunds["segment"] == segment), "revenue"]
            )
            orders, customers_n = here["order_id"].nunique(), known["account_id"].nunique()
            customer_revenue = _sum(known["revenue"])
            rows.append(
                {
                    "month_start": m,
                    "segment": segment,
                    "orders": orders,
                    "revenue": revenue,
                    "avg_purchase_value": ratio(revenue, orders),
                    "customers": customers_n,
                    "customer_revenue": customer_revenue,
                    "revenue_per_customer": ratio(customer_revenue, customers_n),
                    "refunded_revenue": refunded,
                    "net_revenue": revenue - refunded,
                }
            )
    return pd.DataFrame(rows, columns=[*PURCHASE_VALUE.columns])


# ----- credits per rep and day -----------------------------------------------------------------------
def daily_credits(raw: RawData) -> pd.DataFrame:
    """Per credit (rep, day): the five target metrics (revenue, net bookings, invoiced units net of
    refunds, new accounts, deals won), each credited to a rep (the unassigned one included)."""

    def compute(raw: RawData) -> pd.DataFrame:
        rows: list[tuple[str, date, str, Decimal]] = []
        events = revenue_events(raw)
        rows += [
            (r, d, "revenue", v)
            for r, d, v in zip(events["credited_rep_id"], events["day"], events["revenue"], strict=True)
        ]
        rows += [
            (r, d, "units", v)
            for r, d, v in zip(events["credited_rep_id"], events["day"], events["units"], strict=True)
        ]
        bookings = booking_events(raw)
        rows += [
            (r, d, "bookings", v)
            for r, d, v in zip(bookings["credited_rep_id"], bookings["day"], bookings["amount"], strict=True)
        ]
        rows += [
            (c.acquiring_rep_id, c.acquired, "new_accounts", Decimal(1)) for c in customers(raw).values()
        ]
        opps = opportunities(raw)
        won = opps[opps["is_won"]]
        rows += [
            (r, d, "deals_won", Decimal(1))
            for r, d in zip(won["credited_rep_id"], won["closed_date"], strict=True)
        ]
        frame = pd.DataFrame(rows, columns=["rep_id", "day", "metric", "value"])
        frame["month"] = [month_of(d) for d in frame["day"]]
        return frame

    return raw.cached("daily_credits", compute)


# ----- KPI 11: sales per rep -------------------------------------------------------------------------
def sales_per_rep(raw: RawData) -> pd.DataFrame:
    """kpi_sales_per_rep: revenue, net bookings and deals won per credited rep and month; ranks among the
    month's reps (not the unassigned one), previous month and changes. Rows: months employed and months
    with sales credited (revenue or bookings not 0, or a deal won; a new account alone is no sale), from the
    first month with sales."""
    credits = daily_credits(raw)
    sums = credits.groupby(["month", "rep_id", "metric"])["value"].apply(_sum).to_dict()
    active = {
        (m, rep)
        for (m, rep, metric), value in sums.items()
        if (metric in ("revenue", "bookings") and value != 0) or (metric == "deals_won" and value > 0)
    }
    first = min((m for m, _ in active), default=None)
    pairs = rep_month_rows(raw, first, active)
    kept = reps(raw)
    values: dict[tuple[date, str], dict[str, Any]] = {}
    for m, rep in pairs:
        values[(m, rep)] = {
            "month_start": m,
            "rep_id": rep,
            "is_unassigned": rep == UNASSIGNED,
            "is_employed_in_month": rep in kept and kept[rep].employed_in(m),
            "revenue": sums.get((m, rep, "revenue"), ZERO),
            "bookings": sums.get((m, rep, "bookings"), ZERO),
            "deals_won": int(sums.get((m, rep, "deals_won"), ZERO)),
        }
    for m in sorted({m for m, _ in pairs}):
        ranked = sorted(
            (v["revenue"] for (mm, r), v in values.items() if mm == m and r != UNASSIGNED), reverse=True
        )
        for (mm, r), v in values.items():
            if mm == m:
                v["revenue_rank"] = (
                    None if r == UNASSIGNED else 1 + sum(1 for x in ranked if x > v["revenue"])
                )
    first_month = min((m for m, _ in pairs), default=None)
    for (m, r), v in values.items():
        previous = values.get((add_months(m, -1), r))
        if m == first_month:
            v["revenue_prev_month"] = None
        else:
            v["revenue_prev_month"] = previous["revenue"] if previous else ZERO
        prev = v["revenue_prev_month"]
        v["revenue_change_rate"] = None if not prev else float((v["revenue"] - prev) / prev)
        v["rank_prev_month"] = previous["revenue_rank"] if previous else None
        v["rank_change"] = (
            None
            if v["rank_prev_month"] is None or v["revenue_rank"] is None
            else v["rank_prev_month"] - v["revenue_rank"]
        )
    return pd.DataFrame(list(values.values()), columns=[*SALES_PER_REP.columns])


# ----- KPI 13: sales vs target -----------------------------------------------------------------------
def period_grain(start: date, end: date) -> str:
    """A calendar month, a quarter (starting January, April, July or October), a year, else custom."""
    if start.day == 1:
        for months, grain in ((1, "month"), (3, "quarter"), (12, "year")):
            aligned = grain != "quarter" or (start.month - 1) % 3 == 0
            if aligned and (add_months(start, months) - end).days == 1:
                return grain
    return "custom"


def targets(raw: RawData) -> pd.DataFrame:
    """fct_targets: scope, team key, metric, period, elapsed days and share, value in the reporting
    currency for money metrics (period start's rate)."""

    def compute(raw: RawData) -> pd.DataFrame:
        frame = raw.table("sales_targets")
        rows = []
        for r in frame.to_dict("records"):
            start, end = date.fromisoformat(r["period_start"][:10]), date.fromisoformat(r["period_end"][:10])
            metric = r["metric"]
            money = metric in ("revenue", "bookings")
            value = (
                raw.convert(r["target_value"], r["currency_code"], start)
                if money
                else Decimal(r["target_value"])
            )
            scope = "rep" if r["rep_id"] is not None else "team" if r["team"] is not None else "company"
            days = (end - start).days + 1
            elapsed = min(max((raw.as_of - start).days + 1, 0), days)
            rows.append(
                {
                    "target_id": r["target_id"],
                    "scope": scope,
                    "rep_id": r["rep_id"],
                    "team_key": team_key(r["team"]),
                    "metric": metric,
                    "period_start": start,
                    "period_end": end,
                    "period_days": days,
                    "elapsed_days": elapsed,
                    "elapsed_share": elapsed / days,
                    "is_period_complete": end <= raw.as_of,
                    "is_future_period": start > raw.as_of,
                    "period_grain": period_grain(start, end),
                    "is_money_metric": money,
                    "target_value": value,
                }
            )
        return pd.DataFrame(rows)

    return raw.cached("targets", compute)


def _in_team(raw: RawData, rep: Any, key: str | None, start: date, end: date) -> bool:
    """The rep was in the team on some day of [start, end] while employed."""
    first = max(start, rep.hired) if rep.hired else start
    last = min(end, rep.left) if rep.left else end
    if first > last:
        return False
    periods = team_periods(raw).get(rep.rep_id, [])
    for i, (since, team) in enumerate(periods):
        until = periods[i + 1][0] if i + 1 < len(periods) else None  # exclusive
        if team == key and (since is None or since <= last) and (until is None or until > first):
            return True
    return False


class _CreditWindows:
    """Daily credits indexed for period sums: per (scope, metric, rep / team / None), the days in order,
    the running total of the values and the credited reps, so a period is two bisections."""

    def __init__(self, credits: pd.DataFrame) -> None:
        grouped: dict[tuple, list[tuple[date, Decimal, str]]] = {}
        for metric, rep, team, day, value in zip(
            credits["metric"],
            credits["rep_id"],
            credits["team"],
            credits["day"],
            credits["value"],
            strict=True,
        ):
            for key in (("rep", metric, rep), ("team", metric, team), ("company", metric, None)):
                if key[2] is not None or key[0] == "company":  # a credit without a team is no team's
                    grouped.setdefault(key, []).append((day, value, rep))
        self.index: dict[tuple, tuple[list[date], list[Decimal], list[str]]] = {}
        for key, items in grouped.items():
            items.sort(key=lambda item: item[0])
            running = [ZERO]
            for _, value, _ in items:
                running.append(running[-1] + (value if value is not None else ZERO))
            self.index[key] = ([d for d, _, _ in items], running, [r for _, _, r in items])

    def total(self, key: tuple, start: date, end: date) -> tuple[Decimal, set[str]]:
        """The sum of the credits dated start..end (inclusive) and the reps credited."""
        if key not in self.index:
            return ZERO, set()
        days, running, credited = self.index[key]
        i, j = bisect.bisect_left(days, start), bisect.bisect_right(days, end)
        return running[j] - running[i], set(credited[i:j])


def sales_vs_target(raw: RawData) -> pd.DataFrame:
    """kpi_sales_vs_target: per target, the actual over the period's days up to the as-of date (a rep's
    credits; a team's: credits of the days each rep was in the team, D37; the company's: every credit),
    members, attainment, remaining, expected to date, pace and on track (none without members)."""
    frame = targets(raw)
    if frame.empty:
        return pd.DataFrame(columns=[*SALES_VS_TARGET.columns])
    credits = daily_credits(raw)
    credits = credits[[d <= raw.as_of for d in credits["day"]]]
    credits = credits.assign(
        team=[
            team_on(raw, r, d) if r != UNASSIGNED else None
            for r, d in zip(credits["rep_id"], credits["day"], strict=True)
        ]
    )
    windows = _CreditWindows(credits)
    kept = reps(raw)
    rows = []
    for t in frame.to_dict("records"):
        start, end = t["period_start"], t["period_end"]
        if t["scope"] == "rep":
            actual, _ = windows.total(("rep", t["metric"], t["rep_id"]), start, end)
            members = {t["rep_id"]} if t["rep_id"] in kept else set()
        elif t["scope"] == "team":
            actual, credited = windows.total(("team", t["metric"], t["team_key"]), start, end)
            members = credited | {
                rep.rep_id for rep in kept.values() if _in_team(raw, rep, t["team_key"], start, end)
            }
        else:
            actual, credited = windows.total(("company", t["metric"], None), start, end)
            members = credited | {
                r.rep_id
                for r in kept.values()
                if (r.hired is None or r.hired <= end) and (r.left is None or r.left >= start)
            }
        value = t["target_value"]
        without = not members
        expected_base = value * Decimal(t["elapsed_days"]) / Decimal(t["period_days"])
        pacing = None
        if not without and value != 0 and t["elapsed_days"] > 0:
            pacing = float(actual / expected_base)
        rows.append(
            {
                **{k: t[k] for k in TARGET_COLUMNS},
                "member_reps": len(members),
                "is_without_members": without,
                "actual_value": actual,
                "expected_value_to_date": expected_base,
                "attainment_rate": None if without or value == 0 else float(actual / value),
                "remaining_to_target": max(value - actual, ZERO),
                "pacing_rate": pacing,
                "on_track": None if pacing is None else pacing >= 1,
            }
        )
    return pd.DataFrame(rows, columns=[*SALES_VS_TARGET.columns])
