"""The incremental night: what a night with about 1 % new and changed raw rows costs, next to a full run.

Not available yet: the pipeline has no incremental mode (issue 9, item 3). run_incremental() returns
None until it has; the benchmark then reports `"incremental": null` with NOT_AVAILABLE as the reason.

The intended shape, for whoever adds the incremental mode: after the full nightly run on the base data
set (as of day D), generate the next night's export with the generator's --changes-from option (new
ids, newer versions of existing ids with a later updated_at, rows that arrive late, soft deletes: about
1 % of the rows), run the pipeline in its incremental mode on that export as of day D + 1 in the same
workspace, measure it with measure.run_measured, and return the same shape as the full run's
measurement (wall_s, cpu_s, peak_rss_mb, phases).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

from scripts.benchmark.nightly import Workspace

NOT_AVAILABLE = "not available: no incremental mode yet"


def pipeline_has_incremental_mode() -> bool:
    """Whether `python -m scripts.pipeline run` accepts an --incremental option."""
    from scripts.pipeline.cli import build_parser

    with contextlib.redirect_stderr(io.StringIO()):
        try:
            build_parser().parse_args(["run", "--incremental"])
        except SystemExit:
            return False
    return True


def run_incremental(workspace: Workspace, base_raw_dir: Path) -> dict[str, Any] | None:
    """Measure an incremental night after the full run, or None while the pipeline has no such mode."""
    if not pipeline_has_incremental_mode():
        return None
    raise NotImplementedError(  # pragma: no cover - the day the mode exists, this is where it is measured
        "the pipeline offers --incremental: measure it here (see the module docstring)"
    )
