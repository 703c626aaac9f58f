"""Write-audit-publish: the serving DuckDB file readers use, replaced atomically, plus its Parquet copy.

A publish writes a brand-new file next to the serving file (ATTACH of a fresh temp file to the build
database in the storage format of DuckDB 1.1, so the DuckDB 1.x readers bundled in BI drivers open it;
one CREATE TABLE AS per served relation: every one becomes a plain table, a view too, so nothing refers to
the build database's catalog), checkpoints and fsyncs it, archives a copy in versions/, exports it as Parquet
(serving_parquet), and only then os.replace()s it over the serving file, fsyncs the folder and points the
Parquet `current` at the new version. A reader has the previous complete file or the new complete file
open, never a mix, and read-only readers never block the pipeline. A process holding the serving file
open read-write (a BI tool set up wrongly) makes publish and rollback refuse with a message naming it:
replacing the file under a writer would silently drop what it writes. Killed at any point, the pipeline
leaves at most temp files, removed by the next run.

The serving file holds, besides the marts, the schema `pipeline`: version (which run, as-of date, when),
published_tables (rows and checksum per table) and runs (the run history).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from scripts.pipeline import serving_parquet
from scripts.pipeline.checks import Relation
from scripts.pipeline.config import RUN_ID, Paths
from scripts.profile import apply_settings

log = logging.getLogger("pipeline.publish")

PIPELINE_SCHEMA = "pipeline"
OUT = "serving_new"
# The on-disk format of the serving file (and its archives): DuckDB 1.1's (storage number 64), which every
# DuckDB from 1.1.0 to 2.0 opens. duckdb 2.0.0's own format (number 999 in the header) is refused by every
# 1.x reader, and the drivers BI tools bundle are 1.x. Checked by tests/python/test_serving_readers.py
# with 1.1.3, 1.4.4 and the 1.5.6 CLI (docs/decisions.md, D60).
SERVING_STORAGE_VERSION = "v1.1.0"
SERVING_STORAGE_NUMBER = 64
# Row groups of the served KPI tables: 16,384 rows, not DuckDB's 122,880 (D121). A reader scans row groups in
# parallel, so a big KPI table in 4 or 5 groups keeps 2 cores unevenly busy: at SF1, `select *` of
# kpi_sales_vs_target (530 k rows) through Arrow took 89-92 ms at p95 with the default, 54-63 ms with
# 16,384 (the five views of 170-200 k rows 10-50 % faster), for a file 18 % bigger. Every 1.x reader opens it
# (tests/python/test_serving_readers.py publishes a table of several groups). Facts, dimensions and the
# data-quality tables keep the default, which costs about a quarter less CPU to write (D130).
SERVING_ROW_GROUP_SIZE = 16_384
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
RUNS_COLUMNS = {
    "run_id": "varchar",
    "command": "varchar",
    "status": "varchar",
    "exit_code": "integer",
    "failing_step": "varchar",
    "error": "varchar",
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "duration_seconds": "double",
    "as_of_date": "date",
    "mode": "varchar",
    "raw_source": "varchar",
    "dbt_target": "varchar",
    "dbt_select": "varchar",
    "models_built": "integer",
    "tests_passed": "integer",
    "tests_warned": "integer",
    "tests_failed": "integer",
    "expectations_evaluated": "integer",
    "expectations_failed": "integer",
    "kpi_row_counts": "varchar",
    "published_version": "varchar",
}


class PublishError(RuntimeError):
    """Publishing or rolling back failed; the serving file is unchanged."""


LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<holder>.+?)(?:\. See also|$)", re.DOTALL)


def is_lock_conflict(exc: BaseException) -> bool:
    """DuckDB's error for a file another process holds with an incompatible lock."""
    return isinstance(exc, duckdb.IOException) and "could not set lock" in str(exc).lower()


def lock_holder(exc: BaseException) -> str:
    """The program and pid DuckDB names in a lock error (the whole message if it names none)."""
    match = LOCK_HOLDER.search(str(exc))
    return match.group("holder").strip() if match else str(exc)


