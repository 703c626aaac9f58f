"""Opportunities and their stage history (Salesforce stage labels), simulated for a batch of deals at once.

A deal's outcome and timing are drawn when it is created: win chance by type, segment, lead source and
rep; cycle length by segment (SMB weeks, enterprise months) and rep; closes pulled into December by
year-end budgets and pushed out of the Lebaran weeks. The stage path may step backwards, lost deals are
sometimes reopened, and a deal whose owner leaves stays open (or is closed lost later by the manager).
Everything after the as-of date is cut off, which leaves the open pipeline.

A batch's stage histories are matrices [deal, entry] (stage -1 after a deal's last entry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scripts.sampledata.calendar import Calendar, month_first_day, month_index, year_month_day
from scripts.sampledata.config import NEVER
from scripts.sampledata.currency import IDR, money
from scripts.sampledata.leads import weighted
from scripts.sampledata.products import Lines
from scripts.sampledata.reference import LOSS_REASONS, RENEWAL_LOSS_REASONS, STALE_LOSS_REASON
from scripts.sampledata.staffing import Staffing

STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
PROSPECTING, QUALIFICATION, NEEDS_ANALYSIS, PROPOSAL, NEGOTIATION, WON, LOST = range(7)
OPP_TYPES = ("new_business", "upsell", "renewal")
NEW_BUSINESS, UPSELL, RENEWAL = range(3)
CYCLE_MEDIAN_DAYS = np.array([[24.0, 60.0, 130.0], [18.0, 35.0, 60.0], [25.0, 35.0, 50.0]])  # [type, segment]
WIN_BASE = np.array([[0.34, 0.29, 0.24], [0.55, 0.52, 0.48], [0.88, 0.89, 0.9]])
STALE_CLOSE_SHARE = 0.35  # deals of a rep who left that the manager closes lost later
HISTORY = 16  # entries a history matrix holds (the longest path is 8, a reopening adds 5, a cut 1)
LOSS_REASON_LABELS = (*(r for r, _ in LOSS_REASONS), *(r for r, _ in RENEWAL_LOSS_REASONS), STALE_LOSS_REASON)
LOSS_WEIGHTS = np.array([w for _, w in LOSS_REASONS])
RENEWAL_LOSS_WEIGHTS = np.array([w for _, w in RENEWAL_LOSS_REASONS])
STALE_REASON = len(LOSS_REASON_LABELS) - 1
HARMONIC = np.cumsum(1.0 / np.arange(1, 9))


@dataclass
class DealSpec:
    """What is known when a batch of deals is created (one value per deal)."""

    account: np.ndarray
    segment: np.ndarray
    opp_type: np.ndarray
    created: np.ndarray
    owner: np.ndarray
    currency: np.ndarray
    lines: Lines  # the deal's priced lines; lines.owner is the deal's row in this batch
    lead: np.ndarray  # -1: none
    first_changed_by: np.ndarray  # -1: the owner
    win_probability: np.ndarray  # NaN: from type, segment, source and rep
    win_factor: np.ndarray
    start_stage: np.ndarray


@dataclass
class Deals:
    """Simulated deals: stage histories and the opportunity record's fields."""

    stage: np.ndarray  # [deal, entry]
    entered: np.ndarray
    amount: np.ndarray  # cents
    changed_by: np.ndarray
    length: np.ndarray
    closed_at: np.ndarray  # NEVER while open
    is_won: np.ndarray
    loss_reason: np.ndarray  # index into LOSS_REASON_LABELS, -1 when not lost
    expected_close: np.ndarray  # epoch day
    updated_at: np.ndarray

    @property
    def last(self) -> np.ndarray:
        return self.length - 1

    @property
    def current_stage(self) -> np.ndarray:
        return self.stage[np.arange(len(self.length)), self.last]

    @property
    def current_amount(self) -> np.ndarray:
        return self.amount[np.arange(len(self.length)), self.last]

    @property
    def is_closed(self) -> np.ndarray:
        return self.closed_at < NEVER


