"""Each account's life, simulated as a time-ordered queue of events.

Events: a deal is opened (first deal, upsell, renewal, win-back), a deal closes (won: order,
subscriptions; lost: churn or re-engagement), a monthly plan is billed (or cancelled), an annual plan
comes up for renewal, an existing customer reorders without a deal. Every step uses the account's
state at that moment, so customers churn and return, expand and upgrade, in a consistent order.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType

from scripts.sampledata.calendar import WIB, add_months
from scripts.sampledata.context import World
from scripts.sampledata.currency import money
from scripts.sampledata.entities import Account, Lead, LineItem, Opportunity, Rep, Subscription
from scripts.sampledata.orders_and_subscriptions import (
    book_order,
    end_subscription,
    new_subscription,
    recurring_lines,
    subscription_from_line,
)
from scripts.sampledata.pipeline import WIN_BASE, DealSpec, simulate_deal
from scripts.sampledata.products import (
    MONTHLY_SAAS,
    Basket,
    addon_basket,
    deal_discount,
    legacy_renewal_basket,
    line_cost,
    new_business_basket,
    price_basket,
    reorder_basket,
    saas_billing,
    with_legacy_products,
)

LEGACY_CUSTOMER_SHARE = 0.4
MIGRATED_MONTHLY_SHARE = 0.5  # small legacy customers already on a monthly plan when the CRM went live
LEGACY_PROSPECT_DEAL_SHARE = 0.3
DIRECT_DEAL_SHARE = 0.35  # most outbound prospecting is logged as leads (cold call, cold email)
UPSELL_RATE_PER_MONTH = MappingProxyType({"smb": 0.035, "mid_market": 0.06, "enterprise": 0.09})
REORDER_RATE_PER_MONTH = 0.05
MONTHLY_CHURN_HAZARD = 0.022
WINBACK_SHARE = 0.25
REENGAGE_SHARE = 0.12
SAAS_CODES = (201, 202, 203, 204, 205)


@dataclass(frozen=True)
class Intent:
    """Why a deal is opened."""

    kind: str  # new_business, upsell, renewal
    lead: Lead | None = None
    sub: Subscription | None = None
    anniversary: datetime | None = None
    legacy: bool = False
    winback: bool = False
    migrated: bool = False


@dataclass(order=True)
class _Event:
    moment: datetime
    seq: int
    kind: str = field(compare=False)
    payload: object = field(compare=False, default=None)


@dataclass
class _Life:
    account: Account
    queue: list[_Event] = field(default_factory=list)
    subs: list[Subscription] = field(default_factory=list)
    acquired_by: Rep | None = None
    last_win: datetime | None = None
    has_pos: bool = False
    upselling: bool = False

    def active_subs(self, moment: datetime) -> list[Subscription]:
        return [s for s in self.subs if s.active_at(moment)]

    def is_customer(self, moment: datetime) -> bool:
        """Has a running subscription or bought within the last 18 months."""
        recent = self.last_win is not None and moment - self.last_win < timedelta(days=540)
        return recent or bool(self.active_subs(moment))


def _short(opp_items: list[LineItem] | tuple[LineItem, ...]) -> str:
    name = opp_items[0].product.name
    return name.split(" - ")[0].split(" (")[0]


class _Simulator:
    """Runs the event queue of one account after another."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng, self.cal = world, rng, world.calendar

    # ----- queue -----------------------------------------------------------------------------------
    def push(self, life: _Life, moment: datetime, kind: str, payload: object = None) -> None:
        if moment < self.cal.cutoff:
            heapq.heappush(life.queue, _Event(moment, self.world.next_seq(), kind, payload))

    def run(self, life: _Life) -> None:
        handlers = {
            "open": self.open_deal,
            "close": self.close_deal,
            "bill": self.bill,
            "renewal_due": self.renewal_due,
            "upsell": self.upsell,
            "reorder": self.reorder,
        }
        while life.queue:
            event = heapq.heappop(life.queue)
            handlers[event.kind](life, event.moment, event.payload)

    # ----- deals -----------------------------------------------------------------------------------
    def _owner(self, life: _Life, moment: datetime, intent: Intent) -> Rep:
        day = self.cal.local_date(moment)
        lead = intent.lead
        if lead is not None and lead.owner.role == "account_executive" and lead.owner.active_on(day):
            return lead.owner
        owner = life.account.owner_at(moment)
        if owner.active_on(day) and owner.role in ("account_executive", "manager"):
            return owner
        return self.world.staffing.pick_ae(self.rng, life.account.region, life.account.segment, day)

    def _priced(self, basket: Basket, currency: str, moment: datetime, discount: float) -> list[LineItem]:
        return price_basket(
            self.rng, self.world.catalogue, self.world.rates, basket, currency, moment.date(), discount
        )

    def _upsell_items(self, life: _Life, moment: datetime) -> tuple[list[LineItem], Subscription | None]:
        rng, account = self.rng, life.account
        active = life.active_subs(moment)
        pick = rng.random()
        discount = deal_discount(rng, account.segment, "upsell")
        if active and pick < 0.45:
            sub = rng.choice(active)
            added = max(1, round(sub.seats * rng.uniform(0.2, 1.0)))
            months = 1 if sub.billing == "monthly" else 12
            quantity = added * months
            item = LineItem(
                product=sub.product,
                quantity=_dec(quantity),
                unit_price=sub.unit_price,
                discount=money(float(sub.unit_price) * quantity * sub.discount_rate, sub.currency),
                unit_cost=line_cost(rng, sub.product, self.world.rates, sub.currency, moment.date()),
                seats=added,
                billing=sub.billing,
            )
            return [item], sub
        subscribed = [s.product.product_id for s in active]
        modules = [c for c in SAAS_CODES if f"PRD-{c}" not in subscribed]
        if modules and pick < 0.7:
            code = rng.choice(modules)
            scale = {"smb": 1, "mid_market": 4, "enterprise": 15}[account.segment]
            seats = {
                201: rng.randint(1, 5),
                202: rng.randint(25, 300),
                203: rng.randint(3, 20),
                204: rng.randint(1, 3),
                205: rng.randint(10, 60),
            }[code] * scale
            basket: Basket = [(code, seats, saas_billing(rng, account.segment, code))]
        else:
            basket = addon_basket(rng, account.segment, life.has_pos)
        return self._priced(basket, account.currency, moment, discount), None

    def _renewal_items(
        self, intent: Intent, moment: datetime, account: Account
    ) -> tuple[list[LineItem], str]:
        rng = self.rng
        sub = intent.sub
        if sub is None:
            basket = legacy_renewal_basket(rng, account.segment)
            discount = deal_discount(rng, account.segment, "renewal")
            return self._priced(basket, account.currency, moment, discount), account.currency
        quantity = sub.seats * 12
        item = LineItem(
            product=sub.product,
            quantity=_dec(quantity),
            unit_price=sub.unit_price,
            discount=money(float(sub.unit_price) * quantity * sub.discount_rate, sub.currency),
            unit_cost=line_cost(rng, sub.product, self.world.rates, sub.currency, moment.date()),
            seats=sub.seats,
            billing="annual",
        )
        return [item], sub.currency

    def migrate(self, life: _Life, moment: datetime) -> None:
        """A monthly plan that was already running at go-live: billed from the first month, no deal."""
        rng, account = self.rng, life.account
        code = rng.choice(MONTHLY_SAAS)
        seats = {201: rng.randint(1, 6), 202: rng.randint(20, 200), 203: rng.randint(3, 15)}[code]
        item = self._priced([(code, seats, "monthly")], account.currency, moment, rng.uniform(0, 0.1))[0]
        sub = subscription_from_line(self.world, rng, account, item, account.currency, moment)
        life.subs.append(sub)
        life.acquired_by = account.owner_at(moment)
        book_order(
            self.world,
            rng,
            account,
            None,
            life.acquired_by,
            moment,
            recurring_lines(self.world, rng, sub, moment),
            sub.currency,
            recurring=True,
        )
        self.push(life, self._bill_moment(sub, 1), "bill", (sub, 1))
        life.upselling = True
        self._schedule_upsell(life, moment)

    def open_deal(self, life: _Life, moment: datetime, payload: object) -> None:
        assert isinstance(payload, Intent)
        intent, rng, account = payload, self.rng, life.account
        if intent.migrated:
            self.migrate(life, moment)
            return
        kind = intent.kind
        if kind == "new_business" and life.active_subs(moment):
            kind = "upsell"
        owner = self._owner(life, moment, intent)
        upgrade_of = None
        currency = account.currency
        if kind == "renewal":
            items, currency = self._renewal_items(intent, moment, account)
            label = (
                f"Renewal {intent.anniversary.year if intent.anniversary else moment.year} {_short(items)}"
            )
        elif kind == "upsell":
            items, upgrade_of = self._upsell_items(life, moment)
            label = f"{_short(items)} expansion" if upgrade_of else f"{_short(items)} add-on"
        else:
            basket = with_legacy_products(
                rng, self.world.catalogue, new_business_basket(rng, account.segment), moment
            )
            items = self._priced(basket, currency, moment, deal_discount(rng, account.segment, kind))
            label = _short(items) + (" (win-back)" if intent.winback else "")
        spec = DealSpec(
            account=account,
            opp_type=kind,
            created_at=moment,
            owner=owner,
            items=tuple(items),
            currency=currency,
            name=f"{account.name} - {label}",
            lead=intent.lead,
            first_changed_by=intent.lead.owner
            if intent.lead and intent.lead.owner.active_on(moment.date())
            else None,
            win_probability=self._renewal_probability(life) if kind == "renewal" else None,
            win_factor=(intent.lead.source.win_factor if intent.lead else 1.0)
            * (1.1 if intent.winback else 1.0),
            start_stage=self._start_stage(kind, intent),
        )
        opp = simulate_deal(self.world, rng, spec)
        self.world.opportunities.append(opp)
        if intent.lead is not None:
            intent.lead.opportunity = opp
        if opp.closed_at is not None:
            self.push(life, opp.closed_at, "close", (opp, intent, upgrade_of))

    def _start_stage(self, kind: str, intent: Intent) -> str:
        if kind == "renewal":
            return "Proposal/Price Quote"
        if kind == "upsell":
            return self.rng.choice(("Qualification", "Needs Analysis"))
        if intent.lead is not None:
            return "Qualification" if self.rng.random() < 0.8 else "Prospecting"
        return "Prospecting"

    def _renewal_probability(self, life: _Life) -> float:
        segment = life.account.segment
        style = life.acquired_by.style if life.acquired_by else 0.0
        return WIN_BASE["renewal"][segment] - 0.1 * style

    def close_deal(self, life: _Life, moment: datetime, payload: object) -> None:
        opp, intent, upgrade_of = payload  # type: ignore[misc]
        assert isinstance(opp, Opportunity) and isinstance(intent, Intent)
        if opp.is_won:
            self._won(life, moment, opp, intent, upgrade_of)
        elif intent.kind == "renewal" and intent.sub is not None and intent.anniversary is not None:
            end_subscription(intent.sub, max(intent.anniversary, moment), "expired", self.cal.cutoff)
            self._maybe_churned(life, max(intent.anniversary, moment))
        elif opp.opp_type == "new_business" and life.last_win is None and self.rng.random() < REENGAGE_SHARE:
            later = self.cal.business_moment_on_or_after(
                self.rng, moment.date() + timedelta(days=self.rng.randint(120, 300))
            )
            self.push(life, later, "open", Intent("new_business"))

    def _won(
        self, life: _Life, moment: datetime, opp: Opportunity, intent: Intent, upgrade_of: object
    ) -> None:
        rng, cal, account = self.rng, self.cal, life.account
        lines = [_copy_line(i) for i in opp.items]
        order = book_order(self.world, rng, account, opp, opp.owner, moment, lines, opp.currency)
        if life.acquired_by is None:
            life.acquired_by = opp.owner
            account.touch(moment)
        life.last_win = moment
        life.has_pos = life.has_pos or any(i.product.product_id in ("PRD-301", "PRD-307") for i in opp.items)
        if not life.upselling:
            life.upselling = True
            self._schedule_upsell(life, moment)
            self._schedule_reorder(life, moment)
        if intent.kind == "renewal" and intent.sub is not None and intent.anniversary is not None:
            self._schedule_renewal(life, intent.sub, add_months_dt(intent.anniversary, 12))
            return
        lag = rng.uniform(0, 3) if upgrade_of is not None else rng.uniform(0, 10)
        start = cal.to_office_hours(rng, order.ordered_at + timedelta(days=lag))
        if start >= cal.cutoff:
            return
        for item in opp.items:
            if not item.product.is_saas:
                continue
            if (
                isinstance(upgrade_of, Subscription)
                and item.product is upgrade_of.product
                and upgrade_of.ended_at is None
            ):
                end_subscription(upgrade_of, start, "cancelled", cal.cutoff)
                sub = new_subscription(
                    self.world,
                    account,
                    item,
                    upgrade_of.currency,
                    start,
                    upgrade_of.seats + item.seats,
                    upgrade_of.discount_rate,
                    upgrade_of.billing,
                )
            else:
                sub = subscription_from_line(self.world, rng, account, item, opp.currency, start)
            life.subs.append(sub)
            if sub.billing == "monthly":
                self.push(life, self._bill_moment(sub, 1), "bill", (sub, 1))
            else:
                self._schedule_renewal(life, sub, add_months_dt(sub.started_at, 12))

    # ----- subscriptions ---------------------------------------------------------------------------
    def _schedule_renewal(self, life: _Life, sub: Subscription, anniversary: datetime) -> None:
        due = self.cal.to_office_hours(self.rng, anniversary - timedelta(days=self.rng.randint(45, 75)))
        self.push(life, due, "renewal_due", (sub, anniversary))

    def renewal_due(self, life: _Life, moment: datetime, payload: object) -> None:
        sub, anniversary = payload  # type: ignore[misc]
        if sub.ended_at is None:
            self.open_deal(life, moment, Intent("renewal", sub=sub, anniversary=anniversary))

    def _bill_moment(self, sub: Subscription, month: int) -> datetime:
        day = add_months(self.cal.local_date(sub.started_at), month)
        return datetime.combine(day, time(8)) - WIB + timedelta(seconds=self.rng.randrange(3600))

    def bill(self, life: _Life, moment: datetime, payload: object) -> None:
        sub, month = payload  # type: ignore[misc]
        if sub.ended_at is not None:
            return
        style_factor = life.acquired_by.churn_factor if life.acquired_by else 1.0
        hazard = MONTHLY_CHURN_HAZARD * style_factor * (1.6 if month <= 3 else 1.0)
        if self.rng.random() < hazard:
            end_subscription(sub, moment, "cancelled", self.cal.cutoff)
            self._maybe_churned(life, moment)
            return
        rep = life.account.owner_at(moment)
        lines = recurring_lines(self.world, self.rng, sub, moment)
        book_order(self.world, self.rng, life.account, None, rep, moment, lines, sub.currency, recurring=True)
        self.push(life, self._bill_moment(sub, month + 1), "bill", (sub, month + 1))

    def _maybe_churned(self, life: _Life, moment: datetime) -> None:
        """When the last plan ends, some customers come back months later (win-back)."""
        if life.active_subs(moment + timedelta(seconds=1)) or self.rng.random() >= WINBACK_SHARE:
            return
        day = moment.date() + timedelta(days=self.rng.randint(90, 360))
        self.push(
            life,
            self.cal.business_moment_on_or_after(self.rng, day),
            "open",
            Intent("new_business", winback=True),
        )

    # ----- expansion and repeat business -----------------------------------------------------------
    def _schedule_upsell(self, life: _Life, moment: datetime) -> None:
        rate = UPSELL_RATE_PER_MONTH[life.account.segment]
        day = moment.date() + timedelta(days=30.4 * self.rng.expovariate(rate))
        self.push(life, self.cal.business_moment_on_or_after(self.rng, day), "upsell")

    def upsell(self, life: _Life, moment: datetime, payload: object) -> None:
        if life.is_customer(moment):
            self.open_deal(life, moment, Intent("upsell"))
            self._schedule_upsell(life, moment)
        else:
            life.upselling = False

    def _schedule_reorder(self, life: _Life, moment: datetime) -> None:
        day = moment.date() + timedelta(days=30.4 * self.rng.expovariate(REORDER_RATE_PER_MONTH))
        self.push(life, self.cal.business_moment_on_or_after(self.rng, day), "reorder")

    def reorder(self, life: _Life, moment: datetime, payload: object) -> None:
        if not (life.has_pos and life.is_customer(moment)):
            return
        account = life.account
        lines = self._priced(
            reorder_basket(self.rng, account.segment), account.currency, moment, self.rng.uniform(0.0, 0.05)
        )
        book_order(
            self.world, self.rng, account, None, account.owner_at(moment), moment, lines, account.currency
        )
        self._schedule_reorder(life, moment)


