"""Marketing: trade shows and webinars, email campaigns with their tracking events, and daily spend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scripts.sampledata.calendar import Calendar, month_index, month_starts, weekday, year_month_day
from scripts.sampledata.config import local_midnight
from scripts.sampledata.currency import CURRENCY_INDEX, USD, RateBook, money
from scripts.sampledata.emails import EmailEvents, Emails, email_events, opted_out
from scripts.sampledata.reference import EVENT_SOURCES, LEAD_SOURCE_LABELS

# name, month, day, days, in Jakarta
TRADE_SHOWS: tuple[tuple[str, int, int, int, bool], ...] = (
    ("FRANCHISE-EXPO", 3, 12, 3, True),
    ("JAKARTA-FAIR", 6, 18, 5, True),
    ("RETAIL-SUMMIT-SBY", 8, 20, 2, False),
    ("FRANCHISE-LICENSE-EXPO", 10, 9, 3, True),
    ("INDOCOMTECH", 11, 5, 4, True),
)
MARKETING_RECIPIENT_SHARE = 0.02
SEND_WINDOW_SECONDS = 3 * 3600  # a campaign goes out 3 seconds apart, or faster to finish in 3 hours
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
    start: int  # epoch day
    days: int
    in_jakarta: bool


def trade_shows(calendar: Calendar) -> tuple[TradeShow, ...]:
    """Trade shows within the period (their first day inside it)."""
    shows = []
    first_year = int(year_month_day(np.array([calendar.start_day]))[0][0])
    last_year = int(year_month_day(np.array([calendar.end_day]))[0][0])
    for year in range(first_year, last_year + 1):
        for name, month, day, days, jakarta in TRADE_SHOWS:
            first = int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}").astype(np.int64))
            if calendar.start_day <= first <= calendar.end_day:
                shows.append(TradeShow(f"EVT-{year}-{name}", first, days, jakarta))
    return tuple(sorted(shows, key=lambda s: s.start))


def webinars(calendar: Calendar) -> np.ndarray:
    """A webinar on the second Thursday of each month, skipped in the Lebaran weeks."""
    firsts = month_starts(calendar.start_day, calendar.end_day)
    thursday = firsts + (3 - weekday(firsts)) % 7 + 7
    keep = (
        (thursday >= calendar.start_day)
        & (thursday <= calendar.end_day)
        & ~calendar.is_lebaran_break(thursday)
    )
    return thursday[keep]


def event_lead_days(rng: np.random.Generator, calendar: Calendar, source: np.ndarray) -> np.ndarray:
    """The creation day of leads met at a trade show or webinar (-1: no such event, or another source)."""
    n = len(source)
    out = np.full(n, -1, np.int64)
    shows, dates = trade_shows(calendar), webinars(calendar)
    for label in (*EVENT_SOURCES, "Webinar"):
        rows = np.flatnonzero(source == LEAD_SOURCE_LABELS.index(label))
        if label == "Webinar":
            if not len(dates) or not len(rows):
                continue
            day = (
                dates[rng.integers(0, len(dates), len(rows))]
                + np.array([0, 0, 0, 1, 2])[rng.integers(0, 5, len(rows))]
            )
        else:
            candidates = [s for s in shows if label == "Event" or s.in_jakarta]
            if not candidates or not len(rows):
                continue
            weights = calendar.growth(np.array([s.start for s in candidates]))
            pick = rng.choice(len(candidates), len(rows), p=weights / weights.sum())
            starts = np.array([s.start for s in candidates])[pick]
            lengths = np.array([s.days for s in candidates])[pick]
            day = starts + (rng.random(len(rows)) * (lengths + 4)).astype(np.int64)
        out[rows] = np.minimum(day, calendar.end_day)
    return out


# ----- email campaigns -----------------------------------------------------------------------------
def campaigns(calendar: Calendar) -> list[tuple[str, int]]:
    """Two email campaigns a month: a newsletter (first Tuesday) and a themed one (third Thursday)."""
    out = []
    for first in month_starts(calendar.start_day, calendar.end_day).tolist():
        tuesday = int(calendar.next_business_day(np.array([first + (1 - (first + 3) % 7) % 7]))[0])
        thursday = int(calendar.next_business_day(np.array([first + (3 - (first + 3) % 7) % 7 + 14]))[0])
        offset = int(calendar.offset(np.array([thursday]))[0])
        year, month, _ = (int(v[0]) for v in year_month_day(np.array([first])))
        theme = {8: "PROMO-KEMERDEKAAN", 11: "HARBOLNAS-1111", 12: "YEAR-END-DEAL"}.get(
            month, "WEBINAR-INVITE"
        )
        if -30 <= offset < 0:
            theme = "PROMO-RAMADAN"
        tag = f"CMP-{year}{month:02d}"
        out += [(f"{tag}-NEWSLETTER", tuesday), (f"{tag}-{theme}", thursday)]
    return [(c, d) for c, d in out if calendar.start_day <= d <= calendar.end_day]


def marketing_emails(
    rng: np.random.Generator,
    calendar: Calendar,
    campaign_days: list[tuple[str, int]],
    people_created: np.ndarray,
    people_is_lead: np.ndarray,
    people_index: np.ndarray,
    first_seq: int,
) -> tuple[Emails, EmailEvents]:
    """Each campaign goes to a sample of the leads and contacts known by then (minus opt-outs).

    people_* describe every lead and contact, ordered by creation (that order breaks ties).
    """
    excluded = np.zeros(len(people_created), bool)
    emails: list[Emails] = []
    events: list[EmailEvents] = []
    offset, seq = 0, first_seq
    for c, (_, day) in enumerate(campaign_days):
        send = int(local_midnight(day)) + 9 * 3600
        known = int(np.searchsorted(people_created, send, side="left"))
        pool = np.flatnonzero(~excluded[:known])
        chosen = np.sort(rng.choice(pool, round(len(pool) * MARKETING_RECIPIENT_SHARE), replace=False))
        k = len(chosen)
        spacing = min(3.0, SEND_WINDOW_SECONDS / max(k, 1))
        sent_at = send + (np.arange(k) * spacing).astype(np.int64)
        batch = email_events(rng, sent_at, np.ones(k, bool), calendar.cutoff)
        excluded[chosen[opted_out(batch, k)]] = True
        is_lead = people_is_lead[chosen]
        emails.append(
            Emails(
                sent_at=sent_at,
                campaign=np.full(k, c),
                rep=np.full(k, -1),
                lead=np.where(is_lead, people_index[chosen], -1),
                contact=np.where(is_lead, -1, people_index[chosen]),
                seq=np.arange(seq, seq + k),
            )
        )
        events.append(EmailEvents(batch.email + offset, batch.kind, batch.at))
        offset += k
        seq += k
    if not emails:
        empty = np.empty(0, np.int64)
        return Emails(empty, empty, empty, empty, empty, empty), EmailEvents(
            empty, empty.astype(np.int8), empty
        )
    fields = ("email", "kind", "at")
    all_events = EmailEvents(*(np.concatenate([getattr(e, f) for e in events]) for f in fields))
    return Emails.concat(emails), all_events


# ----- spend ---------------------------------------------------------------------------------------
@dataclass
class Spend:
    day: list[int]
    channel: list[str]
    campaign: list[str | None]
    amount: list[int]  # cents
    currency: list[int]


def _home(reporting: str, idr: float) -> float:
    """An IDR budget figure in the reporting currency."""
    return idr if reporting == "IDR" else idr / PLANNING_USD_IDR


def lead_counts(calendar: Calendar, lead_created: np.ndarray, lead_source: np.ndarray) -> np.ndarray:
    """[month of the period, lead source]: leads created (local months)."""
    months = month_starts(calendar.start_day, calendar.end_day)
    first_month = int(month_index(months[:1])[0])
    lead_month = month_index(calendar.local_day(lead_created)) - first_month
    counts = np.zeros((len(months), len(LEAD_SOURCE_LABELS)), np.int64)
    inside = (lead_month >= 0) & (lead_month < len(months))
    np.add.at(counts, (lead_month[inside], lead_source[inside]), 1)
    return counts


def build_marketing_spend(
    rng: np.random.Generator, calendar: Calendar, rates: RateBook, reporting: str, counts: np.ndarray
) -> Spend:
    """Daily paid-media spend (in line with the leads it bought), monthly fees, trade shows and webinars.
    counts: leads per month and source (lead_counts)."""
    home = CURRENCY_INDEX[reporting]
    spend = Spend([], [], [], [], [])
    months = month_starts(calendar.start_day, calendar.end_day)

    def add(day: int, channel: str, campaign: str | None, home_amount: float, currency: int = home) -> None:
        amount = home_amount / float(rates.rate(np.array([currency]), np.array([day]))[0])
        spend.day.append(day)
        spend.channel.append(channel)
        spend.campaign.append(campaign)
        spend.amount.append(int(money(np.array([amount]), np.array([currency]))[0]))
        spend.currency.append(currency)

    def leads_of(m: int, labels: tuple[str, ...]) -> int:
        return int(sum(counts[m, LEAD_SOURCE_LABELS.index(label)] for label in labels))

    for m, first in enumerate(months.tolist()):
        last = int(month_starts(first + 31, first + 31)[0]) - 1
        days = list(range(first, last + 1))
        in_range = [d for d in days if calendar.start_day <= d <= calendar.end_day]
        if not in_range:
            continue
        for channel, labels, channel_campaigns, cpl in PAID_CHANNELS:
            budget = _home(reporting, cpl * max(leads_of(m, labels), 1) * float(rng.lognormal(0.0, 0.15)))
            weights = [(1.0 if (d + 3) % 7 < 5 else 0.6) * float(rng.uniform(0.7, 1.3)) for d in days]
            total = sum(weights)
            currency = USD if channel == "LinkedIn" else home
            for d, w in zip(days, weights, strict=True):
                if d not in in_range:
                    continue
                for campaign, share in channel_campaigns:
                    add(d, channel, campaign, budget * w / total * share, currency)
        for channel, fixed, per_lead, labels in MONTHLY_CHANNELS:
            amount = (
                fixed * float(calendar.growth(np.array([first]))[0]) + per_lead * leads_of(m, labels)
            ) * float(rng.uniform(0.9, 1.1))
            if channel == "Referral":
                pay_day = int(calendar.previous_business_day(np.array([days[-1]]))[0])
            else:
                pay_day = int(calendar.next_business_day(np.array([first]))[0])
            if amount > 0 and calendar.start_day <= pay_day <= calendar.end_day:
                add(pay_day, channel, None, _home(reporting, amount))
    for show in trade_shows(calendar):
        cost = _home(
            reporting, float(rng.uniform(120e6, 350e6)) * float(calendar.growth(np.array([show.start]))[0])
        )
        deposit_day = int(calendar.previous_business_day(np.array([show.start - 30]))[0])
        if deposit_day >= calendar.start_day:
            add(deposit_day, "Event", show.campaign_id, cost * 0.5)
            cost *= 0.5
        add(show.start, "Event", show.campaign_id, cost)
    for day in webinars(calendar).tolist():
        year, month, _ = (int(v[0]) for v in year_month_day(np.array([day])))
        add(day, "Webinar", f"WBN-{year}-{month:02d}", _home(reporting, float(rng.uniform(2.5e6, 4.5e6))))
    return spend
