"""Messy injections into clean tables, each recorded with the disposition staging must give it.

Runs after the clean data is complete and draws from its own random stream per table, so the clean rows
do not depend on the mess rate and a table's mess does not depend on which other tables are written.
Per table, round(rows x rate) rows (at least one) get one injection each; the table's applicable kinds
take turns. Only the injected row is recorded: children of a quarantined or deleted parent become
`orphaned_<column>` in staging (a cascade), and no other injection is placed on such children, so every
recorded expectation holds exactly. Quarantines and deletes of accounts are put on prospects (accounts
without deals, orders or subscriptions) to keep cascades small; currency_rates, products and sales_reps
only get whitespace/case repairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from scripts.contract import load_contract
from scripts.sampledata.columns import Ids
from scripts.sampledata.config import DAY, GeneratorConfig
from scripts.sampledata.reference import INDUSTRY_NAMES, JOB_TITLES
from scripts.sampledata.tables import TableData

DUP_OLD, DUP_EXACT, NEW_VERSION = "dup_old", "dup_exact", "new_version"
WS_CASE, BAD_NUMBER, BAD_DATE = "ws_case", "bad_number", "bad_date"
UNKNOWN_STAGE, UNKNOWN_SOURCE, ORPHAN_FK = "unknown_stage", "unknown_source", "orphan_fk"
SOFT_DELETE, NULL_KEY, CLOSE_BEFORE_CREATE = "soft_delete", "null_key", "close_before_create"
BREAKING = (BAD_NUMBER, BAD_DATE, ORPHAN_FK, SOFT_DELETE, NULL_KEY, CLOSE_BEFORE_CREATE)
WON, LOST = "Closed Won", "Closed Lost"
HOUR = 3600

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

    def manifest_entry(self, present_tables: Sequence[str]) -> dict[str, Any]:
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


class _Picker:
    """Python-style draws from a numpy stream (one injection at a time)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def random(self) -> float:
        return float(self.rng.random())

    def uniform(self, a: float, b: float) -> float:
        return float(a + (b - a) * self.rng.random())

    def randint(self, a: int, b: int) -> int:
        return int(self.rng.integers(a, b + 1))

    def choice(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(0, len(options)))]


