"""What the facts hold, re-derived from the staged raw tables by reading docs/marts.md and the decisions.

Each function is cached per data set (raw.cached) and returns plain frames. Conventions (docs/marts.md):
an unresolved account is an inferred member under its id (segment 'unknown'); an order or deal naming no
account belongs to '(unknown)', never a customer; a credit no kept rep resolves for goes to
'(unassigned)'; nothing after the as-of date counts (an event counts when its reporting-zone date is on
or before the as-of date).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from .common import (
    INVOICED_STATUSES,
    RawData,
    cents,
    label,
    month_end,
    month_of,
    month_range,
    truthy,
)

UNKNOWN_ACCOUNT = "(unknown)"
UNASSIGNED = "(unassigned)"
OPEN_STAGES = ("prospecting", "qualification", "proposal", "negotiation", "unmapped")


def _none(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA


def _text(value: object) -> str | None:
    return None if _none(value) else str(value)


# ----- reps, accounts, months ------------------------------------------------------------------------
@dataclass(frozen=True)
class Rep:
    rep_id: str
    team: str | None
    hired: date | None
    left: date | None

    def employed_in(self, month: date) -> bool:
        return (self.hired is None or self.hired <= month_end(month)) and (
            self.left is None or self.left >= month
        )

    def employed_on(self, day: date) -> bool:
        return (self.hired is None or self.hired <= day) and (self.left is None or self.left >= day)


def reps(raw: RawData) -> dict[str, Rep]:
    """Kept reps (the unassigned member is never employed and is not in this dict)."""

    def compute(raw: RawData) -> dict[str, Rep]:
        out = {}
        for r in raw.table("sales_reps").to_dict("records"):
            hired = None if _none(r["hired_date"]) else date.fromisoformat(r["hired_date"][:10])
            left = None if _none(r["left_date"]) else date.fromisoformat(r["left_date"][:10])
            out[r["rep_id"]] = Rep(r["rep_id"], _text(r["team"]), hired, left)
        return out

    return raw.cached("reps", compute)


def team_key(team: object) -> str | None:
    """Teams match after the label normalisation of the mapping seeds (D37)."""
    return label(team)


def team_periods(raw: RawData) -> dict[str, list[tuple[date | None, str | None]]]:
    """Per kept rep, (valid_from, team_key) periods from the rep's versions by updated_at (D37): a team
    change starts a period on its reporting-zone date; the first period reaches back to the beginning."""

    def compute(raw: RawData) -> dict[str, list[tuple[date | None, str | None]]]:
        versions = raw.staged_versions.get("sales_reps", pd.DataFrame())
        kept = reps(raw)
        out: dict[str, list[tuple[date | None, str | None]]] = {}
        rows = [r for r in versions.to_dict("records") if r["rep_id"] in kept]
        rows.sort(key=lambda r: (r["rep_id"], r["_updated"] is not None, r["_updated"] or 0))
        for r in rows:
            periods = out.setdefault(r["rep_id"], [])
            key = team_key(r["team"])
            if not periods:
                periods.append((None, key))
            elif periods[-1][1] != key:
                day = raw.local_dates([pd.Timestamp(r["_updated"])])[0] if r["_updated"] else None
                periods.append((day, key))
        return out

    return raw.cached("team_periods", compute)


def team_on(raw: RawData, rep_id: str, day: date) -> str | None:
    periods = team_periods(raw).get(rep_id)
    if not periods:
        return None
    team = periods[0][1]
    for start, key in periods:
        if start is None or start <= day:
            team = key
    return team


def accounts(raw: RawData) -> dict[str, dict[str, Any]]:
    """Kept accounts: segment (label, None when missing) and owner."""

    def compute(raw: RawData) -> dict[str, dict[str, Any]]:
        return {
            r["account_id"]: {"segment": label(r["segment"]), "owner": _text(r["owner_rep_id"])}
            for r in raw.table("accounts").to_dict("records")
        }

    return raw.cached("accounts", compute)


def segment_of(raw: RawData, account_id: object) -> str:
    """The account's current segment; 'unknown' when it has none, is inferred or is the unknown account."""
    found = accounts(raw).get(_text(account_id) or "")
    return (found or {}).get("segment") or "unknown"


def account_owner(raw: RawData, account_id: object) -> str | None:
    owner = (accounts(raw).get(_text(account_id) or "") or {}).get("owner")
    return owner if owner in reps(raw) else None


