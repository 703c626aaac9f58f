"""Load raw data and build the warehouse with dbt (models, data tests, unit tests), then print a summary.

    python -m scripts.build_warehouse                         # the bundled sample
    python -m scripts.build_warehouse --raw-dir /data/crm     # a directory of CSV / Parquet files
    python -m scripts.build_warehouse --skip-load --raw-schema crm_prod   # tables already in the warehouse

Exit codes: 0 when the build and every test passed, 1 when dbt failed, 2 for an invalid command line or
value, 5 when the raw data could not be loaded (the message names the file). Every value that reaches dbt,
SQL or a path is validated as the pipeline validates it (scripts/pipeline/config.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from scripts.contract import PROJECT_ROOT
from scripts.dbt_cli import run_dbt
from scripts.load_raw import (
    DEFAULT_MAX_REJECTED_SHARE,
    DEFAULT_SCHEMA,
    EXIT_UNLOADABLE,
    LoadError,
    add_load_options,
    default_database,
    load_directory,
    log_report,
)
from scripts.pipeline.config import (
    ConfigError,
    check_identifier,
    check_raw_locale,
    check_selector,
    check_share,
    check_timezone,
    parse_as_of,
    parse_vars,
    project_var,
)
from scripts.summary import format_summary, read_summary

log = logging.getLogger("build_warehouse")
T = TypeVar("T")

SAMPLE_DIR = Path("seeds/sample_crm")


def _arg(check: Callable[[str], T]) -> Callable[[str], T]:
    """A scripts.pipeline.config check as an argparse type (a ConfigError is a usage error, exit 2)."""

    def wrapped(text: str) -> T:
        try:
            return check(text)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    wrapped.__name__ = check.__name__
    return wrapped


def _selection(text: str) -> list[str]:
    return check_selector(text)


def _schema(text: str) -> str:
    return check_identifier(text, "schema name")


def sample_as_of(raw_dir: Path) -> dt.date | None:
    """The as-of date a generated data set was made for (its manifest.json), if it has one."""
    manifest = raw_dir / "manifest.json"
    if not manifest.exists():
        return None
    value = json.loads(manifest.read_text(encoding="utf-8")).get("as_of_date")
    return dt.date.fromisoformat(value) if value else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw-dir", type=Path, default=SAMPLE_DIR, help="raw CSV/Parquet directory")
    parser.add_argument("--skip-load", action="store_true", help="use raw tables already in the warehouse")
    parser.add_argument(
        "--raw-schema", type=_arg(_schema), default=DEFAULT_SCHEMA, help="schema holding the raw tables"
    )
    parser.add_argument(
        "--as-of", type=_arg(parse_as_of), help="as-of date (default: the sample's, else today)"
    )
    parser.add_argument(
        "--select", type=_arg(_selection), help="dbt selection to build (default: everything)"
    )
    parser.add_argument("--exclude", type=_arg(_selection), help="dbt selection to leave out")
    parser.add_argument("--full-refresh", action="store_true", help="pass --full-refresh to dbt")
    parser.add_argument("--vars", type=_arg(parse_vars), default={}, help="extra dbt vars as a JSON object")
    parser.add_argument(
        "--raw-locale", type=_arg(check_raw_locale), help="how raw numbers and dates are written, e.g. id-ID"
    )
    parser.add_argument(
        "--raw-timezone", type=_arg(check_timezone), help="zone of raw timestamps without an offset"
    )
    add_load_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    started = time.monotonic()
    database = default_database()
    if not args.skip_load:
        share = args.max_rejected_share
        if share is None:
            share = check_share(
                str(
                    project_var(PROJECT_ROOT, "raw_max_rejected_share", args.vars, DEFAULT_MAX_REJECTED_SHARE)
                )
            )
        try:
            report = load_directory(
                args.raw_dir,
                database,
                args.raw_schema,
                max_rejected_share=share,
                column_map=args.column_map,
                allow_outside_links=args.allow_outside_links,
            )
        except LoadError as exc:
            log.error("%s", exc)
            return EXIT_UNLOADABLE
        log_report(report, args.raw_dir)
    as_of = args.as_of or (None if args.skip_load else sample_as_of(args.raw_dir))
    dbt_vars: dict[str, object] = {"raw_schema": args.raw_schema, **args.vars}
    if as_of:
        dbt_vars["as_of_date"] = as_of.isoformat()
    if args.raw_locale:
        dbt_vars["raw_locale"] = args.raw_locale
    if args.raw_timezone:
        dbt_vars["raw_timezone"] = args.raw_timezone
    build_args = ["build"] + (["--select", *args.select] if args.select else [])
    build_args += ["--exclude", *args.exclude] if args.exclude else []
    build_args += ["--full-refresh"] if args.full_refresh else []
    result = run_dbt(build_args, dbt_vars)
    for line in format_summary(read_summary(database)):
        log.info("%s", line)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    log.info(
        "dbt build: %s (%.1f s); whole run %.1f s", counts, result.elapsed_seconds, time.monotonic() - started
    )
    if not result.ok:
        for failure in result.failures:
            log.error("%s", failure)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
