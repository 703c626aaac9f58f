"""Marketing: trade shows and webinars, email campaigns with their tracking events, and daily spend."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from scripts.sampledata.calendar import WIB, Calendar, month_starts
from scripts.sampledata.context import World
from scripts.sampledata.currency import money
from scripts.sampledata.entities import Contact, Email, Lead
from scripts.sampledata.reference import EVENT_SOURCES

# name, month, day, days, in Jakarta
TRADE_SHOWS: tuple[tuple[str, int, int, int, bool], ...] = (
    ("FRANCHISE-EXPO", 3, 12, 3, True),
    ("JAKARTA-FAIR", 6, 18, 5, True),
    ("RETAIL-SUMMIT-SBY", 8, 20, 2, False),
    ("FRANCHISE-LICENSE-EXPO", 10, 9, 3, True),
    ("INDOCOMTECH", 11, 5, 4, True),
)
MARKETING_RECIPIENT_SHARE = 0.02
PLANNING_USD_IDR = 16_000.0

# Daily paid channels: spend label, lead-source labels it buys, campaigns with shares, cost per lead (IDR).
PAID_CHANNELS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, float], ...], float], ...] = (
    (
        "Google Ads",
        ("Google Ads", "google / cpc"),
        (("GADS-BRAND", 0.3), ("GADS-ERP-GENERIC", 0.4), ("GADS-POS-UMKM", 0.3)),
        450_000.0,
    ),
    ("Facebook", ("Facebook",), (("META-FB-LEADGEN", 1.0),), 260_000.0),
    ("Instagram", ("Instagram",), (("META-IG-AWARENESS", 1.0),), 240_000.0),
    ("LinkedIn", ("LinkedIn",), (("LI-ABM-ENTERPRISE", 1.0),), 1_200_000.0),
)
# Monthly channel-level costs (campaign NULL): label, fixed IDR, IDR per lead of the labels, lead labels.
MONTHLY_CHANNELS: tuple[tuple[str, float, float, tuple[str, ...]], ...] = (
    ("Organic Search", 18_000_000.0, 0.0, ()),
    ("Website", 6_000_000.0, 0.0, ()),
    ("Email Campaign", 4_500_000.0, 0.0, ()),
    ("Partner", 12_000_000.0, 2_500_000.0, ("Partner",)),
    ("Referral", 0.0, 900_000.0, ("Referral",)),
    ("Cold Email", 3_500_000.0, 0.0, ()),
)


@dataclass(frozen=True)
class TradeShow:
    """A trade show the company exhibits at."""

    campaign_id: str
    start: date
    days: int
    in_jakarta: bool


def trade_shows(calendar: Calendar) -> tuple[TradeShow, ...]:
    """Trade shows within the period (their first day inside it)."""
    shows = []
    for year in range(calendar.start.year, calendar.end.year + 1):
        for name, month, day, days, jakarta in TRADE_SHOWS:
            first = date(year, month, day)
            if calendar.start <= first <= calendar.end:
                shows.append(TradeShow(f"EVT-{year}-{name}", first, days, jakarta))
    return tuple(sorted(shows, key=lambda s: s.start))


def webinars(calendar: Calendar) -> tuple[date, ...]:
    """A webinar on the second Thursday of each month, skipped in the Lebaran weeks."""
    out = []
    for first in month_starts(calendar.start, calendar.end):
        thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
        if calendar.start <= thursday <= calendar.end and not calendar.is_lebaran_break(thursday):
            out.append(thursday)
    return tuple(out)


def event_lead_day(
    rng: random.Random, calendar: Calendar, label: str, shows: tuple[TradeShow, ...], dates: tuple[date, ...]
) -> date | None:
    """The creation day of a lead met at a trade show or webinar (None: no such event in the period)."""
    if label in EVENT_SOURCES:
        candidates = [s for s in shows if label == "Event" or s.in_jakarta]
        if not candidates:
            return None
        show = rng.choices(candidates, weights=[calendar.growth(s.start) for s in candidates])[0]
        day = show.start + timedelta(days=rng.randint(0, show.days + 3))
    elif label == "Webinar":
        if not dates:
            return None
        day = rng.choice(dates) + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    else:
        return None
    return min(day, calendar.end)


# ----- email tracking ------------------------------------------------------------------------------
def email_events(
    rng: random.Random, sent_at: datetime, marketing: bool, cutoff: datetime
) -> list[tuple[str, datetime]]:
    """Tracking events of one email: sent, bounced or delivered, maybe opened, clicked, unsubscribed."""
    events = [("sent", sent_at)]
    if rng.random() < (0.045 if marketing else 0.025):
        events.append(("bounced", sent_at + timedelta(seconds=rng.randint(5, 120))))
        return [e for e in events if e[1] < cutoff]
    delivered = sent_at + timedelta(seconds=rng.randint(2, 90))
    events.append(("delivered", delivered))
    if rng.random() < (0.22 if marketing else 0.5):
        median = 180.0 if marketing else 80.0
        opened = delivered + timedelta(minutes=min(rng.lognormvariate(math.log(median), 1.3), 20_000))
        events.append(("opened", opened))
        if rng.random() < 0.3:
            events.append(("opened", opened + timedelta(minutes=rng.lognormvariate(math.log(360), 1.0))))
        if rng.random() < (0.12 if marketing else 0.2):
            events.append(("clicked", opened + timedelta(seconds=rng.randint(5, 300))))
    if rng.random() < (0.004 if marketing else 0.002):
        events.append(("unsubscribed", delivered + timedelta(minutes=rng.lognormvariate(math.log(120), 1.0))))
    return sorted((e for e in events if e[1] < cutoff), key=lambda e: e[1])


def _campaigns(calendar: Calendar) -> list[tuple[str, date]]:
    """Two email campaigns a month: a newsletter (first Tuesday) and a themed one (third Thursday)."""
    out = []
    for first in month_starts(calendar.start, calendar.end):
        tuesday = calendar.next_business_day(first + timedelta(days=(1 - first.weekday()) % 7))
        thursday = calendar.next_business_day(first + timedelta(days=(3 - first.weekday()) % 7 + 14))
        ramadan = -30 <= calendar.eid_offset(thursday) < 0
        theme = {8: "PROMO-KEMERDEKAAN", 11: "HARBOLNAS-1111", 12: "YEAR-END-DEAL"}.get(
            first.month, "WEBINAR-INVITE"
        )
        if ramadan:
            theme = "PROMO-RAMADAN"
        tag = f"CMP-{first.year}{first.month:02d}"
        out += [(f"{tag}-NEWSLETTER", tuesday), (f"{tag}-{theme}", thursday)]
    return [(c, d) for c, d in out if calendar.start <= d <= calendar.end]


def build_marketing_emails(world: World, rng: random.Random) -> None:
    """Send each campaign to a sample of the leads and contacts known by then (minus opt-outs)."""
    cal = world.calendar
    contacts = sorted((c for a in world.accounts for c in a.contacts), key=lambda c: (c.created_at, c.seq))
    recipients: list[Lead | Contact] = sorted([*world.leads, *contacts], key=lambda r: (r.created_at, r.seq))
    opted_out: set[int] = set()
    for campaign_id, day in _campaigns(cal):
        send = datetime.combine(day, time(9)) - WIB
        pool = [r for r in recipients if r.created_at < send and r.seq not in opted_out]
        chosen = rng.sample(pool, min(len(pool), round(len(pool) * MARKETING_RECIPIENT_SHARE)))
        for i, person in enumerate(sorted(chosen, key=lambda r: r.seq)):
            sent_at = send + timedelta(seconds=3 * i)
            events = email_events(rng, sent_at, marketing=True, cutoff=cal.cutoff)
            if any(kind in ("bounced", "unsubscribed") for kind, _ in events):
                opted_out.add(person.seq)
            email = Email(seq=world.next_seq(), events=events, campaign_id=campaign_id)
            if isinstance(person, Lead):
                email.lead = person
            else:
                email.contact = person
            world.emails.append(email)


# ----- spend ---------------------------------------------------------------------------------------
def _home(world: World, idr: float) -> float:
    """An IDR budget figure in the reporting currency."""
    return idr if world.config.reporting_currency == "IDR" else idr / PLANNING_USD_IDR


def _spend_row(
    world: World,
    day: date,
    channel: str,
    campaign: str | None,
    home_amount: float,
    currency: str | None = None,
) -> dict[str, Any]:
    code = currency or world.config.reporting_currency
    amount = world.rates.from_reporting(home_amount, code, day)
    return {
        "spend_date": day,
        "channel": channel,
        "campaign_id": campaign,
        "amount": money(amount, code),
        "currency_code": code,
    }


def build_marketing_spend(world: World, rng: random.Random) -> list[dict[str, Any]]:
    """Daily paid-media spend (in line with the leads it bought), monthly fees, trade shows and webinars."""
    cal = world.calendar
    leads_by_month = Counter(
        (lead.created_at.date().replace(day=1), lead.source.label) for lead in world.leads
    )
    rows: list[dict[str, Any]] = []
    for first in month_starts(cal.start, cal.end):
        days = [d for d in (first + timedelta(days=i) for i in range(31)) if d.month == first.month]
        in_range = [d for d in days if cal.start <= d <= cal.end]
        if not in_range:
            continue
        for channel, labels, campaigns, cpl in PAID_CHANNELS:
            leads = sum(leads_by_month[(first, label)] for label in labels)
            budget = _home(world, cpl * max(leads, 1) * rng.lognormvariate(0.0, 0.15))
            weights = [(1.0 if d.weekday() < 5 else 0.6) * rng.uniform(0.7, 1.3) for d in days]
            total = sum(weights)
            currency = "USD" if channel == "LinkedIn" else None
            for d, w in zip(days, weights, strict=True):
                if d not in in_range:
                    continue
                for campaign, share in campaigns:
                    rows.append(_spend_row(world, d, channel, campaign, budget * w / total * share, currency))
        for channel, fixed, per_lead, labels in MONTHLY_CHANNELS:
            leads = sum(leads_by_month[(first, label)] for label in labels)
            amount = (fixed * cal.growth(first) + per_lead * leads) * rng.uniform(0.9, 1.1)
            pay_day = (
                cal.previous_business_day(days[-1]) if channel == "Referral" else cal.next_business_day(first)
            )
            if amount > 0 and cal.start <= pay_day <= cal.end:
                rows.append(_spend_row(world, pay_day, channel, None, _home(world, amount)))
    rows += _event_spend(world, rng)
    return rows


def _event_spend(world: World, rng: random.Random) -> list[dict[str, Any]]:
    cal = world.calendar
    rows = []
    for show in trade_shows(cal):
        cost = _home(world, rng.uniform(120e6, 350e6) * cal.growth(show.start))
        deposit_day = cal.previous_business_day(show.start - timedelta(days=30))
        if deposit_day >= cal.start:
            rows.append(_spend_row(world, deposit_day, "Event", show.campaign_id, cost * 0.5))
            cost *= 0.5
        rows.append(_spend_row(world, show.start, "Event", show.campaign_id, cost))
    for day in webinars(cal):
        campaign = f"WBN-{day.year}-{day.month:02d}"
        rows.append(_spend_row(world, day, "Webinar", campaign, _home(world, rng.uniform(2.5e6, 4.5e6))))
    return rows