def writer_message(serving_db: Path, exc: BaseException, action: str) -> str:
    """Why `action` cannot go on: who holds the serving file read-write, and what to do."""
    return (
        f"cannot {action}: the serving file {serving_db} is open read-write in another process "
        f"({lock_holder(exc)}); replacing it would drop what that process writes. BI tools must open it "
        "read-only (docs/operations.md, 'Connecting a BI tool'); close that connection and run the command "
        "again"
    )


def storage_number(db_file: Path) -> int:
    """The storage version number in a DuckDB file's header (64: DuckDB 1.0/1.1 format; 2.0.0 writes 999)."""
    with db_file.open("rb") as handle:
        header = handle.read(20)
    if header[8:12] != b"DUCK":
        raise PublishError(f"{db_file} is not a DuckDB file")
    return int.from_bytes(header[12:20], "little")


@contextlib.contextmanager
def serving_guard(serving_db: Path, action: str) -> Iterator[None]:
    """Hold the serving file open read-only (a shared lock) while it is replaced.

    No process can hold it read-write meanwhile: one that does already makes this fail with a
    PublishError naming it (DuckDB's lock error names the program and its pid); one that tries during
    the replace is refused by DuckDB. Read-only readers share the lock and are not disturbed. An
    unreadable (damaged) serving file is replaced anyway: that is the repair.
    """
    con = None
    if serving_db.exists():
        try:
            con = duckdb.connect(str(serving_db), read_only=True)
        except duckdb.Error as exc:
            if is_lock_conflict(exc):
                raise PublishError(writer_message(serving_db, exc, action)) from exc
            log.warning("the serving file %s is unreadable (%s); replacing it", serving_db, exc)
    try:
        yield
    finally:
        if con is not None:
            con.close()


