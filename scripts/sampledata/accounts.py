"""Accounts (migrated, rep-created and from converted leads) with their owners, and their contacts."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from scripts.sampledata.context import World
from scripts.sampledata.entities import Account, Contact, Lead, Rep
from scripts.sampledata.names import domain_for, email_for, person_name, phone_number
from scripts.sampledata.reference import (
    FOREIGN_LOCATIONS,
    FOREIGN_REGION,
    FREE_MAIL_DOMAINS,
    INDUSTRIES,
    JOB_TITLES,
    REGION_BY_NAME,
    REGIONS,
    SEGMENTS,
)

LEGACY_SHARE = 0.32  # of the accounts not created from leads: imported when the CRM went live
FOREIGN_SHARE = 0.045
NEW_ACCOUNT_SHARE = 0.85  # converted leads that are a new company (the rest match an existing account)
MAX_LEAD_ACCOUNT_SHARE = 0.65


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    """One label drawn by weight."""
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def choose_region(rng: random.Random) -> str:
    """A region drawn by its share of demand."""
    return rng.choices([r.name for r in REGIONS], weights=[r.weight for r in REGIONS])[0]


def account_currency(rng: random.Random, reporting: str, country: str, segment: str) -> str:
    """The currency an account buys in: mostly the reporting currency, foreign or large ones in USD/SGD."""
    if country == "SG":
        return "SGD" if rng.random() < 0.7 else "USD"
    if country == "NL":
        return "EUR"
    if country != "ID":
        return "USD"
    if reporting == "IDR":
        usd_share = {"enterprise": 0.22, "mid_market": 0.04, "smb": 0.0}[segment]
        return "USD" if rng.random() < usd_share else "IDR"
    idr_share = {"enterprise": 0.1, "mid_market": 0.2, "smb": 0.4}[segment]
    return "IDR" if rng.random() < idr_share else "USD"


def assign_owners(world: World, rng: random.Random, account: Account, first_owner: Rep | None = None) -> None:
    """The account's owner from creation, reassigned whenever the owner leaves."""
    cal, staffing = world.calendar, world.staffing
    owner = first_owner or staffing.pick_ae(
        rng, account.region, account.segment, cal.local_date(account.created_at)
    )
    account.owners = [(account.created_at, owner)]
    while owner.left_date is not None and owner.left_date < cal.end:
        day = owner.left_date + timedelta(days=1)
        since = cal.business_moment_on_or_after(rng, day)
        if since >= cal.cutoff:
            break
        owner = staffing.pick_ae(rng, account.region, account.segment, cal.local_date(since))
        account.owners.append((since, owner))
        account.touch(since)


def _location(rng: random.Random, foreign_share: float) -> tuple[str, str, str, str | None]:
    """region, city, country code and foreign company suffix."""
    if rng.random() < foreign_share:
        country, city, suffix = rng.choice(FOREIGN_LOCATIONS)
        return FOREIGN_REGION, city, country, suffix
    region = choose_region(rng)
    return region, rng.choice(REGION_BY_NAME[region].cities), "ID", None


def make_account(
    world: World,
    rng: random.Random,
    created_at: datetime,
    origin: str,
    segment: str,
    location: tuple[str, str, str, str | None],
    name: str | None = None,
    owner: Rep | None = None,
) -> Account:
    """A new account with a name, industry, currency and owner."""
    region, city, country, suffix = location
    industry = weighted(rng, INDUSTRIES)
    if name is None:
        name = world.names.company(rng, industry, segment, suffix)
    account = Account(
        seq=world.next_seq(),
        name=name,
        industry=industry,
        segment=segment,
        region=region,
        city=city,
        country_code=country,
        currency=account_currency(rng, world.config.reporting_currency, country, segment),
        domain=domain_for(name, country, industry),
        created_at=created_at,
        origin=origin,
        updated_at=created_at,
    )
    assign_owners(world, rng, account, owner)
    world.accounts.append(account)
    return account