def first_month(raw: RawData) -> date | None:
    """dim_months' first month: the earliest lead, opportunity creation or close, order or invoice, or
    subscription start by the as-of date (D45)."""

    def compute(raw: RawData) -> date | None:
        days: list[date] = []
        for table, column in (
            ("leads", "created_at"),
            ("opportunities", "created_at"),
            ("opportunities", "closed_at"),
            ("orders", "ordered_at"),
            ("orders", "invoiced_at"),
            ("subscriptions", "started_at"),
        ):
            frame = raw.table(table)
            if not frame.empty:
                days += [d for d in raw.local_dates(frame[column]) if d is not None and d <= raw.as_of]
        return month_of(min(days)) if days else None

    return raw.cached("first_month", compute)


def spine(raw: RawData, first: date | None) -> list[date]:
    """Months from `first` (not before dim_months' first month) to the as-of month."""
    start = first_month(raw)
    if first is None or start is None:
        return []
    return month_range(max(month_of(first), start), raw.as_of)


# ----- opportunities ---------------------------------------------------------------------------------
def opportunities(raw: RawData) -> pd.DataFrame:
    """fct_opportunities: deals created by the as-of date, their standard stage (mapped label, else the
    row's flags), closed only when the close is dated by the as-of date, amount at the close (else
    creation) date's rate, account ('(unknown)' when none), segment, credited rep, lead, cycle days."""
    return raw.cached("opportunities", _opportunities)


def _opportunities(raw: RawData) -> pd.DataFrame:
    opps = raw.table("opportunities")
    columns = [
        "opportunity_id",
        "account_id",
        "lead_id",
        "created_at",
        "closed_ts",
        "is_won",
        "is_lost",
        "is_closed",
        "amount_rep",
        "created_date",
        "closed_date",
        "segment",
        "opportunity_type",
        "stage",
        "stage_label",
        "credited_rep_id",
        "lead_owner_rep_id",
        "cycle_days",
        "currency_code",
        "amount",
    ]
    if opps.empty:
        return pd.DataFrame(columns=columns)
    mapping = stage_mapping(raw)
    opps["created_date"] = raw.local_dates(opps["created_at"])
    opps = opps[[d <= raw.as_of for d in opps["created_date"]]].copy()
    stages, closed, won = [], [], []
    for r in opps.itertuples():
        mapped = mapping.get(label(r.stage_name))
        row_won = bool(truthy(r.is_won))
        row_closed = bool(truthy(r.is_closed)) or row_won
        if mapped:
            stages.append(mapped["stage"])
            closed.append(mapped["is_closed"])
            won.append(mapped["is_won"])
        else:
            stages.append("closed_won" if row_won else "closed_lost" if row_closed else "unmapped")
            closed.append(row_closed)
            won.append(row_won)
    opps["stage"] = stages
    opps["stage_label"] = opps["stage_name"]
    opps["is_closed"] = closed
    opps["is_won"] = won
    # staging filled a closed deal's missing close time with its last change (is_closed_at_imputed)
    opps["closed_ts"] = opps["closed_at"].where(opps["is_closed"], None)
    opps["closed_date"] = raw.local_dates(opps["closed_ts"])
    # the amount converts at the rate of coalesce(closed_at, created_at) (staging)
    opps["amount_rep"] = [
        raw.convert(r.amount, r.currency_code, d or r.created_date)
        for r, d in zip(opps.itertuples(), raw.local_dates(opps["closed_at"]), strict=True)
    ]
    # a close after the as-of date has not happened: the deal is open (its stage before the close)
    late = [
        c and (d is None or d > raw.as_of)
        for c, d in zip(opps["is_closed"], opps["closed_date"], strict=True)
    ]
    opps["closes_after_as_of"] = late
    opps.loc[opps["closes_after_as_of"], ["is_closed", "is_won"]] = False
    opps.loc[opps["closes_after_as_of"], ["closed_ts", "closed_date"]] = None
    opps["is_lost"] = opps["is_closed"] & ~opps["is_won"]
    opps["account_id"] = [_text(a) or UNKNOWN_ACCOUNT for a in opps["account_id"]]
    opps["segment"] = [segment_of(raw, a) for a in opps["account_id"]]
    opps["opportunity_type"] = [label(t) or "new_business" for t in opps["opportunity_type"]]
    kept_reps = reps(raw)
    opps["credited_rep_id"] = [
        o if o in kept_reps else account_owner(raw, a) or UNASSIGNED
        for o, a in zip(opps["owner_rep_id"], opps["account_id"], strict=True)
    ]
    # the originating lead: the deal's lead_id, else the lead whose converted_opportunity_id names it
    leads = raw.table("leads")
    by_conversion: dict[str, str] = {}
    owners: dict[str, str | None] = {}
    if not leads.empty:
        for r in leads.itertuples():
            owners[r.lead_id] = _text(r.owner_rep_id)
            if not _none(r.converted_opportunity_id):
                by_conversion.setdefault(r.converted_opportunity_id, r.lead_id)
    opps["lead_id"] = [
        _text(lead) or by_conversion.get(o)
        for lead, o in zip(opps["lead_id"], opps["opportunity_id"], strict=True)
    ]
    opps["lead_owner_rep_id"] = [
        owners.get(lead) if owners.get(lead) in kept_reps else None for lead in opps["lead_id"]
    ]
    created = raw.moments(opps["created_at"])
    closes = raw.moments(opps["closed_ts"])
    opps["cycle_days"] = [
        None if c is None or cm < sm else (c - s).days
        for s, c, sm, cm in zip(opps["created_date"], opps["closed_date"], created, closes, strict=True)
    ]
    return opps[[*columns, "updated_at", "closes_after_as_of", "owner_rep_id"]].reset_index(drop=True)


