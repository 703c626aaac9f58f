"""Leads (sources, owners, conversion) and the work reps log on them and on deals: activities, sales emails.

Response time is what the lead-response KPI measures: lead created -> first outbound activity or sales
email. Delays are log-normal around a rep-specific median (minutes for the quick ones, days for the slow);
some leads are never touched and a few are converted before anyone touched them.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from types import MappingProxyType

from scripts.sampledata.accounts import choose_region, weighted
from scripts.sampledata.context import World
from scripts.sampledata.entities import Activity, Email, Lead, Opportunity, Rep
from scripts.sampledata.marketing import email_events, event_lead_day, trade_shows, webinars
from scripts.sampledata.names import domain_for, email_for, person_name
from scripts.sampledata.reference import (
    CALL_OUTCOMES,
    EMAIL_OUTCOMES,
    FOREIGN_LOCATIONS,
    FOREIGN_REGION,
    FREE_MAIL_DOMAINS,
    INDUSTRIES,
    LEAD_SOURCES,
    MEETING_OUTCOMES,
    TASK_OUTCOMES,
    LeadSource,
)

FOREIGN_LEAD_SOURCES = ("LinkedIn", "Website", "Partner", "Organic Search", "Event")
SEGMENT_CONVERSION = MappingProxyType({"smb": 0.95, "mid_market": 1.1, "enterprise": 1.2})
MAX_RESPONSE_MINUTES = 14 * 24 * 60


# ----- leads ---------------------------------------------------------------------------------------
def build_leads(world: World, rng: random.Random) -> None:
    """Create the leads, decide which convert and when (accounts and deals come later)."""
    cal = world.calendar
    shows, webinar_days = trade_shows(cal), webinars(cal)
    weights = [s.weight for s in LEAD_SOURCES]
    for _ in range(world.config.leads):
        source = rng.choices(LEAD_SOURCES, weights=weights)[0]
        day = event_lead_day(rng, cal, source.label, shows, webinar_days) or cal.sample_day(rng)
        created = cal.any_time(rng, day) if source.digital else cal.business_time(rng, day)
        world.leads.append(_make_lead(world, rng, source, created))
    world.leads.sort(key=lambda lead: (lead.created_at, lead.seq))
    for lead in world.leads:
        _decide_conversion(world, rng, lead)


def _make_lead(world: World, rng: random.Random, source: LeadSource, created: datetime) -> Lead:
    big = rng.random() < source.big_company_share
    segment = ("enterprise" if rng.random() < 0.3 else "mid_market") if big else "smb"
    foreign = source.label in FOREIGN_LEAD_SOURCES and rng.random() < 0.06
    if foreign:
        country, _, suffix = rng.choice(FOREIGN_LOCATIONS)
        region = FOREIGN_REGION
    else:
        country, suffix, region = "ID", None, choose_region(rng)
    industry = weighted(rng, INDUSTRIES)
    company = world.names.company(rng, industry, segment, suffix)
    domain = domain_for(company, country, industry)
    first, last = person_name(rng)
    free_mail = segment == "smb" and rng.random() < 0.35
    owner = world.staffing.pick_lead_owner(
        rng, source.owner_role, region, segment, world.calendar.local_date(created)
    )
    return Lead(
        seq=world.next_seq(),
        created_at=created,
        source=source,
        owner=owner,
        region=region,
        segment=segment,
        country_code=country,
        company_name=company,
        domain=domain,
        first_name=first,
        last_name=last,
        email=email_for(first, last, rng.choice(FREE_MAIL_DOMAINS) if free_mail else domain, rng),
        updated_at=created,
    )


def _decide_conversion(world: World, rng: random.Random, lead: Lead) -> None:
    """Converted (with a time) or a status that fits the lead's age."""
    cal = world.calendar
    p = lead.source.p_opportunity * SEGMENT_CONVERSION[lead.segment] * math.sqrt(lead.owner.skill)
    if rng.random() < p:
        median = 2.5 if lead.source.owner_role == "account_executive" else 9.0
        lag = min(max(rng.lognormvariate(math.log(median), 0.9), 0.01), 120.0)
        converted = cal.to_office_hours(rng, lead.created_at + timedelta(days=lag))
        if converted < cal.cutoff:
            lead.converted_at, lead.status, lead.updated_at = converted, "converted", converted
            return
    age = (cal.cutoff - lead.created_at).days
    if age < 10:
        lead.status = "new" if rng.random() < 0.45 else "working"
    elif age < 45:
        lead.status = weighted(
            rng, (("working", 0.35), ("nurturing", 0.25), ("qualified", 0.08), ("unqualified", 0.32))
        )
    else:
        lead.status = "nurturing" if rng.random() < 0.3 else "unqualified"
    if lead.status != "new":
        changed = lead.created_at + timedelta(days=rng.uniform(1, max(1.5, min(age, 60))))
        changed = cal.to_office_hours(rng, changed)
        if changed < cal.cutoff:
            lead.updated_at = changed


