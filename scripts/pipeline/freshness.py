"""Source freshness, judged at the as-of date rather than at the wall clock.

`dbt source freshness` measures max(loaded_at_field) per raw table (target/sources.json) and compares it
with now. The bundled sample is a fixed snapshot and a backfill looks at a past day, so the pipeline takes
dbt's max_loaded_at and measures its age at the reference instant: the end of the as-of day in the
reporting time zone, or now if that is earlier. The thresholds are dbt's own freshness criteria, rendered
from the vars freshness_warn_after_hours / freshness_error_after_hours. Absent optional tables are skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from scripts.pipeline.config import Paths
from scripts.pipeline.dbt_runner import DbtRun, run_dbt

log = logging.getLogger("pipeline.freshness")

SOURCE_NAME = "crm"
PERIOD_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


@dataclass
class SourceFreshness:
    """Freshness of one raw table at the reference instant."""

    table: str
    status: str  # pass | warn | error | skipped
    max_loaded_at: str | None = None
    age_hours: float | None = None
    warn_after_hours: float | None = None
    error_after_hours: float | None = None
    note: str = ""


@dataclass
class FreshnessReport:
    """Freshness of every present raw table."""

    as_of_date: str
    reference_at: str
    sources: list[SourceFreshness] = field(default_factory=list)

    @property
    def stale(self) -> list[SourceFreshness]:
        return [s for s in self.sources if s.status == "error"]

    @property
    def warned(self) -> list[SourceFreshness]:
        return [s for s in self.sources if s.status == "warn"]


def reference_instant(as_of: dt.date, zone: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    """End of the as-of day in the reporting zone, as UTC, but never later than now."""
    end_of_day = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return min(end_of_day.astimezone(dt.UTC), now.astimezone(dt.UTC))


def _hours(criterion: object) -> float | None:
    if not isinstance(criterion, dict) or criterion.get("count") in (None, ""):
        return None
    period = str(criterion.get("period") or "hour")
    return float(criterion["count"]) * PERIOD_HOURS.get(period, 1.0)


def _parse_timestamp(value: object) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def judge(
    table: str,
    max_loaded_at: dt.datetime | None,
    reference: dt.datetime,
    warn_hours: float | None,
    error_hours: float | None,
    required: bool,
) -> SourceFreshness:
    """Compare one table's newest load time with the thresholds at the reference instant."""
    result = SourceFreshness(
        table=table, status="pass", warn_after_hours=warn_hours, error_after_hours=error_hours
    )
    if max_loaded_at is None:
        result.status = "error" if required else "skipped"
        result.note = "no rows with a load timestamp"
        return result
    result.max_loaded_at = max_loaded_at.isoformat()
    age = (reference - max_loaded_at).total_seconds() / 3600
    result.age_hours = round(age, 2)
    if age < 0:
        result.note = "newest row is after the reference instant"
    if error_hours is not None and age > error_hours:
        result.status = "error"
    elif warn_hours is not None and age > warn_hours:
        result.status = "warn"
    return result


def configured_tables(target_dir: Path) -> dict[str, bool] | None:
    """Per crm source table of the manifest: whether it has a loaded_at_field and freshness thresholds."""
    path = target_dir / "manifest.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    configured: dict[str, bool] = {}
    for node in manifest.get("sources", {}).values():
        if node.get("source_name") != SOURCE_NAME:
            continue
        config = node.get("config") or {}
        loaded_at = node.get("loaded_at_field") or config.get("loaded_at_field")
        freshness = node.get("freshness") or config.get("freshness") or {}
        thresholds = [(freshness.get(k) or {}).get("count") for k in ("warn_after", "error_after")]
        configured[str(node["name"])] = bool(loaded_at) and any(t not in (None, "") for t in thresholds)
    return configured


def check_freshness(
    paths: Paths,
    tables: list[str],
    required_tables: tuple[str, ...],
    as_of: dt.date,
    zone: dt.tzinfo,
    dbt_vars: dict[str, object],
    target: str | None,
    now: dt.datetime,
) -> tuple[FreshnessReport, DbtRun | None]:
    """Run `dbt source freshness` on the present raw tables and judge them at the as-of date."""
    reference = reference_instant(as_of, zone, now)
    report = FreshnessReport(as_of_date=as_of.isoformat(), reference_at=reference.isoformat())
    known = configured_tables(paths.target_dir)
    candidates = [t for t in tables if known is None or known.get(t, True)]
    run = None
    results: list[dict[str, object]] = []
    if candidates:
        run = run_dbt(
            ["source", "freshness", "--select", *(f"source:{SOURCE_NAME}.{t}" for t in candidates)],
            paths,
            dbt_vars,
            target,
            results_name="sources.json",
        )
        results_file = paths.target_dir / "sources.json"
        if results_file.exists():
            results = json.loads(results_file.read_text(encoding="utf-8")).get("results", [])
    by_table = {str(r.get("unique_id", "")).rsplit(".", 1)[-1]: r for r in results}
    known = configured_tables(paths.target_dir) or known or {}
    for table in tables:
        row = by_table.get(table)
        required = table in required_tables
        if not known.get(table, False):
            report.sources.append(SourceFreshness(table, "skipped", note="no loaded_at_field or freshness"))
            continue
        if row is None or row.get("status") == "runtime error" or "max_loaded_at" not in row:
            message = " ".join(str((row or {}).get("message") or "").split())
            status = "error" if required else "skipped"
            report.sources.append(
                SourceFreshness(table, status, note=f"dbt could not measure it {message}".strip())
            )
            continue
        criteria = row.get("criteria") or {}
        assert isinstance(criteria, dict)
        report.sources.append(
            judge(
                table,
                _parse_timestamp(row.get("max_loaded_at")),
                reference,
                _hours(criteria.get("warn_after")),
                _hours(criteria.get("error_after")),
                required,
            )
        )
    _log_report(report)
    return report, run


def _log_report(report: FreshnessReport) -> None:
    for source in report.sources:
        level = {"error": logging.ERROR, "warn": logging.WARNING}.get(source.status, logging.INFO)
        age = f"{source.age_hours:.1f} h" if source.age_hours is not None else "n/a"
        log.log(
            level,
            "freshness %-26s %-7s newest %s, age %s at %s (warn > %s h, error > %s h) %s",
            source.table,
            source.status,
            source.max_loaded_at,
            age,
            report.reference_at,
            source.warn_after_hours,
            source.error_after_hours,
            source.note,
        )
