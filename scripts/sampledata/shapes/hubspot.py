"""Render a contract-shaped data set as HubSpot tables the way Fivetran lands them.

The inverse of the dbt adapter in models/adapters/hubspot/: the same simulated company, written as
`owner`, `company`, `contact`, `deal`, `deal_stage`, `engagement_*`, ... so that building it through the
adapter gives the same KPIs as the contract-shaped files. Every value is carried as the raw text of the
contract file (messy rows included) wherever one contract column maps to one landed field; where HubSpot
stores a value differently (call duration in milliseconds, stage as an internal id, deal type and lead
status as HubSpot enums) the clean values are converted and anything else is written unchanged, so staging
gives the row the same disposition. Mapping and rules: docs/crm_hubspot.md.

Contract tables HubSpot does not provide (products, orders, order lines, subscriptions, e-mail events,
marketing spend, sales expenses and targets, currency rates) are copied unchanged: they come from an ERP,
a marketing tool or a spreadsheet as contract-shaped files.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from pathlib import Path

import yaml

from scripts.contract import load_contract
from scripts.sampledata.shapes import copy_contract_tables

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
LANDED_SHAPE = PROJECT_ROOT / "models" / "adapters" / "hubspot" / "_hubspot__sources.yml"
STAGE_MAPPING = PROJECT_ROOT / "seeds" / "stage_mapping.csv"

# Contract tables the adapter provides (macros/adapters/hubspot.sql: hubspot_contract_tables()).
PROVIDED: tuple[str, ...] = (
    "sales_reps",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "opportunity_stage_history",
    "activities",
)

# Exact contract stage labels rendered as HubSpot's default internal stage ids; every other label gets a
# numeric id, as HubSpot gives custom stages. The stage's label keeps the contract text.
DEFAULT_STAGE_IDS: dict[str, str] = {
    "Prospecting": "appointmentscheduled",
    "Qualification": "qualifiedtobuy",
    "Needs Analysis": "presentationscheduled",
    "Proposal/Price Quote": "decisionmakerboughtin",
    "Negotiation/Review": "contractsent",
    "Closed Won": "closedwon",
    "Closed Lost": "closedlost",
}
CUSTOM_STAGE_ID_START = 1000001
PIPELINE_ID = "default"

# Clean contract values -> HubSpot enum values (the adapter maps them back; other text passes unchanged).
DEAL_TYPES = {"new_business": "newbusiness", "upsell": "existingbusiness"}
LEAD_STATUSES = {
    "new": "NEW",
    "working": "IN_PROGRESS",
    "nurturing": "BAD_TIMING",
    "unqualified": "UNQUALIFIED",
    "converted": "OPEN_DEAL",
}
# Lifecycle stage of a rendered lead by its status (all are lead stages: the adapter's split rule).
LEAD_LIFECYCLE = {"qualified": "salesqualifiedlead", "converted": "salesqualifiedlead"}
CONTACT_LIFECYCLE = "opportunity"
ENGAGEMENT_TYPES = {"call": "CALL", "email": "EMAIL", "meeting": "MEETING", "demo": "MEETING", "task": "TASK"}
DIRECTIONS = {
    "call": {"inbound": "INBOUND", "outbound": "OUTBOUND"},
    "email": {"inbound": "INCOMING_EMAIL", "outbound": "EMAIL"},
}

Row = dict[str, str]


def _read(path: Path) -> list[Row]:
    """Every row of a contract CSV file as text (empty fields as '')."""
    with path.open(newline="", encoding="utf-8") as f:
        return [dict(r) for r in csv.DictReader(f)]


def _write(path: Path, columns: list[str], rows: Iterable[Row]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
            count += 1
    return count


def _is_blank(text: str) -> bool:
    return text.strip() == ""


def _split_name(full_name: str) -> tuple[str, str]:
    """HubSpot owners have first and last names: split at the first space (the adapter joins with one)."""
    first, sep, last = full_name.partition(" ")
    return (first, last) if sep else (full_name, "")


def _stage_ids(labels: Iterable[str]) -> dict[str, str]:
    """One HubSpot stage id per exact stage label: the default ids, then numbered custom stages."""
    ids: dict[str, str] = {}
    custom = sorted({label for label in labels if not _is_blank(label) and label not in DEFAULT_STAGE_IDS})
    for label in sorted({label for label in labels if label in DEFAULT_STAGE_IDS}):
        ids[label] = DEFAULT_STAGE_IDS[label]
    for n, label in enumerate(custom):
        ids[label] = str(CUSTOM_STAGE_ID_START + n)
    return ids


def _stage_rows(stage_ids: dict[str, str], mapping: dict[str, Row]) -> list[Row]:
    """deal_pipeline_stage rows: label, probability (0-1, HubSpot's scale) and closed_won from the seed."""
    rows = []
    for order, (label, stage_id) in enumerate(sorted(stage_ids.items(), key=lambda kv: kv[1])):
        seed = mapping.get(" ".join(label.split()).lower())
        rows.append(
            {
                "stage_id": stage_id,
                "pipeline_id": PIPELINE_ID,
                "label": label,
                "display_order": str(order),
                "probability": seed["default_probability"] if seed else "",
                "closed_won": seed["is_won"] if seed else "",
                "active": "true",
                "_fivetran_deleted": "false",
            }
        )
    return rows


def _milliseconds(seconds: str) -> str:
    """Call duration: HubSpot stores milliseconds; text that is not a whole number stays as it is."""
    return str(int(seconds) * 1000) if seconds.isdigit() else seconds


def _render_reps(reps: list[Row]) -> dict[str, tuple[list[str], list[Row]]]:
    teams = sorted({r["team"] for r in reps if r["team"]})
    team_ids = {name: str(101 + n) for n, name in enumerate(teams)}
    owners = []
    for r in reps:
        first, last = _split_name(r["full_name"])
        owners.append(
            {
                "owner_id": r["rep_id"],
                "email": r["email"],
                "first_name": first,
                "last_name": last,
                "is_active": "false" if r["left_date"] else "true",
                "created_at": "",
                "updated_at": r["updated_at"],
                "region": r["region"],
                "manager_owner_id": r["manager_rep_id"],
                "role": r["role"],
                "hired_date": r["hired_date"],
                "left_date": r["left_date"],
                "_fivetran_deleted": "false",
            }
        )
    owner_teams = [
        {"owner_id": r["rep_id"], "team_id": team_ids[r["team"]], "is_team_primary": "true"}
        for r in reps
        if r["team"]
    ]
    team_rows = [{"team_id": team_ids[name], "name": name, "_fivetran_deleted": "false"} for name in teams]
    return {
        "owner": (
            [
                "owner_id",
                "email",
                "first_name",
                "last_name",
                "is_active",
                "created_at",
                "updated_at",
                "region",
                "manager_owner_id",
                "role",
                "hired_date",
                "left_date",
                "_fivetran_deleted",
                "_fivetran_synced",
            ],
            owners,
        ),
        "owner_team": (["owner_id", "team_id", "is_team_primary", "_fivetran_synced"], owner_teams),
        "team": (["team_id", "name", "_fivetran_deleted", "_fivetran_synced"], team_rows),
    }


def _render_companies(accounts: list[Row]) -> dict[str, tuple[list[str], list[Row]]]:
    rows = [
        {
            "id": r["account_id"],
            "property_name": r["account_name"],
            "property_industry": r["industry"],
            "property_segment": r["segment"],
            "property_state": r["region"],
            "property_city": r["city"],
            "property_country": r["country_code"],
            "property_hubspot_owner_id": r["owner_rep_id"],
            "property_createdate": r["created_at"],
            "property_hs_lastmodifieddate": r["updated_at"],
            "is_deleted": r["is_deleted"],
            "_fivetran_deleted": "false",
        }
        for r in accounts
    ]
    columns = [*rows[0].keys(), "_fivetran_synced"] if rows else []
    return {"company": (columns, rows)}


CONTACT_COLUMNS = [
    "id",
    "property_lifecyclestage",
    "property_firstname",
    "property_lastname",
    "property_email",
    "property_phone",
    "property_jobtitle",
    "property_associatedcompanyid",
    "property_company",
    "property_country",
    "property_hs_analytics_source",
    "property_hubspot_owner_id",
    "property_hs_lead_status",
    "property_hs_lifecyclestage_opportunity_date",
    "property_converted_contact_id",
    "property_converted_deal_id",
    "property_createdate",
    "property_lastmodifieddate",
    "is_deleted",
    "_fivetran_deleted",
    "_fivetran_synced",
]


def _render_contacts(contacts: list[Row], leads: list[Row]) -> dict[str, tuple[list[str], list[Row]]]:
    """Contacts and leads are both HubSpot contacts; the lifecycle stage tells them apart."""
    rows: list[Row] = []
    for r in contacts:
        rows.append(
            {
                "id": r["contact_id"],
                "property_lifecyclestage": CONTACT_LIFECYCLE,
                "property_firstname": r["first_name"],
                "property_lastname": r["last_name"],
                "property_email": r["email"],
                "property_phone": r["phone"],
                "property_jobtitle": r["job_title"],
                "property_associatedcompanyid": r["account_id"],
                "property_createdate": r["created_at"],
                "property_lastmodifieddate": r["updated_at"],
                "is_deleted": r["is_deleted"],
                "_fivetran_deleted": "false",
            }
        )
    for r in leads:
        rows.append(
            {
                "id": r["lead_id"],
                "property_lifecyclestage": LEAD_LIFECYCLE.get(r["status"], "lead"),
                "property_email": r["email"],
                "property_associatedcompanyid": r["converted_account_id"],
                "property_company": r["company_name"],
                "property_country": r["country_code"],
                "property_hs_analytics_source": r["lead_source"],
                "property_hubspot_owner_id": r["owner_rep_id"],
                "property_hs_lead_status": LEAD_STATUSES.get(r["status"], r["status"]),
                "property_hs_lifecyclestage_opportunity_date": r["converted_at"],
                "property_converted_contact_id": r["converted_contact_id"],
                "property_converted_deal_id": r["converted_opportunity_id"],
                "property_createdate": r["created_at"],
                "property_lastmodifieddate": r["updated_at"],
                "is_deleted": r["is_deleted"],
                "_fivetran_deleted": "false",
            }
        )
    return {"contact": (CONTACT_COLUMNS, rows)}


def _distinct_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Association rows: one per (object, associated object), blank ids left out, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for a, b in pairs:
        if not _is_blank(a) and not _is_blank(b):
            seen.setdefault((a, b), None)
    return list(seen)


def _render_deals(
    opportunities: list[Row], history: list[Row], mapping: dict[str, Row]
) -> dict[str, tuple[list[str], list[Row]]]:
    stage_ids = _stage_ids([r["stage_name"] for r in opportunities] + [r["stage_name"] for r in history])
    deals = [
        {
            "deal_id": r["opportunity_id"],
            "deal_pipeline_id": PIPELINE_ID,
            "deal_pipeline_stage_id": stage_ids.get(r["stage_name"], r["stage_name"]),
            "owner_id": r["owner_rep_id"],
            "property_dealname": r["opportunity_name"],
            "property_dealtype": DEAL_TYPES.get(r["opportunity_type"], r["opportunity_type"]),
            "property_amount": r["amount"],
            "property_deal_currency_code": r["currency_code"],
            "property_createdate": r["created_at"],
            "property_expected_close_date": r["expected_close_date"],
            "property_closedate": r["closed_at"],
            "property_hs_is_closed": r["is_closed"],
            "property_hs_is_closed_won": r["is_won"],
            "property_closed_lost_reason": r["loss_reason"],
            "property_hs_lastmodifieddate": r["updated_at"],
            "is_deleted": r["is_deleted"],
            "_fivetran_deleted": "false",
        }
        for r in opportunities
    ]
    deal_columns = [*deals[0].keys(), "_fivetran_synced"] if deals else []
    deal_company = _distinct_pairs((r["opportunity_id"], r["account_id"]) for r in opportunities)
    deal_contact = _distinct_pairs((r["opportunity_id"], r["lead_id"]) for r in opportunities)
    stage_changes = [
        {
            "deal_id": r["opportunity_id"],
            "value": stage_ids.get(r["stage_name"], r["stage_name"]),
            "date_entered": r["entered_at"],
            "source": "CRM_UI",
            "source_id": r["changed_by_rep_id"],
        }
        for r in history
    ]
    # the amount in effect at each stage change, recorded as an amount change at the same timestamp
    amounts: dict[tuple[str, str, str], None] = {}
    for r in history:
        if r["amount"] and not _is_blank(r["opportunity_id"]):
            amounts.setdefault((r["opportunity_id"], r["entered_at"], r["amount"]), None)
    amount_rows = [{"deal_id": d, "name": "amount", "value": v, "timestamp": t} for d, t, v in amounts]
    return {
        "deal": (deal_columns, deals),
        "deal_pipeline": (
            ["pipeline_id", "label", "display_order", "active", "_fivetran_deleted", "_fivetran_synced"],
            [
                {
                    "pipeline_id": PIPELINE_ID,
                    "label": "Sales Pipeline",
                    "display_order": "0",
                    "active": "true",
                    "_fivetran_deleted": "false",
                }
            ],
        ),
        "deal_pipeline_stage": (
            [
                "stage_id",
                "pipeline_id",
                "label",
                "display_order",
                "probability",
                "closed_won",
                "active",
                "_fivetran_deleted",
                "_fivetran_synced",
            ],
            _stage_rows(stage_ids, mapping),
        ),
        "deal_company": (
            ["deal_id", "company_id", "_fivetran_synced"],
            [{"deal_id": a, "company_id": b} for a, b in deal_company],
        ),
        "deal_contact": (
            ["deal_id", "contact_id", "_fivetran_synced"],
            [{"deal_id": a, "contact_id": b} for a, b in deal_contact],
        ),
        "deal_stage": (
            ["deal_id", "value", "date_entered", "source", "source_id", "_fivetran_synced"],
            stage_changes,
        ),
        "deal_property_history": (
            ["deal_id", "name", "value", "timestamp", "source", "_fivetran_synced"],
            amount_rows,
        ),
    }


def _meeting_end(occurred_at: str, duration: str) -> str:
    """A meeting's end time (start + duration); when either is not clean, the raw duration text instead,
    which the adapter passes on as the duration so that staging judges it as the contract row."""
    from datetime import datetime, timedelta

    if not duration.isdigit():
        return duration
    try:
        start = datetime.fromisoformat(occurred_at)
    except ValueError:
        return duration
    return (start + timedelta(seconds=int(duration))).isoformat(sep=" ")


def _render_engagements(activities: list[Row]) -> dict[str, tuple[list[str], list[Row]]]:
    engagements: list[Row] = []
    calls: dict[str, Row] = {}
    meetings: dict[str, Row] = {}
    emails: dict[str, Row] = {}
    tasks: dict[str, Row] = {}
    for r in activities:
        kind = r["activity_type"].strip().lower()
        engagements.append(
            {
                "id": r["activity_id"],
                "type": ENGAGEMENT_TYPES.get(r["activity_type"], r["activity_type"]),
                "owner_id": r["rep_id"],
                "timestamp": r["occurred_at"],
                # a deleted engagement is one Fivetran saw deleted (the adapter reads either flag)
                "is_deleted": "" if r["is_deleted"] == "true" else r["is_deleted"],
                "_fivetran_deleted": "true" if r["is_deleted"] == "true" else "false",
            }
        )
        key = r["activity_id"]
        if _is_blank(key) or key in calls or key in meetings or key in emails or key in tasks:
            continue
        direction = DIRECTIONS.get(kind, {}).get(r["direction"], r["direction"])
        if kind == "call":
            calls[key] = {
                "engagement_id": key,
                "property_hs_call_direction": direction,
                "property_hs_call_duration": _milliseconds(r["duration_seconds"]),
                "property_hs_call_disposition": r["outcome"],
            }
        elif kind in ("meeting", "demo"):
            meetings[key] = {
                "engagement_id": key,
                "property_hs_activity_type": "Demo" if kind == "demo" else "",
                "property_hs_meeting_start_time": r["occurred_at"],
                "property_hs_meeting_end_time": _meeting_end(r["occurred_at"], r["duration_seconds"])
                if r["duration_seconds"]
                else "",
                "property_hs_meeting_outcome": r["outcome"],
            }
        elif kind == "email":
            emails[key] = {
                "engagement_id": key,
                "property_hs_email_direction": direction,
                "property_hs_email_status": r["outcome"],
            }
        else:
            tasks[key] = {"engagement_id": key, "property_hs_task_status": r["outcome"]}
    assoc = {
        "engagement_contact": (
            "contact_id",
            _distinct_pairs((r["activity_id"], r["lead_id"] or r["contact_id"]) for r in activities),
        ),
        "engagement_company": (
            "company_id",
            _distinct_pairs((r["activity_id"], r["account_id"]) for r in activities),
        ),
        "engagement_deal": (
            "deal_id",
            _distinct_pairs((r["activity_id"], r["opportunity_id"]) for r in activities),
        ),
    }
    out: dict[str, tuple[list[str], list[Row]]] = {
        "engagement": (
            ["id", "type", "owner_id", "timestamp", "is_deleted", "_fivetran_deleted", "_fivetran_synced"],
            engagements,
        ),
        "engagement_call": (
            [
                "engagement_id",
                "property_hs_call_direction",
                "property_hs_call_duration",
                "property_hs_call_disposition",
                "_fivetran_synced",
            ],
            list(calls.values()),
        ),
        "engagement_meeting": (
            [
                "engagement_id",
                "property_hs_activity_type",
                "property_hs_meeting_start_time",
                "property_hs_meeting_end_time",
                "property_hs_meeting_outcome",
                "_fivetran_synced",
            ],
            list(meetings.values()),
        ),
        "engagement_email": (
            ["engagement_id", "property_hs_email_direction", "property_hs_email_status", "_fivetran_synced"],
            list(emails.values()),
        ),
        "engagement_task": (
            ["engagement_id", "property_hs_task_status", "_fivetran_synced"],
            list(tasks.values()),
        ),
    }
    for name, (column, pairs) in assoc.items():
        out[name] = (
            ["engagement_id", column, "_fivetran_synced"],
            [{"engagement_id": a, column: b} for a, b in pairs],
        )
    return out


def landed_columns(path: Path = LANDED_SHAPE) -> dict[str, list[str]]:
    """The landed HubSpot objects and their columns, from the adapter's sources YAML."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == "hubspot")
    return {t["name"]: [c["name"] for c in t["columns"]] for t in source["tables"]}


def _stage_mapping(path: Path) -> dict[str, Row]:
    """seeds/stage_mapping.csv by normalised label (the seed's labels are unique after normalisation)."""
    return {" ".join(r["stage_label"].split()).lower(): r for r in _read(path)}


def render(contract_dir: Path, out_dir: Path, stage_mapping: Path | None = None) -> dict[str, int]:
    """Write the HubSpot-shaped tables of the contract files in contract_dir into out_dir as <object>.csv;
    copy the contract tables HubSpot does not provide unchanged. Return rows per written file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = stage_mapping or STAGE_MAPPING

    def table(name: str) -> list[Row]:
        path = contract_dir / f"{name}.csv"
        return _read(path) if path.exists() else []

    objects: dict[str, tuple[list[str], list[Row]]] = {}
    objects.update(_render_reps(table("sales_reps")))
    objects.update(_render_companies(table("accounts")))
    objects.update(_render_contacts(table("contacts"), table("leads")))
    objects.update(
        _render_deals(table("opportunities"), table("opportunity_stage_history"), _stage_mapping(seed))
    )
    if (contract_dir / "activities.csv").exists():
        objects.update(_render_engagements(table("activities")))
    shape = landed_columns()
    counts: dict[str, int] = {}
    for name in sorted(objects):
        _, rows = objects[name]
        columns = shape[name]
        unknown = sorted({c for row in rows for c in row} - set(columns))
        if unknown:
            raise ValueError(f"renderer writes {name} columns missing from the landed shape: {unknown}")
        counts[f"{name}.csv"] = _write(out_dir / f"{name}.csv", columns, rows)
    copied = copy_contract_tables(contract_dir, out_dir, [t for t in load_contract() if t not in PROVIDED])
    log.info(
        "rendered %d HubSpot objects and copied %d contract tables into %s", len(counts), len(copied), out_dir
    )
    return {**counts, **copied}
