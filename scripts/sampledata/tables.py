"""From the generated entities to the 16 contract tables: columns in contract order, ids in creation order.

A table holds its columns (numpy arrays rendered per chunk when written), the cells the messy injections
changed and the rows they added after an original row. Rows are written in id order (creation order); an
added row follows the row it was made from.
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
from scripts.sampledata.currency import CURRENCIES
from scripts.sampledata.emails import EVENT_TYPES
from scripts.sampledata.expenses_and_targets import EXPENSE_CATEGORIES, METRICS
from scripts.sampledata.leads import LEAD_STATUSES
from scripts.sampledata.names import full_names, join, take
from scripts.sampledata.orders_and_subscriptions import ORDER_STATUSES, SUB_STATUSES
from scripts.sampledata.pipeline import LOSS_REASON_LABELS, OPP_TYPES, STAGES
from scripts.sampledata.products import NULL_MONEY
from scripts.sampledata.reference import (
    COUNTRY_CODES,
    FIRST_NAMES,
    INDUSTRY_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    LEAD_SOURCE_LABELS,
    REGION_NAMES,
    SEGMENT_NAMES,
)
from scripts.sampledata.staffing import ROLES
from scripts.sampledata.world import World

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
        return self.columns[column].render([value], pa.string())[0].as_py()


def _ids(kind: str, index: np.ndarray, count: int) -> Ids:
    """Ids of entity indexes (0-based; -1: NULL)."""
    index = np.asarray(index, dtype=np.int64)
    return Ids(kind, np.where(index >= 0, index + 1, 0), count)


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


def sales_reps(w: World) -> TableData:
    st = w.staffing
    n = st.count
    return _table(
        "sales_reps",
        {
            "rep_id": _ids("rep", np.arange(n), n),
            "full_name": Text(full_names(st.first, st.last)),
            "email": Text(pa.array(st.email, pa.string())),
            "team": Labels(st.team_names, st.team),
            "region": Labels(REGION_NAMES, st.region),
            "manager_rep_id": _ids("rep", st.manager, n),
            "role": Labels(ROLES, st.role),
            "hired_date": Days(st.hired),
            "left_date": Days(st.left),
            "updated_at": _stamps(st.updated_at),
        },
    )


def accounts(w: World) -> TableData:
    a = w.accounts
    n = len(a)
    return _table(
        "accounts",
        {
            "account_id": _ids("account", np.arange(n), n),
            "account_name": Text(a.name),
            "industry": Labels(INDUSTRY_NAMES, a.industry),
            "segment": Labels(SEGMENT_NAMES, a.segment),
            "region": Labels(REGION_NAMES, a.region),
            "city": Labels(CITIES, a.city),
            "country_code": Labels(COUNTRY_CODES, a.country),
            "owner_rep_id": _ids("rep", a.current_owner, w.staffing.count),
            "created_at": _stamps(a.created),
            "updated_at": _stamps(a.updated_at),
            "is_deleted": _flags(n),
        },
    )


def contacts(w: World) -> TableData:
    c = w.contacts
    n = len(c)
    return _table(
        "contacts",
        {
            "contact_id": _ids("contact", np.arange(n), n),
            "account_id": _ids("account", c.account, len(w.accounts)),
            "first_name": Labels(FIRST_NAMES, c.first),
            "last_name": Labels(LAST_NAMES, c.last),
            "email": Text(c.email),
            "phone": Text(c.phone),
            "job_title": Labels(JOB_TITLES, c.job_title),
            "created_at": _stamps(c.created),
            "updated_at": _stamps(c.updated_at),
            "is_deleted": _flags(n),
        },
    )


def leads(w: World) -> TableData:
    x = w.leads
    n = len(x)
    return _table(
        "leads",
        {
            "lead_id": _ids("lead", np.arange(n), n),
            "created_at": _stamps(x.created),
            "lead_source": Labels(LEAD_SOURCE_LABELS, x.source),
            "owner_rep_id": _ids("rep", x.owner, w.staffing.count),
            "status": Labels(LEAD_STATUSES, x.status),
            "company_name": Text(x.company),
            "email": Text(x.email),
            "country_code": Labels(
                COUNTRY_CODES, np.where(x.location >= 0, _location_country(x.location), 0)
            ),
            "converted_at": _stamps(x.converted_at),
            "converted_account_id": _ids("account", x.account, len(w.accounts)),
            "converted_contact_id": _ids("contact", x.contact, len(w.contacts)),
            "converted_opportunity_id": _ids("opportunity", x.opportunity, len(w.opportunities)),
            "updated_at": _stamps(x.updated_at),
            "is_deleted": _flags(n),
        },
    )


def _location_country(location: np.ndarray) -> np.ndarray:
    return LOCATION_COUNTRY[np.maximum(location, 0)]


def opportunity_names(w: World) -> pa.Array:
    """'<account name> - <label>': the first product's short name with the deal kind."""
    o = w.opportunities
    short = tuple(name.split(" - ")[0].split(" (")[0] for name in w.catalogue.names)
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
    return join(w.accounts.name.take(pa.array(o.account)), label, sep=" - ")