# ----- activities ----------------------------------------------------------------------------------
def _duration_and_outcome(rng: random.Random, activity_type: str) -> tuple[int | None, str]:
    if activity_type == "call":
        outcome = weighted(rng, CALL_OUTCOMES)
        if outcome in ("connected", "call back later"):
            return int(min(max(rng.lognormvariate(math.log(240), 0.7), 30), 3600)), outcome
        return rng.randint(5, 40), outcome
    if activity_type == "meeting":
        return rng.choice((1800, 2700, 3600, 3600, 5400)), weighted(rng, MEETING_OUTCOMES)
    if activity_type == "demo":
        return rng.choice((2700, 3600, 4500, 5400)), weighted(rng, MEETING_OUTCOMES)
    if activity_type == "email":
        return None, weighted(rng, EMAIL_OUTCOMES)
    return None, weighted(rng, TASK_OUTCOMES)


def _log_activity(
    world: World,
    rng: random.Random,
    activity_type: str,
    direction: str,
    rep: Rep,
    moment: datetime,
    **links: object,
) -> None:
    duration, outcome = _duration_and_outcome(rng, activity_type)
    if direction == "inbound" and activity_type == "email":
        outcome = "received"
    world.activities.append(
        Activity(
            seq=world.next_seq(),
            activity_type=activity_type,
            direction=direction,
            rep=rep,
            occurred_at=moment,
            duration_seconds=duration,
            outcome=outcome,
            **links,
        )  # type: ignore[arg-type]
    )


def _send_sales_email(world: World, rng: random.Random, rep: Rep, moment: datetime, **links: object) -> None:
    events = email_events(rng, moment, marketing=False, cutoff=world.calendar.cutoff)
    world.emails.append(Email(seq=world.next_seq(), events=events, rep=rep, **links))  # type: ignore[arg-type]


def _touch_kind(rng: random.Random, lead: Lead) -> str:
    label, role = lead.source.label, lead.owner.role
    if label == "Cold Call":
        return "call" if rng.random() < 0.9 else "sales_email"
    if label == "Cold Email":
        return "sales_email" if rng.random() < 0.9 else "call"
    if role == "account_executive":
        return weighted(rng, (("call", 0.5), ("meeting", 0.2), ("email", 0.15), ("sales_email", 0.15)))
    return weighted(rng, (("call", 0.5), ("email", 0.15), ("sales_email", 0.35)))


def _touch(world: World, rng: random.Random, lead: Lead, kind: str, moment: datetime, direction: str) -> None:
    if kind == "sales_email":
        _send_sales_email(world, rng, lead.owner, moment, lead=lead)
    else:
        _log_activity(world, rng, kind, direction, lead.owner, moment, lead=lead)


