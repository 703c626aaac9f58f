"""Source freshness, judged at the as-of date rather than at the wall clock.

`dbt source freshness` measures max(loaded_at_field) per raw table (target/sources.json) and compares it
with now. The bundled sample is a fixed snapshot and a backfill looks at a past day, so the pipeline takes
dbt's max_loaded_at and measures its age at the reference instant: the end of the as-of day in the
reporting time zone, or now if that is earlier. The thresholds are dbt's own freshness criteria, rendered
from the vars freshness_warn_after_hours / freshness_error_after_hours. Absent optional tables are skipped.

On the DuckDB target the pipeline measures in-process instead of starting `dbt source freshness` (a second
dbt process that parses the whole project: about 20 s of a 2-core machine's time, whatever the data size):
it reads the same source definitions (loaded_at_field and freshness criteria of _crm__sources.yml, the
criteria rendered with the same vars) and runs the query dbt runs, max(loaded_at_field) per table, in one
read-only connection to the build database. Other targets keep `dbt source freshness` (docs/decisions.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml

from scripts.contract import PROJECT_ROOT, SOURCES_FILE, landed_sources_file
from scripts.pipeline.config import Paths, project_var
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


@dataclass(frozen=True)
class SourceDefinition:
    """What dbt knows of one crm source table for freshness: loaded_at_field and criteria (hours)."""

    table: str
    loaded_at_field: str | None
    warn_after_hours: float | None
    error_after_hours: float | None

    @property
    def configured(self) -> bool:
        return bool(self.loaded_at_field) and (
            self.warn_after_hours is not None or self.error_after_hours is not None
        )


def _render_criterion(criterion: object, project_dir: Path, dbt_vars: dict[str, object]) -> float | None:
    """A freshness criterion as dbt renders it: `count` may be Jinja calling var(name, default)."""
    if not isinstance(criterion, dict):
        return None

    def var(name: str, default: object = None) -> object:
        return project_var(project_dir, name, dbt_vars, default)

    count = criterion.get("count")
    if isinstance(count, str):
        count = jinja2.Environment(autoescape=False).from_string(count).render(var=var).strip()
    return _hours({**criterion, "count": count})


def _render_loaded_at(field: object, target: dict[str, str]) -> str | None:
    """loaded_at_field as dbt renders it for a target: Jinja that may read target.type and target.schema."""
    if not isinstance(field, str):
        return None
    return jinja2.Environment(autoescape=False).from_string(field).render(target=target).strip()


def source_definitions(
    project_dir: Path,
    dbt_vars: dict[str, object],
    target: dict[str, str] | None = None,
    sources_file: Path = SOURCES_FILE,
    source_name: str = SOURCE_NAME,
) -> dict[str, SourceDefinition]:
    """A source's tables as dbt configures them (a table's `freshness` overrides the source's, and
    `freshness: null` switches it off), read from the sources file of the project: the crm source by
    default, or a CRM's landed tables (models/adapters/<crm>/_<crm>__sources.yml); loaded_at_field is
    rendered for `target` (type and schema; default the DuckDB target)."""
    target = target or {"type": "duckdb", "schema": "main"}
    path = project_dir / sources_file.relative_to(PROJECT_ROOT)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = next(s for s in doc["sources"] if s["name"] == source_name)

    def settings(node: dict[str, Any]) -> dict[str, Any]:
        return {
            **{k: v for k, v in node.items() if k in ("freshness", "loaded_at_field")},
            **(node.get("config") or {}),
        }

    base = settings(source)
    definitions = {}
    for table in source["tables"]:
        own = {**base, **settings(table)}
        freshness = own.get("freshness") or {}
        definitions[table["name"]] = SourceDefinition(
            table=table["name"],
            loaded_at_field=_render_loaded_at(own.get("loaded_at_field"), target),
            warn_after_hours=_render_criterion(freshness.get("warn_after"), project_dir, dbt_vars),
            error_after_hours=_render_criterion(freshness.get("error_after"), project_dir, dbt_vars),
        )
    return definitions


def measure_in_duckdb(
    build_db: Path, raw_schema: str, definitions: list[SourceDefinition]
) -> dict[str, dt.datetime | str | None]:
    """max(loaded_at_field) per table, as `dbt source freshness` computes it, in one read-only connection:
    a datetime (UTC), None for a table without a timestamp, or the error text of a failing query."""
    measured: dict[str, dt.datetime | str | None] = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")  # as the profile's settings: timestamptz values come back in UTC
        for definition in definitions:
            schema, table = (_quote(raw_schema), _quote(definition.table))
            # loaded_at_field is SQL from the project's own sources file, as dbt runs it
            sql = f"select max({definition.loaded_at_field}) from {schema}.{table}"
            try:
                row = con.execute(sql).fetchone()
            except duckdb.Error as exc:
                measured[definition.table] = " ".join(str(exc).split())[:300]
                continue
            value = row[0] if row else None
            if isinstance(value, dt.datetime):
                value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
                measured[definition.table] = value.astimezone(dt.UTC)
            else:
                measured[definition.table] = None
    return measured


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def target_is_duckdb(project_dir: Path, target: str | None) -> bool:
    """Whether the dbt target (else SALES_KPIS_TARGET, else duckdb, as profiles.yml) is a DuckDB output."""
    name = target or os.environ.get("SALES_KPIS_TARGET") or "duckdb"
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text(encoding="utf-8")) or {}
        output = profiles[project["profile"]]["outputs"][name]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return False
    return isinstance(output, dict) and output.get("type") == "duckdb"


def check_freshness_in_process(
    paths: Paths,
    tables: list[str],
    required_tables: tuple[str, ...],
    as_of: dt.date,
    zone: dt.tzinfo,
    dbt_vars: dict[str, object],
    raw_schema: str,
    now: dt.datetime,
    crm: str | None = None,
) -> FreshnessReport:
    """The freshness of the present raw tables at the as-of date, measured in the build database without a
    dbt process (DuckDB target): same definitions, same query, same judgement as check_freshness. With
    `crm`, the tables are that CRM's landed tables in `raw_schema` (its adapter's sources file)."""
    reference = reference_instant(as_of, zone, now)
    report = FreshnessReport(as_of_date=as_of.isoformat(), reference_at=reference.isoformat())
    if crm is None:
        definitions = source_definitions(paths.project_dir, dbt_vars)
    else:
        definitions = source_definitions(
            paths.project_dir, dbt_vars, sources_file=landed_sources_file(crm), source_name=crm
        )
    configured = [definitions[t] for t in tables if t in definitions and definitions[t].configured]
    measured = measure_in_duckdb(paths.build_db, raw_schema, configured) if configured else {}
    for table in tables:
        definition = definitions.get(table)
        required = table in required_tables
        if definition is None or not definition.configured:
            report.sources.append(SourceFreshness(table, "skipped", note="no loaded_at_field or freshness"))
            continue
        value = measured.get(table)
        if isinstance(value, str):
            status = "error" if required else "skipped"
            report.sources.append(SourceFreshness(table, status, note=f"could not measure it: {value}"))
            continue
        report.sources.append(
            judge(
                table, value, reference, definition.warn_after_hours, definition.error_after_hours, required
            )
        )
    _log_report(report)
    return report


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
            as_of=as_of,
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