def round_estimate(value: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """A rep's round-number estimate of a deal's value (cents)."""
    step = 10.0 ** np.maximum(0, np.floor(np.log10(np.maximum(value, 1.0))) - 1)
    step = np.where(currency == IDR, np.maximum(step, 100_000), step)
    return money(np.rint(value / step) * step, currency)


def _deal_values(spec: DealSpec, n: int) -> tuple[np.ndarray, np.ndarray]:
    """List value (currency units, float) and net value (cents) of each deal's lines."""
    lines = spec.lines
    list_value = np.bincount(
        lines.owner, weights=(lines.quantity * lines.unit_price).astype(np.float64), minlength=n
    )
    net = np.zeros(n, np.int64)
    np.add.at(net, lines.owner, lines.net)
    return list_value / 100.0, net


def _amounts(
    rng: np.random.Generator, stage: np.ndarray, list_value: np.ndarray, net: np.ndarray, currency: np.ndarray
) -> np.ndarray:
    """The amount entered with each stage: a round guess, the list value, the quote, the final price."""
    n = len(list_value)
    guess = round_estimate(list_value * rng.uniform(0.6, 1.3, n), currency)
    listed = round_estimate(list_value, currency)
    quote = money(list_value - 0.5 * (list_value - net / 100.0), currency)
    out = np.zeros(stage.shape, np.int64)
    current = guess
    for j in range(stage.shape[1]):
        s = stage[:, j]
        current = np.select(
            [s == NEEDS_ANALYSIS, s == PROPOSAL, (s == NEGOTIATION) | (s == WON)],
            [listed, quote, net],
            current,
        )
        out[:, j] = current
    return out


def _moments(
    rng: np.random.Generator, calendar: Calendar, start: np.ndarray, close: np.ndarray, steps: np.ndarray
) -> np.ndarray:
    """[deal, k]: increasing office-hour moments from start to close for `steps` stage changes (the last
    is the close); columns from steps on are NEVER."""
    n, width = len(start), int(steps.max(initial=0))
    out = np.full((n, max(width, 1)), NEVER)
    if width == 0:
        return out[:, :0]
    weights = rng.gamma(2.0, 1.0, (n, width)) * (np.arange(width) < steps[:, None])
    fraction = np.cumsum(weights, axis=1) / np.maximum(weights.sum(axis=1), 1e-12)[:, None]
    span = (close - start).astype(np.float64)
    prev = start.copy()
    for k in range(width):
        moment = calendar.to_office_hours(rng, start + (span * fraction[:, k]).astype(np.int64))
        moment = np.where(k == steps - 1, close, moment)
        moment = np.where(moment <= prev, prev + rng.integers(5, 181, n) * 60, moment)
        valid = k < steps
        out[:, k] = np.where(valid, moment, NEVER)
        prev = np.where(valid, moment, prev)
    return out[:, :width]


def _stage_paths(
    rng: np.random.Generator, start_stage: np.ndarray, segment: np.ndarray, won: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Stage codes [deal, k] (-1 after the end) and lengths: open stages from the start stage, maybe
    skipping needs analysis (SMB), lost deals stopping early, a re-quote stepping back; then won/lost."""
    n = len(start_stage)
    stage = start_stage[:, None] + np.arange(5)[None, :]
    stage = np.where(stage <= NEGOTIATION, stage, -1)
    skip = (segment == 0) & (start_stage < NEEDS_ANALYSIS) & (rng.random(n) < 0.4)
    stage = np.where(skip[:, None] & (stage == NEEDS_ANALYSIS), -1, stage)
    stage = np.take_along_axis(stage, np.argsort(stage < 0, axis=1, kind="stable"), axis=1)
    length = (stage >= 0).sum(axis=1)
    stop = np.minimum(
        np.searchsorted(HARMONIC, rng.random(n) * HARMONIC[length - 1], side="right"), length - 1
    )
    length = np.where(won, length, stop + 1)
    out = np.full((n, 8), -1, np.int64)
    out[:, :5] = np.where(np.arange(5)[None, :] < length[:, None], stage, -1)
    has_quote = (out == PROPOSAL).any(axis=1)
    requote = has_quote & (rng.random(n) < 0.08)
    at = np.argmax(out == PROPOSAL, axis=1) + 1
    shifted = out.copy()
    cols = np.arange(8)[None, :]
    source = np.where(cols >= at[:, None] + 2, cols - 2, cols)
    shifted = np.take_along_axis(out, np.clip(source, 0, 7), axis=1)
    shifted = np.where(
        cols == at[:, None], NEEDS_ANALYSIS, np.where(cols == at[:, None] + 1, PROPOSAL, shifted)
    )
    out = np.where(requote[:, None], shifted, out)
    length = length + 2 * requote
    out[np.arange(n), length] = np.where(won, WON, LOST)
    return out, length + 1


def _close_day(
    rng: np.random.Generator, calendar: Calendar, spec: DealSpec, planned: np.ndarray, won: np.ndarray
) -> np.ndarray:
    """Year-end budget flush pulls January/February closes into December; Lebaran pushes closes out."""
    n = len(planned)
    _, month, dom = year_month_day(planned)
    flush = won & (spec.segment != 0) & ((month == 1) | ((month == 2) & (dom <= 15))) & (rng.random(n) < 0.35)
    december = month_first_day(month_index(planned) - month) + rng.integers(10, 30, n) - 1
    flush &= december > calendar.local_day(spec.created) + 7
    planned = np.where(flush, december, planned)
    planned = np.where(calendar.is_lebaran_break(planned), planned + rng.integers(9, 17, n), planned)
    return calendar.next_business_day(planned)


def simulate_deals(rng: np.random.Generator, calendar: Calendar, staffing: Staffing, spec: DealSpec) -> Deals:
    """Create opportunities from specs: their whole (cut-off) histories, outcomes and current state."""
    n = len(spec.created)
    owner, segment, kind = spec.owner, spec.segment, spec.opp_type
    p_win = (
        WIN_BASE[kind, segment] * spec.win_factor * staffing.skill[owner] * (1 + 0.05 * staffing.style[owner])
    )
    p_win = np.where(np.isnan(spec.win_probability), p_win, spec.win_probability)
    won = rng.random(n) < np.clip(p_win, 0.03, 0.97)
    median = CYCLE_MEDIAN_DAYS[kind, segment] * staffing.cycle_factor[owner]
    cycle = np.exp(rng.normal(np.log(median), 0.45)) * np.where(won, 1.0, rng.uniform(0.25, 1.1, n))
    planned = calendar.local_day(spec.created) + np.maximum(1, np.rint(cycle)).astype(np.int64)
    close = calendar.business_time(rng, _close_day(rng, calendar, spec, planned, won))
    close = np.where(
        close <= spec.created, spec.created + (rng.uniform(2, 30, n) * 3600).astype(np.int64), close
    )
    path, path_length = _stage_paths(rng, spec.start_stage, segment, won)
    steps = _moments(rng, calendar, spec.created, close, path_length - 1)
    list_value, net = _deal_values(spec, n)
    stage = np.full((n, HISTORY), -1, np.int64)
    entered = np.full((n, HISTORY), NEVER)
    amount = np.zeros((n, HISTORY), np.int64)
    stage[:, : path.shape[1]] = path
    entered[:, 0] = spec.created
    entered[:, 1 : 1 + steps.shape[1]] = steps
    amount[:, : path.shape[1]] = _amounts(rng, path, list_value, net, spec.currency)
    changed_by = np.where(stage >= 0, owner[:, None], -1)
    changed_by[:, 0] = np.where(spec.first_changed_by >= 0, spec.first_changed_by, owner)
    length = path_length.copy()
    _reopen(rng, calendar, spec, won, stage, entered, amount, changed_by, length, list_value, net)
    _cut(rng, calendar, staffing, spec, stage, entered, amount, changed_by, length)
    rows = np.arange(n)
    closing = (stage == WON) | (stage == LOST)
    by_manager = closing & (np.arange(HISTORY)[None, :] > 0) & (rng.random((n, HISTORY)) < 0.1)
    r, c = np.nonzero(by_manager)
    changed_by[r, c] = staffing.manager_of(owner[r], calendar.local_day(entered[r, c]))
    last = length - 1
    last_stage, last_at = stage[rows, last], entered[rows, last]
    closed = (last_stage == WON) | (last_stage == LOST)
    is_won = last_stage == WON
    expected = calendar.local_day(spec.created) + np.rint(median * rng.uniform(0.8, 1.2, n)).astype(np.int64)
    pushed = ~closed & (expected < calendar.end_day) & (rng.random(n) < 0.6)
    expected = np.where(pushed, calendar.end_day + rng.integers(5, 76, n), expected)
    owner_left = staffing.left[owner]
    stale = (changed_by[rows, last] != owner) & (calendar.local_day(last_at) > owner_left)
    reason = np.where(
        kind == 2,
        len(LOSS_WEIGHTS) + weighted(rng, RENEWAL_LOSS_WEIGHTS, n),
        weighted(rng, LOSS_WEIGHTS, n),
    )
    loss_reason = np.where(closed & ~is_won, np.where(stale, STALE_REASON, reason), -1)
    updated = last_at + (np.exp(rng.normal(math.log(30), 1.2, n)) * 60).astype(np.int64)
    return Deals(
        stage=stage,
        entered=entered,
        amount=amount,
        changed_by=changed_by,
        length=length,
        closed_at=np.where(closed, last_at, NEVER),
        is_won=is_won,
        loss_reason=loss_reason,
        expected_close=expected,
        updated_at=np.minimum(updated, calendar.cutoff - 1),
    )


def _reopen(
    rng: np.random.Generator,
    calendar: Calendar,
    spec: DealSpec,
    won: np.ndarray,
    stage: np.ndarray,
    entered: np.ndarray,
    amount: np.ndarray,
    changed_by: np.ndarray,
    length: np.ndarray,
    list_value: np.ndarray,
    net: np.ndarray,
) -> None:
    """A lost deal reopened weeks later, then won or lost again (appended to the histories in place)."""
    n = len(won)
    rows = np.flatnonzero(~won & (rng.random(n) < 0.05))
    if not len(rows):
        return
    k = len(rows)
    lost_at = entered[rows, length[rows] - 1]
    start = calendar.to_office_hours(rng, lost_at + (rng.uniform(14, 75, k) * 86400).astype(np.int64))
    won_again = rng.random(k) < 0.45
    path = np.where(
        won_again[:, None],
        np.array([QUALIFICATION, PROPOSAL, NEGOTIATION, WON]),
        np.array([NEEDS_ANALYSIS, LOST, -1, -1]),
    )
    path_length = np.where(won_again, 4, 2)
    median = CYCLE_MEDIAN_DAYS[spec.opp_type[rows], spec.segment[rows]] * 0.5
    days = np.maximum(2, np.rint(np.exp(rng.normal(np.log(median), 0.4)))).astype(np.int64)
    close = calendar.business_time(rng, calendar.next_business_day(calendar.local_day(start) + days))
    steps = _moments(rng, calendar, start, np.maximum(close, start + 3 * 3600), path_length - 1)
    moments = np.full((k, 4), NEVER)
    moments[:, 0] = start
    moments[:, 1 : 1 + steps.shape[1]] = steps
    amounts = _amounts(rng, path, list_value[rows], net[rows], spec.currency[rows])
    for j in range(4):
        valid = j < path_length
        col = length[rows] + j
        r, c = rows[valid], col[valid]
        stage[r, c] = path[valid, j]
        entered[r, c] = moments[valid, j]
        amount[r, c] = amounts[valid, j]
        changed_by[r, c] = spec.owner[r]
    length[rows] += path_length


def _cut(
    rng: np.random.Generator,
    calendar: Calendar,
    staffing: Staffing,
    spec: DealSpec,
    stage: np.ndarray,
    entered: np.ndarray,
    amount: np.ndarray,
    changed_by: np.ndarray,
    length: np.ndarray,
) -> None:
    """Drop what happens after the owner left (maybe a manager closes it) or after the as-of date."""
    n = len(length)
    rows = np.arange(n)
    left = staffing.left[spec.owner]
    in_history = np.arange(HISTORY)[None, :] < length[:, None]
    after_leaving = in_history & (calendar.local_day(entered) > left[:, None])
    after_leaving[:, 0] = False
    kept = np.where(after_leaving.any(axis=1), np.argmax(after_leaving, axis=1), length)
    truncated = kept < length
    last_kept = stage[rows, kept - 1]
    still_open = truncated & (last_kept != WON) & (last_kept != LOST)
    stale = still_open & (rng.random(n) < STALE_CLOSE_SHARE)
    day = calendar.next_business_day(np.minimum(left, calendar.end_day + 400) + rng.integers(14, 46, n))
    manager = staffing.manager_of(spec.owner, day)
    stale_at = calendar.business_time(rng, day)
    clear = np.arange(HISTORY)[None, :] >= kept[:, None]
    stage[clear], entered[clear], amount[clear], changed_by[clear] = -1, NEVER, 0, -1
    r = np.flatnonzero(stale)
    c = kept[r]
    stage[r, c], entered[r, c], amount[r, c], changed_by[r, c] = (
        LOST,
        stale_at[r],
        amount[r, c - 1],
        manager[r],
    )
    length[:] = kept + stale
    # nothing at or after the cutoff (the first entry, the creation, is always before it)
    future = (np.arange(HISTORY)[None, :] < length[:, None]) & (entered >= calendar.cutoff)
    future[:, 0] = False
    cut = np.where(future.any(axis=1), np.argmax(future, axis=1), length)
    clear = np.arange(HISTORY)[None, :] >= cut[:, None]
    stage[clear], entered[clear], amount[clear], changed_by[clear] = -1, NEVER, 0, -1
    length[:] = cut
