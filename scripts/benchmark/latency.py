"""How fast BI tools can read the KPIs: every kpi_* relation of the serving file, `select *` fetched as an
Arrow table, REPEATS times after one warm-up, in one read-only connection."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import duckdb

REPEATS = 20
KPI_SCHEMA = "marts"


def percentile(values: list[float], share: float) -> float:
    """The share-th percentile (0..1) by linear interpolation between the sorted values."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def kpi_latency(serving_db: Path, repeats: int = REPEATS) -> dict[str, dict[str, float]]:
    """Per kpi_* relation: p50 and p95 of the fetch time in milliseconds, and its row count."""
    out: dict[str, dict[str, float]] = {}
    with duckdb.connect(str(serving_db), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_name like 'kpi\\_%' escape '\\' order by 1",
                [KPI_SCHEMA],
            ).fetchall()
        ]
        for name in names:
            sql = f'select * from {KPI_SCHEMA}."{name}"'
            rows = con.sql(sql).to_arrow_table().num_rows  # warm-up
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                con.sql(sql).to_arrow_table()
                times.append((time.perf_counter() - started) * 1000)
            out[name] = {
                "p50": round(percentile(times, 0.5), 2),
                "p95": round(percentile(times, 0.95), 2),
                "mean": round(statistics.fmean(times), 2),
                "rows": rows,
            }
    return out
