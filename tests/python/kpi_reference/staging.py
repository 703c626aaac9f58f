"""The checker's own reading of the raw contract and the staging rules, applied to raw CSV text.

Written from docs/raw_contract.md (tables, keys, column types, required columns) and
docs/staging_rules.md (order of evaluation, repairs, quarantine rules, kept-and-flagged fallbacks), never
from the staging SQL or macros. The column types are read from the contract table in docs/raw_contract.md
itself (a plain read of a document). Only the default reading is implemented: ISO dates, plain decimals,
offset-less timestamps in `raw_timezone` (default the reporting zone); a data set written in another
locale is out of scope for the cross-check.

`stage_tables()` returns, per table, the kept rows as normalised text (trimmed, labels lower-cased, codes
upper-cased, fallback dates filled in and written as UTC ISO text) plus boolean `is_*` warning flags, and
the versions of every key (for the fallbacks that read "any version"). Quarantined, superseded and
soft-deleted rows are simply absent from the kept rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

CONTRACT_DOC = Path(__file__).resolve().parents[3] / "docs" / "raw_contract.md"

# enums that drive KPI logic (staging_rules.md, `unknown_label`)
ENUMS: dict[tuple[str, str], frozenset[str]] = {
    ("orders", "status"): frozenset({"booked", "invoiced", "paid", "cancelled", "refunded"}),
    ("email_events", "event_type"): frozenset(
        {"sent", "delivered", "opened", "clicked", "bounced", "unsubscribed"}
    ),
    ("sales_targets", "metric"): frozenset({"revenue", "bookings", "units", "new_accounts", "deals_won"}),
    ("opportunities", "opportunity_type"): frozenset({"new_business", "upsell", "renewal"}),
    ("activities", "direction"): frozenset({"inbound", "outbound"}),
    ("subscriptions", "status"): frozenset({"active", "cancelled", "expired"}),
}
# labels lower-cased by staging (repairs); codes upper-cased; emails lower-cased
LOWER = frozenset(
    {
        "role",
        "segment",
        "industry",
        "status",
        "opportunity_type",
        "activity_type",
        "direction",
        "event_type",
        "metric",
        "category",
        "outcome",
    }
)
UPPER = frozenset({"currency_code", "country_code"})
# columns that may not be negative (quantities, prices, amounts, durations; discounts too)
NON_NEGATIVE = frozenset(
    {
        "amount",
        "quantity",
        "unit_price",
        "discount_amount",
        "unit_cost",
        "list_price",
        "mrr",
        "target_value",
        "duration_seconds",
    }
)
# key columns that may be NULL by design (compared NULL-safely)
NULLABLE_KEYS = frozenset(
    {("marketing_spend", "campaign_id"), ("sales_expenses", "rep_id"), ("sales_expenses", "team")}
)
TRUE_WORDS = frozenset({"true", "t", "1", "yes", "y"})
FALSE_WORDS = frozenset({"false", "f", "0", "no", "n"})
NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r" ?(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
# currency markers that may prefix or suffix an amount naming the row's own currency
MARKERS = {"RP.": "IDR", "RP": "IDR", "US$": "USD", "S$": "SGD", "€": "EUR"}
MONEY_TABLES = frozenset(
    {"opportunities", "products", "subscriptions", "marketing_spend", "sales_expenses", "sales_targets"}
)


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    types: dict[str, str]  # column -> logical type (varchar, timestamp, date, decimal, integer, boolean)

    def of(self, kind: str) -> list[str]:
        return [c for c, t in self.types.items() if t.startswith(kind)]


def read_contract(doc: Path = CONTRACT_DOC) -> dict[str, Table]:
    """The contract's tables from the table in docs/raw_contract.md ("| `t` | required | (key) | cols |")."""
    tables = {}
    row = re.compile(r"^\| `([a-z_]+)` \| [^|]+ \| \(([^)]*)\) \| (.*) \|$")
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = row.match(line.strip())
        if not match:
            continue
        name, key, columns = match.groups()
        types = dict(re.findall(r"([a-z_]+) `([a-z]+)", columns))
        tables[name] = Table(name, tuple(k.strip() for k in key.split(",")), types)
    return tables


