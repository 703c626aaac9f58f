"""Sales expenses (salary, commission, tools, travel per rep; overhead per team and company) and targets.

Targets are set the way sales planning does it: from each rep's recent run rate plus an uplift, ramped
for new hires; quarterly targets add up the months, team targets their members, and the company adds a
buffer. So attainment scatters around 90 % with real winners and laggards.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from scripts.sampledata.calendar import add_months, month_starts
from scripts.sampledata.context import World
from scripts.sampledata.currency import money
from scripts.sampledata.entities import Order, Rep
from scripts.sampledata.staffing import HEAD_TEAM

PLANNING_USD_IDR = 16_000.0
SALARY_IDR = {"account_executive": 18e6, "sdr": 8.5e6, "bdr": 10e6, "manager": 38e6}
HEAD_SALARY_IDR = 65e6
TOOLS_IDR = {"account_executive": 1.9e6, "sdr": 1.6e6, "bdr": 2.2e6, "manager": 1.9e6}
TRAVEL_MEDIAN_IDR = {"account_executive": 4.0e6, "bdr": 2.0e6, "manager": 3.0e6}
AE_COMMISSION_RATE = 0.03
MANAGER_OVERRIDE_RATE = 0.004
SOURCED_BONUS_IDR = 400_000.0
TARGET_UPLIFT = 1.1

RepMonth = tuple[str, date]


def _home(world: World, idr: float) -> float:
    return idr if world.config.reporting_currency == "IDR" else idr / PLANNING_USD_IDR


def order_value(world: World, order: Order) -> float:
    """An order's net value in the reporting currency (at the rate of its order date)."""
    net = sum((line.net for line in order.lines), Decimal(0))
    return world.rates.to_reporting(float(net), order.currency, order.ordered_at.date())


def _month_fraction(rep: Rep, first: date) -> float:
    """Share of the month rep was employed."""
    last = add_months(first, 1) - timedelta(days=1)
    start = max(first, rep.hired_date)
    end = min(last, rep.left_date) if rep.left_date else last
    return max(0, (end - start).days + 1) / ((last - first).days + 1)


def _actuals(world: World) -> dict[str, dict[RepMonth, float]]:
    """Revenue, bookings, deal bookings and deals won per rep and month (reporting currency)."""
    out: dict[str, dict[RepMonth, float]] = {
        m: defaultdict(float) for m in ("revenue", "bookings", "deal_bookings", "deals_won")
    }
    for order in world.orders:
        if order.status == "cancelled":
            continue
        value = order_value(world, order)
        out["bookings"][(order.rep.rep_id, order.ordered_at.date().replace(day=1))] += value
        if order.opportunity is not None:
            out["deal_bookings"][(order.rep.rep_id, order.ordered_at.date().replace(day=1))] += value
        if order.invoiced_at is not None:
            out["revenue"][(order.rep.rep_id, order.invoiced_at.date().replace(day=1))] += value
    for opp in world.opportunities:
        if opp.is_won and opp.closed_at is not None:
            out["deals_won"][(opp.owner.rep_id, opp.closed_at.date().replace(day=1))] += 1
    return out


