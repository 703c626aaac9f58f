"""Messy injections into clean tables, each recorded with the disposition staging must give it.

Runs after the clean data is complete and draws from its own random stream, so the clean rows do not
depend on the mess rate. Per table, round(rows x rate) rows (at least one) get one injection each; the
table's applicable kinds take turns. Only the injected row is recorded: children of a quarantined or
deleted parent become `orphaned_<column>` in staging (a cascade), and no other injection is placed on
such children, so every recorded expectation holds exactly. Quarantines and deletes of accounts are put
on prospects (accounts without deals, orders or subscriptions) to keep cascades small; currency_rates,
products and sales_reps only get whitespace/case repairs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from scripts.contract import Table, load_contract
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.pipeline import LOST, WON
from scripts.sampledata.reference import INDUSTRIES, JOB_TITLES
from scripts.sampledata.tables import Row, Tables
from scripts.sampledata.writer import key_value

DUP_OLD, DUP_EXACT, NEW_VERSION = "dup_old", "dup_exact", "new_version"
WS_CASE, BAD_NUMBER, BAD_DATE = "ws_case", "bad_number", "bad_date"
UNKNOWN_STAGE, UNKNOWN_SOURCE, ORPHAN_FK = "unknown_stage", "unknown_source", "orphan_fk"
SOFT_DELETE, NULL_KEY, CLOSE_BEFORE_CREATE = "soft_delete", "null_key", "close_before_create"
BREAKING = (BAD_NUMBER, BAD_DATE, ORPHAN_FK, SOFT_DELETE, NULL_KEY, CLOSE_BEFORE_CREATE)

BAD_NUMBERS = ("n/a", "1.2.3", "Rp 1.500.000", "TBD", "#REF!", "tiga juta")
BAD_INTEGERS = ("5 menit", "n/a", "1.5.0", "TBD")
BAD_DATES = ("31/02/2025", "kemarin", "2025-13-45", "besok pagi", "00/00/0000", "minggu depan")
UNKNOWN_STAGES = MappingProxyType(
    {
        "won": ("Won - PO Received", "Closed - Signed", "Menang"),
        "lost": ("Lost - No Budget", "Dropped", "Batal"),
        "open": ("On Hold", "Verbal Commit", "Tunggu PO", "Pending Approval", "Contract Review"),
    }
)
UNKNOWN_SOURCES = ("Brosur", "Tokopedia", "Kaskus", "Radio Prambors", "Spanduk", "Grup WhatsApp Alumni")
PADDING = (" ", "  ", "\t", "\u00a0")
ORPHAN_PREFIX = MappingProxyType(
    {
        "accounts": "ACC-9",
        "sales_reps": "REP-9",
        "opportunities": "OPP-9",
        "orders": "SO-9",
        "products": "PRD-9",
    }
)

# Checked foreign keys (docs/staging_rules.md): a child of a quarantined or deleted parent is orphaned.
CHECKED_FKS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "contacts": (("account_id", "accounts"),),
        "leads": (("owner_rep_id", "sales_reps"),),
        "opportunities": (("account_id", "accounts"), ("owner_rep_id", "sales_reps")),
        "opportunity_stage_history": (("opportunity_id", "opportunities"),),
        "orders": (("account_id", "accounts"), ("rep_id", "sales_reps")),
        "order_lines": (("order_id", "orders"), ("product_id", "products")),
        "subscriptions": (("account_id", "accounts"), ("product_id", "products")),
        "sales_targets": (("rep_id", "sales_reps"),),
    }
)


@dataclass(frozen=True)
class TableMess:
    """Which injections a table gets and on which columns.

    labels: (column, mode) for whitespace/case repairs; mode is lower (enum labels), upper (codes),
    email, label (mapped through a seed) or trim (free text).
    """

    kinds: tuple[str, ...]
    labels: tuple[tuple[str, str], ...] = ()
    numbers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    null_keys: tuple[str, ...] = ()


SPECS: Mapping[str, TableMess] = MappingProxyType(
    {
        "sales_reps": TableMess(
            (WS_CASE,), (("email", "email"), ("role", "lower"), ("full_name", "trim"), ("region", "trim"))
        ),
        "accounts": TableMess(
            (DUP_OLD, NEW_VERSION, WS_CASE, BAD_DATE, SOFT_DELETE, NULL_KEY),
            (
                ("segment", "lower"),
                ("industry", "lower"),
                ("country_code", "upper"),
                ("city", "trim"),
                ("account_name", "trim"),
            ),
            dates=("created_at",),
        ),
        "contacts": TableMess(
            (DUP_OLD, NEW_VERSION, WS_CASE, BAD_DATE, ORPHAN_FK, SOFT_DELETE, NULL_KEY),
            (("email", "email"), ("first_name", "trim"), ("job_title", "trim")),
            dates=("created_at",),
        ),
        "leads": TableMess(
            (
                DUP_OLD,
                NEW_VERSION,
                WS_CASE,
                BAD_DATE,
                UNKNOWN_SOURCE,
                ORPHAN_FK,
                SOFT_DELETE,
                NULL_KEY,
                CLOSE_BEFORE_CREATE,
            ),
            (("lead_source", "label"), ("status", "lower"), ("email", "email"), ("country_code", "upper")),
            dates=("created_at", "converted_at"),
        ),
        "opportunities": TableMess(
            (
                DUP_OLD,
                NEW_VERSION,
                WS_CASE,
                BAD_NUMBER,
                BAD_DATE,
                UNKNOWN_STAGE,
                ORPHAN_FK,
                SOFT_DELETE,
                NULL_KEY,
                CLOSE_BEFORE_CREATE,
            ),
            (("stage_name", "label"), ("currency_code", "upper"), ("opportunity_type", "lower")),
            numbers=("amount",),
            dates=("expected_close_date", "closed_at", "created_at"),
        ),
        "opportunity_stage_history": TableMess(
            (DUP_EXACT, BAD_NUMBER, ORPHAN_FK, NULL_KEY),
            numbers=("amount",),
            null_keys=("entered_at", "stage_name"),
        ),
        "activities": TableMess(
            (DUP_EXACT, WS_CASE, BAD_NUMBER, BAD_DATE, SOFT_DELETE, NULL_KEY),
            (("activity_type", "lower"), ("direction", "lower"), ("outcome", "lower")),
            numbers=("duration_seconds",),
            dates=("occurred_at",),
        ),
        "email_events": TableMess(
            (DUP_EXACT, WS_CASE, BAD_DATE, NULL_KEY), (("event_type", "lower"),), dates=("occurred_at",)
        ),
        "products": TableMess(
            (WS_CASE,), (("category", "lower"), ("currency_code", "upper"), ("product_name", "trim"))
        ),
        "orders": TableMess(
            (DUP_OLD, WS_CASE, BAD_DATE, ORPHAN_FK, NULL_KEY, CLOSE_BEFORE_CREATE),
            (("status", "lower"), ("currency_code", "upper")),
            dates=("invoiced_at", "ordered_at"),
        ),
        "order_lines": TableMess(
            (DUP_EXACT, BAD_NUMBER, ORPHAN_FK, NULL_KEY),
            numbers=("quantity", "unit_price", "discount_amount"),
        ),
        "subscriptions": TableMess(
            (DUP_EXACT, WS_CASE, BAD_NUMBER, BAD_DATE, ORPHAN_FK, NULL_KEY),
            (("status", "lower"), ("currency_code", "upper")),
            numbers=("mrr",),
            dates=("started_at", "ended_at"),
        ),
        "marketing_spend": TableMess(
            (DUP_EXACT, WS_CASE, BAD_NUMBER, NULL_KEY),
            (("currency_code", "upper"),),
            numbers=("amount",),
            null_keys=("spend_date", "channel"),
        ),
        "sales_expenses": TableMess(
            (DUP_EXACT, WS_CASE, BAD_NUMBER, NULL_KEY),
            (("currency_code", "upper"),),
            numbers=("amount",),
            null_keys=("expense_month", "category"),
        ),
        "sales_targets": TableMess(
            (DUP_EXACT, WS_CASE, BAD_NUMBER, BAD_DATE, ORPHAN_FK, NULL_KEY),
            (("metric", "lower"), ("currency_code", "upper")),
            numbers=("target_value",),
            dates=("period_end", "period_start"),
        ),
        "currency_rates": TableMess((WS_CASE,), (("currency_code", "upper"),)),
    }
)


@dataclass(frozen=True)
class Injection:
    """One injected messy row and what staging is expected to do with it."""

    table: str
    key: tuple[tuple[str, str | None], ...]
    kind: str
    disposition: str
    reason: str | None = None
    parent_table: str | None = None  # orphans: the check is skipped when the parent table is absent

    def manifest_entry(self, present_tables: tuple[str, ...]) -> dict[str, Any]:
        """The manifest record, given which tables are written."""
        disposition, reason = self.disposition, self.reason
        if self.parent_table is not None and self.parent_table not in present_tables:
            disposition, reason = "kept", None
        return {
            "table": self.table,
            "key": dict(self.key),
            "kind": self.kind,
            "expected_disposition": disposition,
            "expected_reason": reason,
        }

    def sort_key(self) -> tuple[str, str, str]:
        """Order of the manifest list."""
        return self.table, repr(self.key), self.kind


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class _Injector:
    """Applies the injections of one run (state local to the run)."""

    def __init__(self, tables: Tables, rng: random.Random, config: GeneratorConfig) -> None:
        self.tables, self.rng, self.config = tables, rng, config
        self.contract = load_contract()
        self.cutoff = config.cutoff
        self.broken: dict[str, set[str]] = {}
        self.broken_originals: dict[str, list[str]] = {}
        customers = {r["account_id"] for t in ("opportunities", "orders", "subscriptions") for r in tables[t]}
        self.prospects = {r["account_id"] for r in tables["accounts"]} - customers
        self.history: dict[str, list[Row]] = {}
        for row in tables["opportunity_stage_history"]:
            self.history.setdefault(row["opportunity_id"], []).append(row)
        self.parent_keys = {p: {r[self.contract[p].key[0]] for r in tables[p]} for p in ORPHAN_PREFIX}

    # ----- per table -------------------------------------------------------------------------------
    def run(self, rate: float) -> list[Injection]:
        injections: list[Injection] = []
        for name, table in self.contract.items():
            rows = self.tables[name]
            if rate > 0 and rows:
                injections += self._inject_table(table, rows, rate)
            self._record_broken(table, rows)
        return injections

    def _eligible(self, table: Table, row: Row) -> bool:
        return all(
            row[col] not in self.broken.get(parent, ()) for col, parent in CHECKED_FKS.get(table.name, ())
        )

    def _inject_table(self, table: Table, rows: list[Row], rate: float) -> list[Injection]:
        spec = SPECS[table.name]
        count = max(1, round(len(rows) * rate))
        kinds = list(spec.kinds)
        self.rng.shuffle(kinds)
        order = [i for i in range(len(rows)) if self._eligible(table, rows[i])]
        self.rng.shuffle(order)
        used: set[int] = set()
        out, extra = [], []
        for n in range(count):
            kind = kinds[n % len(kinds)]
            index = next((i for i in order if i not in used and self._applicable(table, kind, rows[i])), None)
            if index is None:
                continue
            used.add(index)
            injection, new_rows = self._apply(table, kind, rows[index])
            out.append(injection)
            extra += new_rows
        rows.extend(extra)
        return out

    def _record_broken(self, table: Table, rows: list[Row]) -> None:
        """Keys of this table that will not be kept parents: injected breaks and cascades."""
        if len(table.key) != 1:
            return
        key = table.key[0]
        broken = set(self.broken_originals.get(table.name, ()))
        for row in rows:
            if not self._eligible(table, row):
                broken.add(row[key])
        self.broken[table.name] = broken

    # ----- applicability ---------------------------------------------------------------------------
    def _applicable(self, table: Table, kind: str, row: Row) -> bool:
        spec = SPECS[table.name]
        name = table.name
        if name == "accounts" and kind in BREAKING and row["account_id"] not in self.prospects:
            return False
        if kind in (DUP_OLD, NEW_VERSION):
            base = row.get("created_at") or row.get("ordered_at")
            if kind == DUP_OLD:
                return isinstance(base, datetime) and row["updated_at"] - base >= timedelta(hours=2)
            return row["updated_at"] <= self.cutoff - timedelta(hours=2)
        checks = {
            WS_CASE: lambda: any(isinstance(row[c], str) for c, _ in spec.labels),
            BAD_NUMBER: lambda: any(row[c] is not None for c in spec.numbers),
            BAD_DATE: lambda: any(row[c] is not None for c in spec.dates),
            ORPHAN_FK: lambda: any(row[c] is not None for c, _ in CHECKED_FKS.get(name, ())),
            CLOSE_BEFORE_CREATE: lambda: self._can_close_early(name, row),
            SOFT_DELETE: lambda: "is_deleted" in row,
        }
        return checks.get(kind, lambda: True)()

    def _can_close_early(self, name: str, row: Row) -> bool:
        if name == "leads":
            return row["converted_at"] is not None
        if name == "orders":
            return row["invoiced_at"] is not None
        start = self.config.start + timedelta(days=30)
        return row["closed_at"] is not None and row["created_at"] >= start

    # ----- the injections --------------------------------------------------------------------------
    def _key(self, table: Table, row: Row) -> tuple[tuple[str, str | None], ...]:
        return tuple((k, key_value(row[k])) for k in table.key)

    def _apply(self, table: Table, kind: str, row: Row) -> tuple[Injection, list[Row]]:
        handler = {
            DUP_OLD: self._dup_old,
            DUP_EXACT: self._dup_exact,
            NEW_VERSION: self._new_version,
            WS_CASE: self._ws_case,
            BAD_NUMBER: self._bad_number,
            BAD_DATE: self._bad_date,
            UNKNOWN_STAGE: self._unknown_stage,
            UNKNOWN_SOURCE: self._unknown_source,
            ORPHAN_FK: self._orphan,
            SOFT_DELETE: self._soft_delete,
            NULL_KEY: self._null_key,
            CLOSE_BEFORE_CREATE: self._close_early,
        }[kind]
        original_key = row[table.key[0]] if len(table.key) == 1 else None
        injection, new_rows = handler(table, row)
        if injection.disposition in ("quarantined", "soft_deleted") and original_key is not None:
            self.broken_originals.setdefault(table.name, []).append(original_key)
        return injection, new_rows

    def _dup_old(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        old = dict(row)
        base = row.get("created_at") or row["ordered_at"]
        span = row["updated_at"] - base
        old["updated_at"] = _seconds(base + span * self.rng.uniform(0.1, 0.9))
        if table.name == "leads" and row["converted_at"] is not None:
            old.update(
                status="working",
                converted_at=None,
                converted_account_id=None,
                converted_contact_id=None,
                converted_opportunity_id=None,
            )
            old["updated_at"] = min(old["updated_at"], row["converted_at"] - timedelta(minutes=1))
        elif table.name == "orders" and row["status"] != "booked":
            old.update(status="booked", invoiced_at=None, cancelled_at=None, refunded_at=None)
            old["updated_at"] = _seconds(row["ordered_at"] + timedelta(minutes=self.rng.randint(1, 30)))
        elif table.name == "opportunities":
            self._older_stage(old, row)
        if old["updated_at"] >= row["updated_at"]:
            old["updated_at"] = row["updated_at"] - timedelta(minutes=1)
        return Injection(table.name, self._key(table, old), DUP_OLD, "superseded"), [old]

    def _older_stage(self, old: Row, row: Row) -> None:
        entries = self.history.get(row["opportunity_id"], [])
        if len(entries) < 2:
            return
        previous = entries[-2]
        closed = previous["stage_name"] in (WON, LOST)
        old.update(
            stage_name=previous["stage_name"],
            amount=previous["amount"],
            is_closed=closed,
            is_won=previous["stage_name"] == WON,
            closed_at=previous["entered_at"] if closed else None,
            loss_reason=row["loss_reason"] if previous["stage_name"] == LOST else None,
            updated_at=_seconds(previous["entered_at"] + timedelta(minutes=self.rng.randint(1, 60))),
        )

    def _dup_exact(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        return Injection(table.name, self._key(table, row), DUP_EXACT, "superseded"), [dict(row)]

    def _new_version(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        new = dict(row)
        rng = self.rng
        later = row["updated_at"] + timedelta(hours=rng.uniform(1, 480))
        new["updated_at"] = _seconds(min(later, self.cutoff - timedelta(seconds=1)))
        if table.name == "accounts":
            new["industry"] = rng.choice([i for i, _ in INDUSTRIES if i != row["industry"]])
        elif table.name == "contacts":
            new["job_title"] = rng.choice([t for t in JOB_TITLES if t != row["job_title"]])
        elif table.name == "leads":
            new["company_name"] = f"{row['company_name']} Indonesia"
        else:
            new["expected_close_date"] = row["expected_close_date"] + timedelta(days=rng.randint(7, 30))
            new["opportunity_name"] = f"{row['opportunity_name']} (rev)"
        return Injection(table.name, self._key(table, row), NEW_VERSION, "superseded"), [new]

    def _messy_label(self, value: str, mode: str) -> str:
        rng = self.rng
        if mode == "lower":
            value = rng.choice((value.upper(), value.title(), value.capitalize()))
        elif mode == "upper":
            value = value.lower()
        elif mode == "email":
            local, _, domain = value.partition("@")
            value = f"{local.title()}@{domain.upper() if rng.random() < 0.3 else domain.title()}"
        elif mode == "label":
            value = rng.choice((value.upper(), value.lower(), value.swapcase())).replace(" ", "  ", 1)
        pad = rng.choice(PADDING)
        where = rng.random()
        if where < 0.4:
            return pad + value
        if where < 0.8:
            return value + pad
        return f"{pad}{value}{pad}"

    def _ws_case(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        options = [(c, m) for c, m in SPECS[table.name].labels if isinstance(row[c], str)]
        column, mode = self.rng.choice(options)
        row[column] = self._messy_label(row[column], mode)
        return Injection(table.name, self._key(table, row), WS_CASE, "kept"), []

    def _bad_number(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        column = self.rng.choice([c for c in SPECS[table.name].numbers if row[c] is not None])
        is_int = self.contract[table.name].columns[table.column_names.index(column)].data_type == "integer"
        row[column] = self.rng.choice(BAD_INTEGERS if is_int else BAD_NUMBERS)
        return Injection(
            table.name, self._key(table, row), BAD_NUMBER, "quarantined", "unparseable_number"
        ), []

    def _bad_date(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        column = self.rng.choice([c for c in SPECS[table.name].dates if row[c] is not None])
        row[column] = self.rng.choice(BAD_DATES)
        return Injection(
            table.name, self._key(table, row), BAD_DATE, "quarantined", "unparseable_timestamp"
        ), []

    def _unknown_stage(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        state = "won" if row["is_won"] else "lost" if row["is_closed"] else "open"
        row["stage_name"] = self.rng.choice(UNKNOWN_STAGES[state])
        return Injection(table.name, self._key(table, row), UNKNOWN_STAGE, "kept"), []

    def _unknown_source(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        row["lead_source"] = self.rng.choice(UNKNOWN_SOURCES)
        return Injection(table.name, self._key(table, row), UNKNOWN_SOURCE, "kept"), []

    def _orphan(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        column, parent = self.rng.choice([(c, p) for c, p in CHECKED_FKS[table.name] if row[c] is not None])
        existing = self.parent_keys[parent]
        value = f"{ORPHAN_PREFIX[parent]}{self.rng.randrange(10**4):04d}"
        while value in existing:
            value += "9"
        row[column] = value
        return (
            Injection(
                table.name, self._key(table, row), ORPHAN_FK, "quarantined", f"orphaned_{column}", parent
            ),
            [],
        )

    def _soft_delete(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        row["is_deleted"] = True
        if "updated_at" in row:
            later = row["updated_at"] + timedelta(hours=self.rng.uniform(1, 240))
            row["updated_at"] = _seconds(min(later, self.cutoff - timedelta(seconds=1)))
        return Injection(table.name, self._key(table, row), SOFT_DELETE, "soft_deleted"), []

    def _null_key(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        spec = SPECS[table.name]
        column = self.rng.choice(spec.null_keys) if spec.null_keys else table.key[0]
        date_key = self.contract[table.name].columns[table.column_names.index(column)].data_type == "date"
        choices: tuple[str | None, ...] = (None, "   ", *(BAD_DATES[:2] if date_key else ()))
        row[column] = self.rng.choice(choices)
        return Injection(table.name, self._key(table, row), NULL_KEY, "quarantined", "invalid_key"), []

    def _close_early(self, table: Table, row: Row) -> tuple[Injection, list[Row]]:
        rng = self.rng
        if table.name == "leads":
            row["converted_at"] = _seconds(row["created_at"] - timedelta(hours=rng.uniform(1, 240)))
        elif table.name == "orders":
            row["invoiced_at"] = _seconds(row["ordered_at"] - timedelta(hours=rng.uniform(1, 120)))
        else:
            row["closed_at"] = _seconds(row["created_at"] - timedelta(days=rng.uniform(1, 10)))
        return Injection(
            table.name, self._key(table, row), CLOSE_BEFORE_CREATE, "quarantined", "close_before_create"
        ), []


def inject_mess(
    tables: Tables, rate: float, rng: random.Random, config: GeneratorConfig
) -> tuple[Injection, ...]:
    """Inject messy rows into tables (in place) and return the sorted record of what was injected."""
    injector = _Injector(tables, rng, config)
    return tuple(sorted(injector.run(rate), key=Injection.sort_key))
