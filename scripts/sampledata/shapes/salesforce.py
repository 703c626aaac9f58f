"""Render a contract-shaped data set as Salesforce objects the way Fivetran lands them.

The inverse of the Salesforce adapter (models/adapters/salesforce): building the rendered files through the
adapter gives back the contract rows, so every KPI equals the contract-shaped build. The landed columns are
read from models/adapters/salesforce/_salesforce__sources.yml (the landed shape); the rules, field by field,
are in docs/crm_salesforce.md. Text passes through unchanged (messy values stay messy, so staging gives a
row the same disposition); clean picklist values become Salesforce's labels ("Closed - Converted",
"New Customer", "Call"); probabilities come from seeds/stage_mapping.csv on the 0-100 scale; exchange rates
become dated_conversion_rate rows (units per one unit of the corporate currency, the reporting currency);
every other deleted row is written as a hard delete seen by the connector (_fivetran_deleted) instead of
Salesforce's is_deleted. Contract tables Salesforce does not provide are copied unchanged.

    python -m scripts.sampledata.shapes.salesforce --contract-dir seeds/sample_crm --out /tmp/sf
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, getcontext
from pathlib import Path

from scripts.contract import PROJECT_ROOT, load_contract, load_landed_shape
from scripts.sampledata.shapes import copy_contract_tables

log = logging.getLogger("sampledata.shapes.salesforce")

STAGE_MAPPING_FILE = PROJECT_ROOT / "seeds" / "stage_mapping.csv"

# contract tables the adapter builds from Salesforce objects (macro salesforce_contract_tables())
PROVIDED_TABLES = (
    "sales_reps",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "opportunity_stage_history",
    "activities",
    "currency_rates",
    "products",
    "orders",
    "order_lines",
)

# contract label -> Salesforce picklist label: the inverse of macro salesforce_picklists() (one label per
# contract value; tests/python/test_salesforce_shape.py checks the two agree)
PICKLISTS: dict[str, dict[str, str]] = {
    "opportunity_type": {
        "new_business": "New Customer",
        "upsell": "Existing Customer - Upgrade",
        "renewal": "Renewal",
    },
    "lead_status": {
        "new": "Open - Not Contacted",
        "working": "Working - Contacted",
        "nurturing": "Nurturing",
        "qualified": "Qualified",
        "unqualified": "Closed - Not Converted",
        "converted": "Closed - Converted",
    },
    "task_subtype": {"call": "Call", "email": "Email", "task": "Task"},
    "event_type": {"meeting": "Meeting", "demo": "Demo"},
    "direction": {"inbound": "Inbound", "outbound": "Outbound"},
    "order_status": {
        "booked": "Activated",
        "invoiced": "Invoiced",
        "paid": "Paid",
        "cancelled": "Cancelled",
        "refunded": "Refunded",
    },
}
EVENT_TYPES = frozenset(PICKLISTS["event_type"])

# record types of opportunities (Salesforce ids of RecordType start with 012)
RECORD_TYPE_RENEWAL = "012000000000RNW"
RECORD_TYPE_NEW = "012000000000NEW"

RATE_DIGITS = 20  # significant digits of a rendered conversion_rate


def picklist(field_name: str, text: str) -> str:
    """A clean contract label as its Salesforce label; anything else (messy text) unchanged."""
    return PICKLISTS[field_name].get(text, text)


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


def stage_probabilities(path: Path = STAGE_MAPPING_FILE) -> dict[str, str]:
    """Normalised stage label -> default probability on Salesforce's 0-100 scale, as text."""
    with path.open(newline="", encoding="utf-8") as f:
        return {
            _normal(row["stage_label"]): _percent(row["default_probability"]) for row in csv.DictReader(f)
        }


def _percent(fraction: str) -> str:
    value = (Decimal(fraction) * 100).normalize()
    return f"{value:f}"


def conversion_rate(rate_to_reporting: str) -> str:
    """Reporting-currency units per unit of a currency -> units of the currency per reporting-currency
    unit (Salesforce's direction), at RATE_DIGITS significant digits; text that is not a positive number
    passes through unchanged (staging quarantines it)."""
    try:
        rate = Decimal(rate_to_reporting.strip())
    except InvalidOperation:
        return rate_to_reporting
    if not rate.is_finite() or rate <= 0:
        return rate_to_reporting
    getcontext().prec = RATE_DIGITS
    return format(1 / rate, f".{RATE_DIGITS}g")


