"""Generate and write a data set: the table files and manifest.json (and, for big data sets, the record
of injections as _injections.parquet beside it).

manifest.json lists every messy injection inline ("injected") when there are at most INLINE_INJECTIONS;
beyond that the list is written to _injections.parquet (columns table, key as JSON, kind,
expected_disposition, expected_reason; the loader ignores files starting with "_") and the manifest
names it ("injections_file"). read_injections() returns the list either way.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from scripts.contract import load_contract
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.mess import CHECKED_FKS, Injection, inject_mess
from scripts.sampledata.tables import BUILDERS, TableData
from scripts.sampledata.world import World, build_world
from scripts.sampledata.writer import (
    DEFAULT_CHUNK_ROWS,
    MANIFEST_NAME,
    CsvWriter,
    remove_stale_files,
    write_manifest,
    write_table,
)

log = logging.getLogger(__name__)
GENERATOR = "scripts.generate_sample_data"
INLINE_INJECTIONS = 10_000
INJECTIONS_FILE = "_injections.parquet"


def needed_tables(wanted: Sequence[str]) -> list[str]:
    """The wanted tables and every table whose injections decide theirs (checked parents, transitively)."""
    needed = set(wanted)
    grew = True
    while grew:
        parents = {p for t in needed for _, p in CHECKED_FKS.get(t, ())}
        grew = not parents <= needed
        needed |= parents
    return [t for t in load_contract() if t in needed]


def prospects(world: World) -> np.ndarray:
    """Accounts without deals, orders or subscriptions."""
    out = np.ones(len(world.accounts), bool)
    for account in (world.opportunities.account, world.orders.account, world.subscriptions.account):
        out[account] = False
    return out


def build_manifest(
    config: GeneratorConfig,
    fmt: str,
    tables: Sequence[str],
    row_counts: dict[str, int],
    injected: list[dict[str, Any]],
) -> dict[str, Any]:
    """The manifest: parameters, as-of date, currency, row counts and injections."""
    parameters = config.manifest_parameters() | {"format": fmt, "tables": list(tables)}
    manifest: dict[str, Any] = {
        "generator": GENERATOR,
        "parameters": parameters,
        "seed": config.seed,
        "as_of_date": config.end_date.isoformat(),
        "reporting_currency": config.reporting_currency,
        "timestamps": "CSV: local wall-clock time with its UTC offset (+07:00); Parquet: UTC instants",
        "row_counts": row_counts,
        "injected_count": len(injected),
    }
    if len(injected) <= INLINE_INJECTIONS:
        manifest["injected"] = injected
    else:
        manifest["injections_file"] = INJECTIONS_FILE
    return manifest


def _write_injections(out_dir: Path, injected: list[dict[str, Any]]) -> None:
    table = pa.table(
        {
            "table": [i["table"] for i in injected],
            "key": [json.dumps(i["key"], sort_keys=True, ensure_ascii=False) for i in injected],
            "kind": [i["kind"] for i in injected],
            "expected_disposition": [i["expected_disposition"] for i in injected],
            "expected_reason": [i["expected_reason"] for i in injected],
        }
    )
    pq.write_table(table, out_dir / INJECTIONS_FILE, compression="snappy")


def read_injections(directory: Path) -> list[dict[str, Any]]:
    """The injections recorded for a generated data set (inline in manifest.json or in its file)."""
    manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    if "injected" in manifest:
        return list(manifest["injected"])
    rows = pq.read_table(directory / manifest["injections_file"]).to_pylist()
    return [row | {"key": json.loads(row["key"])} for row in rows]


def build_tables(
    config: GeneratorConfig, tables: Sequence[str]
) -> tuple[World, dict[str, TableData], list[Injection]]:
    """The world, the tables needed for `tables` (with their messy rows) and the injections."""
    wanted = frozenset(tables)
    world = build_world(config, wanted)
    datas = {name: BUILDERS[name](world) for name in needed_tables(tables)}
    injections = (
        inject_mess(datas, config.mess_rate, config, prospects(world)) if config.mess_rate > 0 else []
    )
    return world, datas, injections


def write_sample(
    config: GeneratorConfig,
    out_dir: Path,
    fmt: str,
    tables: Sequence[str],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> dict[str, Any]:
    """Generate the data set and write the chosen tables (in contract order) plus manifest.json."""
    contract = load_contract()
    written = tuple(t for t in contract if t in tables)
    started = time.perf_counter()
    world, datas, injections = build_tables(config, written)
    log.info("Generated %d tables in %.1f s; writing %s", len(datas), time.perf_counter() - started, fmt)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in remove_stale_files(out_dir, list(contract), (INJECTIONS_FILE,)):
        log.debug("removed earlier file %s", path)
    row_counts = {}
    with CsvWriter() as csv:
        for name in written:
            began = time.perf_counter()
            write_table(out_dir, datas[name], fmt, chunk_rows, csv)
            row_counts[name] = datas[name].rows
            took = time.perf_counter() - began
            log.log(
                logging.INFO if took > 2 else logging.DEBUG,
                "  %-28s %11d rows  %6.1f s",
                name,
                row_counts[name],
                took,
            )
            if name in ("activities", "email_events"):  # the big ones: free them once written
                del datas[name]
    del world, datas
    injected = [i.manifest_entry(written) for i in injections if i.table in written]
    manifest = build_manifest(config, fmt, written, row_counts, injected)
    if "injections_file" in manifest:
        _write_injections(out_dir, injected)
    write_manifest(out_dir, manifest)
    return manifest
