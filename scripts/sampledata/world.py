"""The generator pipeline: staff, leads, accounts, the accounts' lives, then the work and the money around
them. Each step draws from its own random stream (config.rng(step)), so a step's data does not depend on
how much randomness another step used, and tables that are not wanted can be skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scripts.sampledata.accounts import (
    AccountDraft,
    Accounts,
    Contacts,
    build_accounts,
    build_contacts,
    draft_accounts,
)
from scripts.sampledata.activities import (
    Activities,
    SalesEmails,
    build_deal_activities,
    build_lead_activities,
    durations_and_outcomes,
)
from scripts.sampledata.calendar import Calendar, month_index
from scripts.sampledata.config import NEVER, GeneratorConfig
from scripts.sampledata.currency import RateBook, build_rates
from scripts.sampledata.emails import EmailEvents, Emails, email_events
from scripts.sampledata.expenses_and_targets import Rows, actuals, build_sales_expenses, build_sales_targets
from scripts.sampledata.leads import Leads, build_leads
from scripts.sampledata.lifecycle import Simulator, simulate_accounts
from scripts.sampledata.marketing import Spend, build_marketing_spend, marketing_emails
from scripts.sampledata.names import company_names, domains, emails, take, unique_names
from scripts.sampledata.orders_and_subscriptions import Orders, book_orders, monthly_bills, recurring_lines
from scripts.sampledata.products import Catalogue, Lines, build_catalogue
from scripts.sampledata.reference import FOREIGN_LOCATIONS, FREE_MAIL_DOMAINS, INDUSTRY_NAMES
from scripts.sampledata.staffing import Staffing, build_staffing

log = logging.getLogger(__name__)
FOREIGN_SUFFIXES = tuple(dict.fromkeys(s for _, _, s in FOREIGN_LOCATIONS))
LOCATION_SUFFIX = np.array([FOREIGN_SUFFIXES.index(s) for _, _, s in FOREIGN_LOCATIONS])
ACTIVITY_TABLES = frozenset({"activities", "email_events"})


def rss_mb() -> float:
    """Resident memory of this process now (MiB; 0 where /proc is not available)."""
    try:
        text = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    line = next((x for x in text.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    log.debug("  %-28s %6.2f s  %7.0f MiB", name, time.perf_counter() - started, rss_mb())


@dataclass
class Opportunities:
    """Opportunities in creation order (opportunity numbers follow it) and their stage history (flat)."""

    account: np.ndarray
    owner: np.ndarray
    lead: np.ndarray
    opp_type: np.ndarray
    currency: np.ndarray
    created: np.ndarray
    expected_close: np.ndarray
    closed_at: np.ndarray
    is_won: np.ndarray
    loss_reason: np.ndarray
    updated_at: np.ndarray
    stage: np.ndarray
    amount: np.ndarray
    label: np.ndarray
    label_product: np.ndarray
    label_year: np.ndarray
    history_opp: np.ndarray
    history_at: np.ndarray
    history_stage: np.ndarray
    history_amount: np.ndarray
    history_by: np.ndarray

    def __len__(self) -> int:
        return len(self.account)


@dataclass
class Subscriptions:
    """Subscriptions in start order (subscription numbers follow it)."""

    account: np.ndarray
    product: np.ndarray
    started: np.ndarray
    ended: np.ndarray
    mrr: np.ndarray
    currency: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.account)


@dataclass
class World:
    """Everything one run builds."""

    config: GeneratorConfig
    calendar: Calendar
    rates: RateBook
    staffing: Staffing
    catalogue: Catalogue
    leads: Leads
    accounts: Accounts
    contacts: Contacts
    opportunities: Opportunities
    orders: Orders
    subscriptions: Subscriptions
    spend: Spend
    expenses: Rows
    targets: Rows
    activities: dict[str, np.ndarray] | None = None
    emails: Emails | None = None
    email_events: EmailEvents | None = None
    campaigns: list[str] | None = None
    rounds: int = 0


def _name_companies(rng: np.random.Generator, leads: Leads, draft: AccountDraft) -> tuple[pa.Array, pa.Array]:
    """Unique company names and web domains for the leads and the accounts not created from leads."""
    location = np.r_[leads.location, draft.location]
    suffix = np.where(location >= 0, LOCATION_SUFFIX[np.maximum(location, 0)], -1)
    industry = np.r_[leads.industry, draft.industry]
    segment = np.r_[leads.segment, draft.segment]
    names = company_names(rng, industry, segment, suffix, FOREIGN_SUFFIXES)
    numbered, number = unique_names(names)
    domain = domains(names, number, suffix >= 0, industry == INDUSTRY_NAMES.index("education"))
    n = len(leads)
    leads.company, leads.domain = numbered.slice(0, n), domain.slice(0, n)
    own = pc.if_else(pa.array(leads.free_mail >= 0), take(FREE_MAIL_DOMAINS, leads.free_mail), leads.domain)
    leads.email = emails(rng, leads.first, leads.last, own)
    return numbered.slice(n), domain.slice(n)


def _opportunities(sim: Simulator) -> tuple[Opportunities, np.ndarray]:
    """The simulated deals in creation order; also each simulation index's position."""
    rows = sim.opps.rows
    n = len(rows)
    order = np.lexsort((np.arange(n), rows.created))
    position = np.empty(n, np.int64)
    position[order] = np.arange(n)
    deals = sim.opps.deals

    def cat(field: str) -> np.ndarray:
        return np.concatenate([getattr(d, field) for d in deals]) if deals else np.empty(0, np.int64)

    length = cat("length")
    stage, entered, amount, by = cat("stage"), cat("entered"), cat("amount"), cat("changed_by")
    width = stage.shape[1] if n else 0
    in_history = np.arange(width)[None, :] < length[:, None] if n else np.zeros((0, 0), bool)
    r, c = np.nonzero(in_history)
    history_opp = position[r]
    last = length - 1 if n else length
    idx = np.arange(n)
    h_order = np.lexsort((stage[r, c], entered[r, c], history_opp))
    opp = Opportunities(
        account=rows.account[order],
        owner=rows.owner[order],
        lead=rows.lead[order],
        opp_type=rows.opp_type[order],
        currency=rows.currency[order],
        created=rows.created[order],
        expected_close=cat("expected_close")[order],
        closed_at=cat("closed_at")[order],
        is_won=cat("is_won")[order],
        loss_reason=cat("loss_reason")[order],
        updated_at=cat("updated_at")[order],
        stage=stage[idx, last][order] if n else np.empty(0, np.int64),
        amount=amount[idx, last][order] if n else np.empty(0, np.int64),
        label=rows.label[order],
        label_product=rows.label_product[order],
        label_year=rows.label_year[order],
        history_opp=history_opp[h_order],
        history_at=entered[r, c][h_order],
        history_stage=stage[r, c][h_order],
        history_amount=amount[r, c][h_order],
        history_by=by[r, c][h_order],
    )
    return opp, position


