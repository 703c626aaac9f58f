"""The Parquet copy of the served version, for BI tools that read files instead of a DuckDB database.

Every table of a published serving file (KPI views, facts, dimensions, data-quality tables and the
`pipeline` tables) becomes one Parquet file, `<schema>/<table>.parquet`, in a folder per version:

    <serving folder>/parquet/
      <run_id>/marts/kpi_revenue_monthly.parquet ...   one complete version (never changed once named);
                                                       each file carries its run id (key-value metadata)
      <run_id>/_version.json                           run id, as-of date, files and row counts
      current -> <run_id>                              symlink, replaced by rename
      CURRENT                                          the same run id as text, replaced by rename
      .<run_id>.partial/                               an export in progress (removed by the next run)

A version folder is written under a dot name, fsynced, and renamed to `<run_id>` only when complete, so a
folder named by a run id always holds every file of that run. `current` and `CURRENT` name a version only
after its folder is complete; each is switched by one rename (atomic on POSIX), so whoever resolves one of
them gets a complete version. The Parquet files are exported from the new serving file itself (not from the
build database), so the two publications hold the same values.

Types: DuckDB's Parquet writer keeps DECIMAL(p, s) as Parquet decimals, dates, timestamps, integers and
text as themselves; HUGEINT / UHUGEINT (which it would write as DOUBLE) are exported as DECIMAL(38, 0), so
no exact number ever becomes a float. Every exported column's type is checked after writing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from scripts.pipeline.config import RUN_ID, utc_now

log = logging.getLogger("pipeline.parquet")

FOLDER = "parquet"
CURRENT_LINK = "current"
CURRENT_FILE = "CURRENT"
VERSION_FILE = "_version.json"
# snappy and format v1 data pages: what every Parquet reader of the last decade understands
COPY_OPTIONS = "format parquet, compression snappy, parquet_version v1"
# types DuckDB would write as a float: exported as exact decimals instead
EXACT_CASTS = {"HUGEINT": "decimal(38, 0)", "UHUGEINT": "decimal(38, 0)"}
SOURCE = "served_src"


class ParquetExportError(RuntimeError):
    """The Parquet version could not be written or checked."""


@dataclass
class ParquetVersion:
    run_id: str
    folder: Path
    row_counts: dict[str, int] = field(default_factory=dict)


def parquet_root(serving_db: Path) -> Path:
    """The Parquet publication lives beside the serving file."""
    return serving_db.parent / FOLDER


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def version_folder(root: Path, run_id: str) -> Path:
    return root / run_id


def is_complete(root: Path, run_id: str) -> bool:
    return RUN_ID.fullmatch(run_id) is not None and (root / run_id / VERSION_FILE).is_file()


def exported_versions(root: Path) -> list[str]:
    """Run ids of the complete version folders, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_complete(root, p.name))


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [SOURCE, schema, table],
    ).fetchall()


def _select_list(columns: list[tuple[str, str]]) -> str:
    parts = []
    for name, kind in columns:
        cast = EXACT_CASTS.get(kind.upper())
        ident = _quote_ident(name)
        parts.append(f"{ident}::{cast} as {ident}" if cast else ident)
    return ", ".join(parts)


def _expected_type(kind: str) -> str:
    return "DECIMAL(38,0)" if kind.upper() in EXACT_CASTS else kind.upper()


