"""Generate and write a sample: the table files and manifest.json."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts.contract import load_contract
from scripts.sampledata.build import generate
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.writer import remove_stale_files, write_manifest, write_table

log = logging.getLogger(__name__)
GENERATOR = "scripts.generate_sample_data"


def build_manifest(
    config: GeneratorConfig,
    fmt: str,
    tables: Sequence[str],
    row_counts: dict[str, int],
    injected: list[dict[str, Any]],
) -> dict[str, Any]:
    """The manifest: parameters, as-of date, currency, row counts and injections."""
    parameters = config.manifest_parameters() | {"format": fmt, "tables": list(tables)}
    return {
        "generator": GENERATOR,
        "parameters": parameters,
        "seed": config.seed,
        "as_of_date": config.end_date.isoformat(),
        "reporting_currency": config.reporting_currency,
        "row_counts": row_counts,
        "injected": injected,
    }


def write_sample(config: GeneratorConfig, out_dir: Path, fmt: str, tables: Sequence[str]) -> dict[str, Any]:
    """Generate the data set and write the chosen tables (in contract order) plus manifest.json."""
    contract = load_contract()
    dataset = generate(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in remove_stale_files(out_dir, list(contract)):
        log.debug("removed earlier file %s", path)
    written = tuple(t for t in contract if t in tables)
    row_counts = {}
    for name in written:
        rows = dataset.tables[name]
        write_table(out_dir, contract[name], rows, fmt)
        row_counts[name] = len(rows)
    injected = [i.manifest_entry(written) for i in dataset.injections if i.table in written]
    manifest = build_manifest(config, fmt, written, row_counts, injected)
    write_manifest(out_dir, manifest)
    return manifest
