"""From the generated entities to the 16 contract tables: columns in contract order, ids in creation order.

A table holds its columns (numpy arrays rendered per chunk when written), the cells the messy injections
changed and the rows they added after an original row. Rows are written in id order (creation order); an
added row follows the row it was made from. Shard tables hold one shard's rows (numbered after the
earlier shards'); the company-wide tables (reps, products, rates, spend, expenses, targets) are built once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scripts.contract import Table, load_contract
from scripts.sampledata.accounts import CITIES, LOCATION_COUNTRY
from scripts.sampledata.activities import ACTIVITY_TYPES, DIRECTIONS, OUTCOMES
from scripts.sampledata.columns import Column, Days, Flags, Ids, Integers, Labels, Stamps, Text, Units
from scripts.sampledata.config import NEVER
from scripts.sampledata.currency import CURRENCIES
from scripts.sampledata.emails import EVENT_TYPES
from scripts.sampledata.expenses_and_targets import EXPENSE_CATEGORIES, METRICS, Rows
from scripts.sampledata.ids import IdSpace
from scripts.sampledata.leads import LEAD_STATUSES
from scripts.sampledata.marketing import Spend
from scripts.sampledata.names import emails, full_names, join, take
from scripts.sampledata.orders_and_subscriptions import ORDER_STATUSES, SUB_STATUSES
from scripts.sampledata.pipeline import LOSS_REASON_LABELS, OPP_TYPES, STAGES
from scripts.sampledata.reference import (
    COUNTRY_CODES,
    FIRST_NAMES,
    FREE_MAIL_DOMAINS,
    INDUSTRY_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    LEAD_SOURCE_LABELS,
    REGION_NAMES,
    SEGMENT_NAMES,
)
from scripts.sampledata.staffing import ROLES
from scripts.sampledata.world import Globals, Shard

MONEY_SCALE = 2


@dataclass
class TableData:
    """One contract table: its columns, the messy cells and the messy rows added after originals."""

    table: Table
    columns: dict[str, Column]
    overrides: dict[str, dict[int, object]] = field(default_factory=dict)
    extras: dict[int, list[dict[str, object]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def base_rows(self) -> int:
        return len(next(iter(self.columns.values())))

    @property
    def rows(self) -> int:
        """Rows written: the generated ones plus the added messy rows."""
        return self.base_rows + sum(len(v) for v in self.extras.values())

    def value(self, i: int, column: str) -> object:
        """A cell as a Python value (after messy changes)."""
        changed = self.overrides.get(column)
        if changed is not None and i in changed:
            return changed[i]
        return self.columns[column].value(i)

    def row(self, i: int) -> dict[str, object]:
        return {c: self.value(i, c) for c in self.table.column_names}

    def set(self, i: int, column: str, value: object) -> None:
        self.overrides.setdefault(column, {})[i] = value

    def add_after(self, i: int, row: dict[str, object]) -> None:
        self.extras.setdefault(i, []).append(row)

    def text(self, column: str, value: object) -> str | None:
        """A Python value of a column as written to CSV (the manifest records keys this way)."""
        if value is None or isinstance(value, str):
            return value
        return self.columns[column].text(value)


@dataclass
class ShardView:
    """A shard with what its tables need from outside it: the shared parts, id formats, the numbers
    of its entities' predecessors in earlier shards, and its company names and domains."""

    g: Globals
    shard: Shard
    spaces: dict[str, IdSpace]
    offsets: dict[str, int]
    company: pa.Array  # per entry of shard.names: the numbered company name
    domain: pa.Array  # per entry of shard.names: its web domain

    def ids(self, kind: str, index: np.ndarray) -> Ids:
        """Ids of shard-local entity indexes (-1: NULL)."""
        index = np.asarray(index, dtype=np.int64)
        space = self.spaces[kind]
        offset = 0 if kind == "rep" else self.offsets[kind]
        return Ids(space.prefix, np.where(index >= 0, index + offset + 1, 0), space.width, space.limit)

    def emails(
        self, first: np.ndarray, last: np.ndarray, style: np.ndarray, domain: np.ndarray, free: np.ndarray
    ) -> pa.Array:
        own = self.domain.take(pa.array(np.maximum(domain, 0)))
        chosen = pc.if_else(pa.array(free >= 0), take(FREE_MAIL_DOMAINS, free), own)
        return emails(style, first, last, chosen)


def _ids(space: IdSpace, index: np.ndarray) -> Ids:
    """Ids of entity indexes (0-based; -1: NULL) of a company-wide kind."""
    index = np.asarray(index, dtype=np.int64)
    return Ids(space.prefix, np.where(index >= 0, index + 1, 0), space.width, space.limit)


def _money(units: np.ndarray) -> Units:
    return Units(np.asarray(units, dtype=np.int64), MONEY_SCALE)