@dataclass
class PublishedVersion:
    run_id: str
    row_counts: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    archive: Path | None = None


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def connect_build(build_db: Path, settings: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the build database, whose catalog name views refer to."""
    con = duckdb.connect(str(build_db), read_only=True)
    apply_settings(con, settings)
    return con


def table_checksum(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> tuple[int, str]:
    """Row count and an order-independent checksum (sum of row hashes; floats rounded to 9 places)."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()
    parts = [
        f"round({quote_ident(name)}, 9)" if kind.upper() in FLOAT_TYPES else quote_ident(name)
        for name, kind in columns
    ]
    target = f"{quote_ident(catalog)}.{quote_ident(schema)}.{quote_ident(table)}"
    rows, total = con.execute(
        f"select count(*), coalesce(sum(hash({', '.join(parts)})::hugeint), 0) from {target}"
    ).fetchone()
    return int(rows), f"{int(rows)}:{int(total):x}"


def _naive_utc(value: object) -> dt.datetime | None:
    """An ISO timestamp as a naive UTC datetime (serving-file timestamps are UTC, like the marts' *_at)."""
    if value in (None, ""):
        return None
    moment = dt.datetime.fromisoformat(str(value))
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _runs_row(row: dict[str, Any]) -> list[Any]:
    return [
        _naive_utc(row.get(name)) if kind == "timestamp" else row.get(name)
        for name, kind in RUNS_COLUMNS.items()
    ]


@contextlib.contextmanager
def _attached(con: duckdb.DuckDBPyConnection, out_file: Path, small_row_groups: bool = True) -> Iterator[str]:
    """ATTACH `out_file` (created when absent) in the serving file's storage format, writing row groups of
    SERVING_ROW_GROUP_SIZE rows (or DuckDB's default); yields its alias and DETACHes it afterwards."""
    catalog = con.execute("select current_database()").fetchone()[0]
    alias = OUT if catalog != OUT else OUT + "_"
    row_groups = f", row_group_size {SERVING_ROW_GROUP_SIZE:d}" if small_row_groups else ""
    con.execute(
        f"attach {quote_literal(str(out_file))} as {alias} "
        f"(read_only false, storage_version {quote_literal(SERVING_STORAGE_VERSION)}{row_groups})"
    )
    try:
        yield alias
    finally:
        con.execute(f"detach {alias}")


def write_tables(
    con: duckdb.DuckDBPyConnection,
    out_file: Path,
    relations: list[Relation],
    run_id: str,
    on_first_table: Callable[[], None] | None = None,
) -> PublishedVersion:
    """Write every relation of the build database `con` into `out_file` as a plain table (a view is
    computed here; the KPI models are tables on DuckDB since D132), with its row count and checksum. The
    file is checkpointed and can be audited.

    Two passes over one file: facts, dimensions and data-quality tables in DuckDB's default row groups,
    then the KPI tables in row groups of SERVING_ROW_GROUP_SIZE rows (a per-ATTACH setting, D130)."""
    catalog = con.execute("select current_database()").fetchone()[0]
    published = PublishedVersion(run_id=run_id)
    passes = [[r for r in relations if r.kind != "kpi"], [r for r in relations if r.kind == "kpi"]]
    written = 0
    for small_row_groups, batch in zip((False, True), passes, strict=True):
        if not batch:
            continue
        with _attached(con, out_file, small_row_groups) as alias:
            for schema in sorted({r.schema for r in batch}):
                con.execute(f"create schema if not exists {alias}.{quote_ident(schema)}")
            for relation in batch:
                con.execute(
                    f"create table {alias}.{quote_ident(relation.schema)}.{quote_ident(relation.identifier)} "
                    f"as select * from {quote_ident(catalog)}.{relation.sql}"
                )
                rows, checksum = table_checksum(con, alias, relation.schema, relation.identifier)
                published.row_counts[relation.label] = rows
                published.checksums[relation.label] = checksum
                written += 1
                if written == 1 and on_first_table:
                    on_first_table()
            con.execute(f"checkpoint {alias}")
    return published


def write_pipeline_tables(
    con: duckdb.DuckDBPyConnection,
    out_file: Path,
    relations: list[Relation],
    published: PublishedVersion,
    version: dict[str, Any],
    history_rows: list[dict[str, Any]],
) -> None:
    """Add the schema `pipeline` (version, published_tables, runs) to a file written by write_tables, and
    checkpoint it: the file is then self-contained."""
    run_id = str(version["run_id"])
    with _attached(con, out_file) as alias:
        pipeline = f"{alias}.{PIPELINE_SCHEMA}"
        con.execute(f"create schema if not exists {pipeline}")
        con.execute(
            f"create table {pipeline}.version (run_id varchar, as_of_date date, published_at timestamp, "
            "mode varchar, raw_source varchar, dbt_target varchar, table_count integer)"
        )
        con.execute(
            f"insert into {pipeline}.version values (?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                version.get("as_of_date"),
                _naive_utc(version["published_at"]),
                version.get("mode"),
                version.get("raw_source"),
                version.get("dbt_target"),
                len(relations),
            ],
        )
        con.execute(
            f"create table {pipeline}.published_tables (schema_name varchar, table_name varchar, "
            "kind varchar, source_materialization varchar, row_count bigint, checksum varchar, "
            "run_id varchar)"
        )
        con.executemany(
            f"insert into {pipeline}.published_tables values (?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    r.schema,
                    r.identifier,
                    r.kind,
                    r.materialized,
                    published.row_counts[r.label],
                    published.checksums[r.label],
                    run_id,
                ]
                for r in relations
            ],
        )
        columns = ", ".join(f"{name} {kind}" for name, kind in RUNS_COLUMNS.items())
        con.execute(f"create table {pipeline}.runs ({columns})")
        if history_rows:
            placeholders = ", ".join("?" for _ in RUNS_COLUMNS)
            con.executemany(
                f"insert into {pipeline}.runs values ({placeholders})",
                [_runs_row(row) for row in history_rows],
            )
        con.execute(f"checkpoint {alias}")