def _subscriptions(sim: Simulator) -> tuple[Subscriptions, np.ndarray]:
    subs = sim.subs
    order = np.lexsort((np.arange(len(subs)), subs.started))
    position = np.empty(len(subs), np.int64)
    position[order] = np.arange(len(subs))
    return (
        Subscriptions(
            account=subs.account[order],
            product=subs.product[order],
            started=subs.started[order],
            ended=subs.ended[order],
            mrr=subs.mrr[order],
            currency=subs.currency[order],
            status=subs.status[order],
        ),
        position,
    )


def build_world(config: GeneratorConfig, wanted: frozenset[str]) -> World:
    """Build every entity (and, when wanted, the activities and e-mails)."""
    with step("calendar, rates, staff, products"):
        calendar = Calendar.build(config.start_date, config.end_date)
        rates = build_rates(config.reporting_currency, calendar, config.rng("rates"))
        staffing = build_staffing(config, calendar, config.rng("reps"))
        catalogue = build_catalogue(config, calendar, config.rng("products"))
    with step("leads"):
        leads = build_leads(config.rng("leads"), calendar, staffing, config.leads, len(FREE_MAIL_DOMAINS))
    with step("accounts, contacts"):
        draft, new_from_leads = draft_accounts(config.rng("accounts"), calendar, leads, config.accounts)
        draft_names, draft_domains = _name_companies(config.rng("names"), leads, draft)
        accounts = build_accounts(
            config.rng("account_details"),
            config,
            calendar,
            staffing,
            leads,
            draft,
            draft_names,
            draft_domains,
            new_from_leads,
        )
        contacts = build_contacts(config.rng("contacts"), calendar, accounts, leads)
    with step("account lives"):
        sim = simulate_accounts(
            config, config.rng("lifecycle"), calendar, staffing, accounts, leads, catalogue, rates
        )
    with step("orders, subscriptions"):
        opportunities, opp_position = _opportunities(sim)
        leads.opportunity = np.where(
            leads.opportunity >= 0, opp_position[np.maximum(leads.opportunity, 0)], -1
        )
        rng = config.rng("bills")
        sub, moment = monthly_bills(rng, sim.subs, calendar.cutoff)
        bill = recurring_lines(rng, catalogue, rates, sim.subs, sub, moment)
        account = sim.subs.account[sub]
        sim.orders.add(
            account,
            -1,
            accounts.owner_at(account, moment),
            moment,
            sim.subs.currency[sub],
            True,
            bill,
            bill.owner,
        )
        orders = book_orders(config.rng("orders"), calendar, sim.orders, catalogue, accounts.segment)
        orders.opportunity = np.where(
            orders.opportunity >= 0, opp_position[np.maximum(orders.opportunity, 0)], -1
        )
        subscriptions, _ = _subscriptions(sim)
    with step("marketing spend"):
        spend = build_marketing_spend(
            config.rng("spend"), calendar, rates, config.reporting_currency, leads.created, leads.source
        )
    with step("expenses, targets"):
        won_at = np.where(opportunities.is_won, opportunities.closed_at, NEVER)
        lead_opp = leads.opportunity
        lead_won_at = np.where(lead_opp >= 0, won_at[np.maximum(lead_opp, 0)], NEVER)
        width = (
            int(month_index(np.array([calendar.end_day]))[0] - month_index(np.array([calendar.start_day]))[0])
            + 4
        )
        act = actuals(
            calendar, staffing, rates, orders, opportunities.owner, won_at, leads.owner, lead_won_at, width
        )
        expenses = build_sales_expenses(
            config.rng("expenses"), calendar, staffing, config.reporting_currency, act
        )
        targets = build_sales_targets(
            config.rng("targets"), calendar, staffing, config.reporting_currency, act
        )
    world = World(
        config=config,
        calendar=calendar,
        rates=rates,
        staffing=staffing,
        catalogue=catalogue,
        leads=leads,
        accounts=accounts,
        contacts=contacts,
        opportunities=opportunities,
        orders=orders,
        subscriptions=subscriptions,
        spend=spend,
        expenses=expenses,
        targets=targets,
        rounds=sim.rounds,
    )
    if wanted & ACTIVITY_TABLES:
        with step("activities, e-mails"):
            _build_activities(world)
    return world


