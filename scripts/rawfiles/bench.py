"""Benchmark the loader on a raw directory: python -m scripts.rawfiles.bench [--raw-dir DIR] [--runs N].

Loads the directory N times in-process into a temporary DuckDB file and prints the minimum, median and
maximum wall time. On a shared machine take the minimum (and say how far the median is from it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from scripts.contract import PROJECT_ROOT
from scripts.load_raw import load_directory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw-dir", type=Path, default=PROJECT_ROOT / "seeds" / "sample_crm")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    times = []
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        for _ in range(args.runs):
            started = time.perf_counter()
            report = load_directory(args.raw_dir, Path(tmp) / "bench.duckdb")
            times.append(time.perf_counter() - started)
    rows = sum(report.rows.values())
    print(
        f"load {args.raw_dir} ({rows} rows, {len(report.rows)} tables) x{args.runs}: "
        f"min {min(times):.3f} s, median {statistics.median(times):.3f} s, max {max(times):.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