def write_version(
    con: duckdb.DuckDBPyConnection,
    out_file: Path,
    relations: list[Relation],
    version: dict[str, Any],
    history_rows: list[dict[str, Any]],
    on_first_table: Callable[[], None] | None = None,
) -> PublishedVersion:
    """Create `out_file` holding every relation as a plain table plus the pipeline schema."""
    published = write_tables(con, out_file, relations, str(version["run_id"]), on_first_table)
    write_pipeline_tables(con, out_file, relations, published, version, history_rows)
    return published


def _copy_durable(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    fsync_path(target)


def temp_serving_file(paths: Paths, run_id: str) -> Path:
    return paths.serving_db.parent / f".{paths.serving_db.name}.{run_id}.tmp"


def clean_temp_files(paths: Paths) -> list[str]:
    """Remove temp files of publishes that died (the caller holds the pipeline lock)."""
    removed = []
    folders = [
        (paths.serving_db.parent, f".{paths.serving_db.name}.*.tmp*"),
        (paths.versions_dir, ".*.partial*"),
    ]
    for folder, pattern in folders:
        if folder.exists():
            for path in folder.glob(pattern):
                path.unlink(missing_ok=True)
                removed.append(path.name)
    removed += serving_parquet.clean_partials(serving_parquet.parquet_root(paths.serving_db))
    if removed:
        log.warning("removed temp files left by an interrupted publish: %s", ", ".join(sorted(removed)))
    return removed


def recover_interrupted(paths: Paths) -> None:
    """At the start of every command (under the pipeline lock): remove temp files of a publish that died,
    and point the Parquet `current` at the served version if a kill came between the two switches."""
    clean_temp_files(paths)
    try:
        served = served_version(paths.serving_db)
    except duckdb.Error as exc:  # reported by the command itself where it matters
        log.debug("cannot read %s to check the Parquet pointer: %s", paths.serving_db, exc)
        return
    if served:
        try:
            sync_parquet(paths, str(served["run_id"]))
        except (serving_parquet.ParquetExportError, OSError) as exc:
            log.error("the Parquet copy does not follow the served version %s: %s", served["run_id"], exc)


def sync_parquet(paths: Paths, run_id: str) -> None:
    """Make the Parquet `current` name `run_id` (exporting it from its archive if it has no folder)."""
    root = serving_parquet.parquet_root(paths.serving_db)
    if serving_parquet.current_version(root) == run_id and serving_parquet.is_complete(root, run_id):
        return
    if not serving_parquet.is_complete(root, run_id):
        archive = archive_path(paths, run_id)
        source = archive if archive.exists() else paths.serving_db
        serving_parquet.export_version(source, root, run_id)
    serving_parquet.switch_current(root, run_id)


def install(
    source: Path,
    paths: Paths,
    run_id: str,
    before_replace: Callable[[], None] | None = None,
    action: str = "publish",
) -> None:
    """Make `source` the served file: copy beside the serving file, fsync, os.replace, fsync the folder.

    The replace happens under serving_guard: refused (PublishError) while a process holds the file
    read-write."""
    serving = paths.serving_db
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_serving_file(paths, run_id)
    if source != tmp:
        _copy_durable(source, tmp)
    if before_replace:
        before_replace()
    with serving_guard(serving, action):
        tmp.replace(serving)
    fsync_path(serving.parent)


def archive_path(paths: Paths, run_id: str) -> Path:
    return paths.versions_dir / f"{run_id}.duckdb"


@dataclass
class Candidate:
    """A new serving file written beside the serving one (write_candidate), not yet served: the audit
    (validate) reads it, then publish_candidate completes and installs it, or discard removes it."""

    file: Path
    relations: list[Relation]
    published: PublishedVersion


def write_candidate(
    paths: Paths,
    relations: list[Relation],
    run_id: str,
    settings: dict[str, str],
    pause: Callable[[str], None] | None = None,
) -> Candidate:
    """Write the tables of the new version into its temp file beside the serving file (refused at once
    while a process holds the serving file read-write). Nothing is served yet."""
    paths.serving_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_serving_file(paths, run_id)
    tmp.unlink(missing_ok=True)
    with serving_guard(paths.serving_db, "publish"):
        pass  # refuse at once, before the expensive part, while a process holds the file read-write
    try:
        with connect_build(paths.build_db, settings) as con:
            published = write_tables(con, tmp, relations, run_id, lambda: pause("publish") if pause else None)
    except (duckdb.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise PublishError(f"publish failed, the previous version is still served: {exc}") from exc
    return Candidate(file=tmp, relations=relations, published=published)


def discard(candidate: Candidate) -> None:
    """Remove a candidate that will not be served (its audit failed, or the run stopped)."""
    candidate.file.unlink(missing_ok=True)
    Path(f"{candidate.file}.wal").unlink(missing_ok=True)


def publish_candidate(
    paths: Paths,
    candidate: Candidate,
    version: dict[str, Any],
    history_rows: list[dict[str, Any]],
    pause: Callable[[str], None] | None = None,
) -> PublishedVersion:
    """Add the pipeline tables to the audited candidate, archive it, export it as Parquet, then atomically
    replace the serving file with it and point the Parquet `current` at it."""
    run_id = str(version["run_id"])
    if candidate.published.run_id != run_id:
        raise PublishError(f"the candidate is of run {candidate.published.run_id}, not {run_id}")
    paths.versions_dir.mkdir(parents=True, exist_ok=True)
    parquet = serving_parquet.parquet_root(paths.serving_db)
    tmp = candidate.file
    archive = archive_path(paths, run_id)
    published = candidate.published
    try:
        with duckdb.connect(":memory:") as con:
            write_pipeline_tables(con, tmp, candidate.relations, published, version, history_rows)
        fsync_path(tmp)
        if Path(f"{tmp}.wal").exists():
            raise PublishError(f"{tmp}.wal remains after checkpoint: the new file is not self-contained")
        partial = paths.versions_dir / f".{run_id}.partial"
        _copy_durable(tmp, partial)
        partial.replace(archive)
        fsync_path(paths.versions_dir)
        serving_parquet.export_version(tmp, parquet, run_id)
        install(tmp, paths, run_id, lambda: pause("publish_replace") if pause else None)
    except (PublishError, serving_parquet.ParquetExportError, duckdb.Error, OSError) as exc:
        discard(candidate)
        archive.unlink(missing_ok=True)  # never served: not a rollback target
        serving_parquet.remove_version(parquet, run_id)
        if isinstance(exc, PublishError):
            raise PublishError(f"{exc}. The previous version is still served") from exc
        raise PublishError(f"publish failed, the previous version is still served: {exc}") from exc
    published.archive = archive
    _switch_parquet(parquet, run_id)
    log.info(
        "published %s: %d tables -> %s (archived %s; Parquet %s)",
        run_id,
        len(candidate.relations),
        paths.serving_db,
        archive.name,
        parquet / run_id,
    )
    return published


def publish(
    paths: Paths,
    relations: list[Relation],
    version: dict[str, Any],
    history_rows: list[dict[str, Any]],
    settings: dict[str, str],
    pause: Callable[[str], None] | None = None,
) -> PublishedVersion:
    """write_candidate then publish_candidate, without an audit in between (the audit is the caller's)."""
    candidate = write_candidate(paths, relations, str(version["run_id"]), settings, pause)
    return publish_candidate(paths, candidate, version, history_rows, pause)


def _switch_parquet(parquet: Path, run_id: str) -> None:
    """After the DuckDB file is replaced: a failure here is logged, not raised (the new version is already
    served), and the next pipeline command points `current` at the served version (recover_interrupted)."""
    try:
        serving_parquet.switch_current(parquet, run_id)
    except (serving_parquet.ParquetExportError, OSError) as exc:
        log.error("serving %s, but the Parquet `current` could not be switched to it: %s", run_id, exc)


def served_version(serving_db: Path) -> dict[str, Any] | None:
    """The pipeline.version row of the serving file (None when nothing is served yet)."""
    if not serving_db.exists():
        return None
    with duckdb.connect(str(serving_db), read_only=True) as con:
        row = con.execute(
            "select run_id, as_of_date, published_at, mode, raw_source, table_count "
            f"from {PIPELINE_SCHEMA}.version"
        ).fetchone()
    if row is None:
        return None
    keys = ("run_id", "as_of_date", "published_at", "mode", "raw_source", "table_count")
    return dict(zip(keys, row, strict=True))


def archived_versions(paths: Paths) -> list[str]:
    """Run ids of the archived versions, oldest first."""
    if not paths.versions_dir.exists():
        return []
    return sorted(p.stem for p in paths.versions_dir.glob("*.duckdb") if RUN_ID.fullmatch(p.stem))


def prune_versions(paths: Paths, keep: int, protect: set[str], published_runs: set[str]) -> list[str]:
    """Keep the newest `keep` archived versions (and the served one); drop never-served leftovers."""
    versions = archived_versions(paths)
    leftovers = [v for v in versions if v not in published_runs and v not in protect]
    kept = [v for v in versions if v not in leftovers]
    drop = leftovers + [v for v in kept[:-keep] if v not in protect]
    for run_id in drop:
        archive_path(paths, run_id).unlink(missing_ok=True)
    if drop:
        log.info("pruned archived versions: %s", ", ".join(drop))
    # the Parquet folders follow the archives (the one `current` names is always kept)
    keep_parquet = set(archived_versions(paths)) | protect
    serving_parquet.prune(serving_parquet.parquet_root(paths.serving_db), keep_parquet)
    return drop


def served_version_for(paths: Paths, action: str) -> dict[str, Any] | None:
    """served_version, with a read-write holder reported as the reason `action` cannot go on."""
    try:
        return served_version(paths.serving_db)
    except duckdb.Error as exc:
        if is_lock_conflict(exc):
            raise PublishError(writer_message(paths.serving_db, exc, action)) from exc
        log.warning("cannot read the served version of %s: %s", paths.serving_db, exc)
        return None


def rollback(
    paths: Paths, to: str | None, pause: Callable[[str], None] | None = None
) -> tuple[str | None, str]:
    """Serve an archived version again: `to`, or the newest one older than the served version. The Parquet
    `current` follows (the version is exported from its archive if its Parquet folder was removed)."""
    try:
        current = served_version_for(paths, "roll back")
    except PublishError as exc:
        raise PublishError(f"{exc}. The served version is unchanged") from exc
    current_id = current["run_id"] if current else None
    versions = archived_versions(paths)
    if to is not None:
        if to not in versions:
            raise PublishError(f"no archived version {to}; available: {', '.join(versions) or 'none'}")
        target = to
    else:
        older = [v for v in versions if current_id is None or v < current_id]
        if not older:
            raise PublishError(
                f"no archived version older than the served one ({current_id}) to roll back to"
            )
        target = older[-1]
    if target == current_id:
        raise PublishError(f"{target} is already served")
    archive = archive_path(paths, target)
    try:
        if storage_number(archive) != SERVING_STORAGE_NUMBER:
            log.warning(
                "%s was archived in DuckDB storage format %d: DuckDB 1.x readers cannot open it",
                archive.name,
                storage_number(archive),
            )
        parquet = serving_parquet.parquet_root(paths.serving_db)
        serving_parquet.export_version(archive, parquet, target)
        install(
            archive,
            paths,
            f"rollback-{target}",
            lambda: pause("publish_replace") if pause else None,
            action="roll back",
        )
    except (PublishError, serving_parquet.ParquetExportError, OSError) as exc:
        temp_serving_file(paths, f"rollback-{target}").unlink(missing_ok=True)
        raise PublishError(f"rollback failed, {current_id} is still served: {exc}") from exc
    _switch_parquet(parquet, target)
    log.info("rolled back: now serving %s (was %s)", target, current_id)
    return current_id, target