def build_accounts(world: World, rng: random.Random) -> None:
    """Create every account: migrated at go-live, created by reps over time, and from converted leads."""
    cal, total = world.calendar, world.config.accounts
    converted = [lead for lead in world.leads if lead.converted_at is not None]
    is_new = [rng.random() < NEW_ACCOUNT_SHARE for _ in converted]
    cap = int(MAX_LEAD_ACCOUNT_SHARE * total)
    for i in range(len(is_new)):
        if is_new[i] and sum(is_new[: i + 1]) > cap:
            is_new[i] = False
    others = total - sum(is_new)
    legacy = round(others * LEGACY_SHARE)
    for i in range(legacy):
        created = cal.start_moment + timedelta(hours=2, seconds=7 * i)
        segment = weighted(rng, (("smb", 0.5), ("mid_market", 0.33), ("enterprise", 0.17)))
        make_account(world, rng, created, "legacy", segment, _location(rng, FOREIGN_SHARE))
    for _ in range(others - legacy):
        created = cal.business_time(rng, cal.sample_day(rng))
        make_account(world, rng, created, "direct", weighted(rng, SEGMENTS), _location(rng, FOREIGN_SHARE))
    existing = list(world.accounts)
    for lead, new in zip(converted, is_new, strict=True):
        _convert_lead(world, rng, lead, new, existing)
    world.accounts.sort(key=lambda a: (a.created_at, a.seq))
    for account in world.accounts:
        _add_contacts(world, rng, account)


def _convert_lead(world: World, rng: random.Random, lead: Lead, new: bool, existing: list[Account]) -> None:
    assert lead.converted_at is not None
    moment = lead.converted_at
    account = None
    if not new:
        cutoff = moment - timedelta(days=1)
        pool = [a for a in existing if a.created_at < cutoff and a.region == lead.region]
        pool = pool or [a for a in existing if a.created_at < cutoff]
        account = rng.choice(pool) if pool else None
        if account is not None:
            lead.company_name = account.name
    if account is None:
        suffix = next((s for c, _, s in FOREIGN_LOCATIONS if c == lead.country_code), None)
        city = (
            rng.choice(REGION_BY_NAME[lead.region].cities) if lead.region in REGION_BY_NAME else "Singapore"
        )
        if suffix is not None:
            city = next(c for code, c, _ in FOREIGN_LOCATIONS if code == lead.country_code)
        location = (lead.region, city, lead.country_code, suffix)
        day = world.calendar.local_date(moment)
        owner = lead.owner if lead.owner.role == "account_executive" and lead.owner.active_on(day) else None
        account = make_account(world, rng, moment, "lead", lead.segment, location, lead.company_name, owner)
        account.domain = lead.domain
    lead.account = account
    contact = Contact(
        seq=world.next_seq(),
        account=account,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        phone=phone_number(rng),
        job_title=rng.choice(JOB_TITLES),
        created_at=moment,
        updated_at=moment,
    )
    account.contacts.append(contact)
    lead.contact = contact


def _add_contacts(world: World, rng: random.Random, account: Account) -> None:
    """Give an account its people: one to a handful depending on its size."""
    cal = world.calendar
    low, high = {"smb": (1, 2), "mid_market": (2, 4), "enterprise": (3, 6)}[account.segment]
    wanted = rng.randint(low, high) - len(account.contacts)
    latest = cal.cutoff - timedelta(hours=1)
    for n in range(wanted):
        if n == 0 and not account.contacts:
            created = account.created_at + timedelta(minutes=rng.randint(1, 90))
        else:
            created = account.created_at + timedelta(days=rng.uniform(0, 400))
            created = cal.to_office_hours(rng, created)
        if created >= latest:
            continue
        first, last = person_name(rng)
        free_mail = account.segment == "smb" and rng.random() < 0.25
        domain = rng.choice(FREE_MAIL_DOMAINS) if free_mail else account.domain
        updated = created
        if rng.random() < 0.35:
            updated = min(created + timedelta(days=rng.uniform(1, 300)), latest)
        account.contacts.append(
            Contact(
                seq=world.next_seq(),
                account=account,
                first_name=first,
                last_name=last,
                email=email_for(first, last, domain, rng),
                phone=phone_number(rng),
                job_title=rng.choice(JOB_TITLES),
                created_at=created,
                updated_at=updated,
            )
        )
    account.contacts.sort(key=lambda c: (c.created_at, c.seq))
    if rng.random() < 0.4:
        account.touch(min(cal.business_time(rng, cal.sample_day(rng, account.created_at.date())), latest))
