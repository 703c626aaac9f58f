"""Command line: python -m scripts.dashboard [--serving FILE] [--out DIR] [--lang en|id|all] [--no-png]."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scripts.dashboard.data import ServingFileError, read_freshness
from scripts.dashboard.i18n import LANGUAGES

log = logging.getLogger("dashboard")

DESCRIPTION = """\
Build the sales dashboard of a serving file (opened read-only): one offline HTML page per language
(dashboard_en.html, dashboard_id.html; the chart library is inline) and every chart as PNG
(png/<lang>/<chart>.png), written to a temp folder and then swapped in atomically. The nightly pipeline
does this after every publish (`python -m scripts.pipeline dashboard` rebuilds it for a served or kept
version); this command builds the dashboard of any serving file. See docs/dashboard.md.
"""


def _zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}") from exc


def _currency(text: str) -> str:
    if not (len(text) == 3 and text.isalpha() and text.isupper()):
        raise argparse.ArgumentTypeError(f"expected an ISO 4217 code such as IDR, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.dashboard",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--serving",
        type=Path,
        default=Path("warehouse/serving/sales_kpis.duckdb"),
        help="serving file to read (default warehouse/serving/sales_kpis.duckdb)",
    )
    parser.add_argument(
        "--out", type=Path, help="output folder (default: dashboard/ beside the serving file)"
    )
    parser.add_argument(
        "--lang", choices=[*LANGUAGES, "all"], default="all", help="language(s) to build (default all)"
    )
    parser.add_argument("--no-png", action="store_true", help="HTML only, no PNG per chart")
    parser.add_argument(
        "--timezone", type=_zone, default=ZoneInfo("Asia/Jakarta"), help="reporting time zone (Asia/Jakarta)"
    )
    parser.add_argument("--currency", type=_currency, help="reporting currency (default: the serving file's)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path("warehouse/state"),
        help="pipeline state folder, for the source freshness of the served run (default warehouse/state)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from scripts.dashboard.data import ServingData
    from scripts.dashboard.render import build_dashboard

    out = args.out or args.serving.parent / "dashboard"
    try:
        with ServingData(args.serving) as data:
            run_id = data.version().get("run_id")
        result = build_dashboard(
            args.serving,
            out,
            languages=LANGUAGES if args.lang == "all" else (args.lang,),
            png=not args.no_png,
            zone=args.timezone,
            currency=args.currency,
            freshness=read_freshness(args.state_dir, run_id),
            cache_dir=args.state_dir / "cache",
        )
    except ServingFileError as exc:
        log.error("%s", exc)
        return 2
    log.info("dashboard: %s", result.summary())
    for html in (f for f in result.files if f.suffix == ".html"):
        sys.stdout.write(f"{html.resolve()}\n")
    return 0
