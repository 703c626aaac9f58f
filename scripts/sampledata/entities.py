"""The in-memory object graph the generator builds before it becomes tables.

These are plain mutable dataclasses owned by one generation run (no module-level state). Ids are
assigned at the end, in chronological order, by `scripts.sampledata.tables`; until then objects
refer to each other directly and carry a `seq` number that breaks ties deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from scripts.sampledata.reference import LeadSource


@dataclass(eq=False)
class Rep:
    """A sales rep and the traits that drive their numbers."""

    rep_id: str
    full_name: str
    email: str
    team: str
    region: str
    role: str
    hired_date: date
    left_date: date | None
    updated_at: datetime
    response_median_min: float
    skill: float
    style: float  # -1: slow closer whose customers stay ... +1: fast closer whose customers churn
    manager: Rep | None = None

    def active_on(self, day: date) -> bool:
        """Employed on day."""
        return self.hired_date <= day and (self.left_date is None or day <= self.left_date)

    @property
    def cycle_factor(self) -> float:
        """Multiplier on sales-cycle length."""
        return 1.0 - 0.3 * self.style

    @property
    def churn_factor(self) -> float:
        """Multiplier on the churn hazard of the customers this rep acquired."""
        return 1.0 + 0.8 * self.style


@dataclass(frozen=True)
class Product:
    """A product or service of the price list (prices in the reporting currency)."""

    product_id: str
    name: str
    category: str
    kind: str  # license, saas, hardware, service, training, support
    list_price: Decimal
    unit_cost: Decimal
    currency: str
    is_active: bool
    updated_at: datetime
    sold_until: date | None

    @property
    def is_saas(self) -> bool:
        """Billed per unit per month."""
        return self.kind == "saas"


@dataclass(eq=False)
class Contact:
    """A person at an account."""

    seq: int
    account: Account
    first_name: str
    last_name: str | None
    email: str
    phone: str
    job_title: str
    created_at: datetime
    updated_at: datetime
    contact_id: str = ""


@dataclass(eq=False)
class Account:
    """A customer or prospect company with its ownership history."""

    seq: int
    name: str
    industry: str
    segment: str
    region: str
    city: str
    country_code: str
    currency: str
    domain: str
    created_at: datetime
    origin: str  # legacy (CRM migration), direct (rep-created), lead (lead conversion)
    owners: list[tuple[datetime, Rep]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    updated_at: datetime | None = None
    account_id: str = ""

    def owner_at(self, moment: datetime) -> Rep:
        """The account owner at moment."""
        current = self.owners[0][1]
        for since, rep in self.owners:
            if since <= moment:
                current = rep
        return current

    def touch(self, moment: datetime) -> None:
        """Record a change of the account record at moment."""
        if self.updated_at is None or moment > self.updated_at:
            self.updated_at = moment

    def contacts_at(self, moment: datetime) -> list[Contact]:
        """Contacts that existed at moment."""
        return [c for c in self.contacts if c.created_at <= moment]


@dataclass(eq=False)
class Lead:
    """A lead and, once converted, what it became."""

    seq: int
    created_at: datetime
    source: LeadSource
    owner: Rep
    region: str
    segment: str
    country_code: str
    company_name: str
    domain: str
    first_name: str
    last_name: str | None
    email: str
    status: str = "new"
    converted_at: datetime | None = None
    account: Account | None = None
    contact: Contact | None = None
    opportunity: Opportunity | None = None
    updated_at: datetime | None = None
    lead_id: str = ""


@dataclass(eq=False)
class LineItem:
    """A priced line of a deal or order, in the deal's currency."""

    product: Product
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    unit_cost: Decimal | None
    seats: int = 0
    billing: str | None = None  # monthly / annual for SaaS lines

    @property
    def net(self) -> Decimal:
        """quantity * unit_price - discount."""
        return self.quantity * self.unit_price - self.discount


@dataclass(eq=False)
class StageEntry:
    """One row of an opportunity's stage history."""

    entered_at: datetime
    stage_name: str
    amount: Decimal
    changed_by: Rep


@dataclass(eq=False)
class Opportunity:
    """A deal, its stage history and (when won) the lines it sold."""

    seq: int
    account: Account
    owner: Rep
    lead: Lead | None
    name: str
    opp_type: str
    currency: str
    created_at: datetime
    expected_close: date
    history: list[StageEntry]
    items: list[LineItem]
    closed_at: datetime | None
    is_closed: bool
    is_won: bool
    loss_reason: str | None
    updated_at: datetime
    opportunity_id: str = ""

    @property
    def stage_name(self) -> str:
        """The current stage: the last history entry."""
        return self.history[-1].stage_name

    @property
    def amount(self) -> Decimal:
        """The current amount: the last history entry's."""
        return self.history[-1].amount


@dataclass(eq=False)
class Order:
    """A sales order with its lines."""

    seq: int
    account: Account
    opportunity: Opportunity | None
    rep: Rep
    ordered_at: datetime
    invoiced_at: datetime | None
    status: str
    currency: str
    updated_at: datetime
    lines: list[LineItem]
    cancelled_at: datetime | None = None
    refunded_at: datetime | None = None
    order_id: str = ""


@dataclass(eq=False)
class Subscription:
    """A recurring-revenue subscription of one product."""

    seq: int
    account: Account
    product: Product
    started_at: datetime
    seats: int
    unit_price: Decimal
    discount_rate: float
    mrr: Decimal
    currency: str
    billing: str  # monthly or annual
    ended_at: datetime | None = None
    status: str = "active"
    subscription_id: str = ""

    def active_at(self, moment: datetime) -> bool:
        """Running at moment."""
        return self.started_at <= moment and (self.ended_at is None or moment < self.ended_at)


@dataclass(eq=False)
class Activity:
    """A logged sales activity."""

    seq: int
    activity_type: str
    direction: str
    rep: Rep
    occurred_at: datetime
    lead: Lead | None = None
    contact: Contact | None = None
    account: Account | None = None
    opportunity: Opportunity | None = None
    duration_seconds: int | None = None
    outcome: str | None = None
    activity_id: str = ""


@dataclass(eq=False)
class Email:
    """One email message (sales or marketing) and its tracking events."""

    seq: int
    events: list[tuple[str, datetime]]
    campaign_id: str | None = None
    rep: Rep | None = None
    lead: Lead | None = None
    contact: Contact | None = None
    email_id: str = ""
