"""Generate and write a data set: the table files and manifest.json (and, for big data sets, the record
of injections as _injections.parquet beside it).

The company-wide tables (reps, products, rates) are written first; then the shards, in shard order;
then the tables that sum over all shards (marketing spend, sales expenses and targets). With several
shards, worker processes build them: a worker builds its shard, reports how many entities of each kind
it made and its company-name codes, receives the numbers its ids start from and its names' numbers
(which depend on the earlier shards), then renders its tables (messy rows included) into ready chunks.
This process only hands out those numbers and appends the chunks to the files, so memory stays flat and
the files do not depend on the number of workers.

manifest.json lists every messy injection inline ("injected") when there are at most INLINE_INJECTIONS;
beyond that the list is written to _injections.parquet (columns table, key as JSON, kind,
expected_disposition, expected_reason; the loader ignores files starting with "_") and the manifest
names it ("injections_file"). read_injections() returns the list either way.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from scripts.contract import load_contract
from scripts.sampledata.config import GeneratorConfig
from scripts.sampledata.expenses_and_targets import (
    Actuals,
    CompactActuals,
    build_sales_expenses,
    build_sales_targets,
)
from scripts.sampledata.ids import IdSpace, id_space, id_spaces
from scripts.sampledata.marketing import build_marketing_spend
from scripts.sampledata.mess import CHECKED_FKS, inject_mess, text_columns
from scripts.sampledata.names import NameBook
from scripts.sampledata.tables import (
    NUMBERED,
    SHARD_TABLES,
    ShardView,
    TableData,
    currency_rates,
    marketing_spend,
    products,
    sales_expenses,
    sales_reps,
    sales_targets,
)
from scripts.sampledata.world import (
    ACTIVITY_TABLES,
    Globals,
    Shard,
    build_globals,
    build_shard,
    rss_mb,
    shard_count,
)
from scripts.sampledata.writer import (
    DEFAULT_CHUNK_ROWS,
    MANIFEST_NAME,
    CsvEncoder,
    Part,
    TableSink,
    iter_render,
    remove_stale_files,
    write_manifest,
)

log = logging.getLogger(__name__)
GENERATOR = "scripts.generate_sample_data"
INLINE_INJECTIONS = 10_000
INJECTIONS_FILE = "_injections.parquet"
MAX_WORKERS = 8
KINDS = (*NUMBERED, "email")


def needed_tables(wanted: Sequence[str]) -> list[str]:
    """The wanted tables and every table whose injections decide theirs (checked parents, transitively)."""
    needed = set(wanted)
    grew = True
    while grew:
        parents = {p for t in needed for _, p in CHECKED_FKS.get(t, ())}
        grew = not parents <= needed
        needed |= parents
    return [t for t in load_contract() if t in needed]


def default_workers() -> int:
    """Worker processes for shards: the CPUs this process may use (at most MAX_WORKERS)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


@dataclass(frozen=True)
class Plan:
    """What a run writes, and how (shared with the worker processes)."""

    config: GeneratorConfig
    g: Globals
    written: tuple[str, ...]
    fmt: str
    chunk_rows: int
    shards: int
    spaces: dict[str, IdSpace]

    @property
    def needed(self) -> list[str]:
        return needed_tables(self.written)

    @property
    def shard_tables(self) -> list[str]:
        """The shard tables to build: those written and those whose injections decide theirs."""
        return [
            n for n in self.needed if n in SHARD_TABLES and (n not in ACTIVITY_TABLES or n in self.written)
        ]

    def text_columns(self, name: str) -> frozenset[str] | None:
        """Parquet columns written as text in every shard (several shards must share one schema)."""
        if self.shards > 1 and self.config.mess_rate > 0 and name in SHARD_TABLES:
            return text_columns(name)
        return None


@dataclass
class Rendered:
    """A batch of tables ready to append to the files, with its injections (manifest entries)."""

    parts: dict[str, list[Part]]
    injected: list[dict[str, Any]]


