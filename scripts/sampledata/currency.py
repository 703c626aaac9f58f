"""Exchange rates (business days only, so 'nearest earlier rate' matters) and money rounding.

With IDR reporting the rates are IDR per one USD / SGD / EUR (USD drifting between about 15,500 and
16,800); with USD reporting they are USD per one IDR / SGD / EUR.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from scripts.sampledata.calendar import Calendar

FOREIGN_CODES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"IDR": ("USD", "SGD", "EUR"), "USD": ("IDR", "SGD", "EUR")}
)
RATE_LEAD_DAYS = 10  # rates start before the data, so the first (weekend) days have an earlier rate
CENT = Decimal("0.01")
USD_IDR_LOW, USD_IDR_HIGH = 15_500.0, 16_800.0


def money(value: float, code: str) -> Decimal:
    """A money amount with two decimals; rupiah amounts are whole rupiah."""
    if code == "IDR":
        return Decimal(round(value)).quantize(CENT)
    return Decimal(f"{value:.2f}")


def nice_price(value: float, code: str) -> Decimal:
    """A list-price-like amount: rupiah to the thousand, other currencies to the unit (or cent below 10)."""
    if code == "IDR":
        step = 1000 if value >= 10_000 else 100
        return Decimal(max(step, round(value / step) * step)).quantize(CENT)
    if value >= 10:
        return Decimal(round(value)).quantize(CENT)
    return Decimal(f"{max(value, 0.01):.2f}")


@dataclass(frozen=True)
class RateBook:
    """Daily rates into the reporting currency; lookups use the nearest rate on or before a day."""

    reporting: str
    dates: tuple[date, ...]
    table: Mapping[str, tuple[Decimal, ...]]

    @property
    def codes(self) -> tuple[str, ...]:
        """Currencies with rates (all but the reporting currency)."""
        return tuple(self.table)

    def rate(self, code: str, day: date) -> float:
        """Reporting-currency units per one unit of code, on the nearest business day on or before day."""
        if code == self.reporting:
            return 1.0
        index = bisect.bisect_right(self.dates, day) - 1
        if index < 0:
            raise ValueError(f"no {code} rate on or before {day}")
        return float(self.table[code][index])

    def to_reporting(self, amount: float, code: str, day: date) -> float:
        """amount in code, converted into the reporting currency."""
        return amount * self.rate(code, day)

    def from_reporting(self, amount: float, code: str, day: date) -> float:
        """amount in the reporting currency, converted into code."""
        return amount / self.rate(code, day)

    def rows(self) -> list[dict[str, Any]]:
        """The currency_rates table."""
        return [
            {"rate_date": d, "currency_code": code, "rate_to_reporting": values[i]}
            for code, values in self.table.items()
            for i, d in enumerate(self.dates)
        ]


def _ou_path(rng: random.Random, n: int, sigma: float, keep: float = 0.985) -> list[float]:
    """A mean-reverting (Ornstein-Uhlenbeck) log deviation path of length n."""
    out, x = [], 0.0
    for _ in range(n):
        x = x * keep + rng.gauss(0.0, sigma)
        out.append(x)
    return out


def build_rates(reporting: str, calendar: Calendar, rng: random.Random) -> RateBook:
    """Simulate USD/IDR, USD/SGD and EUR/USD on business days and express them in the reporting currency."""
    first = calendar.start - timedelta(days=RATE_LEAD_DAYS)
    days = [first + timedelta(days=i) for i in range((calendar.end - first).days + 1)]
    days = [d for d in days if calendar.is_business_day(d)]
    n = len(days)
    usd_idr_dev = _ou_path(rng, n, 0.0032)
    usd_sgd_dev = _ou_path(rng, n, 0.0022)
    eur_usd_dev = _ou_path(rng, n, 0.0028)
    series: dict[str, list[Decimal]] = {code: [] for code in FOREIGN_CODES[reporting]}
    for i in range(n):
        frac = i / max(n - 1, 1)
        usd_idr = 15_700.0 + 750.0 * frac
        usd_idr = min(max(usd_idr * math.exp(usd_idr_dev[i]), USD_IDR_LOW), USD_IDR_HIGH)
        usd_sgd = (1.345 - 0.055 * frac) * math.exp(usd_sgd_dev[i])
        eur_usd = (1.085 + 0.075 * frac) * math.exp(eur_usd_dev[i])
        if reporting == "IDR":
            values = {"USD": usd_idr, "SGD": usd_idr / usd_sgd, "EUR": usd_idr * eur_usd}
            quantum = CENT
        else:
            values = {"IDR": 1.0 / usd_idr, "SGD": 1.0 / usd_sgd, "EUR": eur_usd}
            quantum = Decimal("0.00000001")
        for code in series:
            series[code].append(Decimal(repr(values[code])).quantize(quantum))
    return RateBook(reporting, tuple(days), MappingProxyType({c: tuple(v) for c, v in series.items()}))