def stage_mapping(raw: RawData) -> dict[str, dict[str, Any]]:
    def compute(raw: RawData) -> dict[str, dict[str, Any]]:
        out = {}
        for r in raw.seed("stage_mapping").itertuples():
            out[label(r.stage_label)] = {
                "stage": r.standard_stage,
                "order": int(r.stage_order),
                "probability": Decimal(r.default_probability),
                "is_closed": bool(truthy(r.is_closed)),
                "is_won": bool(truthy(r.is_won)),
            }
        return out

    return raw.cached("stage_mapping", compute)


# ----- orders and their lines ------------------------------------------------------------------------
def orders_dated(raw: RawData) -> pd.DataFrame:
    """fct_orders: orders placed by the as-of date with status, local dates, whether the invoice, the
    cancellation and the refund count by the as-of date, and their dates: a cancellation at cancelled_at,
    else updated_at, never before the order; a refund at refunded_at, else updated_at, never before the
    invoice (without either, at the order / invoice itself). Account ('(unknown)' when none), segment,
    credited rep (its rep, the deal's owner, the account's owner: the first kept rep, else unassigned),
    opportunity type (the originating deal's; new business without one)."""
    return raw.cached("orders_dated", _orders_dated)


def _orders_dated(raw: RawData) -> pd.DataFrame:
    orders = raw.table("orders")
    if orders.empty:
        return pd.DataFrame(
            columns=[
                "order_id",
                "account_id",
                "status",
                "ordered_at",
                "ordered_date",
                "invoiced_date",
                "refund_date",
                "cancel_date",
                "is_invoiced",
                "is_refunded",
                "is_cancelled",
                "opportunity_id",
                "credited_rep_id",
                "segment",
                "opportunity_type",
                "is_unknown_account",
                "currency_code",
                "customer_order_number",
            ]
        )
    orders["status"] = [label(s) for s in orders["status"]]
    orders["ordered_date"] = raw.local_dates(orders["ordered_at"])
    orders["invoiced_date"] = raw.local_dates(orders["invoiced_at"])

    def event_dates(column: str, floor_column: str) -> list[date | None]:
        own = raw.moments(orders[column]) if column in orders else [None] * len(orders)
        updated = raw.moments(orders["updated_at"])
        floors = raw.moments(orders[floor_column])
        moments = []
        for event, change, floor in zip(own, updated, floors, strict=True):
            moment = event if event is not None else change
            if floor is not None and (moment is None or moment < floor):
                moment = floor
            moments.append(moment)
        return raw.local_dates(moments)

    orders["refund_date"] = event_dates("refunded_at", "invoiced_at")
    orders["cancel_date"] = event_dates("cancelled_at", "ordered_at")
    orders = orders[[d <= raw.as_of for d in orders["ordered_date"]]].copy()
    orders["is_invoiced"] = [
        s in INVOICED_STATUSES and d is not None and d <= raw.as_of
        for s, d in zip(orders["status"], orders["invoiced_date"], strict=True)
    ]
    orders["is_refunded"] = [
        inv and s == "refunded" and d is not None and d <= raw.as_of
        for inv, s, d in zip(orders["is_invoiced"], orders["status"], orders["refund_date"], strict=True)
    ]
    orders["is_cancelled"] = [
        s == "cancelled" and d is not None and d <= raw.as_of
        for s, d in zip(orders["status"], orders["cancel_date"], strict=True)
    ]
    orders["is_unknown_account"] = [_none(a) for a in orders["account_id"]]
    orders["account_id"] = [_text(a) or UNKNOWN_ACCOUNT for a in orders["account_id"]]
    orders["segment"] = [segment_of(raw, a) for a in orders["account_id"]]
    # the originating deal as staged (any kept deal, whatever the as-of date: a descriptive link)
    staged_opps = raw.table("opportunities")
    opp_owner = {}
    opp_type = {}
    if not staged_opps.empty:
        for r in staged_opps.itertuples():
            opp_owner[r.opportunity_id] = _text(r.owner_rep_id)
            opp_type[r.opportunity_id] = label(r.opportunity_type) or "new_business"
    kept_reps = reps(raw)
    credited = []
    for r in orders.itertuples():
        chain = [
            _text(r.rep_id),
            opp_owner.get(_text(r.opportunity_id) or ""),
            account_owner(raw, r.account_id),
        ]
        credited.append(next((c for c in chain if c in kept_reps), UNASSIGNED))
    orders["credited_rep_id"] = credited
    orders["opportunity_type"] = [
        opp_type.get(_text(o) or "", "new_business") for o in orders["opportunity_id"]
    ]
    # customer_order_number: rank among the account's booked orders by ordered_at, then order_id
    orders["ordered_moment"] = raw.moments(orders["ordered_at"])
    numbers: dict[str, int] = {}
    counters: dict[str, int] = {}
    booked = orders[~orders["is_cancelled"] & ~orders["is_unknown_account"]]
    for r in booked.sort_values(["ordered_moment", "order_id"]).itertuples():
        counters[r.account_id] = counters.get(r.account_id, 0) + 1
        numbers[r.order_id] = counters[r.account_id]
    orders["customer_order_number"] = [numbers.get(o) for o in orders["order_id"]]
    return orders.reset_index(drop=True)


