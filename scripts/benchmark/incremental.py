"""The incremental night: what a night with about 1 % new and changed raw rows costs, next to a full run.

After the full nightly run on the base data set (as of day D), the next night's export is written with
scripts.sampledata.changes (new ids, late-arriving event rows, newer versions of existing ids, soft
deletes: SHARE of each table with a one-column key), and the pipeline runs `--incremental` on it as of
day D + 1 in the same workspace: the loader appends the rows, the incremental models read only the keys
they touch, everything downstream is rebuilt, tested, validated and published as every night. The
measurement has the same shape as the full run's (wall_s, cpu_s, peak_rss_mb, phases, dbt), plus how many
rows the export held and how long writing it took (not part of the night).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from scripts.benchmark.nightly import Workspace, run_night
from scripts.sampledata.changes import write_changes

log = logging.getLogger("benchmark")

SHARE = 0.01
NOT_AVAILABLE = "not measured: the incremental phase was not run"


def run_incremental(workspace: Workspace, base_raw_dir: Path, work: Path) -> dict[str, Any]:
    """Write the next night's changes of `base_raw_dir` and measure an --incremental night on them; run
    after the full night (whose build database it adds to)."""
    if not workspace.build_db.exists():
        raise RuntimeError(
            "the incremental night needs the full run's build database: include the full phase"
        )
    changes_dir = work / "changes"
    started = time.perf_counter()
    written = write_changes(base_raw_dir, changes_dir, SHARE)
    write_s = time.perf_counter() - started
    rows = sum(c.rows for c in written)
    log.info("incremental night on %d changed rows (log: %s)", rows, work / "incremental.log")
    measured, details = run_night(workspace, changes_dir, work / "incremental.log", ("--incremental",))
    return {
        "wall_s": round(measured.wall_s, 2),
        "cpu_s": round(measured.cpu_s, 2),
        "peak_rss_mb": round(measured.peak_rss_mb),
        "changed_rows": rows,
        "changed_rows_by_table": {c.table: c.rows for c in written},
        "share": SHARE,
        "changes_write_s": round(write_s, 2),
        **details,
    }
