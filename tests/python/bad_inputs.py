"""The bad-input catalog: malformed raw rows added to a clean generated data set, each with its fate.

build_catalog(clean_dir, bad_dir, repaired_dir) writes two raw directories from one clean one:
  bad_dir       the clean rows plus every row below, exactly as a messy extract would deliver them;
  repaired_dir  the clean rows plus, for each row a documented rule repairs, its repaired equivalent
                (and nothing for rows staging quarantines, supersedes or soft-deletes).
Built end to end, the two must give identical marts (apart from the columns that name a raw label), and
each bad row must get the disposition and quarantine reason listed here (docs/staging_rules.md).

Rows reference parents that exist in the clean data (its first active rep, an account, an order, ...),
and use dates inside its history, so a repaired row is an ordinary row of the data set. Timestamps written
without an offset are Jakarta wall-clock time (raw_timezone defaults to the reporting zone).

Staging keeps what can be interpreted (docs/staging_rules.md): a row whose reference is missing or
unresolved, or whose dates are odd, is kept with a data-quality warning (BadRow.warning, listed in
int_raw_rows_flagged) and is its own repaired equivalent. Three parents that have children are corrupted
(a rep, an account and a product referenced by orders and order lines: a newer invalid version replaces
each): the parent is quarantined, and its children must keep their money (Catalog.corrupted_parents).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from scripts.contract import load_contract

CONTRACT = load_contract()
NON_UTF8_MARK = "@@LATIN1_E_ACUTE@@"  # replaced by the single byte 0xE9 in the bad data set
LONG_TEXT = "Sangat panjang " * 6_667  # 100,005 characters


@dataclass
class BadRow:
    """One raw row of the bad data set and what staging must do with it."""

    kind: str
    table: str
    row: dict[str, str | None]
    disposition: str
    reason: str | None = None
    repaired: dict[str, str | None] | None = None  # the row in the repaired data set; None: absent there
    warning: str | None = None  # the data-quality warning of a kept row (int_raw_rows_flagged.warning)


@dataclass
class CorruptedParent:
    """A parent row of the clean data that a newer invalid version replaces, and its children's keys."""

    table: str
    key: str
    child_table: str
    child_column: str
    child_keys: list[str]


@dataclass
class Catalog:
    rows: list[BadRow] = field(default_factory=list)
    # rows of the clean data set that the repaired data set drops (a newer invalid version replaces them)
    removed: list[tuple[str, str, str]] = field(default_factory=list)  # (table, key column, key value)
    corrupted_parents: list[CorruptedParent] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.rows})

    def add(
        self,
        kind: str,
        table: str,
        row: dict,
        disposition: str,
        reason: str | None = None,
        repaired: dict | None = None,
        warning: str | None = None,
    ) -> None:
        unknown = set(row) - set(CONTRACT[table].column_names)
        assert not unknown, f"{kind}: {table} has no column(s) {unknown}"
        self.rows.append(BadRow(kind, table, row, disposition, reason, repaired, warning))

    def quarantine(self, kind: str, table: str, row: dict, reason: str) -> None:
        self.add(kind, table, row, "quarantined", reason)

    def repair(self, kind: str, table: str, row: dict, repaired: dict) -> None:
        self.add(kind, table, row, "kept", None, {**row, **repaired})

    def flag(self, kind: str, table: str, row: dict, warning: str) -> None:
        """A row staging keeps with a warning: it is its own repaired equivalent."""
        self.add(kind, table, row, "kept", None, dict(row), warning)

    def corrupt_parent(
        self,
        kind: str,
        table: str,
        parent: dict,
        invalid: dict,
        reason: str,
        children: tuple[str, str, list[str]],
    ) -> None:
        """Replace a clean parent by a newer invalid version (quarantined; the clean one superseded and
        dropped from the repaired set) and record the children that must keep their money."""
        key = CONTRACT[table].key[0]
        newer = datetime.fromisoformat(str(parent["updated_at"])) + timedelta(minutes=1)
        self.add(
            kind, table, {**parent, **invalid, "updated_at": newer.isoformat(sep=" ")}, "quarantined", reason
        )
        self.removed.append((table, key, parent[key]))
        child_table, child_column, child_keys = children
        assert child_keys, f"{kind}: the parent has no children"
        self.corrupted_parents.append(
            CorruptedParent(table, parent[key], child_table, child_column, child_keys)
        )