def opportunities(w: World) -> TableData:
    o = w.opportunities
    n = len(o)
    closed = o.closed_at < np.int64(2**62)
    return _table(
        "opportunities",
        {
            "opportunity_id": _ids("opportunity", np.arange(n), n),
            "account_id": _ids("account", o.account, len(w.accounts)),
            "owner_rep_id": _ids("rep", o.owner, w.staffing.count),
            "lead_id": _ids("lead", o.lead, len(w.leads)),
            "opportunity_name": Text(opportunity_names(w)),
            "opportunity_type": Labels(OPP_TYPES, o.opp_type),
            "stage_name": Labels(STAGES, o.stage),
            "amount": _money(o.amount),
            "currency_code": _currency(o.currency),
            "created_at": _stamps(o.created),
            "expected_close_date": Days(o.expected_close),
            "closed_at": _stamps(o.closed_at),
            "is_closed": Flags(closed),
            "is_won": Flags(o.is_won),
            "loss_reason": Labels(LOSS_REASON_LABELS, o.loss_reason),
            "updated_at": _stamps(o.updated_at),
            "is_deleted": _flags(n),
        },
    )


def opportunity_stage_history(w: World) -> TableData:
    o = w.opportunities
    return _table(
        "opportunity_stage_history",
        {
            "opportunity_id": _ids("opportunity", o.history_opp, len(o)),
            "entered_at": _stamps(o.history_at),
            "stage_name": Labels(STAGES, o.history_stage),
            "amount": _money(o.history_amount),
            "changed_by_rep_id": _ids("rep", o.history_by, w.staffing.count),
        },
    )


def activities(w: World) -> TableData:
    a = w.activities
    assert a is not None
    n = len(a["at"])
    return _table(
        "activities",
        {
            "activity_id": _ids("activity", np.arange(n), n),
            "activity_type": Labels(ACTIVITY_TYPES, a["kind"]),
            "direction": Labels(DIRECTIONS, a["direction"]),
            "rep_id": _ids("rep", a["rep"], w.staffing.count),
            "lead_id": _ids("lead", a["lead"], len(w.leads)),
            "contact_id": _ids("contact", a["contact"], len(w.contacts)),
            "account_id": _ids("account", a["account"], len(w.accounts)),
            "opportunity_id": _ids("opportunity", a["opportunity"], len(w.opportunities)),
            "occurred_at": _stamps(a["at"]),
            "duration_seconds": Integers(a["duration"], a["duration"] < 0),
            "outcome": Labels(OUTCOMES, a["outcome"]),
            "is_deleted": _flags(n),
        },
    )


def email_events(w: World) -> TableData:
    e, m = w.email_events, w.emails
    assert e is not None and m is not None and w.campaigns is not None
    n = len(e)
    return _table(
        "email_events",
        {
            "event_id": _ids("event", np.arange(n), n),
            "email_id": _ids("email", e.email, len(m)),
            "campaign_id": Labels(tuple(w.campaigns), m.campaign[e.email]),
            "rep_id": _ids("rep", m.rep[e.email], w.staffing.count),
            "lead_id": _ids("lead", m.lead[e.email], len(w.leads)),
            "contact_id": _ids("contact", m.contact[e.email], len(w.contacts)),
            "event_type": Labels(EVENT_TYPES, e.kind),
            "occurred_at": _stamps(e.at),
        },
    )


def products(w: World) -> TableData:
    c = w.catalogue
    n = len(c.codes)
    return _table(
        "products",
        {
            "product_id": Text(pa.array([f"PRD-{code}" for code in c.codes.tolist()], pa.string())),
            "product_name": Text(pa.array(c.names, pa.string())),
            "category": Text(pa.array(c.categories, pa.string())),
            "list_price": _money(c.list_price),
            "unit_cost": _money(c.unit_cost),
            "currency_code": _currency(np.full(n, c.currency)),
            "is_active": Flags(c.active),
            "updated_at": _stamps(c.updated_at),
        },
    )


def _products(w: World, index: np.ndarray) -> Text:
    ids = pa.array([f"PRD-{code}" for code in w.catalogue.codes.tolist()], pa.string())
    return Text(ids.take(pa.array(index)))


def orders(w: World) -> TableData:
    o = w.orders
    n = len(o)
    return _table(
        "orders",
        {
            "order_id": _ids("order", np.arange(n), n),
            "account_id": _ids("account", o.account, len(w.accounts)),
            "opportunity_id": _ids("opportunity", o.opportunity, len(w.opportunities)),
            "rep_id": _ids("rep", o.rep, w.staffing.count),
            "ordered_at": _stamps(o.ordered_at),
            "invoiced_at": _stamps(o.invoiced_at),
            "status": Labels(ORDER_STATUSES, o.status),
            "currency_code": _currency(o.currency),
            "updated_at": _stamps(o.updated_at),
            "cancelled_at": _stamps(o.cancelled_at),
            "refunded_at": _stamps(o.refunded_at),
        },
    )


