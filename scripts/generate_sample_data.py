"""Generate the deterministic sample CRM data set (the 16 raw contract tables) as CSV or Parquet.

    python -m scripts.generate_sample_data                       # the committed sample (seeds/sample_crm)
    python -m scripts.generate_sample_data --out /tmp/crm --format parquet --seed 7
    python -m scripts.generate_sample_data --out /tmp/crm_only --clean \\
        --tables sales_reps,accounts,contacts,leads,opportunities,opportunity_stage_history,activities
    python -m scripts.generate_sample_data --out /tmp/sf1 --format parquet --scale 1   # about 10 M rows

The same parameters always give byte-identical files. manifest.json records the parameters, the row
count of every file and every messy row injected, with the disposition staging must give it (beyond
10,000 injections the list is in _injections.parquet beside it). --scale sets reps, accounts and leads
together (SF1 is about 10 million rows, SF0.1 about one million); an explicit --reps, --accounts or
--leads overrides the scaled value.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from scripts.contract import CRM_SOURCES, PROJECT_ROOT, load_contract
from scripts.sampledata.config import (
    DEFAULT_ACCOUNTS,
    DEFAULT_END_DATE,
    DEFAULT_LEADS,
    DEFAULT_MESS_RATE,
    DEFAULT_MONTHS,
    DEFAULT_REPS,
    DEFAULT_SEED,
    DEFAULT_SHARD_ACCOUNTS,
    MAX_SCALE,
    REPORTING_CURRENCIES,
    ConfigError,
    GeneratorConfig,
)
from scripts.sampledata.output import write_sample
from scripts.sampledata.shapes import render_shape
from scripts.sampledata.writer import DEFAULT_CHUNK_ROWS, FORMATS

log = logging.getLogger("generate_sample_data")
DEFAULT_OUT = PROJECT_ROOT / "seeds" / "sample_crm"


def _table_list(text: str) -> tuple[str, ...]:
    """Parse --tables: comma-separated contract table names, returned in contract order."""
    contract = load_contract()
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in contract]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(
            f"unknown table(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(contract)}"
        )
    return tuple(t for t in contract if t in wanted)


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc
    if not 0 < value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"--scale must be above 0 and at most {MAX_SCALE:g}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.generate_sample_data",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output directory (default: seeds/sample_crm of the project)",
    )
    parser.add_argument("--format", choices=FORMATS, default="csv", help="file format (default: csv)")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        default=None,
        help="scale factor: SF1 is about 10 M rows (reps, accounts and leads scaled together)",
    )
    parser.add_argument(
        "--reps",
        type=int,
        default=None,
        help=f"sales reps over the period, incl. leavers and hires (default: {DEFAULT_REPS})",
    )
    parser.add_argument(
        "--accounts",
        type=int,
        default=None,
        help=f"accounts, customers and prospects (default: {DEFAULT_ACCOUNTS})",
    )
    parser.add_argument("--leads", type=int, default=None, help=f"leads (default: {DEFAULT_LEADS})")
    parser.add_argument(
        "--months",
        type=int,
        default=DEFAULT_MONTHS,
        help=f"months of history up to and including the end date's month (default: {DEFAULT_MONTHS})",
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        default=DEFAULT_END_DATE,
        help=f"last day of data, the sample's as-of date (default: {DEFAULT_END_DATE})",
    )
    parser.add_argument(
        "--mess-rate",
        type=float,
        default=DEFAULT_MESS_RATE,
        help=f"fraction of rows per table given a messy injection (default: {DEFAULT_MESS_RATE})",
    )
    parser.add_argument("--clean", action="store_true", help="no messy injections (same as --mess-rate 0)")
    parser.add_argument(
        "--tables",
        type=_table_list,
        default=None,
        help="comma-separated subset of contract tables to write (default: all 16)",
    )
    parser.add_argument(
        "--reporting-currency",
        choices=REPORTING_CURRENCIES,
        default="IDR",
        help="currency the rates convert into; with USD most deals are in USD (default: IDR)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=_positive,
        default=DEFAULT_CHUNK_ROWS,
        help=f"rows per written chunk / Parquet row group; changes the file layout, not the rows "
        f"(default: {DEFAULT_CHUNK_ROWS:,})",
    )
    parser.add_argument(
        "--shard-accounts",
        type=_positive,
        default=DEFAULT_SHARD_ACCOUNTS,
        help=f"accounts per shard: bigger data sets are built shard by shard (ids run on across shards); "
        f"part of the data set's definition (default: {DEFAULT_SHARD_ACCOUNTS:,})",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="processes that build shards in parallel (data sets over 25,000 accounts); the files do not "
        "depend on it (default: the CPUs available, at most 8)",
    )
    parser.add_argument(
        "--shape",
        choices=("contract", *CRM_SOURCES),
        default="contract",
        help="write the company as a CRM's landed tables (Salesforce / HubSpot objects as an extract-load "
        "tool lands them, plus contract files for what the CRM lacks; CSV only) instead of the contract's "
        "tables (default: contract; docs/crm_adapters.md)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the generator; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    sizes = {"reps": args.reps, "accounts": args.accounts, "leads": args.leads}
    common = {
        "seed": args.seed,
        "months": args.months,
        "end_date": args.end_date,
        "mess_rate": 0.0 if args.clean else args.mess_rate,
        "reporting_currency": args.reporting_currency,
        "shard_accounts": args.shard_accounts,
    }
    try:
        if args.scale is not None:
            config = GeneratorConfig.scaled(args.scale, **sizes, **common)
        else:
            defaults = {"reps": DEFAULT_REPS, "accounts": DEFAULT_ACCOUNTS, "leads": DEFAULT_LEADS}
            config = GeneratorConfig(
                **{k: v if v is not None else defaults[k] for k, v in sizes.items()}, **common
            )
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    started = time.perf_counter()
    tables = args.tables or tuple(load_contract())
    log.info(
        "Generating %s rows: %d reps, %d accounts, %d leads, %d months up to %s",
        f"scale {config.scale:g}" if config.scale is not None else "the default",
        config.reps,
        config.accounts,
        config.leads,
        config.months,
        config.end_date,
    )
    if args.shape != "contract":
        if args.format != "csv":
            log.error("--shape %s writes CSV files only", args.shape)
            return 2
        with tempfile.TemporaryDirectory(prefix="sample_contract_") as tmp:
            manifest = write_sample(config, Path(tmp), "csv", tables, args.chunk_rows, args.workers)
            shaped = render_shape(args.shape, Path(tmp), args.out)
        written = ", ".join(f"{name} {rows}" for name, rows in sorted(shaped.items()))
        log.info("Wrote the %s shape to %s: %s", args.shape, args.out, written)
        return 0
    manifest = write_sample(config, args.out, args.format, tables, args.chunk_rows, args.workers)
    log.info(
        "Wrote %d tables, %d rows, %d messy injections to %s in %.1f s",
        len(tables),
        sum(manifest["row_counts"].values()),
        manifest["injected_count"],
        args.out,
        time.perf_counter() - started,
    )
    for table, rows in manifest["row_counts"].items():
        log.debug("  %-28s %8d rows", table, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
