"""Generator parameters, the period they define, and the seeded random streams derived from them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

DEFAULT_SEED = 42
DEFAULT_REPS = 36
DEFAULT_ACCOUNTS = 950
DEFAULT_LEADS = 3600
DEFAULT_MONTHS = 27
DEFAULT_END_DATE = date(2026, 11, 15)
DEFAULT_MESS_RATE = 0.01
REPORTING_CURRENCIES = ("IDR", "USD")

MIN_REPS = 12
MIN_ACCOUNTS = 20
MAX_MONTHS = 120


class ConfigError(ValueError):
    """Raised for generator parameters that cannot produce a sample."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines the generated data (the same config always gives the same bytes)."""

    seed: int = DEFAULT_SEED
    reps: int = DEFAULT_REPS
    accounts: int = DEFAULT_ACCOUNTS
    leads: int = DEFAULT_LEADS
    months: int = DEFAULT_MONTHS
    end_date: date = DEFAULT_END_DATE
    mess_rate: float = DEFAULT_MESS_RATE
    reporting_currency: str = "IDR"

    def __post_init__(self) -> None:
        if self.reps < MIN_REPS:
            raise ConfigError(f"--reps must be at least {MIN_REPS} (got {self.reps})")
        if self.accounts < MIN_ACCOUNTS:
            raise ConfigError(f"--accounts must be at least {MIN_ACCOUNTS} (got {self.accounts})")
        if self.leads < 0:
            raise ConfigError(f"--leads must not be negative (got {self.leads})")
        if not 1 <= self.months <= MAX_MONTHS:
            raise ConfigError(f"--months must be between 1 and {MAX_MONTHS} (got {self.months})")
        if not 0.0 <= self.mess_rate <= 0.5:
            raise ConfigError(f"--mess-rate must be between 0 and 0.5 (got {self.mess_rate})")
        if self.reporting_currency not in REPORTING_CURRENCIES:
            raise ConfigError(f"--reporting-currency must be one of {', '.join(REPORTING_CURRENCIES)}")

    @property
    def start_date(self) -> date:
        """First day of the first month: the end date's month and the months - 1 before it."""
        index = self.end_date.year * 12 + self.end_date.month - 1 - (self.months - 1)
        return date(index // 12, index % 12 + 1, 1)

    @property
    def start(self) -> datetime:
        """The first moment of the data (UTC)."""
        return datetime.combine(self.start_date, time())

    @property
    def cutoff(self) -> datetime:
        """The first moment after the data (UTC): midnight after the as-of date. Nothing happens later."""
        return datetime.combine(self.end_date + timedelta(days=1), time())

    def stream(self, name: str) -> random.Random:
        """An independent random stream for one part of the generator (seeded by seed and name)."""
        return random.Random(f"sampledata/{self.seed}/{name}")

    def manifest_parameters(self) -> dict[str, Any]:
        """The parameters as JSON-ready values, for manifest.json."""
        return {
            "seed": self.seed,
            "reps": self.reps,
            "accounts": self.accounts,
            "leads": self.leads,
            "months": self.months,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "mess_rate": self.mess_rate,
            "reporting_currency": self.reporting_currency,
        }
