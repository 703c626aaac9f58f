"""Command line of the nightly pipeline: python -m scripts.pipeline <command> [options]."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scripts.contract import CRM_SOURCES
from scripts.pipeline.config import (
    EXIT_CODE_HELP,
    ConfigError,
    ExitCode,
    Paths,
    check_identifier,
    check_raw_locale,
    check_run_id,
    check_selector,
    check_share,
    check_target,
    check_timezone,
    new_run_id,
    parse_as_of,
    parse_vars,
)
from scripts.pipeline.dbt_runner import DBT_OUTPUT_LOGGER

log = logging.getLogger("pipeline")

DESCRIPTION = """\
The nightly pipeline: load raw CRM data, check source freshness, dbt build into the build database,
stage the KPI views, facts and dimensions as a new serving DuckDB file, validate it with great-expectations,
then publish it as the file BI tools read (atomically: readers see the previous or the new version, never
a mix).

commands:
  run        the nightly job: lock, load, freshness, dbt build, stage, validate, publish
  validate   run the expectations on the current build database (no load, no build, no publish)
  publish    stage, validate and publish the last complete build
  status     what is served and its age, a run in progress, the last runs
  rollback   serve the previous published version again (or --to RUN_ID)
  dashboard  rebuild the dashboard of the served version (or of a kept one, --run-id RUN_ID)

