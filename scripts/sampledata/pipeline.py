"""Opportunities and their stage history (Salesforce stage labels).

A deal's outcome and timing are drawn when it is created: win chance by type, segment, lead source and
rep; cycle length by segment (SMB weeks, enterprise months) and rep; closes pulled into December by
year-end budgets and pushed out of the Lebaran weeks. The stage path may step backwards, lost deals are
sometimes reopened, and a deal whose owner leaves stays open (or is closed lost later by the manager).
Everything after the as-of date is cut off, which leaves the open pipeline.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from scripts.sampledata.accounts import weighted
from scripts.sampledata.context import World
from scripts.sampledata.currency import money
from scripts.sampledata.entities import Account, Lead, LineItem, Opportunity, Rep, StageEntry
from scripts.sampledata.reference import LOSS_REASONS, RENEWAL_LOSS_REASONS, STALE_LOSS_REASON

OPEN_STAGES = ("Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review")
WON, LOST = "Closed Won", "Closed Lost"
CYCLE_MEDIAN_DAYS = MappingProxyType(
    {
        "new_business": MappingProxyType({"smb": 24.0, "mid_market": 60.0, "enterprise": 130.0}),
        "upsell": MappingProxyType({"smb": 18.0, "mid_market": 35.0, "enterprise": 60.0}),
        "renewal": MappingProxyType({"smb": 25.0, "mid_market": 35.0, "enterprise": 50.0}),
    }
)
WIN_BASE = MappingProxyType(
    {
        "new_business": MappingProxyType({"smb": 0.34, "mid_market": 0.29, "enterprise": 0.24}),
        "upsell": MappingProxyType({"smb": 0.55, "mid_market": 0.52, "enterprise": 0.48}),
        "renewal": MappingProxyType({"smb": 0.88, "mid_market": 0.89, "enterprise": 0.9}),
    }
)
STALE_CLOSE_SHARE = 0.35  # deals of a rep who left that the manager closes lost later


@dataclass(frozen=True)
class DealSpec:
    """What is known when a deal is created."""

    account: Account
    opp_type: str
    created_at: datetime
    owner: Rep
    items: tuple[LineItem, ...]
    currency: str
    name: str
    lead: Lead | None = None
    first_changed_by: Rep | None = None
    win_probability: float | None = None  # overrides the base chance (renewals of a given customer)
    win_factor: float = 1.0
    start_stage: str = "Prospecting"


def round_estimate(value: float, currency: str) -> Decimal:
    """A rep's round-number estimate of a deal's value."""
    step = 10 ** max(0, int(math.log10(max(value, 1.0))) - 1)
    if currency == "IDR":
        step = max(step, 100_000)
    return money(round(value / step) * step, currency)


def _stage_path(rng: random.Random, spec: DealSpec, won: bool) -> list[str]:
    first = OPEN_STAGES.index(spec.start_stage)
    stages = list(OPEN_STAGES[first:])
    if spec.account.segment == "smb" and "Needs Analysis" in stages[1:] and rng.random() < 0.4:
        stages.remove("Needs Analysis")
    if not won:
        # early losses are the most common
        weights = [1.0 / (i + 1) for i in range(len(stages))]
        stages = stages[: rng.choices(range(len(stages)), weights=weights)[0] + 1]
    if "Proposal/Price Quote" in stages and rng.random() < 0.08:
        at = stages.index("Proposal/Price Quote") + 1
        stages[at:at] = ["Needs Analysis", "Proposal/Price Quote"]  # scope changed: re-staged backwards
    return [*stages, WON if won else LOST]


def _close_day(world: World, rng: random.Random, spec: DealSpec, planned: date, won: bool) -> date:
    """Year-end budget flush pulls January/February closes into December; Lebaran pushes closes out."""
    cal = world.calendar
    if (
        won
        and spec.account.segment != "smb"
        and (planned.month == 1 or (planned.month == 2 and planned.day <= 15))
        and rng.random() < 0.35
    ):
        december = date(planned.year - 1, 12, rng.randint(10, 29))
        if december > spec.created_at.date() + timedelta(days=7):
            planned = december
    if cal.is_lebaran_break(planned):
        planned += timedelta(days=rng.randint(9, 16))
    return cal.next_business_day(planned)


def _amounts(
    rng: random.Random, path: list[str], items: tuple[LineItem, ...], currency: str
) -> list[Decimal]:
    """The amount entered with each stage: a round guess, the list value, the quote, the final price."""
    list_value = float(sum((i.quantity * i.unit_price for i in items), Decimal(0)))
    net_value = sum((i.net for i in items), Decimal(0)).quantize(Decimal("0.01"))
    guess = round_estimate(list_value * rng.uniform(0.6, 1.3), currency)
    quote = money(list_value - 0.5 * (list_value - float(net_value)), currency)
    out, current = [], guess
    for stage in path:
        if stage == "Needs Analysis":
            current = round_estimate(list_value, currency)
        elif stage == "Proposal/Price Quote":
            current = quote
        elif stage in ("Negotiation/Review", WON):
            current = net_value
        out.append(current)
    return out


def _moments(
    world: World, rng: random.Random, start: datetime, close: datetime, steps: int
) -> list[datetime]:
    """Increasing office-hour moments from start to close for `steps` stage changes (the last is close)."""
    cal = world.calendar
    weights = [rng.gammavariate(2.0, 1.0) for _ in range(steps)]
    total, span = sum(weights), (close - start).total_seconds()
    out, acc, prev = [], 0.0, start
    for i, w in enumerate(weights):
        acc += w
        moment = (
            close
            if i == steps - 1
            else cal.to_office_hours(rng, start + timedelta(seconds=span * acc / total))
        )
        if moment <= prev:
            moment = prev + timedelta(minutes=rng.randint(5, 180))
        out.append(moment)
        prev = moment
    return out


def simulate_deal(world: World, rng: random.Random, spec: DealSpec) -> Opportunity:
    """Create an opportunity from spec: its whole (cut-off) history, outcome and current state."""
    cal, owner, segment = world.calendar, spec.owner, spec.account.segment
    p_win = spec.win_probability
    if p_win is None:
        p_win = WIN_BASE[spec.opp_type][segment] * spec.win_factor * owner.skill * (1 + 0.05 * owner.style)
    won = rng.random() < min(max(p_win, 0.03), 0.97)
    median = CYCLE_MEDIAN_DAYS[spec.opp_type][segment] * owner.cycle_factor
    cycle = rng.lognormvariate(math.log(median), 0.45) * (1.0 if won else rng.uniform(0.25, 1.1))
    planned = cal.local_date(spec.created_at) + timedelta(days=max(1, round(cycle)))
    close = cal.business_time(rng, _close_day(world, rng, spec, planned, won))
    if close <= spec.created_at:
        close = spec.created_at + timedelta(hours=rng.uniform(2, 30))
    path = _stage_path(rng, spec, won)
    moments = [spec.created_at, *_moments(world, rng, spec.created_at, close, len(path) - 1)]
    amounts = _amounts(rng, path, spec.items, spec.currency)
    history = [
        StageEntry(t, s, a, owner if i else (spec.first_changed_by or owner))
        for i, (t, s, a) in enumerate(zip(moments, path, amounts, strict=True))
    ]
    if not won and rng.random() < 0.05:
        history += _reopen(world, rng, spec, history[-1])
    history = _cut(world, rng, spec, history)
    for entry in history[1:]:
        if entry.stage_name in (WON, LOST) and rng.random() < 0.1:
            entry.changed_by = world.staffing.manager_of(owner, cal.local_date(entry.entered_at)) or owner
    return _opportunity(world, rng, spec, history, median)


def _reopen(world: World, rng: random.Random, spec: DealSpec, lost: StageEntry) -> list[StageEntry]:
    """A lost deal reopened weeks later, then won or lost again."""
    cal = world.calendar
    start = cal.to_office_hours(rng, lost.entered_at + timedelta(days=rng.uniform(14, 75)))
    won = rng.random() < 0.45
    stages = ["Qualification", "Proposal/Price Quote", "Negotiation/Review"] if won else ["Needs Analysis"]
    path = [*stages, WON if won else LOST]
    median = CYCLE_MEDIAN_DAYS[spec.opp_type][spec.account.segment] * 0.5
    close = cal.business_time(
        rng,
        cal.next_business_day(
            cal.local_date(start) + timedelta(days=max(2, round(rng.lognormvariate(math.log(median), 0.4))))
        ),
    )
    moments = [start, *_moments(world, rng, start, max(close, start + timedelta(hours=3)), len(path) - 1)]
    amounts = _amounts(rng, path, spec.items, spec.currency)
    return [StageEntry(t, s, a, spec.owner) for t, s, a in zip(moments, path, amounts, strict=True)]


def _cut(world: World, rng: random.Random, spec: DealSpec, history: list[StageEntry]) -> list[StageEntry]:
    """Drop what happens after the owner left (maybe a manager closes it) or after the as-of date."""
    cal, owner = world.calendar, spec.owner
    if owner.left_date is not None:
        kept = [e for e in history if cal.local_date(e.entered_at) <= owner.left_date]
        if len(kept) < len(history):
            history = kept
            if history[-1].stage_name not in (WON, LOST) and rng.random() < STALE_CLOSE_SHARE:
                day = cal.next_business_day(owner.left_date + timedelta(days=rng.randint(14, 45)))
                manager = world.staffing.manager_of(owner, day) or owner
                history.append(StageEntry(cal.business_time(rng, day), LOST, history[-1].amount, manager))
    return [e for e in history if e.entered_at < cal.cutoff]


def _opportunity(
    world: World, rng: random.Random, spec: DealSpec, history: list[StageEntry], median: float
) -> Opportunity:
    cal = world.calendar
    last = history[-1]
    closed = last.stage_name in (WON, LOST)
    won = last.stage_name == WON
    expected = cal.local_date(spec.created_at) + timedelta(days=round(median * rng.uniform(0.8, 1.2)))
    if not closed and expected < cal.end and rng.random() < 0.6:
        expected = cal.end + timedelta(days=rng.randint(5, 75))  # the rep pushed the forecast
    loss_reason = None
    if closed and not won:
        if (
            last.changed_by is not spec.owner
            and spec.owner.left_date is not None
            and cal.local_date(last.entered_at) > spec.owner.left_date
        ):
            loss_reason = STALE_LOSS_REASON
        else:
            loss_reason = weighted(rng, RENEWAL_LOSS_REASONS if spec.opp_type == "renewal" else LOSS_REASONS)
    updated = last.entered_at + timedelta(minutes=rng.lognormvariate(math.log(30), 1.2))
    updated = min(updated, cal.cutoff - timedelta(seconds=1))
    return Opportunity(
        seq=world.next_seq(),
        account=spec.account,
        owner=spec.owner,
        lead=spec.lead,
        name=spec.name,
        opp_type=spec.opp_type,
        currency=spec.currency,
        created_at=spec.created_at,
        expected_close=expected,
        history=history,
        items=list(spec.items),
        closed_at=last.entered_at if closed else None,
        is_closed=closed,
        is_won=won,
        loss_reason=loss_reason,
        updated_at=updated,
    )