# ----- parsing (the default declared forms) ----------------------------------------------------------
def clean_text(value: object) -> str | None:
    """Trimmed text; an empty string (or a missing value) is None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def parse_number(text: str | None, currency: str | None = None, table: str = "") -> Decimal | None:
    """Plain decimal text; a currency marker naming the row's own currency is removed (money tables)."""
    if text is None:
        return None
    value = text
    if table in MONEY_TABLES and currency:
        upper = value.upper()
        for marker in sorted({*MARKERS, currency}, key=len, reverse=True):
            code = MARKERS.get(marker, marker)
            if code != currency:
                continue
            if upper.startswith(marker):
                value = value[len(marker) :].strip()
                break
            if upper.endswith(marker):
                value = value[: -len(marker)].strip()
                break
    if not NUMBER.match(value):
        raise ValueError(text)
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern guards it
        raise ValueError(text) from error


def parse_timestamp(text: str | None, zone: ZoneInfo) -> datetime | None:
    """ISO 8601 text as a UTC instant: an offset in the text wins, else wall-clock time in `zone`."""
    if text is None:
        return None
    match = TIMESTAMP.match(text)
    if not match:
        raise ValueError(text)
    y, mo, d, h, mi, s, frac, offset = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro)
    if offset in (None,):
        return moment.replace(tzinfo=zone).astimezone(UTC)
    if offset in ("Z", "UTC"):
        return moment.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return (moment - sign * timedelta(minutes=minutes)).replace(tzinfo=UTC)


def parse_date(text: str | None) -> date | None:
    """A date column: the calendar date as written (a timestamp keeps its written date)."""
    if text is None:
        return None
    match = DATE.match(text)
    if not match:
        raise ValueError(text)
    if len(text) > 10:
        parse_timestamp(text, ZoneInfo("UTC"))  # the rest must still be a timestamp
    return date(int(match[1]), int(match[2]), int(match[3]))


def parse_boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


def collapse(value: str | None) -> str | None:
    """A label as the mapping seeds match it: inner whitespace collapsed, lower-cased."""
    return None if value is None else " ".join(value.split()).lower() or None


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


# ----- staging -----------------------------------------------------------------------------------------
@dataclass
class Staged:
    """Kept rows per table (normalised text + flags), every version's parsed updated_at per key."""

    kept: dict[str, pd.DataFrame]
    versions: dict[str, pd.DataFrame]  # table -> all keyed rows (text) with _updated (UTC) and _kept
    quarantined: dict[str, int] = field(default_factory=dict)