def _dec(n: int) -> Decimal:
    return Decimal(n)


def _copy_line(item: LineItem) -> LineItem:
    return LineItem(
        item.product, item.quantity, item.unit_price, item.discount, item.unit_cost, item.seats, item.billing
    )


def add_months_dt(moment: datetime, months: int) -> datetime:
    """moment moved by whole months (day clamped to 28), same time of day."""
    return datetime.combine(add_months(moment.date(), months), moment.time())


def initial_intents(world: World, rng: random.Random) -> dict[int, list[tuple[datetime, Intent]]]:
    """The first reasons to open a deal with each account: leads, pre-CRM contracts, rep prospecting."""
    cal = world.calendar
    out: dict[int, list[tuple[datetime, Intent]]] = {a.seq: [] for a in world.accounts}
    for lead in world.leads:
        if lead.account is not None and lead.converted_at is not None:
            out[lead.account.seq].append((lead.converted_at, Intent("new_business", lead=lead)))
    for account in world.accounts:
        if account.origin == "legacy":
            if (
                rng.random() < LEGACY_CUSTOMER_SHARE
                and account.segment == "smb"
                and rng.random() < MIGRATED_MONTHLY_SHARE
            ):
                day = cal.start + timedelta(days=rng.randint(0, 27))
                out[account.seq].append(
                    (cal.business_moment_on_or_after(rng, day), Intent("new_business", migrated=True))
                )
            elif rng.random() < LEGACY_CUSTOMER_SHARE:
                day = cal.start + timedelta(days=rng.randint(3, 330))
                out[account.seq].append(
                    (cal.business_moment_on_or_after(rng, day), Intent("renewal", legacy=True))
                )
            elif rng.random() < LEGACY_PROSPECT_DEAL_SHARE:
                day = cal.sample_day(rng, cal.start + timedelta(days=7))
                out[account.seq].append((cal.business_time(rng, day), Intent("new_business")))
        elif account.origin == "direct" and rng.random() < DIRECT_DEAL_SHARE:
            moment = cal.to_office_hours(rng, account.created_at + timedelta(days=rng.uniform(0, 14)))
            out[account.seq].append((moment, Intent("new_business")))
    return out


def simulate_accounts(world: World, rng: random.Random) -> None:
    """Run every account's life from its first deal to the as-of date."""
    intents = initial_intents(world, rng)
    simulator = _Simulator(world, rng)
    for account in world.accounts:
        life = _Life(account)
        for moment, intent in intents[account.seq]:
            simulator.push(life, moment, "open", intent)
        simulator.run(life)