def emit(
    plan: Plan,
    datas: dict[str, TableData],
    parents: dict[str, TableData],
    csv: CsvEncoder,
    prospects: np.ndarray | None = None,
    shard: int | None = None,
    sinks: dict[str, TableSink] | None = None,
) -> Rendered:
    """Inject the messy rows of a batch of tables (their parents' injections are done) and render the
    chosen ones: into the returned parts, or (sinks given) straight into the files chunk by chunk."""
    config = plan.config
    names = [n for n in datas if n in plan.needed]
    injected: list[dict[str, Any]] = []
    if config.mess_rate > 0:
        tables = datas | {name: data for name, data in parents.items() if name not in datas}
        injections = inject_mess(tables, names, config.mess_rate, config, prospects, shard)
        injected = [i.manifest_entry(plan.written) for i in injections if i.table in plan.written]
    parts: dict[str, list[Part]] = {}
    for name in names:
        if name not in plan.written:
            continue
        chunks = iter_render(datas[name], plan.fmt, plan.chunk_rows, csv, plan.text_columns(name))
        if sinks is None:
            parts[name] = list(chunks)
        else:
            for part in chunks:
                sinks[name].write([part])
    return Rendered(parts, injected)


# ----- shards ----------------------------------------------------------------------------------------
def shard_counts(shard: Shard) -> dict[str, int]:
    """How many entities of each numbered kind a shard holds."""
    return {
        "account": len(shard.accounts),
        "contact": len(shard.contacts),
        "lead": len(shard.leads),
        "opportunity": len(shard.opportunities),
        "order": len(shard.orders),
        "order_line": len(shard.orders.lines),
        "subscription": len(shard.subscriptions),
        "activity": 0 if shard.activities is None else len(shard.activities["at"]),
        "email": 0 if shard.emails is None else len(shard.emails),
        "event": 0 if shard.email_events is None else len(shard.email_events),
    }


def prospects(shard: Shard) -> np.ndarray:
    """Accounts without deals, orders or subscriptions."""
    out = np.ones(len(shard.accounts), bool)
    for account in (shard.opportunities.account, shard.orders.account, shard.subscriptions.account):
        out[account] = False
    return out


@dataclass
class Numbering:
    """What a shard's rendering needs from the earlier shards."""

    offsets: dict[str, int]  # entities of each kind in earlier shards
    name_numbers: np.ndarray  # the number of each company name of the shard (0: none)


@dataclass
class ShardDone:
    index: int
    rendered: Rendered
    lead_counts: np.ndarray
    actuals: CompactActuals
    rows: int


def render_shard(plan: Plan, shard: Shard, numbering: Numbering, csv: CsvEncoder) -> ShardDone:
    """A shard's tables (ids after the earlier shards', messy rows included), ready to append."""
    g = plan.g
    book = NameBook()
    names = shard.names
    view = ShardView(
        g,
        shard,
        plan.spaces,
        numbering.offsets,
        book.names(names.codes, numbering.name_numbers),
        book.domains(names.codes, numbering.name_numbers, names.education),
    )
    datas = {name: SHARD_TABLES[name](view) for name in plan.shard_tables}
    parents = {"sales_reps": sales_reps(g, plan.spaces), "products": products(g)}
    rendered = emit(plan, datas, parents, csv, prospects(shard), shard.index)
    rows = sum(p.rows for parts in rendered.parts.values() for p in parts)
    return ShardDone(shard.index, rendered, shard.lead_counts, shard.actuals, rows)


class Numberer:
    """Hands out each shard's numbering, in shard order."""

    def __init__(self, spaces: dict[str, IdSpace]) -> None:
        self.spaces = spaces
        self.offsets = dict.fromkeys(KINDS, 0)
        self.book = NameBook()

    def next(self, counts: dict[str, int], codes: np.ndarray, ranks: np.ndarray) -> Numbering:
        numbering = Numbering(dict(self.offsets), self.book.numbers(codes, ranks))
        for kind, count in counts.items():
            self.offsets[kind] += count
            if self.offsets[kind] > self.spaces[kind].limit:
                raise RuntimeError(f"more {kind} ids than the id space allows ({self.spaces[kind].limit})")
        return numbering


def _worker(plan: Plan, tasks: Any, inbox: Any, results: Any) -> None:
    """A worker process: build the shards it is given, ask for their numbering, render them."""
    with CsvEncoder() as csv:
        while (task := tasks.get()) is not None:
            try:
                shard = build_shard(plan.g, task, plan.shards, frozenset(plan.written))
                results.put(("counts", task, shard_counts(shard), shard.names.codes, shard.names.ranks))
                numbering = inbox.get()
                done = render_shard(plan, shard, numbering, csv)
                del shard  # before the result is pickled, so the two are not held at once
                results.put(("done", task, done))
                del done
            except Exception:  # report it: the parent stops the run
                results.put(("error", task, traceback.format_exc()))
                return