class Stager:
    """Applies the staging rules to raw text tables (each a DataFrame of str / None)."""

    def __init__(
        self,
        raw: dict[str, pd.DataFrame],
        stage_labels: dict[str, tuple[bool, bool]],
        reporting_currency: str,
        timezone: str,
        raw_timezone: str | None = None,
        today: date | None = None,
        future_grace_days: int = 1,
    ) -> None:
        self.raw = raw
        self.contract = read_contract()
        self.stage_labels = stage_labels
        self.reporting_currency = reporting_currency
        self.zone = ZoneInfo(raw_timezone or timezone)
        self.report_zone = ZoneInfo(timezone)
        today = today or datetime.now(self.report_zone).date()
        self.future_limit = today + timedelta(days=future_grace_days)
        self.kept: dict[str, pd.DataFrame] = {}
        self.versions: dict[str, pd.DataFrame] = {}
        self.quarantined: dict[str, int] = {}
        self.rates: dict[str, list[date]] = {}
        self.ids: dict[str, set[str]] = {}  # kept_ids() per staged table

    # helpers
    def local_date(self, moment: datetime | None) -> date | None:
        return None if moment is None else moment.astimezone(self.report_zone).date()

    def has_rate(self, code: str | None, day: date | None) -> str | None:
        """None when convertible, else the reason the money cannot be converted."""
        if code is None:
            return "missing_required_value"
        if code == self.reporting_currency:
            return None
        days = self.rates.get(code)
        if not days:
            return "unknown_currency"
        if day is None or days[0] > day:
            return "missing_currency_rate"
        return None

    def rows(self, name: str) -> list[dict[str, str | None]]:
        frame = self.raw.get(name)
        table = self.contract[name]
        if frame is None or frame.empty:
            return []
        out = []
        for record in frame.to_dict("records"):
            row = {c: clean_text(record.get(c)) for c in table.types}
            out.append(row)
        return out

    def current_versions(self, name: str) -> tuple[list[dict], list[dict]]:
        """(current rows, every row with a valid key), after the key and versions steps."""
        table = self.contract[name]
        rows, keyed = self.rows(name), []
        for row in rows:
            key, valid = [], True
            for column in table.key:
                value = row[column]
                if value is None:
                    valid = valid and (name, column) in NULLABLE_KEYS
                    key.append(None)
                    continue
                kind = table.types[column]
                try:
                    if kind == "date":
                        key.append(parse_date(value))
                    elif kind == "timestamp":
                        key.append(parse_timestamp(value, self.zone))
                    else:
                        key.append(value)
                    row["_" + column] = key[-1]
                except ValueError:
                    valid = False
            if not valid:
                self.quarantined[name] = self.quarantined.get(name, 0) + 1
                continue
            row["_key"] = tuple(key)
            try:
                row["_updated"] = parse_timestamp(row.get("updated_at"), self.zone)
            except ValueError:
                row["_updated"] = None
            texts = "|".join("" if row[c] is None else row[c] for c in table.types)
            row["_hash"] = hashlib.md5(texts.encode("utf-8")).hexdigest()
            keyed.append(row)
        best: dict[tuple, dict] = {}
        for row in keyed:
            other = best.get(row["_key"])
            if other is None or _newer(row, other):
                best[row["_key"]] = row
        current = []
        for row in best.values():
            deleted = row.get("is_deleted")
            if deleted is not None and deleted.lower() in TRUE_WORDS:
                continue  # soft delete
            current.append(row)
        return current, keyed

    def typed_problem(self, name: str, row: dict) -> str | None:
        """The first parse / label / sign / future problem of a row, after the repairs."""
        table = self.contract[name]
        currency = row.get("currency_code")
        for column, kind in table.types.items():
            value = row[column]
            if value is None or (column in table.key and kind in ("date", "timestamp")):
                continue
            try:
                if kind == "decimal" or kind == "integer":
                    number = parse_number(value, currency, name)
                    if kind == "integer" and number != number.to_integral_value():
                        raise ValueError(value)
                    if column in NON_NEGATIVE and number < 0:
                        return "negative_value"
                    if name == "currency_rates" and number <= 0:
                        return "negative_value"
                    row["_" + column] = number
                elif kind == "timestamp":
                    moment = parse_timestamp(value, self.zone)
                    if column != "updated_at" and self.local_date(moment) > self.future_limit:
                        return "future_timestamp"
                    row["_" + column] = moment
                elif kind == "date":
                    row["_" + column] = parse_date(value)
                elif kind == "boolean":
                    row["_" + column] = parse_boolean(value)
            except ValueError:
                return f"unparseable_{'number' if kind in ('decimal', 'integer') else kind}"
        for (table_name, column), allowed in ENUMS.items():
            if table_name == name and row[column] is not None and row[column] not in allowed:
                return "unknown_label"
        return None

    def normalise(self, name: str, row: dict) -> None:
        for column in self.contract[name].types:
            value = row[column]
            if value is None:
                continue
            if column in LOWER or (column in ("event_type", "metric", "status")):
                row[column] = value.lower()
            elif column in UPPER:
                row[column] = value.upper()
            elif column == "email":
                row[column] = value.lower()

    # ----- per table ---------------------------------------------------------------------------------
    def stage(self) -> Staged:
        self.stage_rates()
        history_starts = self.history_starts()
        for name in (
            "sales_reps",
            "accounts",
            "contacts",
            "leads",
            "opportunities",
            "opportunity_stage_history",
            "activities",
            "email_events",
            "products",
            "orders",
            "order_lines",
            "subscriptions",
            "marketing_spend",
            "sales_expenses",
            "sales_targets",
        ):
            self.stage_table(name, history_starts)
        return Staged(self.kept, self.versions, self.quarantined)

    def stage_rates(self) -> None:
        name = "currency_rates"
        current, keyed = self.current_versions(name)
        kept = []
        for row in current:
            self.normalise(name, row)
            problem = self.typed_problem(name, row)
            if problem is None and row["rate_to_reporting"] is None:
                problem = "missing_required_value"
            if problem:
                self.quarantined[name] = self.quarantined.get(name, 0) + 1
                continue
            kept.append(row)
        for row in sorted(kept, key=lambda r: r["_rate_date"]):
            self.rates.setdefault(row["currency_code"], []).append(row["_rate_date"])
        self.kept[name] = _frame(kept, self.contract[name])
        self.versions[name] = _frame(keyed, self.contract[name])

    def history_starts(self) -> dict[str, datetime]:
        """Earliest entered_at per opportunity in the stage history (for the creation-date fallback)."""
        starts: dict[str, datetime] = {}
        for row in self.rows("opportunity_stage_history"):
            try:
                moment = parse_timestamp(row["entered_at"], self.zone)
            except ValueError:
                continue
            if row["opportunity_id"] and moment is not None:
                starts[row["opportunity_id"]] = min(moment, starts.get(row["opportunity_id"], moment))
        return starts

    def stage_table(self, name: str, history_starts: dict[str, datetime]) -> None:
        table = self.contract[name]
        current, keyed = self.current_versions(name)
        first_seen: dict[tuple, datetime] = {}
        for row in keyed:
            if row["_updated"] is not None:
                first_seen[row["_key"]] = min(row["_updated"], first_seen.get(row["_key"], row["_updated"]))
        kept = []
        for row in current:
            self.normalise(name, row)
            problem = self.typed_problem(name, row) or self.rule_problem(
                name, row, first_seen.get(row["_key"]), history_starts
            )
            if problem:
                self.quarantined[name] = self.quarantined.get(name, 0) + 1
                continue
            kept.append(row)
        self.kept[name] = _frame(kept, table)
        self.versions[name] = _frame(keyed, table)

    def rule_problem(
        self, name: str, row: dict, first_seen: datetime | None, history_starts: dict[str, datetime]
    ) -> str | None:
        """Required values (with their fallbacks), currencies, periods, orphans; sets the flags."""
        get = row.get

        def required(*columns: str) -> bool:
            return all(row[c] is not None for c in columns)

        if name == "leads":
            row["is_created_at_imputed"] = get("_created_at") is None
            if row["is_created_at_imputed"]:
                candidates = [m for m in (first_seen, get("_converted_at")) if m is not None]
                if not candidates:
                    return "missing_required_value"
                _set_time(row, "created_at", min(candidates))
            return None
        if name == "opportunities":
            row["is_created_at_imputed"] = get("_created_at") is None
            if row["is_created_at_imputed"]:
                start = history_starts.get(row["opportunity_id"])
                if start is None:
                    candidates = [m for m in (first_seen, get("_closed_at")) if m is not None]
                    start = min(candidates) if candidates else None
                if start is None:
                    return "missing_required_value"
                _set_time(row, "created_at", start)
            mapped = self.stage_labels.get(collapse(row["stage_name"]) or "")
            won = bool(get("_is_won"))
            closed = mapped[0] if mapped else bool(get("_is_closed")) or won
            row["is_closed_at_imputed"] = closed and get("_closed_at") is None
            if row["is_closed_at_imputed"]:
                if get("_updated_at") is None:
                    return "missing_required_value"
                _set_time(row, "closed_at", row["_updated_at"])
            if row["amount"] is not None:
                day = self.local_date(get("_closed_at") or get("_created_at"))
                return self.has_rate(row["currency_code"], day)
            return None
        if name == "opportunity_stage_history":
            return (
                None if row["opportunity_id"] in self.kept_ids("opportunities") else "orphaned_opportunity_id"
            )
        if name == "activities":
            return None if required("occurred_at") else "missing_required_value"
        if name == "email_events":
            return None if required("email_id", "event_type", "occurred_at") else "missing_required_value"
        if name == "products":
            code = row["currency_code"]
            if (row["list_price"] is not None or row["unit_cost"] is not None) and code is None:
                return "missing_required_value"
            if code is not None and code != self.reporting_currency and not self.rates.get(code):
                return "unknown_currency"
            return None
        if name == "orders":
            if not required("status", "currency_code"):
                return "missing_required_value"
            row["is_ordered_at_imputed"] = get("_ordered_at") is None
            if row["is_ordered_at_imputed"]:
                candidates = [m for m in (get("_invoiced_at"), first_seen) if m is not None]
                if not candidates:
                    return "missing_required_value"
                _set_time(row, "ordered_at", min(candidates))
            invoiced = row["status"] in ("invoiced", "paid", "refunded")
            row["is_invoiced_at_imputed"] = invoiced and get("_invoiced_at") is None
            if row["is_invoiced_at_imputed"]:
                if get("_updated_at") is None:
                    return "missing_required_value"
                _set_time(row, "invoiced_at", max(row["_updated_at"], row["_ordered_at"]))
            return self.has_rate(row["currency_code"], self.local_date(row["_ordered_at"]))
        if name == "order_lines":
            if not required("order_id", "quantity", "unit_price"):
                return "missing_required_value"
            return None if row["order_id"] in self.kept_ids("orders") else "orphaned_order_id"
        if name == "subscriptions":
            if not required("account_id", "started_at", "mrr", "currency_code"):
                return "missing_required_value"
            if row["status"] in ("cancelled", "expired") and row["ended_at"] is None:
                return "missing_required_value"
            if get("_ended_at") is not None and row["_ended_at"] < row["_started_at"]:
                return "end_before_start"
            return self.has_rate(row["currency_code"], self.local_date(row["_started_at"]))
        if name in ("marketing_spend", "sales_expenses"):
            if not required("amount", "currency_code"):
                return "missing_required_value"
            day = get("_spend_date") if name == "marketing_spend" else get("_expense_month")
            if day is None:
                day = parse_date(row["spend_date" if name == "marketing_spend" else "expense_month"])
            return self.has_rate(row["currency_code"], day)
        if name == "sales_targets":
            if not required("period_start", "period_end", "metric", "target_value"):
                return "missing_required_value"
            if row["_period_end"] < row["_period_start"]:
                return "end_before_start"
            if row["metric"] in ("revenue", "bookings"):
                return self.has_rate(row["currency_code"], row["_period_start"])
            return None
        hired, left = get("_hired_date"), get("_left_date")
        if name == "sales_reps" and hired and left and left < hired:
            return "end_before_start"
        return None

    def kept_ids(self, name: str) -> set[str]:
        """The first key column's values of a staged table's kept rows (empty before it is staged)."""
        frame = self.kept.get(name)
        if frame is None:
            return set()
        if name not in self.ids:
            self.ids[name] = set() if frame.empty else set(frame[self.contract[name].key[0]])
        return self.ids[name]


OLDEST = datetime.min.replace(tzinfo=UTC)


def _newer(row: dict, other: dict) -> bool:
    """Whether `row` is a later version than `other`: the later updated_at (a missing one is the oldest);
    on a tie the lower hash of the row's text wins."""
    mine, theirs = row["_updated"] or OLDEST, other["_updated"] or OLDEST
    return mine > theirs or (mine == theirs and row["_hash"] < other["_hash"])


def _set_time(row: dict, column: str, moment: datetime) -> None:
    row["_" + column] = moment
    row[column] = iso(moment)


def _frame(rows: Iterable[dict], table: Table) -> pd.DataFrame:
    rows = list(rows)
    columns = list(table.types)
    extra = sorted({c for r in rows for c in r if c.startswith("is_") and c not in table.types})
    frame = pd.DataFrame(
        [{c: r.get(c) for c in [*columns, *extra, "_updated"]} for r in rows],
        columns=[*columns, *extra, "_updated"],
        dtype=object,
    )
    return frame