def _currency(codes: np.ndarray) -> Labels:
    return Labels(CURRENCIES, np.asarray(codes, dtype=np.int64))


def _stamps(seconds: np.ndarray) -> Stamps:
    return Stamps(np.asarray(seconds, dtype=np.int64))


def _flags(n: int, value: bool = False) -> Flags:
    return Flags(np.full(n, value))


def _table(name: str, columns: dict[str, Column]) -> TableData:
    table = load_contract()[name]
    missing = set(table.column_names) ^ set(columns)
    if missing:
        raise ValueError(f"{name}: columns do not match the contract: {sorted(missing)}")
    return TableData(table, {c: columns[c] for c in table.column_names})


def _products(g: Globals, index: np.ndarray) -> Text:
    ids = pa.array([f"PRD-{code}" for code in g.catalogue.codes.tolist()], pa.string())
    return Text(ids.take(pa.array(index)))


# ----- company-wide tables ---------------------------------------------------------------------------
def sales_reps(g: Globals, spaces: dict[str, IdSpace]) -> TableData:
    st = g.staffing
    n = st.count
    return _table(
        "sales_reps",
        {
            "rep_id": _ids(spaces["rep"], np.arange(n)),
            "full_name": Text(full_names(st.first, st.last)),
            "email": Text(pa.array(st.email, pa.string())),
            "team": Labels(st.team_names, st.team),
            "region": Labels(REGION_NAMES, st.region),
            "manager_rep_id": _ids(spaces["rep"], st.manager),
            "role": Labels(ROLES, st.role),
            "hired_date": Days(st.hired),
            "left_date": Days(st.left),
            "updated_at": _stamps(st.updated_at),
        },
    )


def products(g: Globals) -> TableData:
    c = g.catalogue
    n = len(c.codes)
    return _table(
        "products",
        {
            "product_id": _products(g, np.arange(n)),
            "product_name": Text(pa.array(c.names, pa.string())),
            "category": Text(pa.array(c.categories, pa.string())),
            "list_price": _money(c.list_price),
            "unit_cost": _money(c.unit_cost),
            "currency_code": _currency(np.full(n, c.currency)),
            "is_active": Flags(c.active),
            "updated_at": _stamps(c.updated_at),
        },
    )


def currency_rates(g: Globals) -> TableData:
    r = g.rates
    codes = np.array(r.codes)
    n_days = len(r.days)
    # one row per currency and day, in key order (rate_date, currency_code)
    by_name = codes[np.argsort(np.array(CURRENCIES)[codes])]
    code = np.tile(by_name, n_days)
    return _table(
        "currency_rates",
        {
            "rate_date": Days(np.repeat(r.days, len(codes))),
            "currency_code": _currency(code),
            "rate_to_reporting": Units(r.units[code, np.repeat(np.arange(n_days), len(codes))], r.scale),
        },
    )


def marketing_spend(spend: Spend) -> TableData:
    channels = tuple(dict.fromkeys(spend.channel))
    campaigns = tuple(dict.fromkeys(c for c in spend.campaign if c is not None))
    day = np.array(spend.day, np.int64)
    channel = np.array([channels.index(c) for c in spend.channel], np.int64)
    campaign = np.array([campaigns.index(c) if c is not None else -1 for c in spend.campaign], np.int64)
    campaign_key = np.array([c or "" for c in spend.campaign])
    order = np.lexsort((campaign_key, campaign >= 0, np.array(spend.channel), day))
    return _table(
        "marketing_spend",
        {
            "spend_date": Days(day[order]),
            "channel": Labels(channels, channel[order]),
            "campaign_id": Labels(campaigns, campaign[order]),
            "amount": _money(np.array(spend.amount, np.int64)[order]),
            "currency_code": _currency(np.array(spend.currency, np.int64)[order]),
        },
    )


def sales_expenses(g: Globals, spaces: dict[str, IdSpace], expenses: Rows) -> TableData:
    e = expenses.columns
    return _table(
        "sales_expenses",
        {
            "expense_month": Days(e["expense_month"]),
            "rep_id": _ids(spaces["rep"], e["rep"]),
            "team": Labels(g.staffing.team_names, e["team"]),
            "category": Labels(EXPENSE_CATEGORIES, e["category"]),
            "amount": _money(e["amount"]),
            "currency_code": _currency(e["currency"]),
        },
    )


def sales_targets(g: Globals, spaces: dict[str, IdSpace], targets: Rows) -> TableData:
    t = targets.columns
    n = len(t["value"])
    return _table(
        "sales_targets",
        {
            "target_id": _ids(spaces["target"], np.arange(n)),
            "period_start": Days(t["period_start"]),
            "period_end": Days(t["period_end"]),
            "rep_id": _ids(spaces["rep"], t["rep"]),
            "team": Labels(g.staffing.team_names, t["team"]),
            "metric": Labels(METRICS, t["metric"]),
            "target_value": _money(t["value"]),
            "currency_code": _currency(t["currency"]),
        },
    )