def _serial_shards(plan: Plan, numberer: Numberer) -> Iterator[ShardDone]:
    with CsvEncoder() as csv:
        for index in range(plan.shards):
            shard = build_shard(plan.g, index, plan.shards, frozenset(plan.written))
            numbering = numberer.next(shard_counts(shard), shard.names.codes, shard.names.ranks)
            yield render_shard(plan, shard, numbering, csv)


def _parallel_shards(plan: Plan, numberer: Numberer, workers: int) -> Iterator[ShardDone]:
    """Shards built by worker processes, yielded in shard order."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results = ctx.Queue()
    tasks = [ctx.Queue() for _ in range(workers)]
    inboxes = [ctx.Queue() for _ in range(workers)]
    procs = [
        ctx.Process(target=_worker, args=(plan, tasks[w], inboxes[w], results), daemon=True)
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    owner: dict[int, int] = {}
    counted: dict[int, tuple] = {}
    done: dict[int, ShardDone] = {}
    next_task, next_numbered, next_written = 0, 0, 0
    try:
        for w in range(workers):  # each worker starts with one shard
            if next_task < plan.shards:
                tasks[w].put(next_task)
                owner[next_task] = w
                next_task += 1
        while next_written < plan.shards:
            try:
                message = results.get(timeout=10)
            except queue.Empty:
                dead = [p.exitcode for p in procs if not p.is_alive()]
                if dead:
                    raise RuntimeError(f"a shard worker process died (exit codes {dead})") from None
                continue
            kind, index = message[0], message[1]
            if kind == "error":
                raise RuntimeError(f"building shard {index} failed:\n{message[2]}")
            if kind == "counts":
                counted[index] = message[2:]
            else:
                done[index] = message[2]
            while next_numbered in counted:
                counts, codes, ranks = counted.pop(next_numbered)
                inboxes[owner[next_numbered]].put(numberer.next(counts, codes, ranks))
                next_numbered += 1
            while next_written in done:
                result = done.pop(next_written)
                worker = owner.pop(next_written)
                if next_task < plan.shards:
                    tasks[worker].put(next_task)
                    owner[next_task] = worker
                    next_task += 1
                next_written += 1
                yield result
    finally:
        for inbox in tasks:
            inbox.put(None)
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()


def iter_shards(plan: Plan, numberer: Numberer, workers: int) -> Iterator[ShardDone]:
    """Every shard rendered, in shard order."""
    if workers <= 1 or plan.shards == 1:
        return _serial_shards(plan, numberer)
    return _parallel_shards(plan, numberer, min(workers, plan.shards))


# ----- the record of injections ---------------------------------------------------------------------
class InjectionLog:
    """Injections as manifest entries: kept in memory while few, streamed to a Parquet file beyond."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / INJECTIONS_FILE
        self.entries: list[dict[str, Any]] = []
        self.count = 0
        self._writer: pq.ParquetWriter | None = None

    def add(self, entries: list[dict[str, Any]]) -> None:
        self.count += len(entries)
        self.entries += entries
        if self.count > INLINE_INJECTIONS:
            self._flush()

    def _flush(self) -> None:
        if not self.entries:
            return
        batch = pa.table(
            {
                "table": [i["table"] for i in self.entries],
                "key": [json.dumps(i["key"], sort_keys=True, ensure_ascii=False) for i in self.entries],
                "kind": [i["kind"] for i in self.entries],
                "expected_disposition": [i["expected_disposition"] for i in self.entries],
                "expected_reason": pa.array([i["expected_reason"] for i in self.entries], pa.string()),
            }
        )
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, batch.schema, compression="snappy")
        self._writer.write_table(batch)
        self.entries = []

    def finish(self, manifest: dict[str, Any]) -> None:
        """Put the record into the manifest (inline, sorted) or name its file."""
        manifest["injected_count"] = self.count
        if self._writer is None:
            manifest["injected"] = sorted(self.entries, key=lambda e: (e["table"], repr(e["key"]), e["kind"]))
            return
        self._flush()
        self._writer.close()
        manifest["injections_file"] = INJECTIONS_FILE