def order_lines_reporting(raw: RawData) -> pd.DataFrame:
    """fct_order_lines: lines of the orders placed by the as-of date, each worth two amounts (D41):
    `net` at the order date's rate (bookings) and `invoiced_net` at the invoice date's rate (revenue; the
    order date's when not invoiced or when the invoice precedes every rate of the currency). Each money
    column converts on its own, rounded to the cent; net = quantity * unit_price - discount_amount (missing
    discount: 0), rounded to the cent. Cost: the line's unit_cost (order currency), else the product's (its
    currency), at the invoice date's rate (a product cost before every rate of its currency: the first
    rate); cost = quantity * unit cost, rounded to the cent; None when unknown. Category: the product's
    ('uncategorised' when none, no product or an unresolved one)."""
    return raw.cached("order_lines", _order_lines)


def _order_lines(raw: RawData) -> pd.DataFrame:
    orders = orders_dated(raw)
    lines = raw.table("order_lines")
    columns = [
        "order_line_id",
        "order_id",
        "net",
        "invoiced_net",
        "quantity",
        "cost",
        "category",
        "product_id",
    ]
    if orders.empty or lines.empty:
        return pd.DataFrame(columns=columns)
    products = {r["product_id"]: r for r in raw.table("products").to_dict("records")}
    merged = lines.merge(
        orders[["order_id", "currency_code", "ordered_date", "invoiced_date"]],
        on="order_id",
        how="inner",
        validate="many_to_one",
    )
    nets, invoiced_nets, costs, categories, quantities = [], [], [], [], []
    for r in merged.itertuples():
        quantity = Decimal(r.quantity)
        discount_text = r.discount_amount if not _none(r.discount_amount) else "0"
        order_rate = raw.rate(r.currency_code, r.ordered_date)
        invoice_day = r.invoiced_date or r.ordered_date
        invoice_rate = raw.rate_or_none(r.currency_code, invoice_day) or order_rate
        for rate, out in ((order_rate, nets), (invoice_rate, invoiced_nets)):
            price = cents(Decimal(r.unit_price) * rate)
            discount = cents(Decimal(discount_text) * rate)
            out.append(cents(quantity * price - discount))
        product = products.get(_text(r.product_id) or "")
        unit_cost = None
        if not _none(r.unit_cost):
            unit_cost = cents(Decimal(r.unit_cost) * invoice_rate)
        elif product is not None and not _none(product["unit_cost"]):
            code = product["currency_code"]
            rate = raw.rate_or_none(code, invoice_day)
            if rate is None:
                rate = raw.first_rate(code)
            unit_cost = cents(Decimal(product["unit_cost"]) * rate)
        costs.append(None if unit_cost is None else cents(quantity * unit_cost))
        categories.append((_text(product["category"]) if product else None) or "uncategorised")
        quantities.append(quantity)
    merged["net"] = nets
    merged["invoiced_net"] = invoiced_nets
    merged["cost"] = costs
    merged["category"] = categories
    merged["quantity"] = quantities
    return merged[columns]


