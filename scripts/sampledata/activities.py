"""The work reps log on leads and deals: calls, meetings, demos, logged e-mails, tasks, and tracked sales
e-mails.

Response time is what the lead-response KPI measures: lead created -> first outbound activity or sales
email. Delays are log-normal around a rep-specific median (minutes for the quick ones, days for the slow);
some leads are never touched and a few are converted before anyone touched them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scripts.sampledata.accounts import Contacts
from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import DAY, NEVER, NEVER_DAY, local_midnight
from scripts.sampledata.emails import Emails
from scripts.sampledata.leads import (
    CONVERTED,
    NEW,
    NURTURING,
    QUALIFIED,
    SOURCE_INDEX,
    UNQUALIFIED,
    WORKING,
    Leads,
    weighted,
)
from scripts.sampledata.reference import CALL_OUTCOMES, EMAIL_OUTCOMES, MEETING_OUTCOMES, TASK_OUTCOMES
from scripts.sampledata.staffing import AE, BDR, Staffing

ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "task")
CALL, EMAIL, MEETING, DEMO, TASK = range(5)
SALES_EMAIL = -1  # a touch that is a tracked e-mail, not a logged activity
DIRECTIONS = ("outbound", "inbound")
OUTBOUND, INBOUND = range(2)
OUTCOMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [o for o, _ in (*CALL_OUTCOMES, *MEETING_OUTCOMES, *EMAIL_OUTCOMES, *TASK_OUTCOMES)] + ["received"]
    )
)
MAX_RESPONSE_MINUTES = 14 * 24 * 60
FOLLOW_UPS = {
    CONVERTED: (1, 4),
    WORKING: (0, 3),
    NURTURING: (1, 3),
    QUALIFIED: (1, 3),
    UNQUALIFIED: (0, 2),
    NEW: (0, 0),
}
DEAL_BASE = np.array([3.0, 6.0, 10.0])  # activities per deal by segment ...
DEAL_TYPE_FACTOR = np.array([1.0, 0.6, 0.4])  # ... and by deal type


@dataclass
class Activities:
    """Logged activities (accumulated in batches, numbered by time at the end)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    count: int = 0

    def add(
        self, kind: np.ndarray, direction: np.ndarray, rep: np.ndarray, at: np.ndarray, **links: np.ndarray
    ) -> None:
        n = len(at)
        if not n:
            return
        none = np.full(n, -1, np.int64)
        self.parts.append(
            {
                "kind": np.broadcast_to(kind, n).astype(np.int64),
                "direction": np.broadcast_to(direction, n).astype(np.int64),
                "rep": rep,
                "at": at,
                "lead": links.get("lead", none),
                "contact": links.get("contact", none),
                "account": links.get("account", none),
                "opportunity": links.get("opportunity", none),
                "seq": np.arange(self.count, self.count + n),
            }
        )
        self.count += n

    def columns(self) -> dict[str, np.ndarray]:
        names = ("kind", "direction", "rep", "at", "lead", "contact", "account", "opportunity", "seq")
        return {
            k: np.concatenate([p[k] for p in self.parts]) if self.parts else np.empty(0, np.int64)
            for k in names
        }


@dataclass
class SalesEmails:
    """Tracked sales e-mails (accumulated in batches)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, rep: np.ndarray, at: np.ndarray, **links: np.ndarray) -> None:
        n = len(at)
        if not n:
            return
        none = np.full(n, -1, np.int64)
        self.parts.append(
            {"rep": rep, "at": at, "lead": links.get("lead", none), "contact": links.get("contact", none)}
        )

    def emails(self, first_seq: int) -> Emails:
        cols = {
            k: np.concatenate([p[k] for p in self.parts]) if self.parts else np.empty(0, np.int64)
            for k in ("rep", "at", "lead", "contact")
        }
        n = len(cols["at"])
        return Emails(
            cols["at"],
            np.full(n, -1),
            cols["rep"],
            cols["lead"],
            cols["contact"],
            np.arange(first_seq, first_seq + n),
        )


def durations_and_outcomes(
    rng: np.random.Generator, kind: np.ndarray, direction: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Duration in seconds (-1: none) and outcome (index into OUTCOMES) of each activity."""
    n = len(kind)
    index = {o: i for i, o in enumerate(OUTCOMES)}

    def outcomes(options: tuple[tuple[str, float], ...]) -> np.ndarray:
        labels = np.array([index[o] for o, _ in options])
        return labels[weighted(rng, np.array([w for _, w in options]), n)]

    call_outcome = outcomes(CALL_OUTCOMES)
    talked = np.isin(call_outcome, (index["connected"], index["call back later"]))
    call_duration = np.where(
        talked,
        np.clip(np.exp(rng.normal(math.log(240), 0.7, n)), 30, 3600).astype(np.int64),
        rng.integers(5, 41, n),
    )
    meeting_duration = np.array([1800, 2700, 3600, 3600, 5400])[rng.integers(0, 5, n)]
    demo_duration = np.array([2700, 3600, 4500, 5400])[rng.integers(0, 4, n)]
    meeting_outcome = outcomes(MEETING_OUTCOMES)
    email_outcome = np.where(direction == INBOUND, index["received"], outcomes(EMAIL_OUTCOMES))
    task_outcome = outcomes(TASK_OUTCOMES)
    duration = np.select(
        [kind == CALL, kind == MEETING, kind == DEMO], [call_duration, meeting_duration, demo_duration], -1
    )
    outcome = np.select(
        [kind == CALL, (kind == MEETING) | (kind == DEMO), kind == EMAIL],
        [call_outcome, meeting_outcome, email_outcome],
        task_outcome,
    )
    return duration, outcome