# ----- shard tables ----------------------------------------------------------------------------------
def accounts(v: ShardView) -> TableData:
    a = v.shard.accounts
    n = len(a)
    return _table(
        "accounts",
        {
            "account_id": v.ids("account", np.arange(n)),
            "account_name": Text(v.company.take(pa.array(a.name))),
            "industry": Labels(INDUSTRY_NAMES, a.industry),
            "segment": Labels(SEGMENT_NAMES, a.segment),
            "region": Labels(REGION_NAMES, a.region),
            "city": Labels(CITIES, a.city),
            "country_code": Labels(COUNTRY_CODES, a.country),
            "owner_rep_id": v.ids("rep", a.current_owner),
            "created_at": _stamps(a.created),
            "updated_at": _stamps(a.updated_at),
            "is_deleted": _flags(n),
        },
    )


def contacts(v: ShardView) -> TableData:
    c = v.shard.contacts
    n = len(c)
    return _table(
        "contacts",
        {
            "contact_id": v.ids("contact", np.arange(n)),
            "account_id": v.ids("account", c.account),
            "first_name": Labels(FIRST_NAMES, c.first),
            "last_name": Labels(LAST_NAMES, c.last),
            "email": Text(v.emails(c.first, c.last, c.email_style, c.email_domain, c.free_mail)),
            "phone": Text(c.phone),
            "job_title": Labels(JOB_TITLES, c.job_title),
            "created_at": _stamps(c.created),
            "updated_at": _stamps(c.updated_at),
            "is_deleted": _flags(n),
        },
    )


def leads(v: ShardView) -> TableData:
    x = v.shard.leads
    n = len(x)
    own = np.arange(n)  # a lead's e-mail uses its own company's domain
    return _table(
        "leads",
        {
            "lead_id": v.ids("lead", np.arange(n)),
            "created_at": _stamps(x.created),
            "lead_source": Labels(LEAD_SOURCE_LABELS, x.source),
            "owner_rep_id": v.ids("rep", x.owner),
            "status": Labels(LEAD_STATUSES, x.status),
            "company_name": Text(v.company.take(pa.array(x.company))),
            "email": Text(v.emails(x.first, x.last, x.email_style, own, x.free_mail)),
            "country_code": Labels(
                COUNTRY_CODES, np.where(x.location >= 0, _location_country(x.location), 0)
            ),
            "converted_at": _stamps(x.converted_at),
            "converted_account_id": v.ids("account", x.account),
            "converted_contact_id": v.ids("contact", x.contact),
            "converted_opportunity_id": v.ids("opportunity", x.opportunity),
            "updated_at": _stamps(x.updated_at),
            "is_deleted": _flags(n),
        },
    )


def _location_country(location: np.ndarray) -> np.ndarray:
    return LOCATION_COUNTRY[np.maximum(location, 0)]


def opportunity_names(v: ShardView) -> pa.Array:
    """'<account name> - <label>': the first product's short name with the deal kind."""
    o = v.shard.opportunities
    short = tuple(name.split(" - ")[0].split(" (")[0] for name in v.g.catalogue.names)
    product = take(short, o.label_product)
    year = pc.cast(pa.array(o.label_year), pa.string())
    label = pc.case_when(
        pc.make_struct(*(pa.array(o.label == k) for k in range(1, 5))),
        join(product, " (win-back)"),
        join(product, " expansion"),
        join(product, " add-on"),
        join("Renewal ", year, " ", product),
        product,
    )
    account_name = v.company.take(pa.array(v.shard.accounts.name[o.account]))
    return join(account_name, label, sep=" - ")


def opportunities(v: ShardView) -> TableData:
    o = v.shard.opportunities
    n = len(o)
    return _table(
        "opportunities",
        {
            "opportunity_id": v.ids("opportunity", np.arange(n)),
            "account_id": v.ids("account", o.account),
            "owner_rep_id": v.ids("rep", o.owner),
            "lead_id": v.ids("lead", o.lead),
            "opportunity_name": Text(opportunity_names(v)),
            "opportunity_type": Labels(OPP_TYPES, o.opp_type),
            "stage_name": Labels(STAGES, o.stage),
            "amount": _money(o.amount),
            "currency_code": _currency(o.currency),
            "created_at": _stamps(o.created),
            "expected_close_date": Days(o.expected_close),
            "closed_at": _stamps(o.closed_at),
            "is_closed": Flags(o.closed_at < NEVER),
            "is_won": Flags(o.is_won),
            "loss_reason": Labels(LOSS_REASON_LABELS, o.loss_reason),
            "updated_at": _stamps(o.updated_at),
            "is_deleted": _flags(n),
        },
    )