def revenue_events(raw: RawData) -> pd.DataFrame:
    """fct_revenue_events: per line of an invoiced order, the invoice (+) in its invoice month and, for a
    refunded order, the reversal (-) of the same amounts in the refund month; with account, credited rep,
    segment, category, cost (None when unknown) and units."""

    def compute(raw: RawData) -> pd.DataFrame:
        orders = orders_dated(raw)
        lines = order_lines_reporting(raw)
        merged = lines.merge(orders, on="order_id")
        events = []
        for r in merged.itertuples():
            base = {
                "order_line_id": r.order_line_id,
                "order_id": r.order_id,
                "account_id": r.account_id,
                "is_unknown_account": r.is_unknown_account,
                "credited_rep_id": r.credited_rep_id,
                "segment": r.segment,
                "category": r.category,
            }
            if r.is_invoiced:
                events.append(
                    {**base, "kind": "invoice", "day": r.invoiced_date, "revenue": r.invoiced_net,
                     "cost": r.cost, "units": r.quantity}
                )  # fmt: skip
            if r.is_refunded:
                events.append(
                    {**base, "kind": "refund", "day": r.refund_date, "revenue": -r.invoiced_net,
                     "cost": None if r.cost is None else -r.cost, "units": -r.quantity}
                )  # fmt: skip
        frame = pd.DataFrame(
            events,
            columns=["order_line_id", "order_id", "account_id", "is_unknown_account", "credited_rep_id",
                     "segment", "category", "kind", "day", "revenue", "cost", "units"],
        )  # fmt: skip
        frame["month"] = [month_of(d) for d in frame["day"]]
        return frame

    return raw.cached("revenue_events", compute)


def booking_events(raw: RawData) -> pd.DataFrame:
    """fct_booking_events: +order value (order date's rate) on the order date for every order, -the same
    on the cancellation date for an order cancelled by the as-of date (D36)."""

    def compute(raw: RawData) -> pd.DataFrame:
        orders = orders_dated(raw)
        lines = order_lines_reporting(raw)
        amounts = lines.groupby("order_id")["net"].apply(lambda s: sum(s, Decimal(0))).to_dict()
        events = []
        for r in orders.itertuples():
            value = amounts.get(r.order_id, Decimal(0))
            base = {"order_id": r.order_id, "credited_rep_id": r.credited_rep_id, "type": r.opportunity_type}
            events.append({**base, "kind": "booking", "day": r.ordered_date, "amount": value})
            if r.is_cancelled:
                events.append({**base, "kind": "cancellation", "day": r.cancel_date, "amount": -value})
        frame = pd.DataFrame(events, columns=["order_id", "credited_rep_id", "type", "kind", "day", "amount"])
        frame["month"] = [month_of(d) for d in frame["day"]]
        return frame

    return raw.cached("booking_events", compute)


# ----- customers ---------------------------------------------------------------------------------------
@dataclass
class Customer:
    account_id: str
    acquired: date  # reporting-zone date of the first booked order, else the first subscription start
    source: str  # 'order' | 'subscription'
    acquiring_rep_id: str
    segment: str
    first_won_opportunity_id: str | None = None


def subscriptions(raw: RawData) -> pd.DataFrame:
    """Staged subscriptions started by the as-of date, with start / end dates and reporting MRR (at the
    start date's rate)."""

    def compute(raw: RawData) -> pd.DataFrame:
        subs = raw.table("subscriptions")
        if subs.empty:
            return pd.DataFrame(columns=["account_id", "start", "end", "mrr"])
        subs["start"] = raw.local_dates(subs["started_at"])
        subs["end"] = raw.local_dates(subs["ended_at"])
        subs["mrr"] = [
            raw.convert(m, c, s)
            for m, c, s in zip(subs["mrr"], subs["currency_code"], subs["start"], strict=True)
        ]
        subs = subs[[s <= raw.as_of for s in subs["start"]]]
        return subs[["account_id", "start", "end", "mrr"]].reset_index(drop=True)

    return raw.cached("subscriptions", compute)


