"""`status`: what is served and how old it is, whether a run is in progress, the last runs."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb

from scripts.pipeline import publish, serving_parquet
from scripts.pipeline.config import Paths, utc_now
from scripts.pipeline.engines.base import Engine, EngineError
from scripts.pipeline.history import RunStore, read_build_marker
from scripts.pipeline.lock import holder_alive, read_lock_info

log = logging.getLogger("pipeline.status")


@dataclass
class Status:
    serving_file: str
    served: dict[str, Any] | None
    served_age_hours: float | None
    data_age_days: int | None
    in_progress: dict[str, Any] | None
    last_build: dict[str, Any] | None
    versions: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    serving_error: str | None = None
    parquet_dir: str | None = None
    parquet_current: str | None = None


def collect(
    paths: Paths, limit: int = 10, now: dt.datetime | None = None, engine: Engine | None = None
) -> Status:
    """What is served: the DuckDB serving file, or the serving schema of `engine` (a non-DuckDB target)."""
    now = now or utc_now()
    serving_error = None
    try:
        served = engine.served_version() if engine is not None else publish.served_version(paths.serving_db)
    except EngineError as exc:
        served, serving_error = None, str(exc)
        log.error("%s", serving_error)
    except duckdb.Error as exc:
        served = None
        if publish.is_lock_conflict(exc):
            serving_error = (
                f"{paths.serving_db} is open read-write in another process ({publish.lock_holder(exc)}): "
                "no other reader can open it and publish and rollback will refuse (exit 8) until that "
                "connection closes; BI tools must open it read-only"
            )
        else:
            serving_error = f"cannot read {paths.serving_db}: {exc}"
        log.error("%s", serving_error)
    served_age = data_age = None
    if served:
        published_at = served["published_at"]
        if isinstance(published_at, dt.datetime):
            moment = published_at if published_at.tzinfo else published_at.replace(tzinfo=dt.UTC)
            served_age = round((now - moment).total_seconds() / 3600, 2)
            served["published_at"] = moment.isoformat()
        if isinstance(served.get("as_of_date"), dt.date):
            data_age = (now.date() - served["as_of_date"]).days
            served["as_of_date"] = served["as_of_date"].isoformat()
    store = RunStore(paths.runs_dir)
    records = store.all()
    in_progress = None
    holder = read_lock_info(paths.lock_file)
    if holder and holder_alive(holder):
        running = next((r for r in records if r.run_id == holder.run_id and r.status == "running"), None)
        if running:
            in_progress = {
                "run_id": running.run_id,
                "command": running.command,
                "pid": holder.pid,
                "started_at": running.started_at,
                "current_step": running.steps[-1].name if running.steps else None,
            }
    rows = [r.history_row() for r in reversed(records[-limit:])]
    if engine is not None:
        return Status(
            serving_file=engine.describe(),
            served=served,
            served_age_hours=served_age,
            data_age_days=data_age,
            in_progress=in_progress,
            last_build=read_build_marker(paths.build_marker),
            versions=engine.versions() if serving_error is None else [],
            runs=rows,
            serving_error=serving_error,
        )
    parquet = serving_parquet.parquet_root(paths.serving_db)
    return Status(
        serving_file=str(paths.serving_db),
        served=served,
        served_age_hours=served_age,
        data_age_days=data_age,
        in_progress=in_progress,
        last_build=read_build_marker(paths.build_marker),
        versions=publish.archived_versions(paths),
        runs=rows,
        serving_error=serving_error,
        parquet_dir=str(parquet),
        parquet_current=serving_parquet.current_version(parquet),
    )


def format_status(status: Status) -> list[str]:
    lines = []
    if status.served:
        s = status.served
        lines.append(
            f"Serving {status.serving_file}: run {s['run_id']}, data as of {s['as_of_date']} "
            f"({status.data_age_days} days ago), published {s['published_at']} "
            f"({status.served_age_hours:.1f} h ago), {s['table_count']} tables"
        )
    elif status.serving_error:
        lines.append(f"Cannot read the serving file: {status.serving_error}")
    else:
        lines.append(f"Nothing served yet ({status.serving_file} does not exist)")
    if status.parquet_current:
        served_id = status.served["run_id"] if status.served else None
        note = (
            "" if served_id in (None, status.parquet_current) else f" (differs from the served {served_id}!)"
        )
        lines.append(f"Parquet: {status.parquet_dir}/current -> {status.parquet_current}{note}")
    if status.in_progress:
        p = status.in_progress
        lines.append(
            f"In progress: {p['command']} {p['run_id']} (pid {p['pid']}, since {p['started_at']}, "
            f"step {p['current_step']})"
        )
    else:
        lines.append("In progress: nothing")
    if status.last_build:
        b = status.last_build
        lines.append(
            f"Last complete build: run {b.get('run_id')}, as of {b.get('as_of_date')}, at {b.get('built_at')}"
        )
    else:
        lines.append("Last complete build: none (the last load/build did not finish)")
    lines.append(f"Archived versions (rollback targets): {', '.join(status.versions) or 'none'}")
    lines.append("Last runs (newest first):")
    header = f"  {'run_id':<24} {'command':<9} {'status':<10} {'exit':>4} {'as_of':<10} {'secs':>7}  details"
    lines.append(header)
    for r in status.runs:
        details = r["failing_step"] and f"failed at {r['failing_step']}: {(r['error'] or '')[:160]}"
        if not details and r["status"] == "published":
            tests = f"{r['tests_passed']} tests passed"
            details = f"{tests}, {r['expectations_evaluated']} expectations ok"
        duration = f"{r['duration_seconds']:.0f}" if r["duration_seconds"] is not None else "-"
        code = "-" if r["exit_code"] is None else str(r["exit_code"])
        lines.append(
            f"  {r['run_id']:<24} {r['command']:<9} {r['status']:<10} {code:>4} "
            f"{r['as_of_date'] or '-':<10} {duration:>7}  {details or ''}"
        )
    return lines


def status_json(status: Status) -> str:
    return json.dumps(status.__dict__, indent=1, default=str)
