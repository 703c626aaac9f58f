"""Matching a raw file's column headers to the contract's column names.

A header is normalised (camelCase split, lower case, every run of other characters one underscore), so
`Account Id`, `AccountId`, ` ACCOUNT-ID ` and `account_id` all read as `account_id`. Then, in order:
  1. the column map file, if one is given: `{table: {"header as written": contract_column}}` (YAML);
  2. the normalised name, when it is a contract column of the table;
  3. common CRM spellings (Salesforce, HubSpot, Zoho exports): CRM_SPELLINGS below, per table.
Every mapping that changes a name is reported and logged. Headers that match nothing are kept under
their normalised name (staging ignores extra columns). A file whose header holds too few of the table's
columns (fewer than MIN_CONTRACT_SHARE of them, or not its key) is refused: it is another table, another
delimiter or another encoding, and loading it would turn every contract column into NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from scripts.contract import Table

MIN_CONTRACT_SHARE = 0.5

# normalised header -> contract column, for every table that has that column
COMMON_SPELLINGS: dict[str, str] = {
    "created_date": "created_at",
    "create_date": "created_at",
    "created_on": "created_at",
    "date_created": "created_at",
    "createdate": "created_at",
    "last_modified_date": "updated_at",
    "last_modified": "updated_at",
    "modified_date": "updated_at",
    "modified_at": "updated_at",
    "last_updated": "updated_at",
    "updated_on": "updated_at",
    "system_modstamp": "updated_at",
    "deleted": "is_deleted",
    "currency": "currency_code",
    "currency_iso_code": "currency_code",
    "owner_id": "owner_rep_id",
    "owner": "owner_rep_id",
    "account": "account_id",
    "opportunity": "opportunity_id",
    "stage": "stage_name",
    "closed": "is_closed",
    "won": "is_won",
    "close_date_time": "closed_at",
    "converted_date": "converted_at",
}
# per table: the record id and name as most CRMs export them
TABLE_SPELLINGS: dict[str, dict[str, str]] = {
    "sales_reps": {"id": "rep_id", "user_id": "rep_id", "name": "full_name", "manager_id": "manager_rep_id"},
    "accounts": {"id": "account_id", "name": "account_name", "company": "account_name"},
    "contacts": {"id": "contact_id", "title": "job_title"},
    "leads": {"id": "lead_id", "source": "lead_source", "company": "company_name"},
    "opportunities": {"id": "opportunity_id", "name": "opportunity_name", "type": "opportunity_type"},
    "activities": {"id": "activity_id", "type": "activity_type"},
    "email_events": {"id": "event_id", "type": "event_type"},
    "products": {"id": "product_id", "name": "product_name", "family": "category"},
    "orders": {"id": "order_id"},
    "order_lines": {"id": "order_line_id"},
    "subscriptions": {"id": "subscription_id"},
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_OTHER = re.compile(r"[^a-z0-9]+")


class HeaderError(Exception):
    """The header cannot be matched to the contract table (message names what was found and expected)."""


@dataclass
class HeaderMatch:
    """The column names to load a file under, and the mappings that changed a header."""

    names: list[str]
    mapped: dict[str, str] = field(default_factory=dict)  # header as written -> contract column
    missing: list[str] = field(default_factory=list)  # contract columns the file lacks (added as NULL)


def normalise(header: str) -> str:
    """`Account Id` -> `account_id`; an empty or symbol-only header -> ''."""
    text = _CAMEL.sub("_", header.strip().lstrip("\ufeff"))
    return _OTHER.sub("_", text.lower()).strip("_")


def load_column_map(path: Path) -> dict[str, dict[str, str]]:
    """A column map file: {table: {header as written: contract column}} (YAML or JSON)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise HeaderError(f"column map {path}: cannot read ({exc})") from exc
    if not isinstance(doc, dict) or not all(
        isinstance(t, str) and isinstance(m, dict) and all(isinstance(k, str) for k in m)
        for t, m in doc.items()
    ):
        raise HeaderError(f"column map {path}: expected {{table: {{header: contract_column}}}}")
    return {table: {str(k): str(v) for k, v in mapping.items()} for table, mapping in doc.items()}


def match_header(file_name: str, table: Table, header: list[str], column_map: dict[str, str]) -> HeaderMatch:
    """Map each header to a contract column (or keep it as an extra column); refuse a foreign file."""
    contract = table.column_names
    explicit = {normalise(k): v for k, v in column_map.items()}
    for target in explicit.values():
        if target not in contract:
            raise HeaderError(f"column map for {table.name}: {target!r} is not a column of {table.name}")
    spellings = {**COMMON_SPELLINGS, **TABLE_SPELLINGS.get(table.name, {})}
    names: list[str] = []
    match = HeaderMatch(names=names)
    normalised = [normalise(h) for h in header]
    for i, written in enumerate(header):
        key = normalised[i]
        target = explicit.get(key)
        # a header written exactly as a column (Fivetran's _fivetran_synced, whose leading underscore
        # normalising would drop) is that column
        if target is None and written.strip() in contract:
            target = written.strip()
        if target is None and key in contract:
            target = key
        if target is None and spellings.get(key) in contract and spellings[key] not in normalised:
            target = spellings[key]
        name = target or key or f"unnamed_column_{i + 1}"
        if name in names:
            if target is not None:
                raise HeaderError(
                    f"{file_name}: two columns read as {name!r} ({_written(header, names, name)} and "
                    f"{written!r}); rename one or say which is which in a column map file"
                )
            name = f"{name}_{i + 1}"
        names.append(name)
        if target is not None and written != target:
            match.mapped[written] = target
    found = [c for c in contract if c in names]
    lacking_key = [k for k in table.required_key if k not in names]
    if lacking_key or len(found) < MIN_CONTRACT_SHARE * len(contract):
        raise HeaderError(
            f"{file_name} does not look like the {table.name} table: found columns {header[:30]}, "
            f"expected {contract} (key {list(table.key)}); {len(found)} of {len(contract)} match"
            + (f", key column(s) {lacking_key} missing" if lacking_key else "")
            + _hint(header)
        )
    match.missing = [c for c in contract if c not in names]
    return match


def _written(header: list[str], names: list[str], name: str) -> str:
    return repr(header[names.index(name)])


def _hint(header: list[str]) -> str:
    """Why a header might not match: another delimiter or encoding."""
    text = ",".join(header)
    for delimiter, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
        if len(header) <= 2 and text.count(delimiter) >= 2:
            return f". The header holds {label}s: the file looks {label}-separated; save it comma-separated"
    if "\ufffd" in text or "\x00" in text:
        return (
            ". The header holds bytes that are not UTF-8 text (UTF-16 without a byte-order mark?): "
            "save the file as UTF-8"
        )
    return ""
