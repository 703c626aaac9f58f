"""Run history: one JSON file per run (state/runs/<run_id>.json), rewritten atomically after every step.

The JSON files are the authoritative history (failed runs never touch the serving file); each publish also
writes them, flattened, into the table pipeline.runs of the new serving file. A run killed mid-way leaves
its record with status 'running'; the next run that takes the lock marks it 'abandoned'.

The build marker (state/build.json) says which run last completed a successful dbt build; it is removed
before a load or build starts, so `publish` never ships a half-built database.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts.pipeline.config import RUN_ID, utc_now

log = logging.getLogger("pipeline.history")


def write_json_atomic(path: Path, payload: object) -> None:
    """Write JSON next to its final name, fsync, rename: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


@dataclass
class StepRecord:
    name: str
    status: str  # running | ok | warn | failed | skipped
    started_at: str
    ended_at: str | None = None
    detail: str = ""


@dataclass
class RunRecord:
    """Everything one pipeline command did."""

    run_id: str
    command: str
    started_at: str
    host: str
    pid: int
    status: str = "running"  # running | published | failed | refused | ok | abandoned
    ended_at: str | None = None
    duration_seconds: float | None = None
    exit_code: int | None = None
    failing_step: str | None = None
    error: str | None = None
    as_of_date: str | None = None
    mode: str | None = None  # sample | raw_dir | warehouse
    raw_source: str | None = None
    raw_schema: str | None = None
    dbt_target: str | None = None
    select: str | None = None
    full_refresh: bool = False
    steps: list[StepRecord] = field(default_factory=list)
    load_rows: dict[str, int] = field(default_factory=dict)
    load_rejects: dict[str, dict[str, Any]] = field(default_factory=dict)  # per table: count, first lines
    freshness: list[dict[str, Any]] = field(default_factory=list)
    dbt_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    dbt_failures: list[str] = field(default_factory=list)
    expectations: dict[str, Any] = field(default_factory=dict)
    kpi_row_counts: dict[str, int] = field(default_factory=dict)
    table_checksums: dict[str, str] = field(default_factory=dict)
    served_before: str | None = None
    published_version: str | None = None
    log_file: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["steps"] = [StepRecord(**s) for s in known.get("steps", [])]
        return cls(**known)

    def begin_step(self, name: str) -> StepRecord:
        step = StepRecord(name=name, status="running", started_at=utc_now().isoformat())
        self.steps.append(step)
        return step

    def tests(self) -> dict[str, int]:
        """dbt data and unit test counts by status."""
        totals: dict[str, int] = {}
        for kind in ("test", "unit_test"):
            for status, n in self.dbt_counts.get(kind, {}).items():
                totals[status] = totals.get(status, 0) + n
        return totals

    def history_row(self) -> dict[str, Any]:
        """The flat row of pipeline.runs in the serving file."""
        tests = self.tests()
        return {
            "run_id": self.run_id,
            "command": self.command,
            "status": self.status,
            "exit_code": self.exit_code,
            "failing_step": self.failing_step,
            "error": self.error,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_seconds": self.duration_seconds,
            "as_of_date": self.as_of_date,
            "mode": self.mode,
            "raw_source": self.raw_source,
            "dbt_target": self.dbt_target,
            "dbt_select": self.select,
            "models_built": self.dbt_counts.get("model", {}).get("success", 0),
            "tests_passed": tests.get("pass", 0),
            "tests_warned": tests.get("warn", 0),
            "tests_failed": tests.get("fail", 0) + tests.get("error", 0),
            "expectations_evaluated": self.expectations.get("evaluated"),
            "expectations_failed": self.expectations.get("failed"),
            "kpi_row_counts": json.dumps(self.kpi_row_counts, sort_keys=True),
            "published_version": self.published_version,
        }


class RunStore:
    """The JSON run records in one folder."""

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir

    def path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.json"

    def validation_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.validation.json"

    def save(self, record: RunRecord) -> None:
        write_json_atomic(self.path(record.run_id), asdict(record))

    def load(self, run_id: str) -> RunRecord:
        return RunRecord.from_dict(json.loads(self.path(run_id).read_text(encoding="utf-8")))

    def all(self) -> list[RunRecord]:
        """Every record, oldest first (run ids sort by start time)."""
        records = []
        if not self.runs_dir.exists():
            return records
        for path in sorted(self.runs_dir.glob("*.json")):
            if not RUN_ID.fullmatch(path.stem):
                continue
            try:
                records.append(RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError) as exc:
                log.warning("unreadable run record %s: %s", path.name, exc)
        return records

    def mark_abandoned(self, current_run_id: str) -> list[str]:
        """Close the records of runs that died while holding the lock (we hold it now, so they are dead)."""
        closed = []
        for record in self.all():
            if record.status == "running" and record.run_id != current_run_id:
                record.status = "abandoned"
                record.error = (
                    "the process ended without finishing (killed or crashed); nothing was published"
                )
                record.failing_step = next(
                    (s.name for s in reversed(record.steps) if s.status == "running"), None
                )
                record.exit_code = None
                self.save(record)
                closed.append(record.run_id)
        return closed


def write_build_marker(path: Path, build: dict[str, Any]) -> None:
    """Record a complete, successful build (run id, as-of date, selection, raw source)."""
    write_json_atomic(path, {**build, "built_at": utc_now().isoformat()})


def read_build_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def batch_tested_by(marker: dict[str, Any] | None) -> int | None:
    """The load batch up to which a build marker's build ran every raw test: its newest load batch, when
    it built the whole project (no --select or --exclude, which may leave tests out); else None."""
    if not marker or marker.get("select") or marker.get("exclude"):
        return None
    batch = marker.get("load_batch")
    return batch if isinstance(batch, int) and not isinstance(batch, bool) else None


def clear_build_marker(path: Path) -> None:
    path.unlink(missing_ok=True)
    if path.parent.exists():
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
