"""Generator parameters, the period they define, the scale factor and the seeded random streams.

Times inside the generator are int64 seconds since 1970-01-01 UTC; calendar days are int64 epoch day
numbers of the company's local calendar (Asia/Jakarta, UTC+7 all year). The period starts at local
midnight of the first day and ends at local midnight after the as-of date (the cutoff): nothing happens
at or after the cutoff.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

DEFAULT_SEED = 42
DEFAULT_REPS = 36
DEFAULT_ACCOUNTS = 950
DEFAULT_LEADS = 3600
DEFAULT_MONTHS = 27
DEFAULT_END_DATE = date(2026, 11, 15)
DEFAULT_MESS_RATE = 0.01
DEFAULT_SHARD_ACCOUNTS = 25_000
MIN_SHARD_ACCOUNTS = 10
REPORTING_CURRENCIES = ("IDR", "USD")

MIN_REPS = 12
MIN_ACCOUNTS = 20
MAX_MONTHS = 120
MAX_SCALE = 100.0
# --scale 1 multiplies the default reps, accounts and leads by this: about 10 million raw rows in all
SCALE_MULTIPLIER = 232.0

WIB = 7 * 3600  # Western Indonesian Time, UTC+7 (no daylight saving)
DAY = 86400
NEVER = np.int64(2**62)  # "no such moment" (a timestamp that is not set, or not yet)
NEVER_DAY = np.int64(2**40)


class ConfigError(ValueError):
    """Raised for generator parameters that cannot produce a sample."""


def epoch_day(d: date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return (d - date(1970, 1, 1)).days


def local_day(moment: np.ndarray | int) -> np.ndarray | int:
    """The local (WIB) calendar day of UTC epoch seconds."""
    return (moment + WIB) // DAY


def local_midnight(day: np.ndarray | int) -> np.ndarray | int:
    """UTC epoch seconds of local midnight at the start of an epoch day."""
    return day * DAY - WIB


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
    scale: float | None = None  # recorded in the manifest; reps, accounts and leads already include it
    shard_accounts: int = DEFAULT_SHARD_ACCOUNTS  # accounts per shard (the data is built shard by shard)

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
        if self.shard_accounts < MIN_SHARD_ACCOUNTS:
            raise ConfigError(
                f"--shard-accounts must be at least {MIN_SHARD_ACCOUNTS} (got {self.shard_accounts})"
            )
        if self.reporting_currency not in REPORTING_CURRENCIES:
            raise ConfigError(f"--reporting-currency must be one of {', '.join(REPORTING_CURRENCIES)}")

    @classmethod
    def scaled(cls, scale: float, **overrides: Any) -> GeneratorConfig:
        """The parameters of scale factor `scale` (SF1: about 10 M rows); explicit values win."""
        if not 0 < scale <= MAX_SCALE:
            raise ConfigError(f"--scale must be above 0 and at most {MAX_SCALE:g} (got {scale})")
        factor = scale * SCALE_MULTIPLIER
        sized = {
            "reps": max(MIN_REPS, round(DEFAULT_REPS * factor)),
            "accounts": max(MIN_ACCOUNTS, round(DEFAULT_ACCOUNTS * factor)),
            "leads": round(DEFAULT_LEADS * factor),
        }
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls(**(sized | given), scale=scale)

    def with_(self, **changes: Any) -> GeneratorConfig:
        """A copy with some parameters changed."""
        return replace(self, **changes)

    # ----- the period ------------------------------------------------------------------------------
    @property
    def start_date(self) -> date:
        """First day of the first month: the end date's month and the months - 1 before it."""
        index = self.end_date.year * 12 + self.end_date.month - 1 - (self.months - 1)
        return date(index // 12, index % 12 + 1, 1)

    @property
    def start_day(self) -> int:
        return epoch_day(self.start_date)

    @property
    def end_day(self) -> int:
        return epoch_day(self.end_date)

    @property
    def start(self) -> int:
        """The first moment of the data: local midnight of the first day (UTC epoch seconds)."""
        return int(local_midnight(self.start_day))

    @property
    def cutoff(self) -> int:
        """The first moment after the data: local midnight after the as-of date."""
        return int(local_midnight(self.end_day + 1))

    # ----- randomness ------------------------------------------------------------------------------
    def rng(self, *names: object) -> np.random.Generator:
        """An independent random stream for one part of the generator, seeded by seed and name."""
        text = "/".join(["sampledata", str(self.seed), *(str(n) for n in names)])
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))

    def manifest_parameters(self) -> dict[str, Any]:
        """The parameters as JSON-ready values, for manifest.json."""
        out: dict[str, Any] = {
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
        if self.scale is not None:
            out["scale"] = self.scale
        if self.shard_accounts != DEFAULT_SHARD_ACCOUNTS:
            out["shard_accounts"] = self.shard_accounts
        return out
