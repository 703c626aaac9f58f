"""Load raw data and build the warehouse with dbt (models, data tests, unit tests), then print a summary.

    python -m scripts.build_warehouse                         # the bundled sample
    python -m scripts.build_warehouse --raw-dir /data/crm     # a directory of CSV / Parquet files
    python -m scripts.build_warehouse --skip-load --raw-schema crm_prod   # tables already in the warehouse

Exit code 0 when the build and every test passed, 1 when dbt failed, 2 when the raw data could not be loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
from pathlib import Path

from scripts.dbt_cli import run_dbt
from scripts.load_raw import DEFAULT_SCHEMA, LoadError, default_database, load_directory, log_report
from scripts.summary import format_summary, read_summary

log = logging.getLogger("build_warehouse")

SAMPLE_DIR = Path("seeds/sample_crm")


def parse_date(text: str) -> dt.date:
    """argparse type for --as-of: a real calendar date as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


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
    parser.add_argument("--raw-schema", default=DEFAULT_SCHEMA, help="schema holding the raw tables")
    parser.add_argument("--as-of", type=parse_date, help="as-of date (default: the sample's, else today)")
    parser.add_argument("--select", help="dbt selector to build (default: everything)")
    parser.add_argument("--full-refresh", action="store_true", help="pass --full-refresh to dbt")
    parser.add_argument("--vars", type=json.loads, default={}, help="extra dbt vars as JSON")
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
        try:
            report = load_directory(args.raw_dir, database, args.raw_schema)
        except LoadError as exc:
            log.error("%s", exc)
            return 2
        log_report(report, args.raw_dir)
    as_of = args.as_of or (None if args.skip_load else sample_as_of(args.raw_dir))
    dbt_vars: dict[str, object] = {"raw_schema": args.raw_schema, **args.vars}
    if as_of:
        dbt_vars["as_of_date"] = as_of.isoformat()
    build_args = ["build"] + (["--select", args.select] if args.select else [])
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