@dataclass
class Deletes:
    """Every other deleted row becomes a hard delete seen by the connector: is_deleted false and
    _fivetran_deleted true (the adapter reads either as deleted); the rest keep Salesforce's is_deleted."""

    counts: dict[str, int] = field(default_factory=dict)

    def columns(self, obj: str, is_deleted: str) -> dict[str, str]:
        if is_deleted != "true":
            return {"is_deleted": is_deleted, "_fivetran_deleted": "false"}
        n = self.counts.get(obj, 0)
        self.counts[obj] = n + 1
        if n % 2 == 1:
            return {"is_deleted": "false", "_fivetran_deleted": "true"}
        return {"is_deleted": "true", "_fivetran_deleted": "false"}


@dataclass
class Renderer:
    """Turns contract rows into landed Salesforce rows (one object at a time)."""

    synced_at: str
    probabilities: dict[str, str]
    deletes: Deletes = field(default_factory=Deletes)

    def users(self, reps: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        role_labels = sorted({r["role"] for r in reps if r["role"] != ""})
        role_ids = {label: f"00E{i + 1:012d}" for i, label in enumerate(role_labels)}
        roles = [
            {
                "id": role_ids[label],
                "name": label.strip().replace("_", " ").title(),
                "developer_name": label,
                "_fivetran_synced": self.synced_at,
                "_fivetran_deleted": "false",
            }
            for label in role_labels
        ]
        users = [
            {
                "id": r["rep_id"],
                "name": r["full_name"],
                "email": r["email"],
                "department": r["team"],
                "division": r["region"],
                "manager_id": r["manager_rep_id"],
                "user_role_id": role_ids.get(r["role"], ""),
                "hire_date_c": r["hired_date"],
                "termination_date_c": r["left_date"],
                "is_active": "false" if r["left_date"].strip() else "true",
                "last_modified_date": r["updated_at"],
                "system_modstamp": r["updated_at"],
                "_fivetran_synced": self.synced_at,
                "_fivetran_deleted": "false",
            }
            for r in reps
        ]
        return {"user": users, "user_role": roles}

    def accounts(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        return {
            "account": [
                {
                    "id": r["account_id"],
                    "name": r["account_name"],
                    "industry": r["industry"],
                    "segment_c": r["segment"],
                    "region_c": r["region"],
                    "billing_city": r["city"],
                    "billing_country_code": r["country_code"],
                    "owner_id": r["owner_rep_id"],
                    "created_date": r["created_at"],
                    "last_modified_date": r["updated_at"],
                    "system_modstamp": r["updated_at"],
                    "_fivetran_synced": self.synced_at,
                    **self.deletes.columns("account", r["is_deleted"]),
                }
                for r in rows
            ]
        }

    def contacts(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        return {
            "contact": [
                {
                    "id": r["contact_id"],
                    "account_id": r["account_id"],
                    "first_name": r["first_name"],
                    "last_name": r["last_name"],
                    "email": r["email"],
                    "phone": r["phone"],
                    "title": r["job_title"],
                    "created_date": r["created_at"],
                    "last_modified_date": r["updated_at"],
                    "system_modstamp": r["updated_at"],
                    "_fivetran_synced": self.synced_at,
                    **self.deletes.columns("contact", r["is_deleted"]),
                }
                for r in rows
            ]
        }

    def leads(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        return {
            "lead": [
                {
                    "id": r["lead_id"],
                    "created_date": r["created_at"],
                    "lead_source": r["lead_source"],
                    "owner_id": r["owner_rep_id"],
                    "status": picklist("lead_status", r["status"]),
                    "company": r["company_name"],
                    "email": r["email"],
                    "country_code": r["country_code"],
                    "is_converted": "true" if r["converted_at"].strip() else "false",
                    # Salesforce's ConvertedDate is a date; the sample keeps the contract's timestamp so
                    # that conversion times stay equal (docs/crm_salesforce.md)
                    "converted_date": r["converted_at"],
                    "converted_account_id": r["converted_account_id"],
                    "converted_contact_id": r["converted_contact_id"],
                    "converted_opportunity_id": r["converted_opportunity_id"],
                    "last_modified_date": r["updated_at"],
                    "system_modstamp": r["updated_at"],
                    "_fivetran_synced": self.synced_at,
                    **self.deletes.columns("lead", r["is_deleted"]),
                }
                for r in rows
            ]
        }

    def opportunities(
        self, rows: list[dict[str, str]], history: list[dict[str, str]]
    ) -> dict[str, list[dict[str, str]]]:
        # the last stage change of an open deal: its latest history entry (a closed deal's is its close)
        last_change: dict[str, str] = {}
        for h in history:
            key = h["opportunity_id"].strip()
            if h["entered_at"].strip() and h["entered_at"] > last_change.get(key, ""):
                last_change[key] = h["entered_at"]
        close_dates = {r["opportunity_id"].strip(): r["expected_close_date"] for r in rows}
        opportunities = [
            {
                "id": r["opportunity_id"],
                "account_id": r["account_id"],
                "owner_id": r["owner_rep_id"],
                "lead_c": r["lead_id"],
                "name": r["opportunity_name"],
                "type": picklist("opportunity_type", r["opportunity_type"]),
                "record_type_id": RECORD_TYPE_RENEWAL
                if _normal(r["opportunity_type"]) == "renewal"
                else RECORD_TYPE_NEW,
                "stage_name": r["stage_name"],
                "probability": self.probabilities.get(_normal(r["stage_name"]), ""),
                "amount": r["amount"],
                "currency_iso_code": r["currency_code"],
                "created_date": r["created_at"],
                "close_date": r["expected_close_date"],
                "last_stage_change_date": r["closed_at"]
                if r["closed_at"].strip()
                else last_change.get(r["opportunity_id"].strip(), ""),
                "is_closed": r["is_closed"],
                "is_won": r["is_won"],
                "loss_reason_c": r["loss_reason"],
                "last_modified_date": r["updated_at"],
                "system_modstamp": r["updated_at"],
                "_fivetran_synced": self.synced_at,
                **self.deletes.columns("opportunity", r["is_deleted"]),
            }
            for r in rows
        ]
        histories = [
            {
                "id": f"008{i + 1:015d}",
                "opportunity_id": h["opportunity_id"],
                "created_date": h["entered_at"],
                "stage_name": h["stage_name"],
                "amount": h["amount"],
                "probability": self.probabilities.get(_normal(h["stage_name"]), ""),
                "close_date": close_dates.get(h["opportunity_id"].strip(), ""),
                "created_by_id": h["changed_by_rep_id"],
                "is_deleted": "false",
                "_fivetran_synced": self.synced_at,
                "_fivetran_deleted": "false",
            }
            for i, h in enumerate(history)
        ]
        return {"opportunity": opportunities, "opportunity_history": histories}

    def activities(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        tasks: list[dict[str, str]] = []
        events: list[dict[str, str]] = []
        for r in rows:
            if r["lead_id"].strip() and r["contact_id"].strip():
                raise ValueError(
                    f"activity {r['activity_id']!r} has both a lead and a contact: "
                    "Salesforce's who_id holds one"
                )
            common = {
                "id": r["activity_id"],
                "owner_id": r["rep_id"],
                "who_id": r["lead_id"] or r["contact_id"],
                "what_id": r["opportunity_id"] or r["account_id"],
                "account_id": r["account_id"],
                "last_modified_date": r["occurred_at"],
                "_fivetran_synced": self.synced_at,
            }
            kind = _normal(r["activity_type"])
            if kind in EVENT_TYPES:
                label = picklist("event_type", r["activity_type"])
                events.append(
                    {
                        **common,
                        "type": label,
                        "direction_c": picklist("direction", r["direction"]),
                        "start_date_time": r["occurred_at"],
                        "duration_in_minutes": _minutes(r["duration_seconds"]),
                        "outcome_c": r["outcome"],
                        "subject": label.strip(),
                        **self.deletes.columns("event", r["is_deleted"]),
                    }
                )
            else:
                label = picklist("task_subtype", r["activity_type"])
                tasks.append(
                    {
                        **common,
                        "type": label,
                        "task_subtype": label,
                        "call_type": picklist("direction", r["direction"]),
                        "completed_date_time": r["occurred_at"],
                        "call_duration_in_seconds": r["duration_seconds"],
                        "call_disposition": r["outcome"],
                        "subject": label.strip(),
                        **self.deletes.columns("task", r["is_deleted"]),
                    }
                )
        return {"task": tasks, "event": events}

    def currency_rates(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        # next_start_date: the next start date of the same currency (dates are ISO text, so they sort)
        by_currency: dict[str, list[str]] = {}
        for r in rows:
            by_currency.setdefault(r["currency_code"].strip().upper(), []).append(r["rate_date"].strip())
        next_start: dict[tuple[str, str], str] = {}
        for code, dates in by_currency.items():
            ordered = sorted(set(dates))
            for start, following in zip(ordered, [*ordered[1:], ""], strict=True):
                next_start[(code, start)] = following
        return {
            "dated_conversion_rate": [
                {
                    "id": f"04w{i + 1:015d}",
                    "iso_code": r["currency_code"],
                    "start_date": r["rate_date"],
                    "next_start_date": next_start[
                        (r["currency_code"].strip().upper(), r["rate_date"].strip())
                    ],
                    "conversion_rate": conversion_rate(r["rate_to_reporting"]),
                    "last_modified_date": "",
                    "_fivetran_synced": self.synced_at,
                    "_fivetran_deleted": "false",
                }
                for i, r in enumerate(rows)
            ]
        }

    def products(self, rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
        return {
            "product_2": [
                {
                    "id": r["product_id"],
                    "name": r["product_name"],
                    "family": r["category"],
                    "list_price_c": r["list_price"],
                    "unit_cost_c": r["unit_cost"],
                    "currency_iso_code": r["currency_code"],
                    "is_active": r["is_active"],
                    "last_modified_date": r["updated_at"],
                    "is_deleted": "false",
                    "_fivetran_synced": self.synced_at,
                    "_fivetran_deleted": "false",
                }
                for r in rows
            ]
        }

    def orders(
        self, rows: list[dict[str, str]], lines: list[dict[str, str]]
    ) -> dict[str, list[dict[str, str]]]:
        orders = [
            {
                "id": r["order_id"],
                "account_id": r["account_id"],
                "opportunity_id": r["opportunity_id"],
                "owner_id": r["rep_id"],
                "created_date": r["ordered_at"],
                "invoiced_at_c": r["invoiced_at"],
                "status": picklist("order_status", r["status"]),
                "currency_iso_code": r["currency_code"],
                "last_modified_date": r["updated_at"],
                "cancelled_at_c": r["cancelled_at"],
                "refunded_at_c": r["refunded_at"],
                "is_deleted": "false",
                "_fivetran_synced": self.synced_at,
                "_fivetran_deleted": "false",
            }
            for r in rows
        ]
        items = [
            {
                "id": r["order_line_id"],
                "order_id": r["order_id"],
                "product_2_id": r["product_id"],
                "quantity": r["quantity"],
                "unit_price": r["unit_price"],
                "discount_amount_c": r["discount_amount"],
                "unit_cost_c": r["unit_cost"],
                "is_deleted": "false",
                "_fivetran_synced": self.synced_at,
                "_fivetran_deleted": "false",
            }
            for r in lines
        ]
        return {"order": orders, "order_item": items}


def _minutes(seconds: str) -> str:
    """Seconds as minutes (Salesforce's DurationInMinutes): whole minutes, else two decimals, which the
    adapter's rounding turns back into the same whole seconds; other text passes through (staging judges)."""
    text = seconds.strip()
    if not text.isdigit():
        return seconds
    if int(text) % 60 == 0:
        return str(int(text) // 60)
    return f"{Decimal(int(text)) / 60:.2f}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_csv(path: Path, columns: Iterable[str], rows: list[dict[str, str]]) -> int:
    names = list(columns)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([row.get(name, "") for name in names])
    return len(rows)


def _synced_at(contract_dir: Path) -> str:
    """The connector's sync time: the end of the sample's as-of day (from manifest.json), else empty."""
    manifest = contract_dir / "manifest.json"
    if manifest.exists():
        as_of = json.loads(manifest.read_text(encoding="utf-8")).get("as_of_date")
        if as_of:
            return f"{as_of} 23:00:00+07:00"
    return ""


def render(contract_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the Salesforce objects (landed shape) for the contract CSV files in contract_dir into out_dir,
    copy the contract tables Salesforce does not provide, and return rows per written file."""
    if not (contract_dir / "opportunities.csv").exists():
        raise FileNotFoundError(
            f"{contract_dir}: no opportunities.csv (a contract-shaped CSV directory is needed)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    shape = load_landed_shape("salesforce")
    renderer = Renderer(synced_at=_synced_at(contract_dir), probabilities=stage_probabilities())

    def rows(table: str) -> list[dict[str, str]]:
        path = contract_dir / f"{table}.csv"
        return _read_csv(path) if path.exists() else []

    builders: list[Callable[[], dict[str, list[dict[str, str]]]]] = [
        lambda: renderer.users(rows("sales_reps")),
        lambda: renderer.accounts(rows("accounts")),
        lambda: renderer.contacts(rows("contacts")),
        lambda: renderer.leads(rows("leads")),
        lambda: renderer.opportunities(rows("opportunities"), rows("opportunity_stage_history")),
        lambda: renderer.activities(rows("activities")),
        lambda: renderer.currency_rates(rows("currency_rates")),
        lambda: renderer.products(rows("products")),
        lambda: renderer.orders(rows("orders"), rows("order_lines")),
    ]
    written: dict[str, int] = {}
    for build in builders:
        for obj, obj_rows in build().items():
            written[f"{obj}.csv"] = _write_csv(out_dir / f"{obj}.csv", shape[obj].column_names, obj_rows)
    others = [table for table in load_contract() if table not in PROVIDED_TABLES]
    written.update(copy_contract_tables(contract_dir, out_dir, others))
    for name, count in sorted(written.items()):
        log.info("%s: %d rows", name, count)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contract-dir", type=Path, default=PROJECT_ROOT / "seeds" / "sample_crm")
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for the Salesforce-shaped CSV files"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        render(args.contract_dir, args.out)
    except (OSError, ValueError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