def read_injections(directory: Path) -> list[dict[str, Any]]:
    """The injections recorded for a generated data set (inline in manifest.json or in its file)."""
    manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    if "injected" in manifest:
        return list(manifest["injected"])
    rows = pq.read_table(directory / manifest["injections_file"]).to_pylist()
    return [row | {"key": json.loads(row["key"])} for row in rows]


def build_manifest(
    config: GeneratorConfig, fmt: str, tables: Sequence[str], row_counts: dict[str, int], shards: int
) -> dict[str, Any]:
    """The manifest: parameters, as-of date, currency, row counts (injections are added later)."""
    parameters = config.manifest_parameters() | {"format": fmt, "tables": list(tables), "shards": shards}
    return {
        "generator": GENERATOR,
        "parameters": parameters,
        "seed": config.seed,
        "as_of_date": config.end_date.isoformat(),
        "reporting_currency": config.reporting_currency,
        "timestamps": "CSV: local wall-clock time with its UTC offset (+07:00); Parquet: UTC instants",
        "row_counts": row_counts,
    }


# ----- the run ---------------------------------------------------------------------------------------
def write_sample(
    config: GeneratorConfig,
    out_dir: Path,
    fmt: str,
    tables: Sequence[str],
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int | None = None,
) -> dict[str, Any]:
    """Generate the data set and write the chosen tables (in contract order) plus manifest.json."""
    contract = load_contract()
    written = tuple(t for t in contract if t in tables)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in remove_stale_files(out_dir, list(contract), (INJECTIONS_FILE,)):
        log.debug("removed earlier file %s", path)
    g = build_globals(config)
    plan = Plan(config, g, written, fmt, chunk_rows, shard_count(config), id_spaces(config, g.staffing.count))
    workers = default_workers() if workers is None else workers
    if plan.shards > 1:
        log.info("%d shards, built by %d worker processes", plan.shards, min(workers, plan.shards))
    sinks = {name: TableSink(out_dir, contract[name], fmt, chunk_rows) for name in written}
    injections = InjectionLog(out_dir)

    def append(rendered: Rendered) -> None:
        for name, parts in rendered.parts.items():
            sinks[name].write(parts)
        injections.add(rendered.injected)

    with CsvEncoder() as csv:
        parents = {
            "sales_reps": sales_reps(g, plan.spaces),
            "products": products(g),
            "currency_rates": currency_rates(g),
        }
        append(emit(plan, parents, {}, csv, sinks=sinks))
        lead_counts: np.ndarray | None = None
        actuals: Actuals | None = None
        started = time.perf_counter()
        for done in iter_shards(plan, Numberer(plan.spaces), workers):
            append(done.rendered)
            lead_counts = done.lead_counts if lead_counts is None else lead_counts + done.lead_counts
            actuals = done.actuals.add_to(actuals)
            if plan.shards > 1:
                log.info(
                    "  shard %d/%d: %d rows written (%.0f s, %.0f MiB)",
                    done.index + 1,
                    plan.shards,
                    done.rows,
                    time.perf_counter() - started,
                    rss_mb(),
                )
        assert lead_counts is not None and actuals is not None
        reporting = config.reporting_currency
        spend = build_marketing_spend(config.rng("spend"), g.calendar, g.rates, reporting, lead_counts)
        expenses = build_sales_expenses(config.rng("expenses"), g.calendar, g.staffing, reporting, actuals)
        targets = build_sales_targets(config.rng("targets"), g.calendar, g.staffing, reporting, actuals)
        spaces = plan.spaces | {"target": id_space("target", len(targets))}
        company_totals = {
            "marketing_spend": marketing_spend(spend),
            "sales_expenses": sales_expenses(g, spaces, expenses),
            "sales_targets": sales_targets(g, spaces, targets),
        }
        del actuals, expenses, targets
        append(emit(plan, company_totals, parents, csv, sinks=sinks))
    for sink in sinks.values():
        sink.close()
    manifest = build_manifest(
        config, fmt, written, {name: sink.rows for name, sink in sinks.items()}, plan.shards
    )
    injections.finish(manifest)
    write_manifest(out_dir, manifest)
    return manifest