def order_lines(w: World) -> TableData:
    lines = w.orders.lines
    n = len(lines)
    return _table(
        "order_lines",
        {
            "order_line_id": _ids("order_line", np.arange(n), n),
            "order_id": _ids("order", lines.owner, len(w.orders)),
            "product_id": _products(w, lines.product),
            "quantity": Units(lines.quantity, 0),
            "unit_price": _money(lines.unit_price),
            "discount_amount": _money(lines.discount),
            "unit_cost": _money(
                np.where(lines.unit_cost == NULL_MONEY, np.iinfo(np.int64).min, lines.unit_cost)
            ),
        },
    )


def subscriptions(w: World) -> TableData:
    s = w.subscriptions
    n = len(s)
    return _table(
        "subscriptions",
        {
            "subscription_id": _ids("subscription", np.arange(n), n),
            "account_id": _ids("account", s.account, len(w.accounts)),
            "product_id": _products(w, s.product),
            "started_at": _stamps(s.started),
            "ended_at": _stamps(s.ended),
            "mrr": _money(s.mrr),
            "currency_code": _currency(s.currency),
            "status": Labels(SUB_STATUSES, s.status),
        },
    )


def marketing_spend(w: World) -> TableData:
    s = w.spend
    channels = tuple(dict.fromkeys(s.channel))
    campaigns = tuple(dict.fromkeys(c for c in s.campaign if c is not None))
    day = np.array(s.day, np.int64)
    channel = np.array([channels.index(c) for c in s.channel], np.int64)
    campaign = np.array([campaigns.index(c) if c is not None else -1 for c in s.campaign], np.int64)
    campaign_key = np.array([c or "" for c in s.campaign])
    order = np.lexsort((campaign_key, campaign >= 0, np.array(s.channel), day))
    return _table(
        "marketing_spend",
        {
            "spend_date": Days(day[order]),
            "channel": Labels(channels, channel[order]),
            "campaign_id": Labels(campaigns, campaign[order]),
            "amount": _money(np.array(s.amount, np.int64)[order]),
            "currency_code": _currency(np.array(s.currency, np.int64)[order]),
        },
    )


def sales_expenses(w: World) -> TableData:
    e = w.expenses.columns
    return _table(
        "sales_expenses",
        {
            "expense_month": Days(e["expense_month"]),
            "rep_id": _ids("rep", e["rep"], w.staffing.count),
            "team": Labels(w.staffing.team_names, e["team"]),
            "category": Labels(EXPENSE_CATEGORIES, e["category"]),
            "amount": _money(e["amount"]),
            "currency_code": _currency(e["currency"]),
        },
    )


def sales_targets(w: World) -> TableData:
    t = w.targets.columns
    n = len(t["value"])
    return _table(
        "sales_targets",
        {
            "target_id": _ids("target", np.arange(n), n),
            "period_start": Days(t["period_start"]),
            "period_end": Days(t["period_end"]),
            "rep_id": _ids("rep", t["rep"], w.staffing.count),
            "team": Labels(w.staffing.team_names, t["team"]),
            "metric": Labels(METRICS, t["metric"]),
            "target_value": _money(t["value"]),
            "currency_code": _currency(t["currency"]),
        },
    )


def currency_rates(w: World) -> TableData:
    r = w.rates
    codes = np.array(r.codes)
    n_days = len(r.days)
    # one row per currency and day, in key order (rate_date, currency_code)
    names = np.array(CURRENCIES)[codes]
    by_name = codes[np.argsort(names)]
    day = np.repeat(r.days, len(codes))
    code = np.tile(by_name, n_days)
    return _table(
        "currency_rates",
        {
            "rate_date": Days(day),
            "currency_code": _currency(code),
            "rate_to_reporting": Units(r.units[code, np.repeat(np.arange(n_days), len(codes))], r.scale),
        },
    )


BUILDERS: dict[str, Callable[[World], TableData]] = {
    "sales_reps": sales_reps,
    "accounts": accounts,
    "contacts": contacts,
    "leads": leads,
    "opportunities": opportunities,
    "opportunity_stage_history": opportunity_stage_history,
    "activities": activities,
    "email_events": email_events,
    "products": products,
    "orders": orders,
    "order_lines": order_lines,
    "subscriptions": subscriptions,
    "marketing_spend": marketing_spend,
    "sales_expenses": sales_expenses,
    "sales_targets": sales_targets,
    "currency_rates": currency_rates,
}
assert list(BUILDERS) == list(load_contract()), "one builder per contract table, in contract order"
