"""The generator pipeline: what the whole company shares, and the shards its customers are split into.

Shared (built once): the calendar, exchange rates, the sales team and the price list. A shard is an
independent slice of the company's accounts and leads (like a regional CRM instance): its leads,
accounts, contacts, the accounts' lives (deals, orders, subscriptions), the work reps log and the
e-mails sent. Shards only share reps and products, so they can be built in parallel and written one
after the other with flat memory. A data set of up to config.shard_accounts accounts (25,000 by default:
the committed sample and the tests) is one shard.

Each step draws from its own random stream (config.rng(step, shard)), so a step's data does not depend
on how much randomness another step used, and tables that are not wanted can be skipped.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scripts.sampledata.accounts import Accounts, Contacts, build_accounts, build_contacts, draft_accounts
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
from scripts.sampledata.expenses_and_targets import CompactActuals, actuals
from scripts.sampledata.leads import Leads, build_leads
from scripts.sampledata.lifecycle import Simulator, simulate_accounts
from scripts.sampledata.marketing import campaigns, lead_counts, marketing_emails
from scripts.sampledata.names import SUFFIXES, company_codes, local_ranks
from scripts.sampledata.orders_and_subscriptions import Orders, book_orders, monthly_bills, recurring_lines
from scripts.sampledata.products import Catalogue, build_catalogue
from scripts.sampledata.reference import FOREIGN_LOCATIONS, FREE_MAIL_DOMAINS, INDUSTRY_NAMES
from scripts.sampledata.staffing import Staffing, build_staffing

log = logging.getLogger(__name__)
LOCATION_SUFFIX = np.array([SUFFIXES.index(s) for _, _, s in FOREIGN_LOCATIONS])
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
    started, cpu = time.perf_counter(), time.process_time()
    yield
    log.debug(
        "  %-30s %6.2f s wall %6.2f s cpu %7.0f MiB",
        name,
        time.perf_counter() - started,
        time.process_time() - cpu,
        rss_mb(),
    )


def shard_count(config: GeneratorConfig) -> int:
    """How many shards the accounts are split into."""
    return max(1, math.ceil(config.accounts / config.shard_accounts))


def share(total: int, shards: int, shard: int) -> int:
    """Shard `shard`'s share of `total` items (the first shards take the remainder)."""
    return total // shards + (1 if shard < total % shards else 0)


@dataclass
class Globals:
    """What every shard shares."""

    config: GeneratorConfig
    calendar: Calendar
    rates: RateBook
    staffing: Staffing
    catalogue: Catalogue
    campaigns: list[tuple[str, int]]
    months: int  # width of the (rep x month) matrices: the period's months and the plan months after it


def build_globals(config: GeneratorConfig) -> Globals:
    with step("calendar, rates, staff, products"):
        calendar = Calendar.build(config.start_date, config.end_date)
        first, last = (int(month_index(np.array([d]))[0]) for d in (calendar.start_day, calendar.end_day))
        return Globals(
            config=config,
            calendar=calendar,
            rates=build_rates(config.reporting_currency, calendar, config.rng("rates")),
            staffing=build_staffing(config, calendar, config.rng("reps")),
            catalogue=build_catalogue(config, calendar, config.rng("products")),
            campaigns=campaigns(calendar),
            months=last - first + 4,
        )


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
class CompanyNameList:
    """The shard's company names (its leads' first, then the accounts not created from leads), as codes;
    names, numbers and domains are handed out when the shard is written (names.NameBook)."""

    codes: np.ndarray
    ranks: np.ndarray  # earlier entries of the shard with the same code
    education: np.ndarray  # education companies get a .sch.id domain


@dataclass
class Shard:
    """Everything one shard builds (entity indexes are shard-local, numbered in creation order)."""

    index: int
    names: CompanyNameList
    leads: Leads
    accounts: Accounts
    contacts: Contacts
    opportunities: Opportunities
    orders: Orders
    subscriptions: Subscriptions
    lead_counts: np.ndarray  # [month, lead source], for marketing spend
    actuals: CompactActuals  # per rep and month, for commissions and targets
    activities: dict[str, np.ndarray] | None = None
    emails: Emails | None = None
    email_events: EmailEvents | None = None
    rounds: int = 0


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

    if n:
        length = cat("length")
        stage, entered, amount, by = cat("stage"), cat("entered"), cat("amount"), cat("changed_by")
    else:
        length = np.empty(0, np.int64)
        stage = entered = amount = by = np.empty((0, 1), np.int64)
    in_history = np.arange(stage.shape[1])[None, :] < length[:, None]
    r, c = np.nonzero(in_history)
    history_opp = position[r]
    idx = np.arange(n)
    last = np.maximum(length - 1, 0)
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
        is_won=cat("is_won")[order].astype(bool),
        loss_reason=cat("loss_reason")[order],
        updated_at=cat("updated_at")[order],
        stage=stage[idx, last][order],
        amount=amount[idx, last][order],
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


def _subscriptions(sim: Simulator) -> Subscriptions:
    subs = sim.subs
    order = np.lexsort((np.arange(len(subs)), subs.started))
    return Subscriptions(
        account=subs.account[order],
        product=subs.product[order],
        started=subs.started[order],
        ended=subs.ended[order],
        mrr=subs.mrr[order],
        currency=subs.currency[order],
        status=subs.status[order],
    )


