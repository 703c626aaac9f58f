"""The pipeline commands that change state: run, validate, publish, rollback.

Each takes the pipeline lock, records itself in the run history step by step, and returns an ExitCode.
`run`: load -> freshness -> dbt build -> validate -> publish; any failure stops it before publish, so the
served data stays as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from scripts import profile
from scripts.contract import REQUIRED_TABLES, load_contract, load_landed_shape
from scripts.load_raw import DEFAULT_MAX_REJECTED_SHARE, LoadError, load_directory
from scripts.pipeline import checks as checks_mod
from scripts.pipeline import faults, publish
from scripts.pipeline.config import (
    ConfigError,
    ExitCode,
    Paths,
    check_share,
    project_var,
    reporting_zone,
    utc_now,
)
from scripts.pipeline.dbt_runner import DbtRun, run_dbt
from scripts.pipeline.engines.base import EngineError, engine_for
from scripts.pipeline.freshness import (
    SourceFreshness,
    check_freshness,
    check_freshness_in_process,
    target_is_duckdb,
)
from scripts.pipeline.history import (
    RunRecord,
    RunStore,
    StepRecord,
    batch_tested_by,
    clear_build_marker,
    read_build_marker,
    write_build_marker,
)
from scripts.pipeline.lock import LockBusyError, LockInfo, PipelineLock
from scripts.pipeline.validate import validate_build
from scripts.summary import format_summary, read_summary

log = logging.getLogger("pipeline")


@dataclass
class RunOptions:
    """What the command line asked for."""

    command: str
    raw_dir: Path | None = None
    skip_load: bool = False
    raw_schema: str = "raw"
    crm_source: str = "contract"  # or a CRM whose landed tables the raw directory holds (its adapter)
    landed_schema: str | None = None  # schema of those landed tables (default raw_<crm>)
    as_of: dt.date | None = None
    target: str | None = None
    select: str | None = None
    exclude: str | None = None
    full_refresh: bool = False
    incremental: bool = False  # run --incremental: append the raw directory, build incrementally (D119)
    dbt_vars: dict[str, object] = field(default_factory=dict)
    allow_stale: bool = False
    raw_locale: str | None = None
    raw_timezone: str | None = None
    column_map: Path | None = None
    max_rejected_share: float | None = None
    allow_outside_links: bool = False
    extra_checks: Path | None = None
    rollback_to: str | None = None  # rollback --to; dashboard --run-id
    languages: list[str] | None = None  # dashboard --lang
    png: bool | None = None  # dashboard --no-png


class StepFailedError(Exception):
    """A step failed: the exit code to return and what to tell the operator."""

    def __init__(self, code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def sample_as_of(raw_dir: Path) -> dt.date | None:
    """The as-of date a generated data set was made for (manifest.json next to the CSVs), if any."""
    manifest = raw_dir / "manifest.json"
    if not manifest.exists():
        return None
    try:
        value = json.loads(manifest.read_text(encoding="utf-8")).get("as_of_date")
        return dt.date.fromisoformat(str(value)) if value else None
    except (ValueError, AttributeError) as exc:
        raise ConfigError(f"{manifest}: unreadable as_of_date ({exc})") from exc


class Pipeline:
    """One invocation of a state-changing command."""

    def __init__(self, paths: Paths, options: RunOptions, run_id: str, log_file: Path | None) -> None:
        self.paths = paths
        self.options = options
        self.store = RunStore(paths.runs_dir)
        self.started = time.monotonic()
        self.record = RunRecord(
            run_id=run_id,
            command=options.command,
            started_at=utc_now().isoformat(),
            host=socket.gethostname(),
            pid=os.getpid(),
            dbt_target=options.target,
            select=options.select,
            full_refresh=options.full_refresh,
            raw_schema=options.raw_schema,
            log_file=str(log_file) if log_file else None,
        )
        self.zone = reporting_zone(paths.project_dir, options.dbt_vars)
        # an incremental night: the highest load batch the last successful build tested (D127)
        self.raw_tested_batch: int | None = None
        try:
            # None: the DuckDB build and serving files; else the warehouse of a non-DuckDB target
            self.engine = engine_for(paths.project_dir, options.target, paths.state_dir)
        except EngineError as exc:
            raise ConfigError(str(exc)) from exc

    # ---- bookkeeping -------------------------------------------------------------------------------------

    def _save(self) -> None:
        self.store.save(self.record)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[StepRecord]:
        step = self.record.begin_step(name)
        self._save()
        log.info("== %s", name)
        try:
            yield step
        except StepFailedError as exc:
            step.status, step.detail = "failed", str(exc)
            self.record.failing_step = name
            raise
        except Exception as exc:
            step.status, step.detail = "failed", f"{type(exc).__name__}: {exc}"
            self.record.failing_step = name
            raise
        else:
            if step.status == "running":
                step.status = "ok"
        finally:
            step.ended_at = utc_now().isoformat()
            self._save()

    def pause(self, point: str, **details: object) -> None:
        faults.pause_point(point, self.paths.state_dir, **details)

    def execute(self) -> ExitCode:
        """Take the lock, run the command, record the outcome."""
        info = LockInfo(
            run_id=self.record.run_id,
            pid=os.getpid(),
            hostname=self.record.host,
            started_at=self.record.started_at,
            command=self.options.command,
        )
        lock = PipelineLock(self.paths.lock_file, info)
        try:
            lock.acquire()
        except LockBusyError as exc:
            log.error("%s. Nothing was changed; try again when it has finished.", exc)
            return ExitCode.IN_PROGRESS
        code = ExitCode.ERROR
        try:
            for run_id in self.store.mark_abandoned(self.record.run_id):
                log.warning("run %s ended without finishing (killed?); recorded as abandoned", run_id)
            if self.engine is None:
                publish.recover_interrupted(self.paths)
            served = self._served()
            self.record.served_before = served["run_id"] if served else None
            self._save()
            code = getattr(self, f"_cmd_{self.options.command}")()
        except StepFailedError as exc:
            self.record.error = str(exc)
            code = exc.code
            log.error("%s failed at step %s: %s", self.options.command, self.record.failing_step, exc)
        except (ConfigError, checks_mod.ChecksError) as exc:
            self.record.error = str(exc)
            code = ExitCode.USAGE
            log.error("%s", exc)
        except Exception as exc:
            self.record.error = f"{type(exc).__name__}: {exc}"
            code = ExitCode.ERROR
            log.exception("%s failed unexpectedly", self.options.command)
        finally:
            self.record.exit_code = int(code)
            if self.record.status == "running":
                self.record.status = "failed" if code != ExitCode.OK else "ok"
            self.record.ended_at = utc_now().isoformat()
            self.record.duration_seconds = round(time.monotonic() - self.started, 2)
            self._save()
            lock.release()
        log.info(
            "%s %s: %s (exit %d) in %.1f s",
            self.options.command,
            self.record.run_id,
            self.record.status,
            code,
            self.record.duration_seconds,
        )
        return code

    def _served(self) -> dict[str, object] | None:
        if self.engine is not None:
            try:
                return self.engine.served_version()
            except EngineError as exc:
                log.warning("cannot read the served version of %s: %s", self.engine.describe(), exc)
                return None
        try:
            return publish.served_version(self.paths.serving_db)
        except duckdb.Error as exc:
            log.warning("cannot read the served version of %s: %s", self.paths.serving_db, exc)
            return None

    # ---- commands ----------------------------------------------------------------------------------------

    def _cmd_run(self) -> ExitCode:
        as_of = self._load()
        self._freshness(as_of)
        self._build(as_of)
        manifest = self._build_manifest()
        self._audit_and_publish(manifest, as_of)
        self._log_summary()
        self._dashboard()
        return ExitCode.OK

    def _audit_and_publish(self, manifest: dict[str, object], as_of: dt.date | None) -> None:
        """Write-audit-publish. On DuckDB the new serving file is written first (`stage`: the KPI tables
        dbt built are copied into it, D132), the great-expectations suites read that file, and only an
        audited file is completed and installed (D129). An engine validates its build, then publishes."""
        if self.engine is not None:
            self._validate(manifest)
            self._publish(manifest, as_of)
            return
        candidate = self._stage(manifest)
        try:
            self._validate(manifest, candidate.file)
        except BaseException:
            publish.discard(candidate)
            raise
        self._publish(manifest, as_of, candidate)

    def _log_summary(self) -> None:
        """What is now served: row accounting, quarantine, unknown labels, tables (as make run shows)."""
        if self.engine is not None:
            log.info("serving %s", self.engine.describe())
            return
        try:
            for line in format_summary(read_summary(self.paths.serving_db)):
                log.info("%s", line)
        except duckdb.Error as exc:
            log.warning("cannot summarise %s: %s", self.paths.serving_db, exc)

    def _cmd_validate(self) -> ExitCode:
        marker = self._require_build()
        self.record.as_of_date = marker.get("as_of_date")
        self._validate(self._build_manifest())
        return ExitCode.OK

    def _cmd_publish(self) -> ExitCode:
        marker = self._require_build()
        as_of = dt.date.fromisoformat(marker["as_of_date"]) if marker.get("as_of_date") else None
        self.record.as_of_date = marker.get("as_of_date")
        self.record.mode = marker.get("mode")
        self.record.raw_source = marker.get("raw_source")
        manifest = self._build_manifest()
        self._check_serving_writable()
        self._audit_and_publish(manifest, as_of)
        self._dashboard()
        return ExitCode.OK

    def _check_serving_writable(self) -> None:
        """Refuse before validating if a process holds the serving file read-write (publish would fail)."""
        if self.engine is not None:
            return
        with self.step("check_serving"):
            try:
                with publish.serving_guard(self.paths.serving_db, "publish"):
                    pass
            except publish.PublishError as exc:
                raise StepFailedError(
                    ExitCode.PUBLISH_FAILED, f"{exc}. The previous version is still served"
                ) from exc

    def _cmd_rollback(self) -> ExitCode:
        with self.step("rollback") as step:
            try:
                if self.engine is not None:
                    before, after = self.engine.rollback(self.options.rollback_to)
                else:
                    before, after = publish.rollback(self.paths, self.options.rollback_to, self.pause)
            except (publish.PublishError, EngineError) as exc:
                raise StepFailedError(ExitCode.PUBLISH_FAILED, str(exc)) from exc
            step.detail = f"serving {after} (was {before})"
            self.record.published_version = after
        self._dashboard()
        return ExitCode.OK

    def _cmd_dashboard(self) -> ExitCode:
        from scripts.pipeline import dashboard

        with self.step("dashboard") as step:
            languages = tuple(self.options.languages) if self.options.languages else dashboard.LANGUAGES
            result = dashboard.build_for(
                self.paths, self.options.rollback_to, languages, png=self.options.png
            )
            step.detail = result.summary()
        for html in (f for f in result.files if f.suffix == ".html"):
            log.info("dashboard: %s", html)
        return ExitCode.OK

    def _dashboard(self) -> None:
        """The last step: the dashboard of what is now served (docs/dashboard.md). If it fails, the last
        good dashboard stays, a warning is logged and recorded, and the exit code stays 0: the data is
        published (decision D71). `python -m scripts.pipeline dashboard` retries it alone."""
        from scripts.pipeline import dashboard

        if dashboard.mode() == "off" or self.engine is not None:
            return
        try:
            with self.step("dashboard") as step:
                result = dashboard.build_for(self.paths, freshness=self.record.freshness or None, reuse=True)
                step.detail = result.summary()
        except Exception as exc:
            log.warning(
                "dashboard not updated, the previous one stays (the data IS published; retry with "
                "`python -m scripts.pipeline dashboard`): %s: %s",
                type(exc).__name__,
                exc,
            )
            return
        for html in (f for f in result.files if f.suffix == ".html"):
            log.info("dashboard: %s", html)

    # ---- steps -------------------------------------------------------------------------------------------

    def _load(self) -> dt.date:
        options, paths = self.options, self.paths
        with self.step("load") as step:
            if options.incremental:
                self.raw_tested_batch = batch_tested_by(read_build_marker(paths.build_marker))
            clear_build_marker(paths.build_marker)
            self.pause("load")
            if options.skip_load:
                self.record.mode = "warehouse"
                self.record.raw_source = f"schema {options.raw_schema} of {paths.build_db.name}"
                missing = [t for t in REQUIRED_TABLES if t not in self._raw_tables()]
                if missing:
                    raise StepFailedError(
                        ExitCode.LOAD_FAILED,
                        f"--skip-load: schema {options.raw_schema} in {paths.build_db} "
                        f"lacks {', '.join(missing)}",
                    )
                step.status, step.detail = "skipped", "raw tables already in the warehouse"
                as_of = options.as_of or dt.datetime.now(self.zone).date()
            else:
                raw_dir = options.raw_dir or paths.default_sample_dir
                self.record.mode = (
                    "sample" if raw_dir.resolve() == paths.default_sample_dir.resolve() else "raw_dir"
                )
                self.record.raw_source = str(raw_dir)
                as_of = options.as_of or sample_as_of(raw_dir) or dt.datetime.now(self.zone).date()
                settings = {
                    "max_rejected_share": self._max_rejected_share(),
                    "column_map": options.column_map,
                    "allow_outside_links": options.allow_outside_links,
                }
                try:
                    if options.incremental and (self.engine is not None or options.crm_source != "contract"):
                        raise EngineError(
                            "--incremental appends contract tables into DuckDB only: run a full load on this "
                            "target or CRM source"
                        )
                    if self.engine is not None:
                        if options.crm_source != "contract":
                            raise EngineError(
                                f"--crm-source {options.crm_source} loads into DuckDB only: load the landed "
                                "tables into the warehouse yourself and run with --skip-load"
                            )
                        report = self.engine.load(raw_dir, options.raw_schema, **settings)
                    else:
                        report = load_directory(
                            raw_dir,
                            paths.build_db,
                            options.raw_schema,
                            crm_source=options.crm_source,
                            landed_schema=options.landed_schema,
                            append=options.incremental,
                            **settings,
                        )
                except (LoadError, duckdb.Error, EngineError) as exc:
                    raise StepFailedError(ExitCode.LOAD_FAILED, f"cannot load {raw_dir}: {exc}") from exc
                self.record.load_rows = dict(report.rows)
                self.record.load_rejects = report.rejects_summary()
                step.detail = f"{sum(report.rows.values())} rows in {len(report.rows)} tables"
                if report.appended:
                    step.detail = f"appended {step.detail} (batch {report.load_batch})"
                if report.rejects:
                    rejected = sum(a.rejected for a in report.accounting.values())
                    step.status = "warn"
                    step.detail += f"; {rejected} records rejected at load: " + ", ".join(
                        f"{t} {s['rejected_records']} (lines {', '.join(map(str, s['first_lines']))})"
                        for t, s in self.record.load_rejects.items()
                    )
                    log.warning("rejected at load (see raw._load_rejects): %s", step.detail.split("; ")[-1])
                if report.absent:
                    step.detail += f"; absent optional tables: {', '.join(report.absent)}"
        self.record.as_of_date = as_of.isoformat()
        log.info("as-of date %s (%s)", as_of, "given" if options.as_of else "default")
        return as_of

    def _max_rejected_share(self) -> float:
        """--max-rejected-share, else the dbt var raw_max_rejected_share (--vars or dbt_project.yml)."""
        if self.options.max_rejected_share is not None:
            return self.options.max_rejected_share
        value = project_var(
            self.paths.project_dir,
            "raw_max_rejected_share",
            self.options.dbt_vars,
            DEFAULT_MAX_REJECTED_SHARE,
        )
        return check_share(str(value))

    def _last_load_batch(self) -> int | None:
        """The newest load batch of the DuckDB raw schema (scripts/load_raw.py's _load_files), if any."""
        if self.engine is not None or "_load_files" not in self._raw_tables():
            return None
        with duckdb.connect(str(self.paths.build_db), read_only=True) as con:
            columns = {
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = '_load_files'",
                    [self.options.raw_schema],
                ).fetchall()
            }
            if "load_batch" not in columns:
                return None
            schema = '"' + self.options.raw_schema.replace('"', '""') + '"'
            value = con.execute(f"select max(load_batch) from {schema}._load_files").fetchone()[0]
        return int(value) if value is not None else None

    def _raw_tables(self) -> list[str]:
        if self.engine is not None:
            return self.engine.raw_tables(self.options.raw_schema)
        if not self.paths.build_db.exists():
            return []
        with duckdb.connect(str(self.paths.build_db), read_only=True) as con:
            rows = con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [self.options.raw_schema],
            ).fetchall()
        return [r[0] for r in rows]

    def _dbt_vars(self) -> dict[str, object]:
        """The pipeline's dbt vars. Never the as-of date: a var that changes every night would make dbt parse
        the whole project again; it goes in the environment instead (run_dbt's `as_of`, D115)."""
        dbt_vars: dict[str, object] = {**self.options.dbt_vars, "raw_schema": self.options.raw_schema}
        if self.options.raw_locale:
            dbt_vars["raw_locale"] = self.options.raw_locale
        if self.options.raw_timezone:
            dbt_vars["raw_timezone"] = self.options.raw_timezone
        if self.options.crm_source != "contract":
            dbt_vars["crm_source"] = self.options.crm_source
            if self.options.landed_schema:
                dbt_vars["crm_landed_schema"] = self.options.landed_schema
        return dbt_vars

    def _landed_freshness(self, as_of: dt.date) -> list[SourceFreshness]:
        """Freshness of the CRM's landed tables (their loaded_at_field, e.g. _fivetran_synced), in-process."""
        crm = self.options.crm_source
        if crm == "contract":
            return []
        landed = load_landed_shape(crm)
        schema = self.options.landed_schema or f"raw_{crm}"
        if not target_is_duckdb(self.paths.project_dir, self.options.target):
            log.warning("freshness of the %s landed tables is measured on the DuckDB target only", crm)
            return []
        with duckdb.connect(str(self.paths.build_db), read_only=True) as con:
            present = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?", [schema]
                ).fetchall()
            }
        report = check_freshness_in_process(
            self.paths,
            [t for t in landed if t in present],
            tuple(t for t, spec in landed.items() if spec.required),
            as_of,
            self.zone,
            self._dbt_vars(),
            schema,
            utc_now(),
            crm=crm,
        )
        return report.sources

    def _freshness(self, as_of: dt.date) -> None:
        with self.step("freshness") as step:
            contract = load_contract()
            tables = [t for t in self._raw_tables() if t in contract]
            run = None
            if target_is_duckdb(self.paths.project_dir, self.options.target):
                report = check_freshness_in_process(
                    self.paths,
                    tables,
                    REQUIRED_TABLES,
                    as_of,
                    self.zone,
                    self._dbt_vars(),
                    self.options.raw_schema,
                    utc_now(),
                )
            else:
                self._release_engine()
                report, run = check_freshness(
                    self.paths,
                    tables,
                    REQUIRED_TABLES,
                    as_of,
                    self.zone,
                    self._dbt_vars(),
                    self.options.target,
                    utc_now(),
                )
            report.sources.extend(self._landed_freshness(as_of))
            self.record.freshness = [asdict(s) for s in report.sources]
            measured = [s for s in report.sources if s.status != "skipped"]
            if not measured and run is not None and not run.ok:
                raise StepFailedError(
                    ExitCode.BUILD_FAILED, "dbt source freshness failed: " + "; ".join(run.failures)
                )
            if report.stale:
                names = ", ".join(f"{s.table} ({s.age_hours} h)" for s in report.stale)
                message = f"stale sources at {report.reference_at}: {names}"
                if not self.options.allow_stale:
                    raise StepFailedError(
                        ExitCode.STALE_SOURCES, message + " (use --allow-stale to build anyway)"
                    )
                log.warning("%s; building anyway (--allow-stale)", message)
                step.status = "warn"
            elif report.warned:
                step.status = "warn"
            step.detail = ", ".join(f"{s.table}={s.status}" for s in report.sources)

    def _build(self, as_of: dt.date) -> None:
        options, paths = self.options, self.paths
        with self.step("build") as step:
            clear_build_marker(paths.build_marker)
            # unit tests check logic on fixed inputs and run in `make test`; a production build must not
            # fail because a company's own variables differ from those the fixtures assume
            args = ["build", "--exclude-resource-type", "unit_test"]
            if options.select:
                args += ["--select", *options.select.split()]
            if options.exclude:
                args += ["--exclude", *options.exclude.split()]
            # raw tables loaded in full replace what the incremental models hold: rebuild them (the models'
            # pre-hook would notice too, at the cost of a delete); an --incremental run adds to them
            if options.full_refresh or (
                self.record.mode in ("sample", "raw_dir") and not options.incremental
            ):
                args.append("--full-refresh")
            self._release_engine()
            load_batch = self._last_load_batch()
            if self.raw_tested_batch is not None:
                log.info("raw tests: the rows of load batches after %d (D127)", self.raw_tested_batch)
            run = run_dbt(
                args,
                paths,
                self._dbt_vars(),
                options.target,
                on_model_start=self._build_started,
                as_of=as_of,
                raw_tested_batch=self.raw_tested_batch,
            )
            self._record_dbt(run)
            step.detail = run.summary()
            if not run.ok:
                for failure in run.failures:
                    log.error("dbt: %s", failure)
                raise StepFailedError(
                    ExitCode.BUILD_FAILED,
                    f"dbt build failed ({len(run.failures)} failing nodes): " + "; ".join(run.failures[:5]),
                )
            shutil.copyfile(paths.target_dir / "manifest.json", self._manifest_copy())
            write_build_marker(
                paths.build_marker,
                {
                    "run_id": self.record.run_id,
                    "as_of_date": self.record.as_of_date,
                    "select": options.select,
                    "exclude": options.exclude,
                    "mode": self.record.mode,
                    "raw_source": self.record.raw_source,
                    # every raw row up to this batch has been through the raw tests of a whole build
                    "load_batch": load_batch,
                },
            )

    def _release_engine(self) -> None:
        """Before a dbt process: let the engine free what dbt needs (local Spark's one-JVM metastore)."""
        release = getattr(self.engine, "release", None)
        if release is not None:
            release()

    def _build_started(self, proc: subprocess.Popen[str]) -> None:
        if faults.pause_requested("build"):
            os.kill(proc.pid, signal.SIGSTOP)
            self.pause("build", dbt_pid=proc.pid)
            os.kill(proc.pid, signal.SIGCONT)

    def _record_dbt(self, run: DbtRun) -> None:
        self.record.dbt_counts = run.counts_by_type
        self.record.dbt_failures = run.failures[:50]

    def _manifest_copy(self) -> Path:
        return self.paths.state_dir / "build-manifest.json"

    def _require_build(self) -> dict[str, object]:
        with self.step("check_build") as step:
            marker = read_build_marker(self.paths.build_marker)
            if not marker or not self._manifest_copy().exists():
                raise StepFailedError(
                    ExitCode.BUILD_FAILED,
                    "no complete build to use: the last load or dbt build did not finish successfully "
                    "(run `python -m scripts.pipeline run`)",
                )
            step.detail = f"build of run {marker.get('run_id')} (as of {marker.get('as_of_date')})"
            return marker

    def _build_manifest(self) -> dict[str, object]:
        copy = self._manifest_copy()
        return json.loads(copy.read_text(encoding="utf-8"))

    def _validate(self, manifest: dict[str, object], database: Path | None = None) -> None:
        """The suites, on `database` (the staged serving file) or else the build database."""
        with self.step("validate") as step:
            extra = (
                checks_mod.load_extra_checks(self.options.extra_checks) if self.options.extra_checks else None
            )
            models = checks_mod.checked_models(manifest, extra)
            if not models:
                log.warning("no model declares meta.checks: nothing to validate")
            first = [True]

            def after_suite(_: str) -> None:
                if first[0]:
                    first[0] = False
                    self.pause("validate")

            results = self.store.validation_path(self.record.run_id)
            if self.engine is not None:
                report = self.engine.validate(models, results, after_suite)
            else:
                report = validate_build(
                    database or self.paths.build_db,
                    models,
                    results,
                    after_suite,
                    profile.duckdb_settings(self.paths.project_dir, self.options.target),
                    fallback=self.paths.build_db if database else None,
                )
            self.record.expectations = report.summary()
            self.record.kpi_row_counts = {
                m.relation.name: report.row_counts[m.relation.name]
                for m in models
                if m.relation.kind == "kpi" and m.relation.name in report.row_counts
            }
            step.detail = (
                f"{report.suites} suites, {report.evaluated} expectations, {len(report.failures)} failed"
            )
            if not report.ok:
                lines = [f.describe() for f in report.failures]
                raise StepFailedError(
                    ExitCode.VALIDATION_FAILED,
                    f"{len(lines)} expectation(s) failed: " + " | ".join(lines[:10]),
                )

    def _served_relations(self, manifest: dict[str, object]) -> list[checks_mod.Relation]:
        """The relations to serve that the build holds (the others are named in a warning)."""
        relations = checks_mod.served_relations(manifest)
        present = self._built_relations()
        missing = [r.label for r in relations if (r.schema, r.identifier) not in present]
        if missing:
            log.warning("not in the build database, not served: %s", ", ".join(missing))
        relations = [r for r in relations if (r.schema, r.identifier) in present]
        if not any(r.kind == "kpi" for r in relations):
            log.warning("no KPI view is built yet; publishing facts and dimensions only")
        return relations

    def _stage(self, manifest: dict[str, object]) -> publish.Candidate:
        """Write the new serving file beside the served one, not served yet (DuckDB only)."""
        with self.step("stage") as step:
            try:
                candidate = publish.write_candidate(
                    self.paths,
                    self._served_relations(manifest),
                    self.record.run_id,
                    profile.duckdb_settings(self.paths.project_dir, self.options.target),
                    self.pause,
                )
            except publish.PublishError as exc:
                raise StepFailedError(ExitCode.PUBLISH_FAILED, str(exc)) from exc
            step.detail = f"{len(candidate.relations)} tables -> {candidate.file.name} (not served yet)"
        return candidate

    def _publish(
        self, manifest: dict[str, object], as_of: dt.date | None, candidate: publish.Candidate | None = None
    ) -> None:
        paths = self.paths
        with self.step("publish") as step:
            relations = candidate.relations if candidate else self._served_relations(manifest)
            published_at = utc_now()
            self.record.status = "published"
            self.record.ended_at = published_at.isoformat()
            self.record.published_version = self.record.run_id
            history = [r.history_row() for r in self.store.all() if r.run_id != self.record.run_id]
            history.append(self.record.history_row())
            version = {
                "run_id": self.record.run_id,
                "as_of_date": as_of.isoformat() if as_of else None,
                "published_at": published_at.isoformat(),
                "mode": self.record.mode,
                "raw_source": self.record.raw_source,
                "dbt_target": self.options.target,
            }
            try:
                if self.engine is not None:
                    result = self.engine.publish(relations, version, history)
                elif candidate is not None:
                    result = publish.publish_candidate(paths, candidate, version, history, self.pause)
                else:
                    raise publish.PublishError("nothing staged to publish")  # DuckDB publishes a staged file
            except BaseException as exc:
                self.record.status = "running"
                self.record.published_version = None
                if isinstance(exc, publish.PublishError | EngineError):
                    raise StepFailedError(ExitCode.PUBLISH_FAILED, str(exc)) from exc
                raise
            self.record.table_checksums = result.checksums
            self.record.kpi_row_counts = {
                label.split(".", 1)[1]: rows
                for label, rows in result.row_counts.items()
                if label.split(".", 1)[1].startswith("kpi_")
            }
            where = self.engine.describe() if self.engine is not None else paths.serving_db
            step.detail = f"{len(relations)} tables -> {where}"
            self._save()
            self.pause("publish_prune")
            if self.engine is not None:
                self.engine.prune(paths.keep_versions, {self.record.run_id})
                return
            published_runs = {r.run_id for r in self.store.all() if r.status == "published"}
            publish.prune_versions(paths, paths.keep_versions, {self.record.run_id}, published_runs)

    def _built_relations(self) -> set[tuple[str, str]]:
        if self.engine is not None:
            return self.engine.built_relations()
        with duckdb.connect(str(self.paths.build_db), read_only=True) as con:
            rows = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        return {(r[0], r[1]) for r in rows}
