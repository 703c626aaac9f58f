"""Accounts (migrated at go-live, created by reps, and from converted leads) with their owners over
time (an account moves to another rep when its owner leaves), and the people at each account (contacts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from scripts.sampledata.calendar import Calendar
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.currency import EUR, IDR, SGD, USD
from scripts.sampledata.leads import INDUSTRY_WEIGHT, Leads, choose_location, exact_share, weighted
from scripts.sampledata.names import person_names, phones
from scripts.sampledata.reference import (
    COUNTRY_CODES,
    FOREIGN_LOCATIONS,
    FREE_MAIL_DOMAINS,
    JOB_TITLES,
    REGIONS,
    SEGMENTS,
)
from scripts.sampledata.staffing import AE, Staffing

LEGACY_SHARE = 0.32  # of the accounts not created from leads: imported when the CRM went live
FOREIGN_SHARE = 0.045
NEW_ACCOUNT_SHARE = 0.85  # converted leads that are a new company (the rest match an existing account)
MAX_LEAD_ACCOUNT_SHARE = 0.65
LEGACY, DIRECT, FROM_LEAD = range(3)
ORIGINS = ("legacy", "direct", "lead")
CITIES: tuple[str, ...] = tuple(
    dict.fromkeys([c for r in REGIONS for c in r.cities] + [c for _, c, _ in FOREIGN_LOCATIONS])
)
REGION_CITIES = [np.array([CITIES.index(c) for c in r.cities]) for r in REGIONS]
LOCATION_CITY = np.array([CITIES.index(c) for _, c, _ in FOREIGN_LOCATIONS])
LOCATION_COUNTRY = np.array([COUNTRY_CODES.index(c) for c, _, _ in FOREIGN_LOCATIONS])
SEGMENT_WEIGHT = np.array([w for _, w in SEGMENTS])
CONTACT_RANGE = np.array([[1, 2], [2, 4], [3, 6]])  # contacts per account by segment


@dataclass
class Accounts:
    """Accounts in creation order (account numbers follow it)."""

    created: np.ndarray
    origin: np.ndarray
    segment: np.ndarray
    region: np.ndarray
    location: np.ndarray  # foreign location index, -1 for Indonesia
    country: np.ndarray
    city: np.ndarray
    industry: np.ndarray
    currency: np.ndarray
    name: np.ndarray  # index into the shard's company names (its domain is that name's)
    owners: np.ndarray  # [account, k] rep of the k-th ownership, -1 after the last
    owner_since: np.ndarray  # [account, k] when it started
    updated_at: np.ndarray

    def __len__(self) -> int:
        return len(self.created)

    def owner_at(self, account: np.ndarray, moment: np.ndarray) -> np.ndarray:
        """The owner of each account at each moment."""
        owner = self.owners[account, 0]
        for k in range(1, self.owners.shape[1]):
            later = self.owners[account, k]
            owner = np.where((later >= 0) & (self.owner_since[account, k] <= moment), later, owner)
        return owner

    @property
    def current_owner(self) -> np.ndarray:
        count = (self.owners >= 0).sum(axis=1)
        return self.owners[np.arange(len(self)), count - 1]

    def touch(self, account: np.ndarray, moment: np.ndarray) -> None:
        """Record changes of account records (their updated_at moves forward)."""
        np.maximum.at(self.updated_at, account, moment)


@dataclass
class Contacts:
    """Contacts in creation order (contact numbers follow it)."""

    account: np.ndarray
    first: np.ndarray
    last: np.ndarray
    email_domain: np.ndarray  # index into the shard's company names whose domain the address uses
    free_mail: np.ndarray  # index into FREE_MAIL_DOMAINS instead (-1: the company domain)
    email_style: np.ndarray
    phone: pa.Array
    job_title: np.ndarray
    created: np.ndarray
    updated_at: np.ndarray
    lead: np.ndarray  # the converted lead this contact came from, -1 otherwise

    def __len__(self) -> int:
        return len(self.created)


def account_currency(
    rng: np.random.Generator, reporting: str, country: np.ndarray, segment: np.ndarray
) -> np.ndarray:
    """The currency an account buys in: mostly the reporting currency, foreign or large ones in USD/SGD."""
    n = len(country)
    u = rng.random(n)
    code = np.array(COUNTRY_CODES)[country]
    if reporting == "IDR":
        domestic = np.where(u < np.array([0.0, 0.04, 0.22])[segment], USD, IDR)
    else:
        domestic = np.where(u < np.array([0.4, 0.2, 0.1])[segment], IDR, USD)
    return np.select(
        [code == "SG", code == "NL", code != "ID"], [np.where(u < 0.7, SGD, USD), EUR, USD], domestic
    )


def _cities(rng: np.random.Generator, region: np.ndarray, location: np.ndarray) -> np.ndarray:
    pick = rng.random(len(region))
    city = np.zeros(len(region), np.int64)
    for r, cities in enumerate(REGION_CITIES):
        rows = region == r
        city[rows] = cities[(pick[rows] * len(cities)).astype(np.int64)]
    foreign = location >= 0
    city[foreign] = LOCATION_CITY[location[foreign]]
    return city


@dataclass
class AccountDraft:
    """The accounts not created from leads, before names are handed out."""

    created: np.ndarray
    origin: np.ndarray
    segment: np.ndarray
    region: np.ndarray
    location: np.ndarray
    industry: np.ndarray


def draft_accounts(
    rng: np.random.Generator, calendar: Calendar, leads: Leads, total: int
) -> tuple[AccountDraft, np.ndarray]:
    """Migrated and rep-created accounts, and which converted leads become new accounts."""
    converted = np.flatnonzero(leads.converted_at < calendar.cutoff)
    is_new = rng.random(len(converted)) < NEW_ACCOUNT_SHARE
    is_new &= np.cumsum(is_new) <= int(MAX_LEAD_ACCOUNT_SHARE * total)
    others = total - int(is_new.sum())
    legacy = round(others * LEGACY_SHARE)
    direct = others - legacy
    spacing = min(7.0, 36_000 / max(legacy, 1))
    legacy_created = calendar.start_moment + 9 * 3600 + (np.arange(legacy) * spacing).astype(np.int64)
    legacy_segment = weighted(rng, np.array([0.5, 0.33, 0.17]), legacy)
    direct_created = calendar.business_time(rng, calendar.sample_days(rng, direct))
    direct_segment = weighted(rng, SEGMENT_WEIGHT, direct)
    foreign = exact_share(rng, others, FOREIGN_SHARE)
    region, location = choose_location(rng, foreign)
    draft = AccountDraft(
        created=np.r_[legacy_created, direct_created],
        origin=np.r_[np.full(legacy, LEGACY), np.full(direct, DIRECT)],
        segment=np.r_[legacy_segment, direct_segment],
        region=region,
        location=location,
        industry=weighted(rng, INDUSTRY_WEIGHT, others),
    )
    return draft, converted[is_new]


def build_accounts(
    rng: np.random.Generator,
    config: GeneratorConfig,
    calendar: Calendar,
    staffing: Staffing,
    leads: Leads,
    draft: AccountDraft,
    new_from_leads: np.ndarray,
) -> Accounts:
    """Every account (created from the draft and the converted leads), matched leads, owners."""
    converted = np.flatnonzero(leads.converted_at < calendar.cutoff)
    matched = converted[~np.isin(converted, new_from_leads)]
    # a converted lead that is not a new company is an existing account of its region (if any yet)
    found = _match_existing(rng, draft, leads.converted_at[matched] - 86400, leads.region[matched])
    new_from_leads = np.sort(np.r_[new_from_leads, matched[found < 0]])
    matched, found = matched[found >= 0], found[found >= 0]
    lead_rows = new_from_leads
    n_draft, n_lead = len(draft.created), len(lead_rows)
    location = np.r_[draft.location, leads.location[lead_rows]]
    region = np.r_[draft.region, leads.region[lead_rows]]
    segment = np.r_[draft.segment, leads.segment[lead_rows]]
    country = np.where(location >= 0, LOCATION_COUNTRY[np.maximum(location, 0)], COUNTRY_CODES.index("ID"))
    created = np.r_[draft.created, leads.converted_at[lead_rows]]
    order = np.lexsort((np.arange(n_draft + n_lead), created))
    # company names: the leads' come first in the shard's list, then the draft accounts'
    names = np.r_[len(leads) + np.arange(n_draft), lead_rows]
    origin = np.r_[draft.origin, np.full(n_lead, FROM_LEAD)]
    industry = np.r_[draft.industry, leads.industry[lead_rows]]
    city = _cities(rng, region, location)
    currency = account_currency(rng, config.reporting_currency, country, segment)
    # the first owner: a converted lead's AE when employed, else an AE covering the region and segment
    day = calendar.local_day(created)
    lead_owner = np.r_[np.full(n_draft, -1), leads.owner[lead_rows]]
    keeps_lead_owner = (lead_owner >= 0) & (staffing.role[np.maximum(lead_owner, 0)] == AE)
    keeps_lead_owner &= staffing.active(np.maximum(lead_owner, 0), day)
    owner = np.where(keeps_lead_owner, lead_owner, staffing.pick_ae(rng, region, segment, day))
    accounts = Accounts(
        created=created[order],
        origin=origin[order],
        segment=segment[order],
        region=region[order],
        location=location[order],
        country=country[order],
        city=city[order],
        industry=industry[order],
        currency=currency[order],
        name=names[order],
        owners=owner[order][:, None],
        owner_since=created[order][:, None],
        updated_at=created[order].copy(),
    )
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    leads.account = np.full(len(leads), -1, np.int64)
    leads.account[lead_rows] = position[n_draft + np.arange(n_lead)]
    leads.account[matched] = position[found]
    # a lead that matched an existing account takes that account's name
    leads.company = np.arange(len(leads))
    leads.company[matched] = accounts.name[leads.account[matched]]
    _reassign_owners(rng, calendar, staffing, accounts)
    return accounts


def _match_existing(
    rng: np.random.Generator, draft: AccountDraft, before: np.ndarray, region: np.ndarray
) -> np.ndarray:
    """For each (moment, region): a random draft account created before the moment, of the region if
    there is one, else of any region; -1 when none exists yet."""
    out = np.full(len(before), -1, np.int64)
    if not len(before):
        return out
    u = rng.random((2, len(before)))
    everywhere = np.argsort(draft.created, kind="stable")
    any_count = np.searchsorted(draft.created[everywhere], before, side="left")
    for r in np.unique(region):
        rows = np.flatnonzero(region == r)
        pool = everywhere[draft.region[everywhere] == r]
        count = np.searchsorted(draft.created[pool], before[rows], side="left")
        has = count > 0
        out[rows[has]] = pool[(u[0, rows[has]] * count[has]).astype(np.int64)]
    missing = np.flatnonzero((out < 0) & (any_count > 0))
    out[missing] = everywhere[(u[1, missing] * any_count[missing]).astype(np.int64)]
    return out


def _reassign_owners(
    rng: np.random.Generator, calendar: Calendar, staffing: Staffing, accounts: Accounts
) -> None:
    """Whenever an owner leaves, the account goes to an AE employed after that (until the as-of date)."""
    owners, since = [accounts.owners[:, 0]], [accounts.owner_since[:, 0]]
    current = owners[0].copy()
    rows = np.flatnonzero(staffing.left[current] < calendar.end_day)
    while len(rows):
        moment = calendar.business_moment_on_or_after(rng, staffing.left[current[rows]] + 1)
        rows, moment = rows[moment < calendar.cutoff], moment[moment < calendar.cutoff]
        if not len(rows):
            break
        new = staffing.pick_ae(rng, accounts.region[rows], accounts.segment[rows], calendar.local_day(moment))
        column, column_since = np.full(len(accounts), -1), np.full(len(accounts), 0)
        column[rows], column_since[rows] = new, moment
        owners.append(column)
        since.append(column_since)
        accounts.touch(rows, moment)
        current[rows] = new
        rows = rows[staffing.left[new] < calendar.end_day]
    accounts.owners = np.stack(owners, axis=1)
    accounts.owner_since = np.stack(since, axis=1)


def build_contacts(
    rng: np.random.Generator, calendar: Calendar, accounts: Accounts, leads: Leads
) -> Contacts:
    """The people at each account: the converted leads' people, then one to a handful by account size."""
    latest = calendar.cutoff - 3600
    from_lead = np.flatnonzero(leads.account >= 0)
    lead_account = leads.account[from_lead]
    existing = np.bincount(lead_account, minlength=len(accounts))
    low, high = CONTACT_RANGE[accounts.segment, 0], CONTACT_RANGE[accounts.segment, 1]
    wanted = np.maximum(0, low + (rng.random(len(accounts)) * (high - low + 1)).astype(np.int64) - existing)
    account = np.repeat(np.arange(len(accounts)), wanted)
    k = np.arange(len(account)) - np.repeat(np.cumsum(wanted) - wanted, wanted)
    base = accounts.created[account]
    first_one = (k == 0) & (existing[account] == 0)
    soon = base + rng.integers(1, 91, len(account)) * 60
    later = calendar.to_office_hours(rng, base + (rng.random(len(account)) * 400 * 86400).astype(np.int64))
    created = np.where(first_one, soon, later)
    first, last = person_names(rng, len(account))
    free = (accounts.segment[account] == 0) & (rng.random(len(account)) < 0.25)
    free_mail = np.where(free, rng.integers(0, len(FREE_MAIL_DOMAINS), len(account)), -1)
    style = rng.random(len(account))
    changed = rng.random(len(account)) < 0.35
    updated = np.where(
        changed,
        np.minimum(created + (rng.uniform(1, 300, len(account)) * 86400).astype(np.int64), latest),
        created,
    )
    keep = created < latest
    all_account = np.r_[lead_account, account[keep]]
    all_created = np.r_[leads.converted_at[from_lead], created[keep]]
    order = np.lexsort((np.arange(len(all_account)), all_created))
    contacts = Contacts(
        account=all_account[order],
        first=np.r_[leads.first[from_lead], first[keep]][order],
        last=np.r_[leads.last[from_lead], last[keep]][order],
        email_domain=np.r_[from_lead, accounts.name[account[keep]]][order],
        free_mail=np.r_[leads.free_mail[from_lead], free_mail[keep]][order],
        email_style=np.r_[leads.email_style[from_lead], style[keep]][order],
        phone=phones(rng, len(all_account)).take(pa.array(order)),
        job_title=rng.integers(0, len(JOB_TITLES), len(all_account))[order],
        created=all_created[order],
        updated_at=np.r_[leads.converted_at[from_lead], updated[keep]][order],
        lead=np.r_[from_lead, np.full(int(keep.sum()), -1)][order],
    )
    leads.contact = np.full(len(leads), -1, np.int64)
    is_lead = contacts.lead >= 0
    leads.contact[contacts.lead[is_lead]] = np.flatnonzero(is_lead)
    # some accounts are edited later (address, industry, ...)
    touched = np.flatnonzero(rng.random(len(accounts)) < 0.4)
    moment = calendar.business_time(
        rng, calendar.sample_days(rng, len(touched), lo=calendar.local_day(accounts.created[touched]))
    )
    accounts.touch(touched, np.minimum(moment, latest))
    return contacts