def opportunity_stage_history(v: ShardView) -> TableData:
    o = v.shard.opportunities
    return _table(
        "opportunity_stage_history",
        {
            "opportunity_id": v.ids("opportunity", o.history_opp),
            "entered_at": _stamps(o.history_at),
            "stage_name": Labels(STAGES, o.history_stage),
            "amount": _money(o.history_amount),
            "changed_by_rep_id": v.ids("rep", o.history_by),
        },
    )


def activities(v: ShardView) -> TableData:
    a = v.shard.activities
    assert a is not None
    n = len(a["at"])
    return _table(
        "activities",
        {
            "activity_id": v.ids("activity", np.arange(n)),
            "activity_type": Labels(ACTIVITY_TYPES, a["kind"]),
            "direction": Labels(DIRECTIONS, a["direction"]),
            "rep_id": v.ids("rep", a["rep"]),
            "lead_id": v.ids("lead", a["lead"]),
            "contact_id": v.ids("contact", a["contact"]),
            "account_id": v.ids("account", a["account"]),
            "opportunity_id": v.ids("opportunity", a["opportunity"]),
            "occurred_at": _stamps(a["at"]),
            "duration_seconds": Integers(a["duration"], a["duration"] < 0),
            "outcome": Labels(OUTCOMES, a["outcome"]),
            "is_deleted": _flags(n),
        },
    )


def email_events(v: ShardView) -> TableData:
    e, m = v.shard.email_events, v.shard.emails
    assert e is not None and m is not None
    n = len(e)
    return _table(
        "email_events",
        {
            "event_id": v.ids("event", np.arange(n)),
            "email_id": v.ids("email", e.email),
            "campaign_id": Labels(tuple(c for c, _ in v.g.campaigns), m.campaign[e.email]),
            "rep_id": v.ids("rep", m.rep[e.email]),
            "lead_id": v.ids("lead", m.lead[e.email]),
            "contact_id": v.ids("contact", m.contact[e.email]),
            "event_type": Labels(EVENT_TYPES, e.kind),
            "occurred_at": _stamps(e.at),
        },
    )


def orders(v: ShardView) -> TableData:
    o = v.shard.orders
    n = len(o)
    return _table(
        "orders",
        {
            "order_id": v.ids("order", np.arange(n)),
            "account_id": v.ids("account", o.account),
            "opportunity_id": v.ids("opportunity", o.opportunity),
            "rep_id": v.ids("rep", o.rep),
            "ordered_at": _stamps(o.ordered_at),
            "invoiced_at": _stamps(o.invoiced_at),
            "status": Labels(ORDER_STATUSES, o.status),
            "currency_code": _currency(o.currency),
            "updated_at": _stamps(o.updated_at),
            "cancelled_at": _stamps(o.cancelled_at),
            "refunded_at": _stamps(o.refunded_at),
        },
    )


def order_lines(v: ShardView) -> TableData:
    lines = v.shard.orders.lines
    n = len(lines)
    return _table(
        "order_lines",
        {
            "order_line_id": v.ids("order_line", np.arange(n)),
            "order_id": v.ids("order", lines.owner),
            "product_id": _products(v.g, lines.product),
            "quantity": Units(lines.quantity, 0),
            "unit_price": _money(lines.unit_price),
            "discount_amount": _money(lines.discount),
            "unit_cost": _money(lines.unit_cost),
        },
    )


def subscriptions(v: ShardView) -> TableData:
    s = v.shard.subscriptions
    n = len(s)
    return _table(
        "subscriptions",
        {
            "subscription_id": v.ids("subscription", np.arange(n)),
            "account_id": v.ids("account", s.account),
            "product_id": _products(v.g, s.product),
            "started_at": _stamps(s.started),
            "ended_at": _stamps(s.ended),
            "mrr": _money(s.mrr),
            "currency_code": _currency(s.currency),
            "status": Labels(SUB_STATUSES, s.status),
        },
    )


SHARD_TABLES: dict[str, Callable[[ShardView], TableData]] = {
    "accounts": accounts,
    "contacts": contacts,
    "leads": leads,
    "opportunities": opportunities,
    "opportunity_stage_history": opportunity_stage_history,
    "activities": activities,
    "email_events": email_events,
    "orders": orders,
    "order_lines": order_lines,
    "subscriptions": subscriptions,
}
# the entities each shard table numbers (its key), in the order shards are numbered
NUMBERED = {
    "account": "accounts",
    "contact": "contacts",
    "lead": "leads",
    "opportunity": "opportunities",
    "order": "orders",
    "order_line": "order_lines",
    "subscription": "subscriptions",
    "activity": "activities",
    "event": "email_events",
}
