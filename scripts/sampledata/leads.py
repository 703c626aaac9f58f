"""Leads: where they come from (source, day, hour), who they are, who works them, and which convert when.

Accounts, deals and the people's e-mail addresses come later; this step decides the facts a lead's later
life depends on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import NEVER
from scripts.sampledata.marketing import event_lead_days
from scripts.sampledata.names import person_names
from scripts.sampledata.reference import (
    FOREIGN_LOCATIONS,
    FOREIGN_REGION,
    INDUSTRIES,
    LEAD_SOURCES,
    REGION_NAMES,
    REGIONS,
)
from scripts.sampledata.staffing import LEAD_ROLES, Staffing

FOREIGN_LEAD_SOURCES = ("LinkedIn", "Website", "Partner", "Organic Search", "Event")
SEGMENT_CONVERSION = np.array([0.95, 1.1, 1.2])  # smb, mid_market, enterprise
LEAD_STATUSES = ("new", "working", "nurturing", "qualified", "unqualified", "converted")
NEW, WORKING, NURTURING, QUALIFIED, UNQUALIFIED, CONVERTED = range(6)

SOURCE_WEIGHT = np.array([s.weight for s in LEAD_SOURCES])
SOURCE_P_OPPORTUNITY = np.array([s.p_opportunity for s in LEAD_SOURCES])
SOURCE_WIN_FACTOR = np.array([s.win_factor for s in LEAD_SOURCES])
SOURCE_DIGITAL = np.array([s.digital for s in LEAD_SOURCES])
SOURCE_BIG_SHARE = np.array([s.big_company_share for s in LEAD_SOURCES])
SOURCE_ROLE = np.array([LEAD_ROLES.index(s.owner_role) for s in LEAD_SOURCES])
SOURCE_FOREIGN = np.array([s.label in FOREIGN_LEAD_SOURCES for s in LEAD_SOURCES])
SOURCE_INDEX = {s.label: i for i, s in enumerate(LEAD_SOURCES)}
INDUSTRY_WEIGHT = np.array([w for _, w in INDUSTRIES])
REGION_WEIGHT = np.array([r.weight for r in REGIONS])
FOREIGN_REGION_INDEX = REGION_NAMES.index(FOREIGN_REGION)


def weighted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n indexes drawn by weight."""
    cum = np.cumsum(weights)
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(weights) - 1)


def exact_share(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A random round(n * share) of n rows (a fixed count keeps small data sets representative)."""
    out = np.zeros(n, bool)
    out[rng.permutation(n)[: round(n * share)]] = True
    return out


def choose_location(rng: np.random.Generator, foreign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Region index and foreign location index (-1 for Indonesian companies). Foreign companies take the
    foreign locations in turns from a shuffled list, so even a handful of them is spread over countries."""
    n = len(foreign)
    region = weighted(rng, REGION_WEIGHT, n)
    turns = np.concatenate(
        [rng.permutation(len(FOREIGN_LOCATIONS)) for _ in range(n // len(FOREIGN_LOCATIONS) + 1)]
    )
    location = np.full(n, -1)
    location[foreign] = turns[: int(foreign.sum())]
    return np.where(foreign, FOREIGN_REGION_INDEX, region), location


@dataclass
class Leads:
    """Leads in creation order (lead numbers follow it)."""

    created: np.ndarray
    source: np.ndarray
    owner: np.ndarray
    region: np.ndarray
    segment: np.ndarray
    location: np.ndarray  # foreign location index, -1 for Indonesia
    industry: np.ndarray
    first: np.ndarray
    last: np.ndarray
    free_mail: np.ndarray  # index into FREE_MAIL_DOMAINS, -1 for the company domain
    email_style: np.ndarray  # how the e-mail address is formed (names.emails)
    status: np.ndarray
    converted_at: np.ndarray  # NEVER if not converted
    updated_at: np.ndarray
    company: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # index into the shard's names
    account: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    contact: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    opportunity: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def __len__(self) -> int:
        return len(self.created)


def build_leads(
    rng: np.random.Generator, calendar: Calendar, staffing: Staffing, n: int, free_mail_domains: int
) -> Leads:
    """Create the leads and decide which convert and when (accounts and deals come later)."""
    source = weighted(rng, SOURCE_WEIGHT, n)
    day = event_lead_days(rng, calendar, source)
    day = np.where(day >= 0, day, calendar.sample_days(rng, n))
    digital = SOURCE_DIGITAL[source]
    created = np.where(digital, calendar.any_time(rng, day), calendar.business_time(rng, day))
    u = rng.random((5, n))
    big = u[0] < SOURCE_BIG_SHARE[source]
    segment = np.where(big, np.where(u[1] < 0.3, 2, 1), 0)
    foreign = SOURCE_FOREIGN[source] & (u[2] < 0.06)
    region, location = choose_location(rng, foreign)
    industry = weighted(rng, INDUSTRY_WEIGHT, n)
    first, last = person_names(rng, n)
    free_mail = np.where((segment == 0) & (u[3] < 0.35), rng.integers(0, free_mail_domains, n), -1)
    owner = staffing.pick(rng, SOURCE_ROLE[source], region, segment, calendar.local_day(created))
    order = np.lexsort((np.arange(n), created))
    leads = Leads(
        created=created[order],
        source=source[order],
        owner=owner[order],
        region=region[order],
        segment=segment[order],
        location=location[order],
        industry=industry[order],
        first=first[order],
        last=last[order],
        free_mail=free_mail[order],
        email_style=rng.random(n)[order],
        status=np.zeros(n, np.int64),
        converted_at=np.full(n, NEVER),
        updated_at=created[order],
    )
    _decide_conversion(rng, calendar, staffing, leads)
    return leads


def _decide_conversion(
    rng: np.random.Generator, calendar: Calendar, staffing: Staffing, leads: Leads
) -> None:
    """Converted (with a time) or a status that fits the lead's age."""
    n = len(leads)
    source, created = leads.source, leads.created
    p = (
        SOURCE_P_OPPORTUNITY[source]
        * SEGMENT_CONVERSION[leads.segment]
        * np.sqrt(staffing.skill[leads.owner])
    )
    median = np.where(SOURCE_ROLE[source] == LEAD_ROLES.index("account_executive"), 2.5, 9.0)
    lag = np.clip(np.exp(rng.normal(np.log(median), 0.9)), 0.01, 120.0)
    converted = calendar.to_office_hours(rng, created + (lag * 86400).astype(np.int64))
    is_converted = (rng.random(n) < p) & (converted < calendar.cutoff)
    age = (calendar.cutoff - created) // 86400
    u = rng.random((2, n))
    middle = np.array([WORKING, NURTURING, QUALIFIED, UNQUALIFIED])[
        weighted(rng, np.array([0.35, 0.25, 0.08, 0.32]), n)
    ]
    status = np.select(
        [age < 10, age < 45],
        [np.where(u[0] < 0.45, NEW, WORKING), middle],
        np.where(u[1] < 0.3, NURTURING, UNQUALIFIED),
    )
    window = np.maximum(1.5, np.minimum(age, 60))
    changed = calendar.to_office_hours(
        rng, created + ((1 + rng.random(n) * (window - 1)) * 86400).astype(np.int64)
    )
    updated = np.where((status != NEW) & (changed < calendar.cutoff), changed, created)
    leads.status = np.where(is_converted, CONVERTED, status)
    leads.converted_at = np.where(is_converted, converted, NEVER)
    leads.updated_at = np.where(is_converted, converted, updated)
