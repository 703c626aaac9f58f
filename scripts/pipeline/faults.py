"""Deterministic pause points for the reliability tests (kill -9 at a known step).

With SALES_KPIS_PIPELINE_TEST_PAUSE_AT=<point>, the pipeline writes the marker file
`<state>/paused-at-<point>.json` (its pid and details) when it reaches that point and then sleeps, so a
test can kill it exactly there. Unset (always, outside tests), pause points cost nothing.

Points: load, build (dbt frozen with SIGSTOP while it builds the first model), publish (the new file half
written: in the stage step on DuckDB, D129), validate (after the first suite), publish_replace (new version
complete, not yet served), publish_prune (served, old versions not yet pruned).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

log = logging.getLogger("pipeline.faults")

PAUSE_ENV = "SALES_KPIS_PIPELINE_TEST_PAUSE_AT"
PAUSE_SECONDS_ENV = "SALES_KPIS_PIPELINE_TEST_PAUSE_SECONDS"
POINTS = ("load", "build", "validate", "publish", "publish_replace", "publish_prune")


def pause_requested(point: str) -> bool:
    return os.environ.get(PAUSE_ENV) == point


def marker_path(state_dir: Path, point: str) -> Path:
    return state_dir / f"paused-at-{point}.json"


def pause_point(point: str, state_dir: Path, **details: object) -> None:
    """If the tests asked to pause here: write the marker, then sleep (the test kills us meanwhile)."""
    if not pause_requested(point):
        return
    marker = marker_path(state_dir, point)
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "point": point, **details}), encoding="utf-8")
    tmp.replace(marker)
    seconds = float(os.environ.get(PAUSE_SECONDS_ENV, "300"))
    log.warning("test pause at %s for %.0f s (marker %s)", point, seconds, marker)
    time.sleep(seconds)
