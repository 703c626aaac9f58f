"""Sales expenses (salary, commission, tools, travel per rep; overhead per team and company) and targets.

Targets are set the way sales planning does it: from each rep's recent run rate plus an uplift, ramped
for new hires; quarterly targets add up the months, team targets their members, and the company adds a
buffer. So attainment scatters around 90 % with real winners and laggards.

Everything is computed on (rep x month) matrices of the reps' actual revenue, bookings and deals won.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.sampledata.calendar import Calendar, add_months, month_index, month_starts, year_month_day
from scripts.sampledata.config import NEVER
from scripts.sampledata.currency import CURRENCY_INDEX, RateBook, money
from scripts.sampledata.orders_and_subscriptions import CANCELLED, Orders
from scripts.sampledata.staffing import AE, BDR, HEAD_SPEC, MANAGER, SDR, Staffing

PLANNING_USD_IDR = 16_000.0
SALARY_IDR = np.array([18e6, 8.5e6, 10e6, 38e6])  # account_executive, sdr, bdr, manager
HEAD_SALARY_IDR = 65e6
TOOLS_IDR = np.array([1.9e6, 1.6e6, 2.2e6, 1.9e6])
TRAVEL_MEDIAN_IDR = np.array([4.0e6, 0.0, 2.0e6, 3.0e6])  # SDRs do not travel
AE_COMMISSION_RATE = 0.03
MANAGER_OVERRIDE_RATE = 0.004
SOURCED_BONUS_IDR = 400_000.0
TARGET_UPLIFT = 1.1
EXPENSE_CATEGORIES = ("commission", "overhead", "salary", "tools", "travel")
COMMISSION, OVERHEAD, SALARY, TOOLS, TRAVEL = range(5)
METRICS = ("revenue", "bookings", "deals_won", "new_accounts")
REVENUE, BOOKINGS, DEALS_WON, NEW_ACCOUNTS = range(4)


@dataclass
class Rows:
    """Rows of a table as parallel numpy columns."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass
class Actuals:
    """Per rep and month (index from the first month of the period): reporting-currency values."""

    revenue: np.ndarray
    bookings: np.ndarray
    deal_bookings: np.ndarray
    deals_won: np.ndarray
    sourced: np.ndarray  # won deals from leads a rep worked
    new_customers: np.ndarray  # [team, month] first orders of accounts, by the acquiring rep's team

    def __add__(self, other: Actuals) -> Actuals:
        return Actuals(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def compact(self) -> CompactActuals:
        """The non-zero cells only (a shard touches few of a big sales team's rep-months)."""
        cells = {}
        for name in self.__dataclass_fields__:
            grid = getattr(self, name)
            flat = np.flatnonzero(grid)
            cells[name] = (grid.shape, flat, grid.ravel()[flat])
        return CompactActuals(cells)


@dataclass
class CompactActuals:
    """Actuals as (shape, flat indexes, values) per field: what a shard sends to be summed."""

    cells: dict[str, tuple[tuple[int, ...], np.ndarray, np.ndarray]]

    def add_to(self, total: Actuals | None) -> Actuals:
        """total + these actuals (a new all-zero total when None)."""
        if total is None:
            total = Actuals(*(np.zeros(shape) for shape, _, _ in self.cells.values()))
        for name, (_, flat, values) in self.cells.items():
            np.add.at(getattr(total, name).ravel(), flat, values)
        return total


def _home(reporting: str, idr: np.ndarray | float) -> np.ndarray:
    """IDR budget figures in the reporting currency."""
    return np.asarray(idr) if reporting == "IDR" else np.asarray(idr) / PLANNING_USD_IDR


def _month_fraction(staffing: Staffing, first: np.ndarray) -> np.ndarray:
    """[rep, month]: share of each month a rep was employed."""
    last = add_months(first, 1) - 1
    start = np.maximum(first[None, :], staffing.hired[:, None])
    end = np.minimum(last[None, :], staffing.left[:, None])
    return np.maximum(0, end - start + 1) / (last - first + 1)[None, :]


def actuals(
    calendar: Calendar,
    staffing: Staffing,
    rates: RateBook,
    orders: Orders,
    opp_owner: np.ndarray,
    opp_won_at: np.ndarray,
    lead_owner: np.ndarray,
    lead_won_at: np.ndarray,
    width: int,
) -> Actuals:
    """Revenue, bookings, deal bookings and deals won per rep and month (reporting currency)."""
    first = int(month_index(np.array([calendar.start_day]))[0])
    reps = staffing.count

    def grid(rep: np.ndarray, moment: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        month = month_index(calendar.local_day(moment)) - first
        ok = (month >= 0) & (month < width)
        out = np.zeros((reps, width))
        np.add.at(out, (rep[ok], month[ok]), 1.0 if weight is None else weight[ok])
        return out

    lines = orders.lines
    net = np.bincount(lines.owner, weights=lines.net.astype(np.float64), minlength=len(orders)) / 100.0
    value = net * rates.rate(orders.currency, calendar.local_day(orders.ordered_at))
    live = orders.status != CANCELLED
    invoiced = live & (orders.invoiced_at < NEVER)
    from_deal = live & (orders.opportunity >= 0)
    rep = orders.rep
    won = opp_won_at < NEVER
    sourced = lead_won_at < NEVER
    first_order = _first_orders(orders)
    team = staffing.team[rep[first_order]]
    month = month_index(calendar.local_day(orders.ordered_at[first_order])) - first
    new_customers = np.zeros((len(staffing.team_names), width))
    ok = (month >= 0) & (month < width)
    np.add.at(new_customers, (team[ok], month[ok]), 1.0)
    return Actuals(
        revenue=grid(rep[invoiced], orders.invoiced_at[invoiced], value[invoiced]),
        bookings=grid(rep[live], orders.ordered_at[live], value[live]),
        deal_bookings=grid(rep[from_deal], orders.ordered_at[from_deal], value[from_deal]),
        deals_won=grid(opp_owner[won], opp_won_at[won]),
        sourced=grid(lead_owner[sourced], lead_won_at[sourced]),
        new_customers=new_customers,
    )


def _first_orders(orders: Orders) -> np.ndarray:
    """Each account's first order that was not cancelled (orders are in time order)."""
    live = np.flatnonzero(orders.status != CANCELLED)
    _, first = np.unique(orders.account[live], return_index=True)
    return live[first]


def build_sales_expenses(
    rng: np.random.Generator, calendar: Calendar, staffing: Staffing, reporting: str, act: Actuals
) -> Rows:
    """Monthly cost rows per rep and category, per team (overhead) and for the company."""
    months = month_starts(calendar.start_day, calendar.end_day)
    n_months, reps = len(months), staffing.count
    fraction = _month_fraction(staffing, months)
    employed = fraction > 0
    year = year_month_day(months)[0]
    raise_factor = 1.06 ** (year - year[0])
    role = staffing.role
    salary_idr = np.where(staffing.spec == HEAD_SPEC, HEAD_SALARY_IDR, SALARY_IDR[role])
    salary = salary_idr[:, None] * raise_factor[None, :] * fraction
    to_idr = 1.0 if reporting == "IDR" else PLANNING_USD_IDR
    team_bookings = np.zeros((len(staffing.team_names), n_months))
    np.add.at(team_bookings, staffing.team, act.deal_bookings[:, :n_months])
    commission = np.select(
        [(role == AE)[:, None], (role == MANAGER)[:, None], np.isin(role, (SDR, BDR))[:, None]],
        [
            AE_COMMISSION_RATE * act.deal_bookings[:, :n_months] * to_idr,
            MANAGER_OVERRIDE_RATE * team_bookings[staffing.team] * to_idr,
            SOURCED_BONUS_IDR * act.sourced[:, :n_months],
        ],
        0.0,
    )
    tools = np.broadcast_to(TOOLS_IDR[role][:, None], (reps, n_months))
    median = TRAVEL_MEDIAN_IDR[role] * np.where(staffing.region == 0, 0.6, 1.2)
    travel = np.exp(rng.normal(np.log(np.maximum(median, 1.0))[:, None], 0.5, (reps, n_months))) * fraction
    travel = np.where((TRAVEL_MEDIAN_IDR[role] > 0)[:, None], travel, 0.0)
    members = np.zeros((len(staffing.team_names), n_months))
    np.add.at(members, staffing.team, employed.astype(np.float64))
    team_overhead = (8e6 + 1.5e6 * members) * rng.uniform(0.85, 1.15, members.shape)
    team_overhead = np.where(members > 0, team_overhead, 0.0)
    company = 25e6 * calendar.growth(months) * rng.uniform(0.9, 1.1, n_months)
    home = CURRENCY_INDEX[reporting]
    # rows in key order: month, then rep (the company row and team rows, with no rep, first), team, category
    rep_amounts = np.stack([commission, salary, tools, travel], axis=2)  # [rep, month, category]
    rep_categories = np.array([COMMISSION, SALARY, TOOLS, TRAVEL])
    month_col, rep_col, team_col, category_col, idr_col = [], [], [], [], []
    team_order = np.argsort(np.array(staffing.team_names), kind="stable")
    for m in range(n_months):
        month_col.append(np.array([months[m]]))
        rep_col.append(np.array([-1]))
        team_col.append(np.array([-1]))
        category_col.append(np.array([OVERHEAD]))
        idr_col.append(np.array([company[m]]))
        teams = team_order[team_overhead[team_order, m] > 0]
        month_col.append(np.full(len(teams), months[m]))
        rep_col.append(np.full(len(teams), -1))
        team_col.append(teams)
        category_col.append(np.full(len(teams), OVERHEAD))
        idr_col.append(team_overhead[teams, m])
        amounts = np.where(employed[:, m, None], rep_amounts[:, m, :], 0.0)
        r, c = np.nonzero(amounts > 0)
        month_col.append(np.full(len(r), months[m]))
        rep_col.append(r)
        team_col.append(staffing.team[r])
        category_col.append(rep_categories[c])
        idr_col.append(amounts[r, c])
    idr = np.concatenate(idr_col)
    n = len(idr)
    return Rows(
        {
            "expense_month": np.concatenate(month_col),
            "rep": np.concatenate(rep_col),
            "team": np.concatenate(team_col),
            "category": np.concatenate(category_col),
            "amount": money(_home(reporting, idr), np.full(n, home)),
            "currency": np.full(n, home),
        }
    )


def round_target(value: np.ndarray) -> np.ndarray:
    """Targets rounded to three significant digits (0 for nothing)."""
    value = np.asarray(value, dtype=np.float64)
    step = 10.0 ** np.maximum(0, np.floor(np.log10(np.maximum(value, 1e-9))) - 2)
    return np.where(value <= 0, 0.0, np.rint(value / step) * step)


def build_sales_targets(
    rng: np.random.Generator, calendar: Calendar, staffing: Staffing, reporting: str, act: Actuals
) -> Rows:
    """Monthly and quarterly rep targets, quarterly team targets, monthly company targets."""
    months = month_starts(calendar.start_day, calendar.end_day)
    n_months = len(months)
    quarters = month_starts(calendar.start_day, int(add_months(np.array([calendar.end_day]), 2)[0]))
    _, q_month, _ = year_month_day(quarters)
    quarters = quarters[
        np.isin(q_month, (1, 4, 7, 10)) & (quarters >= calendar.start_day) & (quarters <= calendar.end_day)
    ]
    # plan months: the period's, and the rest of the quarter the as-of date falls in
    last_plan = int(add_months(quarters[-1:], 2)[0]) if len(quarters) else int(months[-1])
    plan = month_starts(int(months[0]), max(last_plan, int(months[-1])))
    full = add_months(months, 1) <= calendar.end_day  # complete months of actuals
    aes = np.flatnonzero(staffing.role == AE)
    fraction = _month_fraction(staffing, plan)[aes]
    hired_month = month_index(staffing.hired[aes])
    tenure = month_index(plan)[None, :] - hired_month[:, None]
    ramp = np.where((tenure >= 0) & (tenure < 3), np.array([0.4, 0.6, 0.8])[np.clip(tenure, 0, 2)], 1.0)
    planned = fraction >= 0.6
    noise = np.exp(rng.normal(0.0, 0.2, planned.shape))
    floor = _home(reporting, 50e6) * ramp
    monthly = np.zeros((3, len(aes), len(plan)))
    for metric, series in ((REVENUE, act.revenue), (BOOKINGS, act.bookings), (DEALS_WON, act.deals_won)):
        base = _run_rate(series[aes, :n_months], full, len(plan))
        value = base * TARGET_UPLIFT * noise * ramp
        monthly[metric] = np.where(
            metric == DEALS_WON, np.maximum(1.0, np.rint(value)), round_target(np.maximum(value, floor))
        )
    monthly = np.where(planned[None], monthly, np.nan)
    home = CURRENCY_INDEX[reporting]
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("start", "months", "rep", "team", "metric", "value")}

    def add(
        start: np.ndarray, span: int, rep: np.ndarray, team: np.ndarray, metric: np.ndarray, value: np.ndarray
    ) -> None:
        n = len(value)
        out["start"].append(np.broadcast_to(start, n))
        out["months"].append(np.full(n, span))
        out["rep"].append(np.broadcast_to(rep, n))
        out["team"].append(np.broadcast_to(team, n))
        out["metric"].append(np.broadcast_to(metric, n))
        out["value"].append(np.asarray(value, np.float64))

    # monthly rep targets (up to the as-of month)
    for metric in (REVENUE, BOOKINGS, DEALS_WON):
        r, m = np.nonzero(~np.isnan(monthly[metric][:, :n_months]))
        add(plan[m], 1, aes[r], staffing.team[aes[r]], np.full(len(r), metric), monthly[metric][r, m])
    first_plan = int(month_index(plan[:1])[0])
    for quarter in quarters:
        q = int(month_index(np.array([quarter]))[0]) - first_plan
        team_sum = np.zeros((3, len(staffing.team_names)))
        seen = np.zeros((3, len(staffing.team_names)), bool)
        for metric in (REVENUE, BOOKINGS, DEALS_WON):
            parts = monthly[metric][:, q : q + 3]
            has = ~np.isnan(parts).all(axis=1)
            total = np.nansum(parts, axis=1)
            r = np.flatnonzero(has)
            add(np.full(len(r), quarter), 3, aes[r], staffing.team[aes[r]], np.full(len(r), metric), total[r])
            np.add.at(team_sum[metric], staffing.team[aes[r]], total[r])
            seen[metric, staffing.team[aes[r]]] = True
        for metric in (REVENUE, BOOKINGS, DEALS_WON):
            teams = np.flatnonzero(seen[metric])
            uplift = np.ones(len(teams)) if metric == DEALS_WON else rng.uniform(1.0, 1.05, len(teams))
            value = team_sum[metric, teams] * uplift
            value = value if metric == DEALS_WON else round_target(value)
            add(
                np.full(len(teams), quarter),
                3,
                np.full(len(teams), -1),
                teams,
                np.full(len(teams), metric),
                value,
            )
        teams = np.flatnonzero(seen.any(axis=0))
        rate = _new_customer_rate(act.new_customers[teams], full, q)
        add(
            np.full(len(teams), quarter),
            3,
            np.full(len(teams), -1),
            teams,
            np.full(len(teams), NEW_ACCOUNTS),
            np.maximum(1.0, np.rint(rate * 3 * 1.15)),
        )
    # company targets: the reps' sum plus a buffer, and new accounts from the recent run rate
    for m in range(n_months):
        for metric in (REVENUE, BOOKINGS):
            total = np.nansum(monthly[metric][:, m])
            add(
                plan[m : m + 1],
                1,
                np.array([-1]),
                np.array([-1]),
                np.array([metric]),
                round_target(np.array([total * 1.05])),
            )
        rate = _new_customer_rate(act.new_customers.sum(axis=0, keepdims=True), full, m)
        add(
            plan[m : m + 1],
            1,
            np.array([-1]),
            np.array([-1]),
            np.array([NEW_ACCOUNTS]),
            np.maximum(1.0, np.rint(rate * 1.15)),
        )
    cols = {k: np.concatenate(v) for k, v in out.items()}
    is_money = np.isin(cols["metric"], (REVENUE, BOOKINGS))
    n = len(cols["value"])
    value = np.where(
        is_money, money(cols["value"], np.full(n, home)), np.trunc(cols["value"]).astype(np.int64) * 100
    )
    end = add_months(cols["start"], cols["months"]) - 1
    team_names = np.array((*staffing.team_names, ""))
    team_name = team_names[np.where(cols["team"] >= 0, cols["team"], len(staffing.team_names))]
    rep = cols["rep"]
    # target ids follow (period, rep targets first, team targets before company ones, rep, team, metric)
    metric_name = np.array(METRICS)[cols["metric"]]
    order = np.lexsort((metric_name, team_name, rep, cols["team"] < 0, rep < 0, end, cols["start"]))
    return Rows(
        {
            "period_start": cols["start"][order],
            "period_end": end[order],
            "rep": rep[order],
            "team": cols["team"][order],
            "metric": cols["metric"][order],
            "value": value[order],
            "currency": np.where(is_money, home, -1)[order],
        }
    )


def _run_rate(series: np.ndarray, full: np.ndarray, width: int) -> np.ndarray:
    """[rep, plan month]: average of the complete months from two before to one after (0 if none)."""
    values = np.where(full[None, :], series, 0.0)
    counts = full.astype(np.float64)
    out = np.zeros((series.shape[0], width))
    for m in range(width):
        lo, hi = max(0, m - 2), min(len(full) - 1, m + 1)
        window = counts[lo : hi + 1].sum() if hi >= lo else 0.0
        if window:
            out[:, m] = values[:, lo : hi + 1].sum(axis=1) / window
    return out


def _new_customer_rate(counts: np.ndarray, full: np.ndarray, month: int) -> np.ndarray:
    """New customers per month in the complete months from three before to two after."""
    lo, hi = max(0, month - 3), min(len(full) - 1, month + 2)
    window = full[lo : hi + 1] if hi >= lo else np.zeros(0, bool)
    if not window.any():
        return np.zeros(counts.shape[0])
    return counts[:, lo : hi + 1][:, window].sum(axis=1) / window.sum()