def build_sales_expenses(world: World, rng: random.Random) -> list[dict[str, Any]]:
    """Monthly cost rows per rep and category, per team (overhead) and for the company."""
    cal, home = world.calendar, world.config.reporting_currency
    actuals = _actuals(world)
    sourced: dict[RepMonth, int] = defaultdict(int)
    for lead in world.leads:
        if (
            lead.opportunity is not None
            and lead.opportunity.is_won
            and lead.opportunity.closed_at is not None
        ):
            sourced[(lead.owner.rep_id, lead.opportunity.closed_at.date().replace(day=1))] += 1
    team_bookings: dict[tuple[str, date], float] = defaultdict(float)
    for (rep_id, month), value in actuals["deal_bookings"].items():
        team_bookings[(_rep(world, rep_id).team, month)] += value
    rows: list[dict[str, Any]] = []

    def add(month: date, rep: Rep | None, team: str | None, category: str, idr: float) -> None:
        if idr > 0:
            rows.append(
                {
                    "expense_month": month,
                    "rep_id": rep.rep_id if rep else None,
                    "team": team,
                    "category": category,
                    "amount": money(_home(world, idr), home),
                    "currency_code": home,
                }
            )

    for month in month_starts(cal.start, cal.end):
        raise_factor = 1.06 ** (month.year - cal.start.year)
        members: dict[str, int] = defaultdict(int)
        for rep in world.staffing.reps:
            fraction = _month_fraction(rep, month)
            if fraction <= 0:
                continue
            members[rep.team] += 1
            salary = HEAD_SALARY_IDR if rep.team == HEAD_TEAM else SALARY_IDR[rep.role]
            add(month, rep, rep.team, "salary", salary * raise_factor * fraction)
            add(
                month,
                rep,
                rep.team,
                "commission",
                _commission(world, rep, month, actuals, sourced, team_bookings),
            )
            add(month, rep, rep.team, "tools", TOOLS_IDR[rep.role])
            if rep.role in TRAVEL_MEDIAN_IDR:
                median = TRAVEL_MEDIAN_IDR[rep.role] * (0.6 if rep.region == "Jabodetabek" else 1.2)
                add(month, rep, rep.team, "travel", rng.lognormvariate(math.log(median), 0.5) * fraction)
        for team in sorted(members):
            add(month, None, team, "overhead", (8e6 + 1.5e6 * members[team]) * rng.uniform(0.85, 1.15))
        add(month, None, None, "overhead", 25e6 * cal.growth(month) * rng.uniform(0.9, 1.1))
    return rows


def _rep(world: World, rep_id: str) -> Rep:
    return next(r for r in world.staffing.reps if r.rep_id == rep_id)


def _commission(
    world: World,
    rep: Rep,
    month: date,
    actuals: dict[str, dict[RepMonth, float]],
    sourced: dict[RepMonth, int],
    team_bookings: dict[tuple[str, date], float],
) -> float:
    to_idr = 1.0 if world.config.reporting_currency == "IDR" else PLANNING_USD_IDR
    if rep.role == "account_executive":
        return AE_COMMISSION_RATE * actuals["deal_bookings"].get((rep.rep_id, month), 0.0) * to_idr
    if rep.role == "manager":
        return MANAGER_OVERRIDE_RATE * team_bookings.get((rep.team, month), 0.0) * to_idr
    return SOURCED_BONUS_IDR * sourced.get((rep.rep_id, month), 0)


# ----- targets -------------------------------------------------------------------------------------
def _round_target(value: float) -> float:
    if value <= 0:
        return 0.0
    step = 10 ** max(0, int(math.log10(value)) - 2)
    return round(value / step) * step


def _run_rate(series: dict[RepMonth, float], rep_id: str, month: date, months: list[date]) -> float | None:
    window = [m for m in months if add_months(month, -2) <= m <= add_months(month, 1)]
    return sum(series.get((rep_id, m), 0.0) for m in window) / len(window) if window else None


