"""The sample period's calendar: business days and hours (WIB), Ramadan and Lebaran, year-end, growth.

People in the sample work in Western Indonesian Time (WIB, UTC+7): office hours are 08:00-18:00 local.
Every function takes and returns numpy arrays (days are epoch day numbers, moments UTC epoch seconds), so
one call handles a whole batch of leads, deals or activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from scripts.sampledata.config import DAY, WIB, epoch_day, local_day, local_midnight

EID_ANCHOR = date(2026, 3, 20)  # Idul Fitri 1447 H in Indonesia
LUNAR_YEAR_DAYS = 354.367
DEFAULT_ANNUAL_GROWTH = 0.25
BEFORE_DAYS = 400  # the calendar arrays reach this far before the period ...
AFTER_DAYS = 1500  # ... and this far after it (later moments are cut off anyway)
WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.2, 0.08])


def eid_al_fitr_dates(first_year: int, last_year: int) -> tuple[date, ...]:
    """Idul Fitri dates (within a day) for the years given, stepping lunar years from a known date."""
    dates = []
    for n in range(-80, 80):
        d = EID_ANCHOR + timedelta(days=round(n * LUNAR_YEAR_DAYS))
        if first_year <= d.year <= last_year:
            dates.append(d)
    return tuple(dates)


def weekday(day: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def year_month_day(day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calendar year, month (1-12) and day of month of epoch days."""
    d64 = np.asarray(day, dtype="int64").astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    dom = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    return years, month, dom