def export_version(source_db: Path, root: Path, run_id: str) -> ParquetVersion:
    """Write every table of `source_db` (a serving file or an archived version) as `root/<run_id>/`."""
    if not RUN_ID.fullmatch(run_id):
        raise ParquetExportError(f"not a run id: {run_id!r}")
    root.mkdir(parents=True, exist_ok=True)
    final = version_folder(root, run_id)
    if is_complete(root, run_id):
        log.info("Parquet version %s already exported", run_id)
        return ParquetVersion(run_id, final, _read_row_counts(final))
    partial = root / f".{run_id}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    exported = ParquetVersion(run_id, final)
    files: dict[str, dict[str, object]] = {}
    try:
        with duckdb.connect(":memory:") as con:
            con.execute(f"attach {_quote_literal(str(source_db))} as {SOURCE} (read_only true)")
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = ? order by all",
                [SOURCE],
            ).fetchall()
            version_row = con.execute(
                f"select run_id, as_of_date, published_at from {SOURCE}.pipeline.version"
            ).fetchone()
            if version_row is None or str(version_row[0]) != run_id:
                found = version_row[0] if version_row else None
                raise ParquetExportError(f"{source_db} holds version {found}, not {run_id}")
            for schema, table in tables:
                columns = _columns(con, schema, table)
                relative = Path(schema) / f"{table}.parquet"
                target = partial / relative
                target.parent.mkdir(exist_ok=True)
                con.execute(
                    f"copy (select {_select_list(columns)} "
                    f"from {SOURCE}.{_quote_ident(schema)}.{_quote_ident(table)}) "
                    f"to {_quote_literal(str(target))} "
                    f"({COPY_OPTIONS}, kv_metadata {{run_id: {_quote_literal(run_id)}}})"
                )
                written = con.execute(
                    f"select column_name, column_type from (describe select * from read_parquet("
                    f"{_quote_literal(str(target))}))"
                ).fetchall()
                expected = [(name, _expected_type(kind)) for name, kind in columns]
                if [(n, t.upper()) for n, t in written] != expected:
                    raise ParquetExportError(
                        f"{schema}.{table}: Parquet types {written} differ from the served types {expected}"
                    )
                rows = con.execute(
                    f"select count(*) from read_parquet({_quote_literal(str(target))})"
                ).fetchone()[0]
                _fsync(target)
                label = f"{schema}.{table}"
                exported.row_counts[label] = int(rows)
                files[label] = {"file": relative.as_posix(), "rows": int(rows)}
        for folder in {p.parent for p in partial.rglob("*.parquet")}:
            _fsync(folder)
        manifest = {
            "run_id": run_id,
            "as_of_date": str(version_row[1]) if version_row[1] else None,
            "published_at": str(version_row[2]) if version_row[2] else None,
            "exported_at": utc_now().isoformat(),
            "source": source_db.name,
            "tables": files,
        }
        version_file = partial / VERSION_FILE
        version_file.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _fsync(version_file)
        _fsync(partial)
        partial.rename(final)
        _fsync(root)
    except (duckdb.Error, OSError) as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise ParquetExportError(f"cannot export {source_db} as Parquet: {exc}") from exc
    except ParquetExportError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log.info("Parquet version %s: %d files in %s", run_id, len(files), final)
    return exported


def _read_row_counts(folder: Path) -> dict[str, int]:
    manifest = json.loads((folder / VERSION_FILE).read_text(encoding="utf-8"))
    return {label: int(entry["rows"]) for label, entry in manifest["tables"].items()}


def current_version(root: Path) -> str | None:
    """The run id `current` points to (the symlink, else the CURRENT file), None if there is none."""
    link = root / CURRENT_LINK
    candidates = []
    if link.is_symlink():
        candidates.append(str(link.readlink()))
    pointer = root / CURRENT_FILE
    if pointer.is_file():
        candidates.append(pointer.read_text(encoding="utf-8").strip())
    for value in candidates:
        if RUN_ID.fullmatch(value):
            return value
    return None


def switch_current(root: Path, run_id: str) -> None:
    """Point `current` (symlink) and `CURRENT` (text file) at a complete version, each by one rename."""
    if not is_complete(root, run_id):
        raise ParquetExportError(f"Parquet version {run_id} is not complete in {root}")
    link = root / CURRENT_LINK
    if link.exists() and not link.is_symlink():
        # a copy that followed the symlink (cp -r, copytree): a rename cannot replace a folder
        log.warning("%s is a real folder, not a symlink (copied?); replacing it with the symlink", link)
        if link.is_dir():
            shutil.rmtree(link)
        else:
            link.unlink()
    link_tmp = root / f".{CURRENT_LINK}.{run_id}.tmp"
    link_tmp.unlink(missing_ok=True)
    link_tmp.symlink_to(run_id)  # relative: the folder can be moved or mounted elsewhere
    link_tmp.replace(link)
    file_tmp = root / f".{CURRENT_FILE}.{run_id}.tmp"
    with file_tmp.open("w", encoding="utf-8") as handle:
        handle.write(run_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    file_tmp.replace(root / CURRENT_FILE)
    _fsync(root)
    log.info("Parquet current -> %s", run_id)


def remove_version(root: Path, run_id: str) -> None:
    if RUN_ID.fullmatch(run_id):
        shutil.rmtree(root / run_id, ignore_errors=True)


def clean_partials(root: Path) -> list[str]:
    """Remove exports and pointer switches that died half-way (the caller holds the pipeline lock)."""
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        if path.name.startswith(".") and (path.name.endswith(".partial") or path.name.endswith(".tmp")):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def prune(root: Path, keep: set[str]) -> list[str]:
    """Remove version folders whose run is not in `keep` (the current one is never removed)."""
    current = current_version(root)
    drop = [v for v in exported_versions(root) if v not in keep and v != current]
    for run_id in drop:
        remove_version(root, run_id)
    if drop:
        log.info("pruned Parquet versions: %s", ", ".join(drop))
    return drop