class Injector:
    """Applies the injections of one batch of tables (the company-wide ones, or one shard's), table by
    table in contract order; parents are injected before their children."""

    def __init__(
        self,
        tables: Mapping[str, TableData],
        config: GeneratorConfig,
        prospects: np.ndarray | None = None,
        shard: int | None = None,
    ) -> None:
        self.tables, self.config, self.shard = tables, config, shard
        self.contract = load_contract()
        self.cutoff = config.cutoff
        self.prospects = prospects  # per account row: no deals, orders or subscriptions
        self.broken: dict[str, np.ndarray] = {}  # parent table -> entity numbers that will not be kept
        self.rng = _Picker(np.random.default_rng(0))

    # ----- per table -------------------------------------------------------------------------------
    def inject(self, name: str, rate: float) -> list[Injection]:
        """Inject messy rows into one table (its parents must have been injected before)."""
        data = self.tables[name]
        parts = ("mess", name) if self.shard is None else ("mess", name, self.shard)
        self.rng = _Picker(self.config.rng(*parts))
        eligible = self._eligible(data)
        originals: list[int] = []
        out: list[Injection] = []
        if rate > 0 and data.base_rows:
            out = self._inject_table(data, rate, eligible, originals)
        self._record_broken(data, eligible, originals)
        return out

    def _eligible(self, data: TableData) -> np.ndarray:
        ok = np.ones(data.base_rows, bool)
        for column, parent in CHECKED_FKS.get(data.name, ()):
            col = data.columns[column]
            if isinstance(col, Ids) and parent in self.broken:
                ok &= ~np.isin(col.numbers, self.broken[parent])
        return ok

    def _inject_table(
        self, data: TableData, rate: float, eligible: np.ndarray, originals: list[int]
    ) -> list[Injection]:
        spec = SPECS[data.name]
        count = max(1, round(data.base_rows * rate))
        kinds = list(spec.kinds)
        self.rng.rng.shuffle(kinds)
        order = self.rng.rng.permutation(np.flatnonzero(eligible))
        used = np.zeros(data.base_rows, bool)
        picks: list[tuple[int, str]] = []
        for k, kind in enumerate(kinds):
            quota = len(range(k, count, len(kinds)))
            if not quota:
                continue
            applicable = self._applicable(data, kind)
            candidates = order[applicable[order] & ~used[order]][:quota]
            used[candidates] = True
            picks += [(int(i), kind) for i in candidates]
        out = []
        for i, kind in sorted(picks, key=lambda p: p[0]):
            injection = self._apply(data, kind, i)
            if injection.disposition in ("quarantined", "soft_deleted") and len(data.table.key) == 1:
                originals.append(i)
            out.append(injection)
        return out

    def _record_broken(self, data: TableData, eligible: np.ndarray, originals: list[int]) -> None:
        """Entity numbers of this table that will not be kept parents: injected breaks and cascades."""
        key_column = data.columns[data.table.key[0]]
        if len(data.table.key) != 1 or not isinstance(key_column, Ids):
            return
        rows = np.r_[np.flatnonzero(~eligible), np.array(originals, np.int64)]
        self.broken[data.name] = np.unique(key_column.numbers[rows])

    # ----- applicability ---------------------------------------------------------------------------
    def _applicable(self, data: TableData, kind: str) -> np.ndarray:
        spec, name, cols = SPECS[data.name], data.name, data.columns
        n = data.base_rows
        ok = np.ones(n, bool)
        if name == "accounts" and kind in BREAKING and self.prospects is not None:
            ok &= self.prospects
        if kind in (DUP_OLD, NEW_VERSION):
            updated = cols["updated_at"].seconds
            if kind == DUP_OLD:
                base = cols["created_at"].seconds if "created_at" in cols else cols["ordered_at"].seconds
                return ok & (updated - base >= 2 * HOUR)
            return ok & (updated <= self.cutoff - 2 * HOUR)
        if kind == WS_CASE:
            return ok & np.any([cols[c].present() for c, _ in spec.labels], axis=0)
        if kind == BAD_NUMBER:
            return ok & np.any([cols[c].present() for c in spec.numbers], axis=0)
        if kind == BAD_DATE:
            return ok & np.any([cols[c].present() for c in spec.dates], axis=0)
        if kind == ORPHAN_FK:
            return ok & np.any([cols[c].present() for c, _ in CHECKED_FKS.get(name, ())], axis=0)
        if kind == CLOSE_BEFORE_CREATE:
            if name == "leads":
                return ok & cols["converted_at"].present()
            if name == "orders":
                return ok & cols["invoiced_at"].present()
            start = self.config.start + 30 * DAY
            return ok & cols["closed_at"].present() & (cols["created_at"].seconds >= start)
        if kind == SOFT_DELETE:
            return ok & ("is_deleted" in cols)
        return ok

    # ----- the injections --------------------------------------------------------------------------
    def _key(self, data: TableData, row: dict[str, object]) -> tuple[tuple[str, str | None], ...]:
        return tuple((k, data.text(k, row[k])) for k in data.table.key)

    def _apply(self, data: TableData, kind: str, i: int) -> Injection:
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
        return handler(data, i)

    def _set(self, data: TableData, i: int, row: dict[str, object], **values: object) -> dict[str, object]:
        for column, value in values.items():
            data.set(i, column, value)
            row[column] = value
        return row

    def _dup_old(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        old = dict(row)
        base = row.get("created_at") or row["ordered_at"]
        span = row["updated_at"] - base
        old["updated_at"] = int(base + span * self.rng.uniform(0.1, 0.9))
        if data.name == "leads" and row["converted_at"] is not None:
            old.update(
                status="working",
                converted_at=None,
                converted_account_id=None,
                converted_contact_id=None,
                converted_opportunity_id=None,
            )
            old["updated_at"] = min(old["updated_at"], row["converted_at"] - 60)
        elif data.name == "orders" and row["status"] != "booked":
            old.update(status="booked", invoiced_at=None, cancelled_at=None, refunded_at=None)
            old["updated_at"] = row["ordered_at"] + self.rng.randint(1, 30) * 60
        elif data.name == "opportunities":
            self._older_stage(old, row)
        if old["updated_at"] >= row["updated_at"]:
            old["updated_at"] = row["updated_at"] - 60
        data.add_after(i, old)
        return Injection(data.name, self._key(data, old), DUP_OLD, "superseded")

    def _older_stage(self, old: dict[str, object], row: dict[str, object]) -> None:
        history = self.tables["opportunity_stage_history"]
        numbers = history.columns["opportunity_id"].numbers
        own = int(str(row["opportunity_id"]).rsplit("-", 1)[1])
        lo, hi = np.searchsorted(numbers, own, side="left"), np.searchsorted(numbers, own, side="right")
        if hi - lo < 2:
            return
        previous = history.row(int(hi - 2))
        closed = previous["stage_name"] in (WON, LOST)
        old.update(
            stage_name=previous["stage_name"],
            amount=previous["amount"],
            is_closed=closed,
            is_won=previous["stage_name"] == WON,
            closed_at=previous["entered_at"] if closed else None,
            loss_reason=row["loss_reason"] if previous["stage_name"] == LOST else None,
            updated_at=previous["entered_at"] + self.rng.randint(1, 60) * 60,
        )

    def _dup_exact(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        data.add_after(i, dict(row))
        return Injection(data.name, self._key(data, row), DUP_EXACT, "superseded")

    def _new_version(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        new = dict(row)
        later = row["updated_at"] + int(self.rng.uniform(1, 480) * HOUR)
        new["updated_at"] = min(later, self.cutoff - 1)
        if data.name == "accounts":
            new["industry"] = self.rng.choice([x for x in INDUSTRY_NAMES if x != row["industry"]])
        elif data.name == "contacts":
            new["job_title"] = self.rng.choice([t for t in JOB_TITLES if t != row["job_title"]])
        elif data.name == "leads":
            new["company_name"] = f"{row['company_name']} Indonesia"
        else:
            new["expected_close_date"] = row["expected_close_date"] + self.rng.randint(7, 30)
            new["opportunity_name"] = f"{row['opportunity_name']} (rev)"
        data.add_after(i, new)
        return Injection(data.name, self._key(data, row), NEW_VERSION, "superseded")

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

    def _ws_case(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        options = [(c, m) for c, m in SPECS[data.name].labels if isinstance(row[c], str)]
        column, mode = self.rng.choice(options)
        self._set(data, i, row, **{column: self._messy_label(str(row[column]), mode)})
        return Injection(data.name, self._key(data, row), WS_CASE, "kept")

    def _bad_number(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        column = self.rng.choice([c for c in SPECS[data.name].numbers if row[c] is not None])
        is_int = data.table.columns[data.table.column_names.index(column)].data_type == "integer"
        self._set(data, i, row, **{column: self.rng.choice(BAD_INTEGERS if is_int else BAD_NUMBERS)})
        return Injection(data.name, self._key(data, row), BAD_NUMBER, "quarantined", "unparseable_number")

    def _bad_date(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        column = self.rng.choice([c for c in SPECS[data.name].dates if row[c] is not None])
        self._set(data, i, row, **{column: self.rng.choice(BAD_DATES)})
        return Injection(data.name, self._key(data, row), BAD_DATE, "quarantined", "unparseable_timestamp")

    def _unknown_stage(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        state = "won" if row["is_won"] else "lost" if row["is_closed"] else "open"
        self._set(data, i, row, stage_name=self.rng.choice(UNKNOWN_STAGES[state]))
        return Injection(data.name, self._key(data, row), UNKNOWN_STAGE, "kept")

    def _unknown_source(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        self._set(data, i, row, lead_source=self.rng.choice(UNKNOWN_SOURCES))
        return Injection(data.name, self._key(data, row), UNKNOWN_SOURCE, "kept")

    def _orphan(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        column, parent = self.rng.choice([(c, p) for c, p in CHECKED_FKS[data.name] if row[c] is not None])
        value = f"{ORPHAN_PREFIX[parent]}{self.rng.randint(0, 9999):04d}"
        while self._exists(parent, value):
            value += "9"
        self._set(data, i, row, **{column: value})
        return Injection(
            data.name, self._key(data, row), ORPHAN_FK, "quarantined", f"orphaned_{column}", parent
        )

    def _exists(self, parent: str, value: str) -> bool:
        key = self.tables[parent].columns[self.contract[parent].key[0]]
        if isinstance(key, Ids):
            return key.exists(value)
        return value in set(key.arrow(slice(0, len(key)), None).to_pylist())  # type: ignore[arg-type]

    def _soft_delete(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        changes: dict[str, object] = {"is_deleted": True}
        if "updated_at" in row:
            later = row["updated_at"] + int(self.rng.uniform(1, 240) * HOUR)
            changes["updated_at"] = min(later, self.cutoff - 1)
        self._set(data, i, row, **changes)
        return Injection(data.name, self._key(data, row), SOFT_DELETE, "soft_deleted")

    def _null_key(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        spec = SPECS[data.name]
        column = self.rng.choice(spec.null_keys) if spec.null_keys else data.table.key[0]
        date_key = data.table.columns[data.table.column_names.index(column)].data_type == "date"
        choices: tuple[str | None, ...] = (None, "   ", *(BAD_DATES[:2] if date_key else ()))
        self._set(data, i, row, **{column: self.rng.choice(choices)})
        return Injection(data.name, self._key(data, row), NULL_KEY, "quarantined", "invalid_key")

    def _close_early(self, data: TableData, i: int) -> Injection:
        row = data.row(i)
        rng = self.rng
        if data.name == "leads":
            self._set(data, i, row, converted_at=row["created_at"] - int(rng.uniform(1, 240) * HOUR))
        elif data.name == "orders":
            self._set(data, i, row, invoiced_at=row["ordered_at"] - int(rng.uniform(1, 120) * HOUR))
        else:
            self._set(data, i, row, closed_at=row["created_at"] - int(rng.uniform(1, 10) * DAY))
        return Injection(
            data.name, self._key(data, row), CLOSE_BEFORE_CREATE, "quarantined", "close_before_create"
        )


def inject_mess(
    tables: Mapping[str, TableData],
    names: Sequence[str],
    rate: float,
    config: GeneratorConfig,
    prospects: np.ndarray | None = None,
    shard: int | None = None,
) -> list[Injection]:
    """Inject messy rows into the named tables (in place, contract order); tables holds them and the
    parents their foreign keys point to. Returns the injections in the order they were made."""
    injector = Injector(tables, config, prospects, shard)
    out: list[Injection] = []
    for name in load_contract():
        if name in names:
            out += injector.inject(name, rate)
    return out


def text_columns(name: str) -> frozenset[str]:
    """The columns of a table that injections can fill with text their contract type cannot take."""
    spec = SPECS[name]
    table = load_contract()[name]
    types = {c.name: c.data_type for c in table.columns}
    keys = spec.null_keys or table.key[:1]
    return frozenset([*spec.numbers, *spec.dates, *(k for k in keys if types[k] != "varchar")])
