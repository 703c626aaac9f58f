"""The state of one generation run: parameters, calendar, rates, staff, price list and what was built."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.currency import RateBook
from scripts.sampledata.entities import Account, Activity, Email, Lead, Opportunity, Order, Subscription
from scripts.sampledata.names import NameBook
from scripts.sampledata.products import Catalogue
from scripts.sampledata.staffing import Staffing


@dataclass
class World:
    """Everything one run builds; passed explicitly to the generator steps (there is no global state)."""

    config: GeneratorConfig
    calendar: Calendar
    rates: RateBook
    staffing: Staffing
    catalogue: Catalogue
    names: NameBook = field(default_factory=NameBook)
    accounts: list[Account] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    _seq: Iterator[int] = field(default_factory=itertools.count)

    def next_seq(self) -> int:
        """A run-wide creation number (breaks ties when sorting by time)."""
        return next(self._seq)