def customers(raw: RawData) -> dict[str, Customer]:
    """dim_accounts' customers (D31, D45): an account (kept or inferred, never the unknown account) with a
    booked order (not cancelled by the as-of date) or a subscription started by the as-of date. Acquired
    at its first booked order (ordered_at, then order_id), else its first subscription; the acquiring rep is
    the first order's credited rep, for a subscription-only customer the account owner when a kept rep,
    else unassigned. first_won_opportunity_id: the account's earliest won deal (by close time)."""
    return raw.cached("customers", _customers)


def _customers(raw: RawData) -> dict[str, Customer]:
    out: dict[str, Customer] = {}
    orders = orders_dated(raw)
    first = orders[orders["customer_order_number"] == 1]
    for r in first.itertuples():
        out[r.account_id] = Customer(r.account_id, r.ordered_date, "order", r.credited_rep_id, r.segment)
    subs = subscriptions(raw)
    for r in subs.sort_values("start").itertuples():
        if r.account_id in out:
            continue
        owner = account_owner(raw, r.account_id) or UNASSIGNED
        out[r.account_id] = Customer(
            r.account_id, r.start, "subscription", owner, segment_of(raw, r.account_id)
        )
    opps = opportunities(raw)
    won = opps[opps["is_won"]].copy()
    won["moment"] = raw.moments(won["closed_ts"])
    for r in won.sort_values(["moment", "opportunity_id"]).itertuples():
        customer = out.get(r.account_id)
        if customer is not None and customer.first_won_opportunity_id is None:
            customer.first_won_opportunity_id = r.opportunity_id
    return out


def evaluation_point(raw: RawData, month: date) -> date:
    return raw.as_of if month == month_of(raw.as_of) else month_end(month)


def customer_months(raw: RawData, inactivity_days: int = 90) -> pd.DataFrame:
    """fct_customer_months: per customer x month from its first active month to the as-of month, whether
    it is active at the month's evaluation point (month end, the as-of date for the as-of month): a
    customer with a subscription started by the as-of date while one runs (started on or before, not ended
    by it), any other while its latest invoice on or before it is at most `inactivity_days` old; the
    previous month's activity, new / churned / retained / reactivated, MRR of the running subscriptions."""
    return raw.cached(f"customer_months_{inactivity_days}", lambda r: _customer_months(r, inactivity_days))


def _customer_months(raw: RawData, inactivity_days: int) -> pd.DataFrame:
    subs = subscriptions(raw)
    spans: dict[str, list[tuple[date, date | None, Decimal]]] = {}
    for r in subs.itertuples():
        spans.setdefault(r.account_id, []).append((r.start, None if _none(r.end) else r.end, r.mrr))
    orders = orders_dated(raw)
    invoices: dict[str, list[date]] = {}
    for r in orders[orders["is_invoiced"] & ~orders["is_unknown_account"]].itertuples():
        if r.account_id not in spans:
            invoices.setdefault(r.account_id, []).append(r.invoiced_date)
    for days in invoices.values():
        days.sort()
    rows = []
    start = first_month(raw)
    months = [] if start is None else month_range(start, raw.as_of)
    for account in sorted(set(spans) | set(invoices)):
        status = []
        for m in months:
            point = evaluation_point(raw, m)
            if account in spans:
                running = [s for s in spans[account] if s[0] <= point and (s[1] is None or s[1] > point)]
                status.append((m, bool(running), sum((s[2] for s in running), Decimal(0))))
            else:
                days = invoices[account]
                i = bisect.bisect_right(days, point) - 1
                status.append((m, i >= 0 and (point - days[i]).days <= inactivity_days, Decimal(0)))
        first_active = next((i for i, s in enumerate(status) if s[1]), None)
        if first_active is None:
            continue
        seen = False
        for i in range(first_active, len(status)):
            m, active, mrr = status[i]
            prev_active = i > 0 and status[i - 1][1]
            prev_mrr = status[i - 1][2] if i > 0 and prev_active else Decimal(0)
            rows.append(
                {
                    "account_id": account,
                    "month": m,
                    "is_active": active,
                    "was_active": prev_active,
                    "is_new": active and not seen,
                    "is_churned": prev_active and not active,
                    "is_retained": prev_active and active,
                    "is_reactivated": active and not prev_active and seen,
                    "mrr": mrr if active else Decimal(0),
                    "mrr_prev": prev_mrr,
                }
            )
            seen = seen or active
    return pd.DataFrame(
        rows,
        columns=["account_id", "month", "is_active", "was_active", "is_new", "is_churned", "is_retained",
                 "is_reactivated", "mrr", "mrr_prev"],
    )  # fmt: skip


