"""The raw CRM data contract, read from the dbt sources file (its single machine-readable copy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES_FILE = PROJECT_ROOT / "models" / "staging" / "crm" / "_crm__sources.yml"


@dataclass(frozen=True)
class Column:
    """One contract column: its name and logical type (varchar, timestamp, date, boolean, decimal, ...)."""

    name: str
    data_type: str


@dataclass(frozen=True)
class Table:
    """One contract table: name, key columns, whether it is required, and its columns in contract order."""

    name: str
    key: tuple[str, ...]
    required: bool
    columns: tuple[Column, ...]
    nullable_key: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_key(self) -> tuple[str, ...]:
        """Key columns a file must have (a nullable key column may be absent: it reads as NULL)."""
        return tuple(k for k in self.key if k not in self.nullable_key)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@cache
def load_contract(path: Path = SOURCES_FILE) -> dict[str, Table]:
    """Return the contract tables by name, in the order the contract lists them."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == "crm")
    tables: dict[str, Table] = {}
    for t in source["tables"]:
        meta = t.get("meta", {})
        tables[t["name"]] = Table(
            name=t["name"],
            key=tuple(meta["contract_key"]),
            required=bool(meta.get("required_table", False)),
            columns=tuple(Column(c["name"], c["data_type"]) for c in t["columns"]),
            nullable_key=tuple(meta.get("nullable_key_columns", [])),
        )
    return tables


CRM_SOURCES: tuple[str, ...] = ("salesforce", "hubspot")
"""The CRMs with a source adapter (models/adapters/<crm>/; var crm_source)."""


def landed_sources_file(crm: str) -> Path:
    """The sources file declaring a CRM's landed tables (the machine-readable landed shape)."""
    if crm not in CRM_SOURCES:
        raise ValueError(f"unknown CRM {crm!r}: expected one of {', '.join(CRM_SOURCES)}")
    return PROJECT_ROOT / "models" / "adapters" / crm / f"_{crm}__sources.yml"


@cache
def load_landed_shape(crm: str) -> dict[str, Table]:
    """Return a CRM's landed tables (objects) by name, as its adapter's sources file declares them.

    meta.required_object marks the objects a load must have; meta.landed_key lists key columns the file
    must hold (none by default: the adapter's tests check keys)."""
    doc = yaml.safe_load(landed_sources_file(crm).read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == crm)
    tables: dict[str, Table] = {}
    for t in source["tables"]:
        meta = t.get("meta", {})
        tables[t["name"]] = Table(
            name=t["name"],
            key=tuple(meta.get("landed_key", [])),
            required=bool(meta.get("required_object", False)),
            columns=tuple(Column(c["name"], c.get("data_type") or "varchar") for c in t.get("columns", [])),
        )
    return tables


REQUIRED_TABLES: tuple[str, ...] = ("sales_reps", "accounts", "opportunities")
