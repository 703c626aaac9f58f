"""The sample company written in a CRM's landed shape (what an extract-load tool writes for Salesforce or
HubSpot), for the source adapters (models/adapters/<crm>/, docs/crm_adapters.md).

Each CRM has a module here with `render(contract_dir, out_dir) -> dict[str, int]`: it reads the contract
files the generator wrote and writes the CRM's landed objects (`<object>.csv`, exactly the columns of the
adapter's sources file) plus, unchanged, the contract tables that CRM does not provide. It is the inverse
of the adapter: the rendered sample built with `--crm-source <crm>` gives the same KPIs as the contract
build.
"""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path
from typing import Protocol

from scripts.contract import CRM_SOURCES
from scripts.rawfiles.scan import read_bytes, scan_csv

MANIFEST = "manifest.json"


class Renderer(Protocol):
    def __call__(self, contract_dir: Path, out_dir: Path) -> dict[str, int]: ...


def renderer(crm: str) -> Renderer:
    """The render function of a CRM's shape module."""
    if crm not in CRM_SOURCES:
        raise ValueError(f"unknown CRM {crm!r}: expected one of {', '.join(CRM_SOURCES)}")
    module = importlib.import_module(f"scripts.sampledata.shapes.{crm}")
    return module.render


def render_shape(crm: str, contract_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the contract-shaped sample in contract_dir as the CRM's landed tables into out_dir.

    manifest.json (the as-of date the pipeline reads, the generator's parameters) is copied with the
    shape and the rows per written file added."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = renderer(crm)(contract_dir, out_dir)
    manifest_path = contract_dir / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest["shape"] = crm
        manifest["shape_row_counts"] = dict(sorted(rows.items()))
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    return rows


def copy_contract_tables(contract_dir: Path, out_dir: Path, tables: list[str]) -> dict[str, int]:
    """Copy contract CSV files unchanged (the tables a CRM does not provide); records per copied file."""
    rows: dict[str, int] = {}
    for table in tables:
        path = contract_dir / f"{table}.csv"
        if path.exists():
            shutil.copyfile(path, out_dir / path.name)
            rows[path.name] = scan_csv(read_bytes(path)).records
    return rows