def read_table(raw_dir: Path, table: str) -> list[dict[str, str | None]]:
    path = raw_dir / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def write_table(raw_dir: Path, table: str, rows: list[dict[str, str | None]]) -> None:
    columns = CONTRACT[table].column_names
    path = raw_dir / f"{table}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c) for c in columns})
    data = path.read_bytes()
    if NON_UTF8_MARK.encode() in data:
        path.write_bytes(data.replace(NON_UTF8_MARK.encode(), b"\xe9"))


def raw_key_text(table: str, row: dict[str, str | None]) -> str | None:
    """The row's key as staging writes _raw_key (trimmed text; col=value pairs for composite keys)."""
    columns = CONTRACT[table].key
    values = [None if row.get(c) is None or not str(row[c]).strip() else str(row[c]).strip() for c in columns]
    if len(columns) == 1:
        return values[0]
    return "; ".join(f"{c}={'NULL' if v is None else v}" for c, v in zip(columns, values, strict=True))


def catalog_for(clean: dict[str, list[dict]]) -> Catalog:
    """The bad rows for one clean data set."""
    reps = [r for r in clean["sales_reps"] if not r.get("left_date")]
    rep = reps[-1]["rep_id"]
    account = clean["accounts"][0]["account_id"]
    product = clean["products"][0]["product_id"]
    order = clean["orders"][0]
    lead = next(r for r in clean["leads"] if not r.get("converted_at"))
    cat = Catalog()

    # parents with children, other than the ones the rows below reference: a rep named on orders, an
    # account that orders belong to, a product sold on order lines
    rep_orders: dict[str, list[str]] = {}
    account_orders: dict[str, list[str]] = {}
    for o in clean["orders"]:
        if o.get("rep_id") and o["rep_id"] != rep:
            rep_orders.setdefault(o["rep_id"], []).append(o["order_id"])
        if o["account_id"] != account:
            account_orders.setdefault(o["account_id"], []).append(o["order_id"])
    product_lines: dict[str, list[str]] = {}
    for line_row in clean["order_lines"]:
        if line_row["product_id"] != product:
            product_lines.setdefault(line_row["product_id"], []).append(line_row["order_line_id"])
    parent_rep = next(r for r in clean["sales_reps"] if r["rep_id"] in rep_orders)
    parent_account = next(a for a in clean["accounts"] if a["account_id"] in account_orders)
    parent_product = next(p for p in clean["products"] if p["product_id"] in product_lines)

    def opp(opportunity_id: str, **values: str | None) -> dict:
        return {
            "opportunity_id": opportunity_id,
            "account_id": account,
            "owner_rep_id": rep,
            "opportunity_name": f"Catalog deal {opportunity_id}",
            "opportunity_type": "new_business",
            "stage_name": "Prospecting",
            "amount": "75000000.00",
            "currency_code": "IDR",
            "created_at": "2026-08-03 02:00:00",
            "expected_close_date": "2026-10-30",
            "is_closed": "false",
            "is_won": "false",
            "updated_at": "2026-08-03 02:00:00",
            "is_deleted": "false",
            **values,
        }

    def acc(account_id: str, **values: str | None) -> dict:
        return {
            "account_id": account_id,
            "account_name": f"PT Katalog {account_id}",
            "industry": "retail",
            "segment": "smb",
            "region": "Jabodetabek",
            "city": "Jakarta",
            "country_code": "ID",
            "owner_rep_id": rep,
            "created_at": "2026-07-01 03:00:00",
            "updated_at": "2026-07-01 03:00:00",
            "is_deleted": "false",
            **values,
        }

    def lead_row(lead_id: str, **values: str | None) -> dict:
        return {
            "lead_id": lead_id,
            "created_at": "2026-08-05 04:00:00",
            "lead_source": "Website",
            "owner_rep_id": rep,
            "status": "working",
            "company_name": f"CV Katalog {lead_id}",
            "email": f"{lead_id.lower()}@example.co.id",
            "country_code": "ID",
            "updated_at": "2026-08-05 04:00:00",
            "is_deleted": "false",
            **values,
        }

    def activity(activity_id: str, **values: str | None) -> dict:
        return {
            "activity_id": activity_id,
            "activity_type": "call",
            "direction": "outbound",
            "rep_id": rep,
            "account_id": account,
            "occurred_at": "2026-08-04 03:00:00",
            "duration_seconds": "120",
            "outcome": "connected",
            "is_deleted": "false",
            **values,
        }

    def new_order(order_id: str, **values: str | None) -> dict:
        return {
            "order_id": order_id,
            "account_id": account,
            "rep_id": rep,
            "ordered_at": "2026-08-10 02:00:00",
            "invoiced_at": "2026-08-10 03:00:00",
            "status": "invoiced",
            "currency_code": "IDR",
            "updated_at": "2026-08-10 03:00:00",
            **values,
        }

    def line(line_id: str, order_id: str, **values: str | None) -> dict:
        return {
            "order_line_id": line_id,
            "order_id": order_id,
            "product_id": product,
            "quantity": "2",
            "unit_price": "1500000.00",
            "discount_amount": "0.00",
            **values,
        }

    # --- quarantined: no repair can fix these --------------------------------------------------------
    cat.quarantine("null_key", "opportunities", opp(None), "invalid_key")
    cat.quarantine("blank_only_key", "accounts", acc(" \t "), "invalid_key")
    cat.quarantine(
        "unparseable_date_in_key",
        "marketing_spend",
        {"spend_date": "2026-13-45", "channel": "Google Ads", "amount": "100000", "currency_code": "IDR"},
        "invalid_key",
    )
    cat.quarantine(
        "unparseable_number_thousands_separator",
        "opportunities",
        opp("BAD-OPP-NUM", amount="12.500.000,00"),
        "unparseable_number",
    )
    cat.quarantine(
        "unparseable_number_hex",
        "order_lines",
        line("BAD-SOL-HEX", order["order_id"], unit_price="0x10"),
        "unparseable_number",
    )
    cat.quarantine(
        "unparseable_integer_fraction",
        "activities",
        activity("BAD-ACT-DUR", duration_seconds="12.5"),
        "unparseable_number",
    )
    cat.quarantine(
        "unparseable_date_format",
        "leads",
        lead_row("BAD-LEAD-DATE", created_at="31/07/2026"),
        "unparseable_timestamp",
    )
    cat.quarantine(
        "unparseable_timestamp_infinity",
        "email_events",
        {
            "event_id": "BAD-EVT-INF",
            "email_id": "BAD-MSG-1",
            "rep_id": rep,
            "event_type": "sent",
            "occurred_at": "infinity",
        },
        "unparseable_timestamp",
    )
    cat.quarantine(
        "unparseable_boolean", "accounts", acc("BAD-ACC-BOOL", is_deleted="maybe"), "unparseable_boolean"
    )
    cat.quarantine(
        "negative_quantity",
        "order_lines",
        line("BAD-SOL-NEG", order["order_id"], quantity="-3"),
        "negative_value",
    )
    cat.quarantine(
        "zero_currency_rate",
        "currency_rates",
        {"rate_date": "2026-06-06", "currency_code": "USD", "rate_to_reporting": "0"},
        "negative_value",
    )
    cat.quarantine(
        "missing_required_value",
        "order_lines",
        line("BAD-SOL-NOQTY", order["order_id"], quantity=""),
        "missing_required_value",
    )
    cat.quarantine(
        "unknown_currency", "opportunities", opp("BAD-OPP-XYZ", currency_code="XYZ"), "unknown_currency"
    )
    cat.quarantine(
        "missing_currency_rate",
        "opportunities",
        opp(
            "BAD-OPP-NORATE",
            currency_code="USD",
            created_at="2026-05-01 02:00:00",
            updated_at="2026-05-01 02:00:00",
        ),
        "missing_currency_rate",
    )
    cat.quarantine(
        "unknown_order_status", "orders", new_order("BAD-SO-STATUS", status="shipped"), "unknown_label"
    )
    cat.quarantine(
        "unknown_email_event",
        "email_events",
        {
            "event_id": "BAD-EVT-FWD",
            "email_id": "BAD-MSG-2",
            "rep_id": rep,
            "event_type": "forwarded",
            "occurred_at": "2026-08-04 03:00:00",
        },
        "unknown_label",
    )
    # a line without its order has no status, date or currency: it cannot be interpreted
    cat.quarantine(
        "orphaned_key",
        "order_lines",
        line("BAD-SOL-ORPHAN", "SO-99999"),
        "orphaned_order_id",
    )
    # a parent quarantined for its own reason no longer takes its children with it: they are kept and
    # flagged, their money counted (the account becomes an inferred member of dim_accounts)
    cat.quarantine(
        "orphan_cascade", "accounts", acc("BAD-ACC-PARENT", created_at="kemarin"), "unparseable_timestamp"
    )
    cat.flag(
        "orphan_cascade",
        "opportunities",
        opp("BAD-OPP-CHILD", account_id="BAD-ACC-PARENT"),
        "account_unresolved",
    )
    cat.add(
        "orphan_cascade",
        "opportunity_stage_history",
        {
            "opportunity_id": "BAD-OPP-CHILD",
            "entered_at": "2026-08-03 02:00:00",
            "stage_name": "Prospecting",
            "amount": "75000000.00",
        },
        "kept",
        repaired={
            "opportunity_id": "BAD-OPP-CHILD",
            "entered_at": "2026-08-03 02:00:00",
            "stage_name": "Prospecting",
            "amount": "75000000.00",
        },
    )
    cat.flag(
        "unresolved_account_on_contact",
        "contacts",
        {
            "contact_id": "BAD-CON-ORPHAN",
            "account_id": "ACC-99999",
            "first_name": "Yatim",
            "created_at": "2026-08-01 03:00:00",
            "updated_at": "2026-08-01 03:00:00",
            "is_deleted": "false",
        },
        "account_unresolved",
    )
    # a deal closed before it was created: kept, flagged, no sales cycle
    cat.flag(
        "close_before_create",
        "opportunities",
        opp(
            "BAD-OPP-CLOSE",
            stage_name="Closed Won",
            is_closed="true",
            is_won="true",
            closed_at="2026-07-01 02:00:00",
        ),
        "closed_before_created",
    )
    # early-stage deals without an account or an owner are kept (unknown account, unassigned rep)
    cat.flag(
        "deal_without_account",
        "opportunities",
        opp("BAD-OPP-NOACC", account_id=None),
        "account_missing",
    )
    cat.flag(
        "deal_owner_unresolved",
        "opportunities",
        opp("BAD-OPP-NOREP", owner_rep_id="REP-99999"),
        "owner_unresolved",
    )
    cat.flag(
        "order_line_without_product",
        "order_lines",
        line("BAD-SOL-NOPRD", order["order_id"], product_id=""),
        "product_missing",
    )
    # parents with children, replaced by a newer invalid version: the parent is quarantined, the children
    # keep their money (credit falls back, the account is inferred, the category is 'uncategorised')
    cat.corrupt_parent(
        "corrupted_rep_with_orders",
        "sales_reps",
        parent_rep,
        {"hired_date": "kemarin"},
        "unparseable_timestamp",
        ("orders", "rep_id", rep_orders[parent_rep["rep_id"]]),
    )
    cat.corrupt_parent(
        "corrupted_account_with_orders",
        "accounts",
        parent_account,
        {"created_at": "kemarin"},
        "unparseable_timestamp",
        ("orders", "account_id", account_orders[parent_account["account_id"]]),
    )
    cat.corrupt_parent(
        "corrupted_product_with_order_lines",
        "products",
        parent_product,
        {"list_price": "-5"},
        "negative_value",
        ("order_lines", "product_id", product_lines[parent_product["product_id"]]),
    )
    cat.quarantine(
        "end_before_start",
        "subscriptions",
        {
            "subscription_id": "BAD-SUB-END",
            "account_id": account,
            "product_id": product,
            "started_at": "2026-09-01 00:00:00",
            "ended_at": "2026-08-01 00:00:00",
            "mrr": "500000",
            "currency_code": "IDR",
            "status": "cancelled",
        },
        "end_before_start",
    )
    cat.quarantine(
        "future_date",
        "activities",
        # future = later than the wall clock (not the as-of date): far enough ahead to stay future
        activity("BAD-ACT-FUTURE", occurred_at="2099-01-15 03:00:00"),
        "future_timestamp",
    )
    # the latest version wins even when invalid: the clean lead disappears (quarantined), not silently stale
    cat.add("invalid_newer_version", "leads", {**lead, "updated_at": "2026-11-14 01:00:00"}, "superseded")
    cat.add(
        "invalid_newer_version",
        "leads",
        {**lead, "created_at": "yesterday", "updated_at": "2026-11-14 02:00:00"},
        "quarantined",
        "unparseable_timestamp",
    )
    cat.removed.append(("leads", "lead_id", lead["lead_id"]))
    cat.add("soft_deleted", "accounts", acc("BAD-ACC-DEL", is_deleted="TRUE"), "soft_deleted")

    # --- repaired: kept, and the repaired data set holds the equivalent row ---------------------------
    cat.repair(
        "mixed_case_enums_with_tabs",
        "orders",
        new_order("BAD-SO-CASE", status="\tINVOICED ", currency_code=" idr"),
        {"status": "invoiced", "currency_code": "IDR"},
    )
    cat.add(
        "mixed_case_enums_with_tabs",
        "order_lines",
        line("BAD-SOL-CASE", "BAD-SO-CASE"),
        "kept",
        repaired=line("BAD-SOL-CASE", "BAD-SO-CASE"),
    )
    cat.repair(
        "booleans_as_yes_no",
        "opportunities",
        opp(
            "BAD-OPP-YESNO",
            stage_name="Closed Lost",
            is_closed="Yes",
            is_won="N",
            closed_at="2026-09-01 05:00:00",
            updated_at="2026-09-01 05:00:00",
            loss_reason="No budget",
        ),
        {"is_closed": "true", "is_won": "false"},
    )
    cat.repair("booleans_as_yes_no", "accounts", acc("BAD-ACC-NO", is_deleted="No"), {"is_deleted": "false"})
    cat.repair(
        "timestamp_with_offset",
        "activities",
        activity("BAD-ACT-TZ", occurred_at="2026-08-04T17:22:00+07:00"),
        # offset-less text is Jakarta wall-clock time (raw_timezone): the same instant
        {"occurred_at": "2026-08-04 17:22:00"},
    )
    cat.repair(
        "timestamp_iso_t_and_z",
        "leads",
        lead_row("BAD-LEAD-ISO", created_at="2026-08-05T04:00:00Z", updated_at="2026-08-05T04:00:00Z"),
        {"created_at": "2026-08-05 11:00:00", "updated_at": "2026-08-05 11:00:00"},
    )
    dup = lead_row("BAD-LEAD-DUP", lead_source="Referral")
    cat.add("duplicate_exact_rows", "leads", dup, "kept", repaired=dup)
    cat.add("duplicate_exact_rows", "leads", dict(dup), "superseded")
    cat.add(
        "duplicate_key_older_version", "accounts", acc("BAD-ACC-V", account_name="PT Nama Lama"), "superseded"
    )
    newer = acc("BAD-ACC-V", account_name="PT Nama Baru", updated_at="2026-09-01 03:00:00")
    cat.add("duplicate_key_older_version", "accounts", newer, "kept", repaired=newer)
    cat.repair(
        "unknown_stage_label",
        "opportunities",
        opp(
            "BAD-OPP-STAGE",
            stage_name="Verbal Commit",
            is_closed="true",
            is_won="true",
            closed_at="2026-09-10 05:00:00",
            updated_at="2026-09-10 05:00:00",
        ),
        {"stage_name": "Closed Won"},
    )
    cat.repair(
        "unknown_stage_label_open",
        "opportunities",
        opp("BAD-OPP-STAGE2", stage_name="Discovery Call"),
        {"stage_name": None},
    )
    cat.repair(
        "unknown_channel_label",
        "leads",
        lead_row("BAD-LEAD-CHAN", lead_source="Carrier Pigeon"),
        {"lead_source": "Other"},
    )
    cat.repair(
        "absurdly_long_string", "opportunities", opp("BAD-OPP-LONG", opportunity_name=LONG_TEXT.strip()), {}
    )
    cat.repair(
        "html_and_script_in_names",
        "accounts",
        acc("BAD-ACC-HTML", account_name='<script>alert("x")</script><b>PT Jaya</b> & Co'),
        {},
    )
    cat.repair(
        "non_utf8_bytes",
        "contacts",
        {
            "contact_id": "BAD-CON-LATIN1",
            "account_id": account,
            "first_name": f"Ren{NON_UTF8_MARK}",
            "last_name": "Sinaga",
            "created_at": "2026-08-01 03:00:00",
            "updated_at": "2026-08-01 03:00:00",
            "is_deleted": "false",
        },
        {"first_name": "Ren\ufffd"},
    )
    cat.repair(
        "blank_only_values",
        "contacts",
        {
            "contact_id": "BAD-CON-BLANK",
            "account_id": account,
            "first_name": "Wati",
            "last_name": "   ",
            "phone": "\t",
            "job_title": " ",
            "created_at": "2026-08-01 03:00:00",
            "updated_at": "2026-08-01 03:00:00",
            "is_deleted": "false",
        },
        {"last_name": None, "phone": None, "job_title": None},
    )
    cat.repair(
        "inner_whitespace_and_padding",
        "accounts",
        acc("  BAD-ACC-WS ", account_name="  PT   Maju\tJaya  ", segment=" Mid  Market ", city=" Bandung "),
        {
            "account_id": "BAD-ACC-WS",
            "account_name": "PT Maju Jaya",
            "segment": "mid_market",
            "city": "Bandung",
        },
    )
    cat.repair(
        "missing_opportunity_type",
        "opportunities",
        opp("BAD-OPP-TYPE", opportunity_type=" "),
        {"opportunity_type": "new_business"},
    )
    cat.repair(
        "closed_without_closed_at",
        "opportunities",
        opp(
            "BAD-OPP-NOCLOSE",
            stage_name="Closed Lost",
            is_closed="true",
            closed_at=None,
            updated_at="2026-09-20 06:00:00",
            loss_reason="Lost to competitor",
        ),
        {"closed_at": "2026-09-20 06:00:00"},
    )
    cat.repair(
        "number_with_exponent_and_sign",
        "opportunities",
        opp("BAD-OPP-EXP", amount="+2.5e7"),
        {"amount": "25000000.00"},
    )
    cat.repair(
        "upper_case_email_and_country",
        "leads",
        lead_row("BAD-LEAD-MAIL", email="Budi.Santoso@Example.CO.ID", country_code="id"),
        {"email": "budi.santoso@example.co.id", "country_code": "ID"},
    )
    cat.repair(
        "missing_discount",
        "order_lines",
        line("BAD-SOL-NODISC", order["order_id"], discount_amount=""),
        {"discount_amount": "0"},
    )
    cat.repair(
        "quotes_and_newlines_in_text",
        "opportunities",
        opp(
            "BAD-OPP-QUOTE",
            stage_name="Closed Lost",
            is_closed="true",
            closed_at="2026-09-01 05:00:00",
            updated_at="2026-09-01 05:00:00",
            loss_reason='Said "no", then:\nnever again',
        ),
        {"loss_reason": 'Said "no", then: never again'},
    )
    return cat


def build_catalog(clean_dir: Path, bad_dir: Path, repaired_dir: Path) -> Catalog:
    """Write the bad and the repaired data sets next to a clean one; return what was added."""
    clean = {t: read_table(clean_dir, t) for t in CONTRACT}
    catalog = catalog_for(clean)
    removed: Counter[tuple[str, str]] = Counter()
    for table, column, value in catalog.removed:
        removed[(table, value)] += 1
        assert any(r.get(column) == value for r in clean[table]), (table, value)
    for out in (bad_dir, repaired_dir):
        out.mkdir(parents=True, exist_ok=True)
    for table in CONTRACT:
        if not (clean_dir / f"{table}.csv").exists():
            continue
        key = CONTRACT[table].key[0]
        bad = clean[table] + [r.row for r in catalog.rows if r.table == table]
        repaired = [r for r in clean[table] if (table, r.get(key)) not in removed]
        repaired += [r.repaired for r in catalog.rows if r.table == table and r.repaired is not None]
        write_table(bad_dir, table, bad)
        write_table(repaired_dir, table, repaired)
    return catalog
