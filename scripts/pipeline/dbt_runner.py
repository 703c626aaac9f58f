"""dbt for the pipeline: scripts/dbt_cli.run_dbt with the pipeline's paths, its log and a child that dies
with the pipeline (PR_SET_PDEATHSIG on Linux), so a pipeline killed with -9 never leaves a dbt behind that
keeps writing the build database while the next run starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import time
from collections.abc import Callable

from scripts.dbt_cli import DbtResult
from scripts.dbt_cli import run_dbt as run_dbt_process
from scripts.pipeline.config import Paths

DBT_OUTPUT_LOGGER = "pipeline.dbt.output"
log = logging.getLogger("pipeline.dbt")
# dbt's own output: always in the log file, on the console only with --verbose
output_log = logging.getLogger(DBT_OUTPUT_LOGGER)

DbtRun = DbtResult


def run_dbt(
    args: list[str],
    paths: Paths,
    dbt_vars: dict[str, object] | None = None,
    target: str | None = None,
    on_model_start: Callable[[subprocess.Popen[str]], None] | None = None,
    results_name: str = "run_results.json",
    as_of: dt.date | None = None,
    raw_tested_batch: int | None = None,
) -> DbtRun:
    """Run `dbt <args>` for the pipeline; stream its output to the log; summarise its results.

    The as-of date goes in the environment, not in `dbt_vars` (D115), as does the load batch up to which
    the raw tests have already read the raw rows (D127)."""
    if dbt_vars and "as_of_date" in dbt_vars:
        raise ValueError("the pipeline gives dbt the as-of date through `as_of`, not the var as_of_date")
    started = time.monotonic()
    run = run_dbt_process(
        [*args, "--no-use-colors"],
        dbt_vars,
        env=paths.dbt_env(as_of, raw_tested_batch),
        target_path=paths.target_dir,
        project_dir=paths.project_dir,
        target=target,
        output_logger=output_log,
        on_model_start=on_model_start,
        die_with_parent=True,
        results_name=results_name,
    )
    run.args = list(args)
    log.info(
        "dbt %s: exit %d, %s (%.1f s)", args[0], run.returncode, run.summary(), time.monotonic() - started
    )
    return run