def _build_activities(world: World) -> None:
    """Activities and sales e-mails on leads and deals, marketing e-mails, and their tracking events."""
    config, calendar, staffing = world.config, world.calendar, world.staffing
    acts, mails = Activities(), SalesEmails()
    build_lead_activities(config.rng("lead_activities"), calendar, staffing, world.leads, acts, mails)
    opp = world.opportunities
    build_deal_activities(
        config.rng("deal_activities"),
        calendar,
        staffing,
        world.contacts,
        opp.account,
        world.accounts.segment[opp.account],
        opp.opp_type,
        opp.owner,
        opp.created,
        opp.closed_at,
        acts,
        mails,
    )
    columns = acts.columns()
    order = np.lexsort((columns["seq"], columns["at"]))
    columns = {k: v[order] for k, v in columns.items()}
    columns["duration"], columns["outcome"] = durations_and_outcomes(
        config.rng("activity_outcomes"), columns["kind"], columns["direction"]
    )
    world.activities = columns
    sales = mails.emails(0)
    sales_events = email_events(
        config.rng("sales_email_events"), sales.sent_at, np.zeros(len(sales), bool), calendar.cutoff
    )
    leads, contacts = world.leads, world.contacts
    created = np.r_[leads.created, contacts.created]
    is_lead = np.r_[np.ones(len(leads), bool), np.zeros(len(contacts), bool)]
    index = np.r_[np.arange(len(leads)), np.arange(len(contacts))]
    people = np.argsort(created, kind="stable")
    marketing, marketing_events, campaigns = marketing_emails(
        config.rng("campaigns"), calendar, created[people], is_lead[people], index[people], len(sales)
    )
    all_emails = Emails.concat([sales, marketing])
    events = EmailEvents(
        np.r_[sales_events.email, marketing_events.email + len(sales)],
        np.r_[sales_events.kind, marketing_events.kind],
        np.r_[sales_events.at, marketing_events.at],
    )
    # e-mails without any event before the cutoff were never sent; number the others by sending time
    sent = np.zeros(len(all_emails), bool)
    sent[events.email] = True
    keep = np.flatnonzero(sent)
    order = keep[np.lexsort((all_emails.seq[keep], all_emails.sent_at[keep]))]
    position = np.full(len(all_emails), -1, np.int64)
    position[order] = np.arange(len(order))
    world.emails = all_emails.take(order)
    email = position[events.email]
    within = np.arange(len(email)) - np.searchsorted(events.email, events.email, side="left")
    ev_order = np.lexsort((within, email, events.at))
    world.email_events = EmailEvents(email[ev_order], events.kind[ev_order], events.at[ev_order])
    world.campaigns = campaigns


__all__ = ["Lines", "World", "build_world"]