def _touch_kind(rng: np.random.Generator, staffing: Staffing, leads: Leads, lead: np.ndarray) -> np.ndarray:
    """How an owner first reaches a lead: cold sources by their channel, AEs more by phone and meetings."""
    n = len(lead)
    source, owner_role = leads.source[lead], staffing.role[leads.owner[lead]]
    u = rng.random(n)
    ae = np.array([CALL, MEETING, EMAIL, SALES_EMAIL])[weighted(rng, np.array([0.5, 0.2, 0.15, 0.15]), n)]
    other = np.array([CALL, EMAIL, SALES_EMAIL])[weighted(rng, np.array([0.5, 0.15, 0.35]), n)]
    return np.select(
        [source == SOURCE_INDEX["Cold Call"], source == SOURCE_INDEX["Cold Email"], owner_role == AE],
        [np.where(u < 0.9, CALL, SALES_EMAIL), np.where(u < 0.9, SALES_EMAIL, CALL), ae],
        other,
    )


def _touch(
    acts: Activities, mails: SalesEmails, kind: np.ndarray, rep: np.ndarray, at: np.ndarray, lead: np.ndarray
) -> None:
    mail = kind == SALES_EMAIL
    mails.add(rep[mail], at[mail], lead=lead[mail])
    acts.add(kind[~mail], OUTBOUND, rep[~mail], at[~mail], lead=lead[~mail])


def build_lead_activities(
    rng: np.random.Generator,
    calendar: Calendar,
    staffing: Staffing,
    leads: Leads,
    acts: Activities,
    mails: SalesEmails,
) -> None:
    """First touch and follow-ups (calls, logged emails, tracked sales emails, replies) for every lead."""
    n = len(leads)
    cutoff = calendar.cutoff
    owner = leads.owner
    converted = leads.converted_at < NEVER
    untouched = 0.06 + 0.2 * (leads.source == SOURCE_INDEX["WA Blast"]) + 0.08 * (staffing.role[owner] == BDR)
    untouched = np.where(converted, 0.01, untouched)
    skip = rng.random(n) < untouched
    start = calendar.to_office_hours(rng, leads.created)
    delay = np.minimum(
        np.exp(rng.normal(np.log(staffing.response_median_min[owner]), 1.1)), MAX_RESPONSE_MINUTES
    )
    first = start + (delay * 60).astype(np.int64)
    late = converted & (rng.random(n) < 0.05)  # converted before anyone called
    first = np.where(late, leads.converted_at + (rng.uniform(1, 72, n) * 3600).astype(np.int64), first)
    left = staffing.left[owner]
    touched = ~skip & (first < cutoff) & ~(calendar.local_day(first) > left)
    rows = np.flatnonzero(touched)
    _touch(acts, mails, _touch_kind(rng, staffing, leads, rows), owner[rows], first[rows], rows)
    low = np.zeros(n, np.int64)
    high = np.zeros(n, np.int64)
    for status, (lo, hi) in FOLLOW_UPS.items():
        low[leads.status == status], high[leads.status == status] = lo, hi
    count = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    stop = np.where(converted & (leads.converted_at > first), leads.converted_at, cutoff)
    moment = first.copy()
    alive = touched.copy()
    for j in range(4):
        alive &= j < count
        gap = (np.exp(rng.normal(math.log(3), 0.7, n)) * DAY).astype(np.int64)
        moment = calendar.to_office_hours(rng, moment + gap)
        alive &= (moment < stop) & ~(calendar.local_day(moment) > left)
        rows = np.flatnonzero(alive)
        kind = np.array([CALL, EMAIL, SALES_EMAIL])[weighted(rng, np.array([0.5, 0.2, 0.3]), len(rows))]
        _touch(acts, mails, kind, owner[rows], moment[rows], rows)
        reply_at = moment[rows] + (np.exp(rng.normal(math.log(5), 1.0, len(rows))) * 3600).astype(np.int64)
        replies = (rng.random(len(rows)) < 0.15) & (reply_at < stop[rows])
        r = rows[replies]
        reply_kind = np.where(rng.random(len(r)) < 0.5, EMAIL, CALL)
        acts.add(reply_kind, INBOUND, owner[r], reply_at[replies], lead=r)