paths (environment): SALES_KPIS_DUCKDB_PATH (build database, default warehouse/build.duckdb),
SALES_KPIS_SERVING_PATH (default warehouse/serving/sales_kpis.duckdb), SALES_KPIS_STATE_DIR (run
history, logs, lock; default warehouse/state), SALES_KPIS_KEEP_VERSIONS (default 5), DBT_TARGET_PATH,
SALES_KPIS_DASHBOARD (all: HTML and PNG after each publish, the default; html; off).
"""

T = TypeVar("T")


class TerminatedError(Exception):
    """SIGTERM (systemd stop, kill): unwind so that dbt is stopped and the run is recorded as failed."""


def _terminate(signum: int, _frame: object) -> None:
    raise TerminatedError(f"received signal {signum}")


def _arg(parse: Callable[[str], T]) -> Callable[[str], T]:
    """Turn a ConfigError into an argparse error (exit code 2 with a clear message)."""

    def wrapped(text: str) -> T:
        try:
            return parse(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    wrapped.__name__ = parse.__name__
    return wrapped


def _existing_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise ConfigError(f"not a directory: {text!r}")
    return path


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise ConfigError(f"no such file: {text!r}")
    return path


def _log_file(text: str) -> Path:
    """A log file to append to: a plain path, not an existing directory, device or FIFO."""
    if not text or any(ch in text for ch in "\x00\n\r"):
        raise ConfigError(f"invalid log file path {text!r}")
    path = Path(text)
    if path.exists() and not path.is_file():
        raise ConfigError(f"--log-file {text!r} exists and is not a regular file")
    return path


def _selector(text: str) -> str:
    check_selector(text)
    return text


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m scripts.pipeline",
        description=DESCRIPTION,
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--log-file", type=_arg(_log_file), help="append the log here (default: <state>/logs/<run_id>.log)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on the console")

    target = argparse.ArgumentParser(add_help=False)
    target.add_argument(
        "--target",
        type=_arg(check_target),
        help="dbt target in profiles.yml: a DuckDB output (default) or postgres (docs/operations.md)",
    )
    dbt = argparse.ArgumentParser(add_help=False, parents=[target])
    dbt.add_argument("--vars", type=_arg(parse_vars), default={}, help="extra dbt vars as a JSON object")

    checks = argparse.ArgumentParser(add_help=False)
    checks.add_argument(
        "--extra-checks",
        type=_arg(_existing_file),
        help="YAML/JSON file of additional checks by model name, merged with meta.checks",
    )
    keep = argparse.ArgumentParser(add_help=False)
    keep.add_argument(
        "--keep-versions",
        type=_arg(_positive),
        help="published versions to keep for rollback (default $SALES_KPIS_KEEP_VERSIONS or 5)",
    )

    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    run = sub.add_parser(
        "run",
        parents=[common, dbt, checks, keep],
        help="the nightly job",
        description="Load, check freshness, dbt build, stage, validate, publish. Exit 0 only when published.",
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    source = run.add_mutually_exclusive_group()
    source.add_argument(
        "--raw-dir", type=_arg(_existing_dir), help="directory of raw CSV/Parquet files (default: the sample)"
    )
    source.add_argument(
        "--skip-load", action="store_true", help="use raw tables already in the build database"
    )
    run.add_argument(
        "--raw-schema",
        type=_arg(lambda t: check_identifier(t, "schema name")),
        default="raw",
        help="schema of the raw tables (loaded into, or read with --skip-load); default raw",
    )
    run.add_argument(
        "--crm-source",
        choices=("contract", *CRM_SOURCES),
        default="contract",
        help="shape of the raw files: the contract's tables (default), or a CRM's landed objects read "
        "through its adapter (docs/crm_adapters.md); dbt var crm_source",
    )
    run.add_argument(
        "--landed-schema",
        type=_arg(lambda t: check_identifier(t, "schema name")),
        help="schema of the CRM's landed tables (default raw_<crm>); dbt var crm_landed_schema",
    )
    run.add_argument(
        "--as-of",
        type=_arg(parse_as_of),
        help="as-of date YYYY-MM-DD (backfill a past day); default: the raw dir's manifest.json, else today; "
        "dbt gets it as SALES_KPIS_AS_OF_DATE",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="pass --full-refresh to dbt build (a run that loads a raw directory in full always does)",
    )
    run.add_argument(
        "--incremental",
        action="store_true",
        help="the raw directory is the next export's new and changed rows: add them to the raw tables "
        "(load_raw --append) and build the incremental models from them only (DuckDB; docs/operations.md)",
    )
    run.add_argument("--select", type=_arg(_selector), help="dbt selection to build (default: everything)")
    run.add_argument("--exclude", type=_arg(_selector), help="dbt selection to leave out of the build")
    run.add_argument("--allow-stale", action="store_true", help="build and publish even if sources are stale")
    raw = run.add_argument_group("raw files (docs/raw_contract.md, Files; docs/staging_rules.md, Parsing)")
    raw.add_argument(
        "--raw-locale",
        type=_arg(check_raw_locale),
        help="how numbers and dates in raw text are written, e.g. id-ID (1.500.000,00 and 31/12/2025); "
        "dbt var raw_locale (default: ISO 8601 dates, plain decimals)",
    )
    raw.add_argument(
        "--raw-timezone",
        type=_arg(check_timezone),
        help="time zone of raw timestamps written without an offset (dbt var raw_timezone; default: the "
        "reporting time zone)",
    )
    raw.add_argument(
        "--column-map",
        type=_arg(_existing_file),
        help="YAML {table: {header as written: contract column}} (default: column_map.yml in the raw dir)",
    )
    raw.add_argument(
        "--max-rejected-share",
        type=_arg(check_share),
        help="refuse a table when more than this share of its lines is rejected at load "
        "(default: var raw_max_rejected_share, 0.01)",
    )
    raw.add_argument(
        "--allow-outside-links",
        action="store_true",
        help="follow symbolic links in the raw directory that resolve outside it (refused by default)",
    )

    sub.add_parser(
        "validate",
        parents=[common, dbt, checks],
        help="expectations only, on the current build",
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    sub.add_parser(
        "publish",
        parents=[common, dbt, checks, keep],
        help="validate and publish the last complete build",
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    status = sub.add_parser(
        "status",
        parents=[common, target],
        help="what is served, its age, the last runs",
        formatter_class=formatter,
    )
    status.add_argument("--limit", type=_arg(_positive), default=10, help="runs to list (default 10)")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    rollback = sub.add_parser(
        "rollback",
        parents=[common, target],
        help="serve the previous published version again",
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    rollback.add_argument("--to", type=_arg(check_run_id), help="run id of the archived version to serve")
    dashboard = sub.add_parser(
        "dashboard",
        parents=[common],
        help="rebuild the dashboard of the served (or a kept) version",
        description="Rebuild the dashboard (HTML per language, PNG per chart) from the serving file; with "
        "--run-id, of a kept version into versions/<run_id>.dashboard/. See docs/dashboard.md.",
        epilog=EXIT_CODE_HELP,
        formatter_class=formatter,
    )
    dashboard.add_argument(
        "--run-id", type=_arg(check_run_id), help="a kept version (default: the served one)"
    )
    dashboard.add_argument("--lang", choices=["en", "id"], action="append", help="a language (default both)")
    dashboard.add_argument("--no-png", action="store_true", help="HTML only")
    return parser


def setup_logging(args: argparse.Namespace, log_file: Path | None) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.DEBUG if getattr(args, "verbose", False) else logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING if getattr(args, "quiet", False) else logging.DEBUG)
    console.setFormatter(formatter)
    if not getattr(args, "verbose", False):
        console.addFilter(lambda record: not record.name.startswith(DBT_OUTPUT_LOGGER))
    root.addHandler(console)
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(formatter)
        root.addHandler(handler)
    for noisy in ("great_expectations", "urllib3", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "incremental", False) and (args.skip_load or args.full_refresh or args.raw_dir is None):
        parser.error(
            "--incremental needs --raw-dir (the next export) and excludes --skip-load and --full-refresh"
        )
    try:
        paths = Paths.from_env(keep_versions=getattr(args, "keep_versions", None))
    except ConfigError as exc:
        logging.basicConfig(format="%(levelname)s %(message)s")
        log.error("%s", exc)
        return ExitCode.USAGE
    if "as_of_date" in getattr(args, "vars", {}):
        logging.basicConfig(format="%(levelname)s %(message)s")
        log.error("--vars: give the as-of date with --as-of YYYY-MM-DD, not the dbt var as_of_date")
        return ExitCode.USAGE
    if args.command == "status":
        from scripts.pipeline.engines.base import EngineError, engine_for
        from scripts.pipeline.status import collect, format_status, status_json

        setup_logging(args, args.log_file)
        try:
            engine = engine_for(paths.project_dir, args.target, paths.state_dir)
        except EngineError as exc:
            log.error("%s", exc)
            return ExitCode.USAGE
        status = collect(paths, args.limit, engine=engine)
        sys.stdout.write((status_json(status) if args.json else "\n".join(format_status(status))) + "\n")
        return ExitCode.OK

    from scripts.pipeline.runner import Pipeline, RunOptions

    run_id = new_run_id()
    log_file = args.log_file or paths.log_dir / f"{run_id}-{args.command}.log"
    setup_logging(args, log_file)
    options = RunOptions(
        command=args.command,
        raw_dir=getattr(args, "raw_dir", None),
        skip_load=getattr(args, "skip_load", False),
        raw_schema=getattr(args, "raw_schema", "raw"),
        crm_source=getattr(args, "crm_source", "contract"),
        landed_schema=getattr(args, "landed_schema", None),
        as_of=getattr(args, "as_of", None),
        target=getattr(args, "target", None),
        select=getattr(args, "select", None),
        exclude=getattr(args, "exclude", None),
        full_refresh=getattr(args, "full_refresh", False),
        incremental=getattr(args, "incremental", False),
        dbt_vars=getattr(args, "vars", {}),
        allow_stale=getattr(args, "allow_stale", False),
        raw_locale=getattr(args, "raw_locale", None),
        raw_timezone=getattr(args, "raw_timezone", None),
        column_map=getattr(args, "column_map", None),
        max_rejected_share=getattr(args, "max_rejected_share", None),
        allow_outside_links=getattr(args, "allow_outside_links", False),
        extra_checks=getattr(args, "extra_checks", None),
        rollback_to=getattr(args, "to", None) or getattr(args, "run_id", None),
        languages=getattr(args, "lang", None),
        png=False if getattr(args, "no_png", False) else None,
    )
    log.info(
        "%s %s (log %s, build %s, serving %s)",
        args.command,
        run_id,
        log_file,
        paths.build_db,
        paths.serving_db,
    )
    try:
        pipeline = Pipeline(paths, options, run_id, log_file)
    except ConfigError as exc:
        log.error("%s", exc)
        return ExitCode.USAGE
    signal.signal(signal.SIGTERM, _terminate)
    return int(pipeline.execute())