def month_start(day: np.ndarray) -> np.ndarray:
    """Epoch day of the first of the month."""
    d64 = np.asarray(day, dtype="int64").astype("datetime64[D]")
    return d64.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_index(day: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of epoch days."""
    return np.asarray(day, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_first_day(index: np.ndarray | int) -> np.ndarray:
    """Epoch day of the first day of a month index (months since 1970-01)."""
    return np.asarray(index, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def add_months(day: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Days moved by whole months, the day of month clamped to 28 so that every month has it."""
    day = np.asarray(day, dtype=np.int64)
    start = month_start(day)
    dom = day - start + 1
    return month_first_day(month_index(day) + months) + np.minimum(dom, 28) - 1


def month_starts(first: int, last: int) -> np.ndarray:
    """Epoch days of the first of every month from first's month to last's month, inclusive."""
    return month_first_day(np.arange(int(month_index(first)), int(month_index(last)) + 1))


@dataclass(frozen=True)
class Calendar:
    """Business calendar and demand curve (growth x seasonality x weekday) of the sample period."""

    start_day: int
    end_day: int
    annual_growth: float
    first_day: int  # first day of the arrays below
    eid_days: np.ndarray
    eid_offset: np.ndarray  # days from the nearest Idul Fitri, per array day
    is_business: np.ndarray
    next_business: np.ndarray  # the day itself if a business day, else the next one (array days)
    previous_business: np.ndarray
    cum_demand: np.ndarray  # cumulative demand over the period's days

    @classmethod
    def build(cls, start: date, end: date, annual_growth: float = DEFAULT_ANNUAL_GROWTH) -> Calendar:
        start_day, end_day = epoch_day(start), epoch_day(end)
        first_day = start_day - BEFORE_DAYS
        days = np.arange(first_day, end_day + AFTER_DAYS + 1, dtype=np.int64)
        eids = eid_al_fitr_dates(start.year - 3, end.year + 6)
        eid_days = np.array([epoch_day(e) for e in eids], dtype=np.int64)
        distance = days[:, None] - eid_days[None, :]
        offset = distance[np.arange(len(days)), np.argmin(np.abs(distance), axis=1)]
        _, month, dom = year_month_day(days)
        fixed = ((month == 1) & (dom == 1)) | ((month == 8) & (dom == 17)) | ((month == 12) & (dom == 25))
        holiday = fixed | ((offset >= -1) & (offset <= 2))
        business = (weekday(days) < 5) & ~holiday & ~((offset >= -2) & (offset <= 4))
        index = np.arange(len(days))
        next_b = np.where(business, index, len(days) - 1)
        next_b = np.minimum.accumulate(next_b[::-1])[::-1]
        prev_b = np.maximum.accumulate(np.where(business, index, 0))
        shell = cls(
            start_day,
            end_day,
            annual_growth,
            first_day,
            eid_days,
            offset,
            business,
            next_b,
            prev_b,
            np.empty(0),
        )
        period = np.arange(start_day, end_day + 1, dtype=np.int64)
        cum = np.cumsum(shell.demand(period))
        return cls(
            start_day, end_day, annual_growth, first_day, eid_days, offset, business, next_b, prev_b, cum
        )

    # ----- moments of the period -----------------------------------------------------------------
    @property
    def start_moment(self) -> int:
        """Local midnight at the start of the first day (UTC epoch seconds)."""
        return int(local_midnight(self.start_day))

    @property
    def cutoff(self) -> int:
        """Local midnight after the as-of date: nothing happens at or after this moment."""
        return int(local_midnight(self.end_day + 1))

    def day_count(self) -> int:
        return self.end_day - self.start_day + 1

    def _i(self, day: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(day, dtype=np.int64) - self.first_day, 0, len(self.is_business) - 1)

    # ----- seasonality ---------------------------------------------------------------------------
    def offset(self, day: np.ndarray) -> np.ndarray:
        """Days from the nearest Idul Fitri (negative before it)."""
        return self.eid_offset[self._i(day)]

    def is_lebaran_break(self, day: np.ndarray) -> np.ndarray:
        """The mudik / collective-leave weeks around Idul Fitri, when business nearly stops."""
        offset = self.offset(day)
        return (offset >= -4) & (offset <= 7)

    def business_day(self, day: np.ndarray) -> np.ndarray:
        """Monday to Friday outside public holidays and the Lebaran collective leave."""
        return self.is_business[self._i(day)]

    def season(self, day: np.ndarray) -> np.ndarray:
        """Demand multiplier: Ramadan slowdown, Lebaran stop, year-end holidays, Q4 budget season."""
        offset = self.offset(day)
        factor = np.where(
            (offset >= -4) & (offset <= 7), 0.35, np.where((offset >= -30) & (offset < -4), 0.85, 1)
        )
        _, month, dom = year_month_day(day)
        year_end = ((month == 12) & (dom >= 22)) | ((month == 1) & (dom <= 2))
        factor = factor * np.select(
            [year_end, month == 1, (month == 10) | (month == 11), month == 12], [0.5, 0.9, 1.08, 1.12], 1.0
        )
        return factor

    def growth(self, day: np.ndarray) -> np.ndarray:
        """Compound growth since the start of the period."""
        return (1.0 + self.annual_growth) ** ((np.asarray(day) - self.start_day) / 365.25)

    def demand(self, day: np.ndarray) -> np.ndarray:
        """Relative demand on each day (leads, new deals): growth x season x weekday."""
        return self.growth(day) * self.season(day) * WEEKDAY_FACTOR[weekday(np.asarray(day))]

    # ----- sampling ------------------------------------------------------------------------------
    def sample_days(
        self,
        rng: np.random.Generator,
        n: int,
        lo: np.ndarray | int | None = None,
        hi: np.ndarray | int | None = None,
    ) -> np.ndarray:
        """n days in [lo, hi] (default: the whole period) drawn in proportion to demand."""
        last = len(self.cum_demand) - 1
        lo_i = (
            np.zeros(n, np.int64)
            if lo is None
            else np.broadcast_to(np.maximum(0, np.asarray(lo) - self.start_day), n)
        )
        hi_i = (
            np.full(n, last)
            if hi is None
            else np.broadcast_to(np.minimum(last, np.asarray(hi) - self.start_day), n)
        )
        lo_c = np.minimum(lo_i, last)
        base = np.where(lo_c > 0, self.cum_demand[np.maximum(lo_c - 1, 0)], 0.0)
        top = self.cum_demand[np.clip(hi_i, 0, last)]
        r = base + rng.random(n) * (top - base)
        index = np.minimum(np.searchsorted(self.cum_demand, r, side="right"), hi_i)
        index = np.where(hi_i < lo_i, lo_i, np.maximum(index, lo_i))
        return self.start_day + index

    def business_time(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Moments in office hours of local days; busiest mid-morning and mid-afternoon."""
        day = np.asarray(day, dtype=np.int64)
        n = day.shape
        morning = rng.random(n) < 0.5
        hour = np.where(morning, rng.normal(10.0, 1.3, n), rng.normal(14.5, 1.4, n))
        hour = np.clip(hour, 7.5, 18.5)
        return local_midnight(day) + (hour * 3600).astype(np.int64)

    def any_time(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Moments of local days at any hour (web forms), still mostly in office hours."""
        day = np.asarray(day, dtype=np.int64)
        office = self.business_time(rng, day)
        anytime = local_midnight(day) + rng.integers(0, DAY, day.shape)
        use_office = (rng.random(day.shape) < 0.72) | (anytime < self.start_moment)
        return np.where(use_office, office, anytime)

    def next_business_day(self, day: np.ndarray) -> np.ndarray:
        """The day itself if it is a business day, else the next one."""
        day = np.asarray(day, dtype=np.int64)
        i = day - self.first_day
        inside = (i >= 0) & (i < len(self.is_business))
        return np.where(inside, self.first_day + self.next_business[self._i(day)], day)

    def previous_business_day(self, day: np.ndarray) -> np.ndarray:
        """The day itself if it is a business day, else the one before."""
        return self.first_day + self.previous_business[self._i(day)]

    def business_moment_on_or_after(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """Moments in office hours of the first business day on or after each day."""
        return self.business_time(rng, self.next_business_day(day))

    def to_office_hours(self, rng: np.random.Generator, moment: np.ndarray) -> np.ndarray:
        """Each moment if it falls in office hours of a business day, else soon after the next opening."""
        moment = np.asarray(moment, dtype=np.int64)
        local = moment + WIB
        day, seconds = local // DAY, local % DAY
        business = self.business_day(day)
        keep = business & (seconds >= 8 * 3600) & (seconds < 18 * 3600)
        same_day = business & (seconds < 8 * 3600)
        target = np.where(same_day, day, self.next_business_day(day + 1))
        opening = local_midnight(target) + 8 * 3600 + rng.integers(0, 90 * 60, moment.shape)
        return np.where(keep, moment, opening)

    @staticmethod
    def local_day(moment: np.ndarray) -> np.ndarray:
        """The WIB calendar day of UTC moments."""
        return local_day(np.asarray(moment, dtype=np.int64))