def build_sales_targets(world: World, rng: random.Random) -> list[dict[str, Any]]:
    """Monthly and quarterly rep targets, quarterly team targets, monthly company targets."""
    cal, home = world.calendar, world.config.reporting_currency
    actuals = _actuals(world)
    months = list(month_starts(cal.start, cal.end))
    full_months = [m for m in months if add_months(m, 1) <= cal.end]
    quarters = [
        m
        for m in month_starts(cal.start, add_months(cal.end, 2))
        if m.month in (1, 4, 7, 10) and cal.start <= m <= cal.end
    ]
    plan_months = sorted({*months, *(add_months(q, i) for q in quarters for i in range(3))})
    aes = [r for r in world.staffing.reps if r.role == "account_executive"]
    monthly: dict[tuple[str, date, str], float] = {}
    for rep in aes:
        for month in plan_months:
            if _month_fraction(rep, month) < 0.6:
                continue
            tenure = (month.year - rep.hired_date.year) * 12 + month.month - rep.hired_date.month
            ramp = (0.4, 0.6, 0.8)[tenure] if 0 <= tenure < 3 else 1.0
            noise = rng.lognormvariate(0.0, 0.2)
            for metric in ("revenue", "bookings", "deals_won"):
                base = _run_rate(actuals[metric], rep.rep_id, month, full_months) or 0.0
                value = base * TARGET_UPLIFT * noise * ramp
                monthly[(rep.rep_id, month, metric)] = (
                    max(1.0, round(value))
                    if metric == "deals_won"
                    else _round_target(max(value, _home(world, 50e6) * ramp))
                )
    rows: list[dict[str, Any]] = []

    def add(
        start: date, months_long: int, rep: Rep | None, team: str | None, metric: str, value: float
    ) -> None:
        end = add_months(start, months_long) - timedelta(days=1)
        money_metric = metric in ("revenue", "bookings")
        rows.append(
            {
                "period_start": start,
                "period_end": end,
                "rep_id": rep.rep_id if rep else None,
                "team": team,
                "metric": metric,
                "target_value": money(value, home)
                if money_metric
                else Decimal(int(value)).quantize(Decimal("0.01")),
                "currency_code": home if money_metric else None,
            }
        )

    for (rep_id, month, metric), value in monthly.items():
        if month <= cal.end:
            add(month, 1, _rep(world, rep_id), _rep(world, rep_id).team, metric, value)
    new_accounts = _new_customers(world)
    for quarter in quarters:
        q_months = [add_months(quarter, i) for i in range(3)]
        team_sum: dict[tuple[str, str], float] = defaultdict(float)
        for rep in aes:
            for metric in ("revenue", "bookings", "deals_won"):
                parts = [monthly.get((rep.rep_id, m, metric)) for m in q_months]
                if all(p is None for p in parts):
                    continue
                total = sum(p or 0.0 for p in parts)
                add(quarter, 3, rep, rep.team, metric, total)
                team_sum[(rep.team, metric)] += total
        for team, metric in sorted(team_sum):
            uplift = 1.0 if metric == "deals_won" else rng.uniform(1.0, 1.05)
            value = team_sum[(team, metric)] * uplift
            add(quarter, 3, None, team, metric, value if metric == "deals_won" else _round_target(value))
        for team in sorted({t for t, _ in team_sum}):
            rate = _team_new_customer_rate(new_accounts, team, quarter, full_months)
            add(quarter, 3, None, team, "new_accounts", max(1.0, round(rate * 3 * 1.15)))
    for month in months:
        for metric in ("revenue", "bookings"):
            total = sum(v for (r, m, k), v in monthly.items() if m == month and k == metric)
            add(month, 1, None, None, metric, _round_target(total * 1.05))
        rate = _team_new_customer_rate(new_accounts, None, month, full_months)
        add(month, 1, None, None, "new_accounts", max(1.0, round(rate * 1.15)))
    return rows


def _new_customers(world: World) -> dict[tuple[str, date], int]:
    """New customers (first non-cancelled order) per acquiring rep's team and month."""
    first: dict[int, Order] = {}
    for order in sorted(world.orders, key=lambda o: (o.ordered_at, o.seq)):
        if order.status != "cancelled" and order.account.seq not in first:
            first[order.account.seq] = order
    out: dict[tuple[str, date], int] = defaultdict(int)
    for order in first.values():
        out[(order.rep.team, order.ordered_at.date().replace(day=1))] += 1
    return out


def _team_new_customer_rate(
    counts: dict[tuple[str, date], int], team: str | None, month: date, full_months: list[date]
) -> float:
    window = [m for m in full_months if add_months(month, -3) <= m <= add_months(month, 2)]
    if not window:
        return 0.0
    total = sum(n for (t, m), n in counts.items() if (team is None or t == team) and m in window)
    return total / len(window)