# ----- leads -------------------------------------------------------------------------------------------
def channel_mapping(raw: RawData) -> tuple[dict[str, str], dict[str, str]]:
    """(label -> channel, channel -> channel group) from the channel_mapping seed."""

    def compute(raw: RawData) -> tuple[dict[str, str], dict[str, str]]:
        mapping = raw.seed("channel_mapping")
        by_label = {label(r.source_label): r.channel for r in mapping.itertuples()}
        groups = {r.channel: r.channel_group for r in mapping.itertuples()}
        return by_label, groups

    return raw.cached("channel_mapping", compute)


def leads(raw: RawData) -> pd.DataFrame:
    """fct_leads: leads created by the as-of date with channel, owner (a kept rep, else None), the deal it
    converted to (its converted_opportunity_id when that deal exists, else the earliest deal carrying its
    lead_id; none when the conversion time - converted_at, else the deal's creation - is after the as-of
    date), whether that deal is won, days to convert, and the first outbound touch (D34)."""
    return raw.cached("leads", _leads)


def _leads(raw: RawData) -> pd.DataFrame:
    frame = raw.table("leads")
    columns = ["lead_id", "created_at", "created_date", "channel", "owner", "opp_id", "is_won", "days",
               "first_touch", "converted_moment"]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=columns)
    by_label, _ = channel_mapping(raw)
    frame["created_date"] = raw.local_dates(frame["created_at"])
    frame = frame[[d <= raw.as_of for d in frame["created_date"]]].copy()
    all_opps = opportunities(raw)
    created_of = dict(zip(all_opps["opportunity_id"], raw.moments(all_opps["created_at"]), strict=True))
    closed_of = dict(zip(all_opps["opportunity_id"], raw.moments(all_opps["closed_ts"]), strict=True))
    closed_date_of = dict(zip(all_opps["opportunity_id"], all_opps["closed_date"], strict=True))
    won_of = dict(zip(all_opps["opportunity_id"], all_opps["is_won"], strict=True))
    raw_lead_ids = raw.table("opportunities")[["opportunity_id", "lead_id"]].dropna()
    raw_lead_of = dict(zip(raw_lead_ids["opportunity_id"], raw_lead_ids["lead_id"], strict=True))
    earliest: dict[str, str] = {}
    for opp_id in sorted(created_of, key=lambda o: (created_of[o], o)):
        lead = raw_lead_of.get(opp_id)
        if lead is not None:
            earliest.setdefault(lead, opp_id)
    kept_reps = reps(raw)
    touches = first_touches(raw)
    created_moments = raw.moments(frame["created_at"])
    converted_moments = raw.moments(frame["converted_at"])
    as_of_end = raw.end_of(raw.as_of)
    rows = []
    for r, created, converted in zip(frame.itertuples(), created_moments, converted_moments, strict=True):
        opp_id = r.converted_opportunity_id if r.converted_opportunity_id in created_of else None
        opp_id = opp_id or earliest.get(r.lead_id)
        conversion_moment = None
        if opp_id is not None:
            conversion_moment = converted or created_of[opp_id]
            if conversion_moment > as_of_end:
                opp_id, conversion_moment = None, None
        won = opp_id is not None and bool(won_of[opp_id])
        days = None
        if won and closed_of[opp_id] >= created:
            days = (closed_date_of[opp_id] - r.created_date).days
        touch = next((t for t in touches.get(r.lead_id, []) if t >= created), None)
        rows.append(
            {
                "lead_id": r.lead_id,
                "created_at": created,
                "created_date": r.created_date,
                "channel": by_label.get(label(r.lead_source), "other"),
                "owner": r.owner_rep_id if r.owner_rep_id in kept_reps else None,
                "opp_id": opp_id,
                "is_won": won,
                "days": days,
                "first_touch": touch,
                "converted_moment": conversion_moment,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def first_touches(raw: RawData) -> dict[str, list[pd.Timestamp]]:
    """Per lead, the sorted times of outbound activities and sales emails (sent time) linked to it, by the
    as-of date."""
    out: dict[str, list[pd.Timestamp]] = {}
    as_of_end = raw.end_of(raw.as_of)
    acts = raw.table("activities")
    if not acts.empty:
        acts = acts[acts["direction"].map(label) == "outbound"]
        for lead, moment in zip(acts["lead_id"], raw.moments(acts["occurred_at"]), strict=True):
            if not _none(lead) and moment is not None and moment <= as_of_end:
                out.setdefault(lead, []).append(moment)
    emails = email_messages(raw)
    for r in emails[emails["is_sales_email"]].itertuples():
        if not _none(r.lead_id):
            out.setdefault(r.lead_id, []).append(r.sent_at)
    for moments in out.values():
        moments.sort()
    return out


# ----- emails ------------------------------------------------------------------------------------------
def email_messages(raw: RawData) -> pd.DataFrame:
    """fct_email_messages: one row per email_id from its events by the as-of date; sender (rep_id when a
    kept rep, unassigned for another sales email, None for marketing), sent at the first sent event (else
    the first event), delivery decided per sender stream over all its events (D33)."""
    return raw.cached("email_messages", _email_messages)


def _email_messages(raw: RawData) -> pd.DataFrame:
    events = raw.table("email_events")
    columns = [
        "email_id", "rep_id", "sender", "lead_id", "is_sales_email", "sent_at", "month", "is_sent",
        "is_delivered", "is_bounced", "is_opened", "is_clicked", "is_unsubscribed", "opens", "clicks",
    ]  # fmt: skip
    if events.empty:
        return pd.DataFrame(columns=columns)
    events["moment"] = raw.moments(events["occurred_at"])
    events["type"] = events["event_type"].map(label)
    # a stream's tracking is judged on all its events (also after the as-of date)
    rep_of = {}
    for email, rep in zip(events["email_id"], events["rep_id"], strict=True):
        if not _none(rep):
            rep_of.setdefault(email, rep)
    events["stream"] = [rep_of.get(e, "(marketing)") for e in events["email_id"]]
    tracking = set(events.loc[events["type"] == "delivered", "stream"])
    as_of_end = raw.end_of(raw.as_of)
    kept_reps = reps(raw)
    grouped: dict[str, list[tuple[pd.Timestamp, str, Any]]] = {}
    for email, moment, kind, lead in zip(
        events["email_id"], events["moment"], events["type"], events["lead_id"], strict=True
    ):
        if moment <= as_of_end:
            grouped.setdefault(email, []).append((moment, kind, lead))
    sent_moments = {}
    for email, group in grouped.items():
        sent = [m for m, k, _ in group if k == "sent"]
        sent_moments[email] = min(sent) if sent else min(m for m, _, _ in group)
    local = dict(zip(sent_moments, raw.local_dates(list(sent_moments.values())), strict=True))
    rows = []
    for email in sorted(grouped):
        group = grouped[email]
        types = {k for _, k, _ in group}
        rep = rep_of.get(email)
        is_sent = bool(types & {"sent", "delivered", "bounced", "opened", "clicked"})
        bounced = "bounced" in types
        delivered = bool(types & {"delivered", "opened", "clicked"})
        if rep_of.get(email, "(marketing)") not in tracking:
            delivered = delivered or (is_sent and not bounced)
        linked = [lead for _, _, lead in group if not _none(lead)]
        rows.append(
            {
                "email_id": email,
                "rep_id": rep,
                "sender": None if rep is None else rep if rep in kept_reps else UNASSIGNED,
                "lead_id": linked[0] if linked else None,
                "is_sales_email": rep is not None,
                "sent_at": sent_moments[email],
                "month": month_of(local[email]),
                "is_sent": is_sent,
                "is_delivered": delivered,
                "is_bounced": bounced,
                "is_opened": "opened" in types,
                "is_clicked": "clicked" in types,
                "is_unsubscribed": "unsubscribed" in types,
                "opens": sum(1 for _, k, _ in group if k == "opened"),
                "clicks": sum(1 for _, k, _ in group if k == "clicked"),
            }
        )
    return pd.DataFrame(rows, columns=columns)


# ----- per-rep rows ----------------------------------------------------------------------------------
def rep_month_rows(raw: RawData, first: date | None, active: set[tuple[date, str]]) -> list[tuple[date, str]]:
    """(month, rep) rows of a per-rep view: every month a kept rep was employed plus every month with
    activity credited to a rep, within the view's months (from `first` to the as-of month)."""
    months = spine(raw, first)
    rows = {(m, r) for (m, r) in active if m in set(months)}
    for rep in reps(raw).values():
        rows |= {(m, rep.rep_id) for m in months if rep.employed_in(m)}
    return sorted(rows)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