def build_deal_activities(
    rng: np.random.Generator,
    calendar: Calendar,
    staffing: Staffing,
    contacts: Contacts,
    opp_account: np.ndarray,
    opp_segment: np.ndarray,
    opp_type: np.ndarray,
    opp_owner: np.ndarray,
    opp_created: np.ndarray,
    opp_closed: np.ndarray,
    acts: Activities,
    mails: SalesEmails,
) -> None:
    """Calls, meetings, demos, emails and tasks over each deal's life, by its owner."""
    cutoff = calendar.cutoff
    end = np.minimum(opp_closed, cutoff)
    left = staffing.left[opp_owner]
    left_evening = np.where(left < NEVER_DAY, local_midnight(np.minimum(left, 2**30)) + 18 * 3600, NEVER)
    end = np.minimum(end, left_evening)
    span = (end - opp_created) / DAY
    base = DEAL_BASE[opp_segment] * DEAL_TYPE_FACTOR[opp_type]
    count = np.maximum(
        1,
        np.minimum(
            np.rint(base * rng.uniform(0.6, 1.4, len(span))), 1 + (np.maximum(span, 0) / 2).astype(np.int64)
        ),
    )
    count = np.where(span > 0, count, 0).astype(np.int64)
    opp = np.repeat(np.arange(len(span)), count)
    raw = opp_created[opp] + (rng.random(len(opp)) * span[opp] * DAY).astype(np.int64)
    order = np.lexsort((raw, opp))
    opp, raw = opp[order], raw[order]
    first = np.r_[True, opp[1:] != opp[:-1]] if len(opp) else np.empty(0, bool)
    moment = calendar.to_office_hours(rng, raw)
    keep = moment < end[opp]
    n = len(opp)
    kind = np.where(
        first,
        np.array([CALL, EMAIL, MEETING])[rng.integers(0, 3, n)],
        np.array([CALL, MEETING, DEMO, EMAIL, TASK])[
            weighted(rng, np.array([0.3, 0.22, 0.12, 0.24, 0.12]), n)
        ],
    )
    account = opp_account[opp]
    contact = _contact_at(rng, calendar, contacts, account, moment)
    mail = keep & (kind == EMAIL) & (contact >= 0) & (rng.random(n) < 0.35)
    direction = np.where(np.isin(kind, (CALL, EMAIL)) & (rng.random(n) < 0.15), INBOUND, OUTBOUND)
    mails.add(opp_owner[opp][mail], moment[mail], contact=contact[mail])
    log = keep & ~mail
    acts.add(
        kind[log],
        direction[log],
        opp_owner[opp][log],
        moment[log],
        contact=contact[log],
        account=account[log],
        opportunity=opp[log],
    )


def _contact_at(
    rng: np.random.Generator, calendar: Calendar, contacts: Contacts, account: np.ndarray, moment: np.ndarray
) -> np.ndarray:
    """A random contact of each account that existed at the moment (-1: none yet)."""
    if not len(contacts):
        return np.full(len(account), -1, np.int64)
    base = calendar.start_moment - 400 * DAY
    key = contacts.account * (2**33) + (contacts.created - base)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.searchsorted(sorted_key, account * (2**33), side="left")
    upto = np.searchsorted(sorted_key, account * (2**33) + (moment - base), side="right")
    count = upto - first
    pick = first + (rng.random(len(account)) * count).astype(np.int64)
    return np.where(count > 0, order[np.minimum(pick, len(order) - 1)], -1)