def build_shard(g: Globals, shard: int, shards: int, wanted: frozenset[str]) -> Shard:
    """Build one shard: its leads and accounts and everything that happens to them."""
    config, calendar, staffing = g.config, g.calendar, g.staffing

    def rng(name: str) -> np.random.Generator:
        return config.rng(name, shard)

    with step(f"shard {shard}: leads"):
        leads = build_leads(
            rng("leads"), calendar, staffing, share(config.leads, shards, shard), len(FREE_MAIL_DOMAINS)
        )
    with step(f"shard {shard}: accounts, contacts"):
        draft, new_from_leads = draft_accounts(
            rng("accounts"), calendar, leads, share(config.accounts, shards, shard)
        )
        location = np.r_[leads.location, draft.location]
        industry = np.r_[leads.industry, draft.industry]
        codes = company_codes(
            rng("names"),
            industry,
            np.r_[leads.segment, draft.segment],
            np.where(location >= 0, LOCATION_SUFFIX[np.maximum(location, 0)], -1),
        )
        names = CompanyNameList(codes, local_ranks(codes), industry == INDUSTRY_NAMES.index("education"))
        accounts = build_accounts(
            rng("account_details"), config, calendar, staffing, leads, draft, new_from_leads
        )
        contacts = build_contacts(rng("contacts"), calendar, accounts, leads)
    with step(f"shard {shard}: account lives"):
        sim = simulate_accounts(
            config, rng("lifecycle"), calendar, staffing, accounts, leads, g.catalogue, g.rates
        )
    with step(f"shard {shard}: orders, subscriptions"):
        opportunities, opp_position = _opportunities(sim)
        leads.opportunity = np.where(
            leads.opportunity >= 0, opp_position[np.maximum(leads.opportunity, 0)], -1
        )
        bills = rng("bills")
        sub, moment = monthly_bills(bills, sim.subs, calendar.cutoff)
        bill = recurring_lines(bills, g.catalogue, g.rates, sim.subs, sub, moment)
        account = sim.subs.account[sub]
        rep = accounts.owner_at(account, moment)
        sim.orders.add(account, -1, rep, moment, sim.subs.currency[sub], True, bill, bill.owner)
        orders = book_orders(rng("orders"), calendar, sim.orders, g.catalogue, accounts.segment)
        orders.opportunity = np.where(
            orders.opportunity >= 0, opp_position[np.maximum(orders.opportunity, 0)], -1
        )
        subscriptions = _subscriptions(sim)
        won_at = np.where(opportunities.is_won, opportunities.closed_at, NEVER)
        lead_opp = leads.opportunity
        lead_won_at = np.where(lead_opp >= 0, won_at[np.maximum(lead_opp, 0)], NEVER)
        shard_actuals = actuals(
            calendar,
            staffing,
            g.rates,
            orders,
            opportunities.owner,
            won_at,
            leads.owner,
            lead_won_at,
            g.months,
        ).compact()
    out = Shard(
        index=shard,
        names=names,
        leads=leads,
        accounts=accounts,
        contacts=contacts,
        opportunities=opportunities,
        orders=orders,
        subscriptions=subscriptions,
        lead_counts=lead_counts(calendar, leads.created, leads.source),
        actuals=shard_actuals,
        rounds=sim.rounds,
    )
    del sim
    if wanted & ACTIVITY_TABLES:
        with step(f"shard {shard}: activities, e-mails"):
            _build_activities(g, out, rng)
    return out


def _build_activities(g: Globals, shard: Shard, rng: callable) -> None:  # type: ignore[valid-type]
    """Activities and sales e-mails on leads and deals, marketing e-mails, and their tracking events."""
    calendar, staffing = g.calendar, g.staffing
    acts, mails = Activities(), SalesEmails()
    build_lead_activities(rng("lead_activities"), calendar, staffing, shard.leads, acts, mails)
    opp = shard.opportunities
    build_deal_activities(
        rng("deal_activities"),
        calendar,
        staffing,
        shard.contacts,
        opp.account,
        shard.accounts.segment[opp.account],
        opp.opp_type,
        opp.owner,
        opp.created,
        opp.closed_at,
        acts,
        mails,
    )
    columns = acts.columns()
    order = np.lexsort((columns["seq"], columns["at"]))
    columns = {k: v[order] for k, v in columns.items() if k != "seq"}
    columns["duration"], columns["outcome"] = durations_and_outcomes(
        rng("activity_outcomes"), columns["kind"], columns["direction"]
    )
    shard.activities = columns
    sales = mails.emails(0)
    sales_events = email_events(
        rng("sales_email_events"), sales.sent_at, np.zeros(len(sales), bool), calendar.cutoff
    )
    leads, contacts = shard.leads, shard.contacts
    created = np.r_[leads.created, contacts.created]
    is_lead = np.r_[np.ones(len(leads), bool), np.zeros(len(contacts), bool)]
    index = np.r_[np.arange(len(leads)), np.arange(len(contacts))]
    people = np.argsort(created, kind="stable")
    marketing, marketing_events = marketing_emails(
        rng("campaigns"), calendar, g.campaigns, created[people], is_lead[people], index[people], len(sales)
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
    shard.emails = all_emails.take(order)
    email = position[events.email]
    within = np.arange(len(email)) - np.searchsorted(events.email, events.email, side="left")
    ev_order = np.lexsort((within, email, events.at))
    shard.email_events = EmailEvents(email[ev_order], events.kind[ev_order], events.at[ev_order])
