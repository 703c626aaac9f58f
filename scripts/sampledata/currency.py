"""Exchange rates (business days only, so 'nearest earlier rate' matters) and money in whole cents.

With IDR reporting the rates are IDR per one USD / SGD / EUR (USD drifting between about 15,500 and
16,800); with USD reporting they are USD per one IDR / SGD / EUR. Money is int64 cents everywhere (exact
sums, no float drift); rupiah amounts are whole rupiah.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from scripts.sampledata.calendar import Calendar

CURRENCIES = ("IDR", "USD", "SGD", "EUR")  # currency codes are indexes into this tuple
CURRENCY_INDEX = MappingProxyType({c: i for i, c in enumerate(CURRENCIES)})
IDR, USD, SGD, EUR = range(4)
FOREIGN_CODES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"IDR": ("USD", "SGD", "EUR"), "USD": ("IDR", "SGD", "EUR")}
)
RATE_LEAD_DAYS = 10  # rates start before the data, so the first (weekend) days have an earlier rate
RATE_SCALE = MappingProxyType({"IDR": 2, "USD": 8})  # decimals of rate_to_reporting, by reporting currency
USD_IDR_LOW, USD_IDR_HIGH = 15_500.0, 16_800.0


def money(value: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Amounts (currency units, float) as int64 cents; rupiah amounts are whole rupiah."""
    value = np.asarray(value, dtype=np.float64)
    whole = np.rint(value) * 100
    cents = np.rint(value * 100)
    return np.where(np.asarray(code) == IDR, whole, cents).astype(np.int64)


def nice_price(value: np.ndarray, code: np.ndarray) -> np.ndarray:
    """List-price-like amounts in cents: rupiah to the thousand, others to the unit (the cent below 10)."""
    value = np.asarray(value, dtype=np.float64)
    step = np.where(value >= 10_000, 1000.0, 100.0)
    idr = np.maximum(step, np.rint(value / step) * step) * 100
    other = np.where(value >= 10, np.rint(value) * 100, np.rint(np.maximum(value, 0.01) * 100))
    return np.where(np.asarray(code) == IDR, idr, other).astype(np.int64)


@dataclass(frozen=True)
class RateBook:
    """Daily rates into the reporting currency; lookups use the nearest rate on or before a day."""

    reporting: int
    days: np.ndarray  # business days with a rate (epoch days)
    units: np.ndarray  # [currency, day] rate_to_reporting in units of 10**-scale (0 for the reporting one)
    scale: int

    @property
    def codes(self) -> tuple[int, ...]:
        """Currencies with rates (all but the reporting currency)."""
        return tuple(c for c in range(len(CURRENCIES)) if c != self.reporting)

    def rate(self, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Reporting-currency units per one unit of code, on the nearest business day on or before day."""
        code = np.asarray(code)
        index = np.searchsorted(self.days, np.asarray(day), side="right") - 1
        if np.any((index < 0) & (code != self.reporting)):
            raise ValueError("a transaction is dated before the first exchange rate")
        values = self.units[code, np.maximum(index, 0)] / 10.0**self.scale
        return np.where(code == self.reporting, 1.0, values)

    def to_reporting(self, amount: np.ndarray, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        return amount * self.rate(code, day)

    def from_reporting(self, amount: np.ndarray, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        return amount / self.rate(code, day)


def _ou_path(rng: np.random.Generator, n: int, sigma: float, keep: float = 0.985) -> np.ndarray:
    """A mean-reverting (Ornstein-Uhlenbeck) log deviation path of length n."""
    shocks = rng.normal(0.0, sigma, n)
    out, x = np.empty(n), 0.0
    for i in range(n):
        x = x * keep + shocks[i]
        out[i] = x
    return out


def build_rates(reporting: str, calendar: Calendar, rng: np.random.Generator) -> RateBook:
    """Simulate USD/IDR, USD/SGD and EUR/USD on business days and express them in the reporting currency."""
    days = np.arange(calendar.start_day - RATE_LEAD_DAYS, calendar.end_day + 1)
    days = days[calendar.business_day(days)]
    n = len(days)
    usd_idr_dev, usd_sgd_dev, eur_usd_dev = (_ou_path(rng, n, s) for s in (0.0032, 0.0022, 0.0028))
    frac = np.arange(n) / max(n - 1, 1)
    usd_idr = np.clip((15_700.0 + 750.0 * frac) * np.exp(usd_idr_dev), USD_IDR_LOW, USD_IDR_HIGH)
    usd_sgd = (1.345 - 0.055 * frac) * np.exp(usd_sgd_dev)
    eur_usd = (1.085 + 0.075 * frac) * np.exp(eur_usd_dev)
    scale = RATE_SCALE[reporting]
    units = np.zeros((len(CURRENCIES), n), dtype=np.int64)
    if reporting == "IDR":
        values = {USD: usd_idr, SGD: usd_idr / usd_sgd, EUR: usd_idr * eur_usd}
    else:
        values = {IDR: 1.0 / usd_idr, SGD: 1.0 / usd_sgd, EUR: eur_usd}
    for code, series in values.items():
        units[code] = np.rint(series * 10.0**scale).astype(np.int64)
    return RateBook(CURRENCY_INDEX[reporting], days, units, scale)
