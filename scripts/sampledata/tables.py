"""From the object graph to contract tables: ids in chronological order, one dict per row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from scripts.sampledata.context import World
from scripts.sampledata.entities import Account, Contact, Lead, Opportunity, Rep

Row = dict[str, Any]
Tables = dict[str, list[Row]]
T = TypeVar("T")


def _ts(moment: datetime | None) -> datetime | None:
    """Timestamps are written to the second."""
    return None if moment is None else moment.replace(microsecond=0)


def _number(items: Iterable[T], key: Callable[[T], Any], prefix: str, width: int, attr: str) -> None:
    for n, item in enumerate(sorted(items, key=key), start=1):
        setattr(item, attr, f"{prefix}-{n:0{width}d}")


def assign_ids(world: World) -> None:
    """Give every entity its id, numbered in order of creation."""
    _number(world.accounts, lambda a: (a.created_at, a.seq), "ACC", 5, "account_id")
    contacts = [c for a in world.accounts for c in a.contacts]
    _number(contacts, lambda c: (c.created_at, c.seq), "CON", 6, "contact_id")
    _number(world.leads, lambda x: (x.created_at, x.seq), "LEAD", 6, "lead_id")
    _number(world.opportunities, lambda o: (o.created_at, o.seq), "OPP", 6, "opportunity_id")
    _number(world.orders, lambda o: (o.ordered_at, o.seq), "SO", 6, "order_id")
    _number(world.subscriptions, lambda s: (s.started_at, s.seq), "SUB", 5, "subscription_id")
    _number(world.activities, lambda a: (a.occurred_at, a.seq), "ACT", 7, "activity_id")
    emails = [e for e in world.emails if e.events]
    _number(emails, lambda e: (e.events[0][1], e.seq), "MSG", 7, "email_id")


def _id(entity: Account | Contact | Lead | Opportunity | Rep | None, attr: str) -> str | None:
    return None if entity is None else getattr(entity, attr)


def world_tables(world: World) -> Tables:
    """The contract tables built from the object graph (plus the rows built directly)."""
    assign_ids(world)
    return {
        "sales_reps": [_rep_row(r) for r in world.staffing.reps],
        "accounts": [_account_row(a) for a in world.accounts],
        "contacts": [_contact_row(c) for a in world.accounts for c in a.contacts],
        "leads": [_lead_row(x) for x in world.leads],
        "opportunities": [_opportunity_row(o) for o in world.opportunities],
        "opportunity_stage_history": [
            {
                "opportunity_id": o.opportunity_id,
                "entered_at": _ts(e.entered_at),
                "stage_name": e.stage_name,
                "amount": e.amount,
                "changed_by_rep_id": e.changed_by.rep_id,
            }
            for o in world.opportunities
            for e in o.history
        ],
        "activities": [
            {
                "activity_id": a.activity_id,
                "activity_type": a.activity_type,
                "direction": a.direction,
                "rep_id": a.rep.rep_id,
                "lead_id": _id(a.lead, "lead_id"),
                "contact_id": _id(a.contact, "contact_id"),
                "account_id": _id(a.account, "account_id"),
                "opportunity_id": _id(a.opportunity, "opportunity_id"),
                "occurred_at": _ts(a.occurred_at),
                "duration_seconds": a.duration_seconds,
                "outcome": a.outcome,
                "is_deleted": False,
            }
            for a in world.activities
        ],
        "email_events": _email_event_rows(world),
        "products": [
            {
                "product_id": p.product_id,
                "product_name": p.name,
                "category": p.category,
                "list_price": p.list_price,
                "unit_cost": p.unit_cost,
                "currency_code": p.currency,
                "is_active": p.is_active,
                "updated_at": _ts(p.updated_at),
            }
            for p in world.catalogue.products
        ],
        "orders": [
            {
                "order_id": o.order_id,
                "account_id": o.account.account_id,
                "opportunity_id": _id(o.opportunity, "opportunity_id"),
                "rep_id": o.rep.rep_id,
                "ordered_at": _ts(o.ordered_at),
                "invoiced_at": _ts(o.invoiced_at),
                "status": o.status,
                "currency_code": o.currency,
                "updated_at": _ts(o.updated_at),
                "cancelled_at": _ts(o.cancelled_at),
                "refunded_at": _ts(o.refunded_at),
            }
            for o in world.orders
        ],
        "order_lines": _order_line_rows(world),
        "subscriptions": [
            {
                "subscription_id": s.subscription_id,
                "account_id": s.account.account_id,
                "product_id": s.product.product_id,
                "started_at": _ts(s.started_at),
                "ended_at": _ts(s.ended_at),
                "mrr": s.mrr,
                "currency_code": s.currency,
                "status": s.status,
            }
            for s in world.subscriptions
        ],
        "currency_rates": world.rates.rows(),
    }


def _rep_row(rep: Rep) -> Row:
    return {
        "rep_id": rep.rep_id,
        "full_name": rep.full_name,
        "email": rep.email,
        "team": rep.team,
        "region": rep.region,
        "manager_rep_id": _id(rep.manager, "rep_id"),
        "role": rep.role,
        "hired_date": rep.hired_date,
        "left_date": rep.left_date,
        "updated_at": _ts(rep.updated_at),
    }


def _account_row(a: Account) -> Row:
    return {
        "account_id": a.account_id,
        "account_name": a.name,
        "industry": a.industry,
        "segment": a.segment,
        "region": a.region,
        "city": a.city,
        "country_code": a.country_code,
        "owner_rep_id": a.owners[-1][1].rep_id,
        "created_at": _ts(a.created_at),
        "updated_at": _ts(a.updated_at),
        "is_deleted": False,
    }


def _contact_row(c: Contact) -> Row:
    return {
        "contact_id": c.contact_id,
        "account_id": c.account.account_id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "phone": c.phone,
        "job_title": c.job_title,
        "created_at": _ts(c.created_at),
        "updated_at": _ts(c.updated_at),
        "is_deleted": False,
    }


def _lead_row(x: Lead) -> Row:
    return {
        "lead_id": x.lead_id,
        "created_at": _ts(x.created_at),
        "lead_source": x.source.label,
        "owner_rep_id": x.owner.rep_id,
        "status": x.status,
        "company_name": x.company_name,
        "email": x.email,
        "country_code": x.country_code,
        "converted_at": _ts(x.converted_at),
        "converted_account_id": _id(x.account, "account_id"),
        "converted_contact_id": _id(x.contact, "contact_id"),
        "converted_opportunity_id": _id(x.opportunity, "opportunity_id"),
        "updated_at": _ts(x.updated_at),
        "is_deleted": False,
    }


def _opportunity_row(o: Opportunity) -> Row:
    return {
        "opportunity_id": o.opportunity_id,
        "account_id": o.account.account_id,
        "owner_rep_id": o.owner.rep_id,
        "lead_id": _id(o.lead, "lead_id"),
        "opportunity_name": o.name,
        "opportunity_type": o.opp_type,
        "stage_name": o.stage_name,
        "amount": o.amount,
        "currency_code": o.currency,
        "created_at": _ts(o.created_at),
        "expected_close_date": o.expected_close,
        "closed_at": _ts(o.closed_at),
        "is_closed": o.is_closed,
        "is_won": o.is_won,
        "loss_reason": o.loss_reason,
        "updated_at": _ts(o.updated_at),
        "is_deleted": False,
    }


def _email_event_rows(world: World) -> list[Row]:
    events = [
        (moment, email.email_id, i, kind, email)
        for email in world.emails
        if email.events
        for i, (kind, moment) in enumerate(email.events)
    ]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [
        {
            "event_id": f"EVT-{n:07d}",
            "email_id": email.email_id,
            "campaign_id": email.campaign_id,
            "rep_id": _id(email.rep, "rep_id"),
            "lead_id": _id(email.lead, "lead_id"),
            "contact_id": _id(email.contact, "contact_id"),
            "event_type": kind,
            "occurred_at": _ts(moment),
        }
        for n, (moment, _, _, kind, email) in enumerate(events, start=1)
    ]


def _order_line_rows(world: World) -> list[Row]:
    rows = []
    n = 0
    for order in sorted(world.orders, key=lambda o: o.order_id):
        for line in order.lines:
            n += 1
            rows.append(
                {
                    "order_line_id": f"SOL-{n:07d}",
                    "order_id": order.order_id,
                    "product_id": line.product.product_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount_amount": line.discount,
                    "unit_cost": line.unit_cost,
                }
            )
    return rows
