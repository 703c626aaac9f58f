"""The sample period's calendar: business days and hours (WIB), Ramadan and Lebaran, year-end, growth.

All timestamps the generator produces are naive UTC datetimes; people in the sample work in Western
Indonesian Time (WIB, UTC+7), so business hours 08:00-18:00 WIB are 01:00-11:00 UTC.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WIB = timedelta(hours=7)
EID_ANCHOR = date(2026, 3, 20)  # Idul Fitri 1447 H in Indonesia
LUNAR_YEAR_DAYS = 354.367
DEFAULT_ANNUAL_GROWTH = 0.25


def eid_al_fitr_dates(first_year: int, last_year: int) -> tuple[date, ...]:
    """Idul Fitri dates (within a day) for the years given, stepping lunar years from a known date."""
    dates = []
    for n in range(-60, 60):
        d = EID_ANCHOR + timedelta(days=round(n * LUNAR_YEAR_DAYS))
        if first_year <= d.year <= last_year:
            dates.append(d)
    return tuple(dates)


def month_start(d: date) -> date:
    """First day of the month of d."""
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """d moved by whole months, the day clamped to 28 so that every month has it."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, min(d.day, 28))


def month_starts(first: date, last: date) -> tuple[date, ...]:
    """First days of every month from first's month to last's month, inclusive."""
    out = []
    current = month_start(first)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return tuple(out)


@dataclass(frozen=True)
class Calendar:
    """Business calendar and demand curve (growth x seasonality x weekday) of the sample period."""

    start: date
    end: date
    annual_growth: float
    eids: tuple[date, ...]
    cum_demand: tuple[float, ...]

    @classmethod
    def build(cls, start: date, end: date, annual_growth: float = DEFAULT_ANNUAL_GROWTH) -> Calendar:
        """Precompute the cumulative demand weights of every day from start to end."""
        shell = cls(start, end, annual_growth, eid_al_fitr_dates(start.year - 2, end.year + 2), ())
        cumulative, total = [], 0.0
        for i in range((end - start).days + 1):
            total += shell.demand(start + timedelta(days=i))
            cumulative.append(total)
        return cls(start, end, annual_growth, shell.eids, tuple(cumulative))

    # ----- moments of the period -----------------------------------------------------------------
    @property
    def start_moment(self) -> datetime:
        """Midnight UTC at the start of the first day."""
        return datetime.combine(self.start, time())

    @property
    def cutoff(self) -> datetime:
        """Midnight UTC after the as-of date: nothing happens at or after this moment."""
        return datetime.combine(self.end + timedelta(days=1), time())

    def day_count(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    # ----- seasonality ---------------------------------------------------------------------------
    def eid_offset(self, d: date) -> int:
        """Days from the nearest Idul Fitri (negative before it)."""
        return min(((d - e).days for e in self.eids), key=abs)

    def is_lebaran_break(self, d: date) -> bool:
        """The mudik / collective-leave weeks around Idul Fitri, when business nearly stops."""
        return -4 <= self.eid_offset(d) <= 7

    def is_public_holiday(self, d: date) -> bool:
        """National holidays on which no exchange rate is published."""
        fixed = (d.month, d.day) in ((1, 1), (8, 17), (12, 25))
        return fixed or -1 <= self.eid_offset(d) <= 2

    def is_business_day(self, d: date) -> bool:
        """Monday to Friday outside public holidays and the Lebaran collective leave."""
        return d.weekday() < 5 and not self.is_public_holiday(d) and not -2 <= self.eid_offset(d) <= 4

    def season(self, d: date) -> float:
        """Demand multiplier: Ramadan slowdown, Lebaran stop, year-end holidays, Q4 budget season."""
        factor = 1.0
        offset = self.eid_offset(d)
        if -4 <= offset <= 7:
            factor *= 0.35
        elif -30 <= offset < -4:
            factor *= 0.85
        if (d.month == 12 and d.day >= 22) or (d.month == 1 and d.day <= 2):
            factor *= 0.5
        elif d.month == 1:
            factor *= 0.9
        elif d.month in (10, 11):
            factor *= 1.08
        elif d.month == 12:
            factor *= 1.12
        return factor

    def growth(self, d: date) -> float:
        """Compound growth since the start of the period."""
        return (1.0 + self.annual_growth) ** ((d - self.start).days / 365.25)

    @staticmethod
    def weekday_factor(d: date) -> float:
        """B2B demand is mostly on weekdays."""
        return (1.0, 1.0, 1.0, 1.0, 0.95, 0.2, 0.08)[d.weekday()]

    def demand(self, d: date) -> float:
        """Relative demand on day d (leads, new deals)."""
        return self.growth(d) * self.season(d) * self.weekday_factor(d)

    # ----- sampling ------------------------------------------------------------------------------
    def sample_day(self, rng: random.Random, lo: date | None = None, hi: date | None = None) -> date:
        """A day in [lo, hi] (default: the whole period) drawn in proportion to demand."""
        lo_i = 0 if lo is None else max(0, (lo - self.start).days)
        hi_i = (
            len(self.cum_demand) - 1 if hi is None else min(len(self.cum_demand) - 1, (hi - self.start).days)
        )
        if hi_i < lo_i:
            return self.start + timedelta(days=max(lo_i, 0))
        base = self.cum_demand[lo_i - 1] if lo_i > 0 else 0.0
        r = base + rng.random() * (self.cum_demand[hi_i] - base)
        index = min(bisect.bisect_right(self.cum_demand, r, lo_i, hi_i + 1), hi_i)
        return self.start + timedelta(days=index)

    def business_time(self, rng: random.Random, d: date) -> datetime:
        """A moment in office hours (WIB) of local day d, as UTC; busiest mid-morning and mid-afternoon."""
        hour = rng.gauss(10.0, 1.3) if rng.random() < 0.5 else rng.gauss(14.5, 1.4)
        hour = min(max(hour, 7.5), 18.5)
        return datetime.combine(d, time()) + timedelta(seconds=int(hour * 3600)) - WIB

    def any_time(self, rng: random.Random, d: date) -> datetime:
        """A moment of local day d at any hour (web forms), still mostly in office hours."""
        if rng.random() < 0.72:
            return self.business_time(rng, d)
        moment = datetime.combine(d, time()) + timedelta(seconds=rng.randrange(86400)) - WIB
        return moment if moment >= self.start_moment else self.business_time(rng, d)

    def next_business_day(self, d: date) -> date:
        """d itself if it is a business day, else the next one."""
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return d

    def previous_business_day(self, d: date) -> date:
        """d itself if it is a business day, else the one before."""
        while not self.is_business_day(d):
            d -= timedelta(days=1)
        return d

    def business_moment_on_or_after(self, rng: random.Random, d: date) -> datetime:
        """A moment in office hours of the first business day on or after d."""
        return self.business_time(rng, self.next_business_day(d))

    def to_office_hours(self, rng: random.Random, moment: datetime) -> datetime:
        """moment if it falls in office hours of a business day, else soon after the next opening."""
        local = moment + WIB
        day, hour = local.date(), local.hour + local.minute / 60
        if self.is_business_day(day) and 8 <= hour < 18:
            return moment
        if not (self.is_business_day(day) and hour < 8):
            day = self.next_business_day(day + timedelta(days=1))
        opening = datetime.combine(day, time(8)) + timedelta(seconds=rng.randrange(90 * 60))
        return opening - WIB

    @staticmethod
    def local_date(moment: datetime) -> date:
        """The WIB calendar day of a UTC moment."""
        return (moment + WIB).date()
