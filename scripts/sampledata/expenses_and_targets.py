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
from types import MappingProxyType
from typing import Any

from scripts.sampledata.calendar import add_months, month_starts
from scripts.sampledata.context import World
from scripts.sampledata.currency import CENT, money
from scripts.sampledata.entities import Order, Rep
from scripts.sampledata.staffing import HEAD_TEAM

PLANNING_USD_IDR = 16_000.0
SALARY_IDR = MappingProxyType({"account_executive": 18e6, "sdr": 8.5e6, "bdr": 10e6, "manager": 38e6})
HEAD_SALARY_IDR = 65e6
TOOLS_IDR = MappingProxyType({"account_executive": 1.9e6, "sdr": 1.6e6, "bdr": 2.2e6, "manager": 1.9e6})
TRAVEL_MEDIAN_IDR = MappingProxyType({"account_executive": 4.0e6, "bdr": 2.0e6, "manager": 3.0e6})
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


class _TargetPlanner:
    """Plans targets from run rates: rep months first, then quarters, teams and the company."""

    def __init__(self, world: World, rng: random.Random) -> None:
        cal = world.calendar
        self.world, self.rng, self.home = world, rng, world.config.reporting_currency
        self.actuals = _actuals(world)
        self.new_accounts = _new_customers(world)
        self.months = list(month_starts(cal.start, cal.end))
        self.full_months = [m for m in self.months if add_months(m, 1) <= cal.end]
        self.quarters = [
            m
            for m in month_starts(cal.start, add_months(cal.end, 2))
            if m.month in (1, 4, 7, 10) and cal.start <= m <= cal.end
        ]
        self.aes = [r for r in world.staffing.reps if r.role == "account_executive"]
        self.rows: list[dict[str, Any]] = []

    def rep_months(self) -> dict[tuple[str, date, str], float]:
        """Each account executive's monthly targets (also for the rest of the current quarter)."""
        plan_months = sorted({*self.months, *(add_months(q, i) for q in self.quarters for i in range(3))})
        monthly: dict[tuple[str, date, str], float] = {}
        for rep in self.aes:
            for month in plan_months:
                if _month_fraction(rep, month) < 0.6:
                    continue
                tenure = (month.year - rep.hired_date.year) * 12 + month.month - rep.hired_date.month
                ramp = (0.4, 0.6, 0.8)[tenure] if 0 <= tenure < 3 else 1.0
                noise = self.rng.lognormvariate(0.0, 0.2)
                for metric in ("revenue", "bookings", "deals_won"):
                    base = _run_rate(self.actuals[metric], rep.rep_id, month, self.full_months) or 0.0
                    value = base * TARGET_UPLIFT * noise * ramp
                    if metric == "deals_won":
                        monthly[(rep.rep_id, month, metric)] = max(1.0, round(value))
                    else:
                        floor = _home(self.world, 50e6) * ramp
                        monthly[(rep.rep_id, month, metric)] = _round_target(max(value, floor))
        return monthly

    def add(
        self, start: date, months: int, rep: Rep | None, team: str | None, metric: str, value: float
    ) -> None:
        """One target row (money metrics in the reporting currency, counts without a currency)."""
        money_metric = metric in ("revenue", "bookings")
        self.rows.append(
            {
                "period_start": start,
                "period_end": add_months(start, months) - timedelta(days=1),
                "rep_id": rep.rep_id if rep else None,
                "team": team,
                "metric": metric,
                "target_value": money(value, self.home)
                if money_metric
                else Decimal(int(value)).quantize(CENT),
                "currency_code": self.home if money_metric else None,
            }
        )

    def quarter(self, quarter: date, monthly: dict[tuple[str, date, str], float]) -> None:
        """Quarterly rep targets (the sum of their months) and team targets (the sum of their reps)."""
        q_months = [add_months(quarter, i) for i in range(3)]
        team_sum: dict[tuple[str, str], float] = defaultdict(float)
        for rep in self.aes:
            for metric in ("revenue", "bookings", "deals_won"):
                parts = [monthly.get((rep.rep_id, m, metric)) for m in q_months]
                if all(p is None for p in parts):
                    continue
                total = sum(p or 0.0 for p in parts)
                self.add(quarter, 3, rep, rep.team, metric, total)
                team_sum[(rep.team, metric)] += total
        for team, metric in sorted(team_sum):
            uplift = 1.0 if metric == "deals_won" else self.rng.uniform(1.0, 1.05)
            value = team_sum[(team, metric)] * uplift
            self.add(quarter, 3, None, team, metric, value if metric == "deals_won" else _round_target(value))
        for team in sorted(dict.fromkeys(t for t, _ in team_sum)):
            rate = _team_new_customer_rate(self.new_accounts, team, quarter, self.full_months)
            self.add(quarter, 3, None, team, "new_accounts", max(1.0, round(rate * 3 * 1.15)))

    def company_month(self, month: date, monthly: dict[tuple[str, date, str], float]) -> None:
        """Company targets: the reps' sum plus a buffer, and new accounts from the recent run rate."""
        for metric in ("revenue", "bookings"):
            total = sum(v for (_, m, k), v in monthly.items() if m == month and k == metric)
            self.add(month, 1, None, None, metric, _round_target(total * 1.05))
        rate = _team_new_customer_rate(self.new_accounts, None, month, self.full_months)
        self.add(month, 1, None, None, "new_accounts", max(1.0, round(rate * 1.15)))

    def build(self) -> list[dict[str, Any]]:
        """All target rows."""
        monthly = self.rep_months()
        for (rep_id, month, metric), value in monthly.items():
            if month <= self.world.calendar.end:
                rep = _rep(self.world, rep_id)
                self.add(month, 1, rep, rep.team, metric, value)
        for quarter in self.quarters:
            self.quarter(quarter, monthly)
        for month in self.months:
            self.company_month(month, monthly)
        return self.rows


def build_sales_targets(world: World, rng: random.Random) -> list[dict[str, Any]]:
    """Monthly and quarterly rep targets, quarterly team targets, monthly company targets."""
    return _TargetPlanner(world, rng).build()


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