def _first_response(world: World, rng: random.Random, lead: Lead) -> datetime | None:
    """When the owner first reaches out (None: never, or not yet at the as-of date)."""
    cal = world.calendar
    untouched = (
        0.06 + (0.2 if lead.source.label == "WA Blast" else 0.0) + (0.08 if lead.owner.role == "bdr" else 0.0)
    )
    if lead.converted_at is not None:
        untouched = 0.01
    if rng.random() < untouched:
        return None
    start = cal.to_office_hours(rng, lead.created_at)
    delay = min(rng.lognormvariate(math.log(lead.owner.response_median_min), 1.1), MAX_RESPONSE_MINUTES)
    first = start + timedelta(minutes=delay)
    if lead.converted_at is not None and rng.random() < 0.05:
        first = lead.converted_at + timedelta(hours=rng.uniform(1, 72))  # converted before anyone called
    owner_gone = lead.owner.left_date is not None and cal.local_date(first) > lead.owner.left_date
    return None if first >= cal.cutoff or owner_gone else first


def build_lead_activities(world: World, rng: random.Random) -> None:
    """First touch and follow-ups (calls, logged emails, tracked sales emails, replies) for every lead."""
    cal = world.calendar
    for lead in world.leads:
        first = _first_response(world, rng, lead)
        if first is None:
            continue
        _touch(world, rng, lead, _touch_kind(rng, lead), first, "outbound")
        follow_ups = {
            "converted": (1, 4),
            "working": (0, 3),
            "nurturing": (1, 3),
            "qualified": (1, 3),
            "unqualified": (0, 2),
            "new": (0, 0),
        }[lead.status]
        moment = first
        for _ in range(rng.randint(*follow_ups)):
            moment = cal.to_office_hours(rng, moment + timedelta(days=rng.lognormvariate(math.log(3), 0.7)))
            stop = lead.converted_at if lead.converted_at and lead.converted_at > first else cal.cutoff
            if moment >= stop or (lead.owner.left_date and cal.local_date(moment) > lead.owner.left_date):
                break
            kind = weighted(rng, (("call", 0.5), ("email", 0.2), ("sales_email", 0.3)))
            _touch(world, rng, lead, kind, moment, "outbound")
            if rng.random() < 0.15:
                reply = moment + timedelta(hours=rng.lognormvariate(math.log(5), 1.0))
                if reply < stop:
                    _log_activity(
                        world, rng, rng.choice(("email", "call")), "inbound", lead.owner, reply, lead=lead
                    )


def build_opportunity_activities(world: World, rng: random.Random) -> None:
    """Calls, meetings, demos, emails and tasks over each deal's life, by its owner."""
    for opp in world.opportunities:
        _deal_activities(world, rng, opp)


def _deal_activities(world: World, rng: random.Random, opp: Opportunity) -> None:
    cal = world.calendar
    end = opp.closed_at or cal.cutoff
    if opp.owner.left_date is not None:
        end = min(end, datetime.combine(opp.owner.left_date, datetime.min.time()) + timedelta(hours=11))
    span = (end - opp.created_at).total_seconds() / 86400
    if span <= 0:
        return
    base = {"smb": 3.0, "mid_market": 6.0, "enterprise": 10.0}[opp.account.segment]
    base *= {"new_business": 1.0, "upsell": 0.6, "renewal": 0.4}[opp.opp_type]
    count = max(1, min(round(base * rng.uniform(0.6, 1.4)), 1 + int(span / 2)))
    moments = sorted(opp.created_at + timedelta(days=rng.uniform(0, span)) for _ in range(count))
    for i, moment in enumerate(moments):
        moment = cal.to_office_hours(rng, moment)
        if moment >= end:
            continue
        if i == 0:
            kind = rng.choice(("call", "email", "meeting"))
        else:
            kind = weighted(
                rng, (("call", 0.3), ("meeting", 0.22), ("demo", 0.12), ("email", 0.24), ("task", 0.12))
            )
        contacts = opp.account.contacts_at(moment)
        contact = rng.choice(contacts) if contacts else None
        if kind == "email" and contact is not None and rng.random() < 0.35:
            _send_sales_email(world, rng, opp.owner, moment, contact=contact)
            continue
        direction = "inbound" if kind in ("call", "email") and rng.random() < 0.15 else "outbound"
        _log_activity(
            world,
            rng,
            kind,
            direction,
            opp.owner,
            moment,
            contact=contact,
            account=opp.account,
            opportunity=opp,
        )
