"""The pipeline's dashboard step: build the dashboard of what is served (or of a kept version).

The served version's dashboard lives beside the serving file (`<serving folder>/dashboard/`). Each
dashboard built for the served version is also kept, as hard links, with its archived version
(`versions/<run_id>.dashboard/`, pruned with it), so a rollback serves that version's dashboard again
without rebuilding it; `dashboard --run-id` rebuilds a kept version's there, never replacing the
dashboard of the data that is served. SALES_KPIS_DASHBOARD=html skips the PNGs, =off skips the step.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from scripts.dashboard.data import ServingData, read_freshness
from scripts.dashboard.i18n import LANGUAGES
from scripts.dashboard.install import clean_temp_dirs, install
from scripts.dashboard.render import BuildResult, build_dashboard
from scripts.pipeline import publish
from scripts.pipeline.config import ConfigError, Paths, reporting_zone

ENV_DASHBOARD = "SALES_KPIS_DASHBOARD"
MODES = ("all", "html", "off")


def mode() -> str:
    value = os.environ.get(ENV_DASHBOARD, "all")
    if value not in MODES:
        raise ConfigError(f"{ENV_DASHBOARD} must be one of {', '.join(MODES)}, got {value!r}")
    return value


def dashboard_dir(paths: Paths, run_id: str | None = None) -> Path:
    if run_id is None:
        return paths.serving_db.parent / "dashboard"
    return paths.versions_dir / f"{run_id}.dashboard"


def build_for(
    paths: Paths,
    run_id: str | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    png: bool | None = None,
    freshness: list[dict[str, Any]] | None = None,
    reuse: bool = False,
) -> BuildResult:
    """Build the dashboard of the served version (run_id None) or of the kept version `run_id`. With
    `reuse`, the served version's kept dashboard (after a rollback) is installed instead of rebuilt."""
    serving = paths.serving_db if run_id is None else publish.archive_path(paths, run_id)
    if not serving.exists():
        kept = ", ".join(publish.archived_versions(paths)) or "none"
        raise ConfigError(
            f"no served data at {serving}" if run_id is None else f"no kept version {run_id} (kept: {kept})"
        )
    with ServingData(serving) as data:
        served_run = data.version().get("run_id")
    if freshness is None:
        freshness = read_freshness(paths.state_dir, served_run)
    kept_copy = dashboard_dir(paths, served_run) if run_id is None and served_run else None
    if reuse and kept_copy is not None and (kept_copy / "manifest.json").exists():
        return _install_copy(kept_copy, dashboard_dir(paths), served_run)
    result = build_dashboard(
        serving,
        dashboard_dir(paths, run_id),
        languages=languages,
        png=(mode() == "all") if png is None else png,
        zone=reporting_zone(paths.project_dir, {}),
        freshness=freshness,
        cache_dir=paths.state_dir / "cache",
    )
    if kept_copy is not None and publish.archive_path(paths, served_run).exists():
        _link_copy(result.out_dir, kept_copy)
    prune_version_dashboards(paths)
    return result


def _link_copy(source: Path, target: Path) -> None:
    """Replace `target` by a copy of `source` made of hard links (no extra disk space)."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    shutil.copytree(source, tmp, copy_function=os.link)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)


def _install_copy(kept: Path, out_dir: Path, run_id: str) -> BuildResult:
    started = time.monotonic()
    clean_temp_dirs(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.tmp")
    shutil.copytree(kept, tmp, copy_function=os.link)
    install(tmp, out_dir)
    files = sorted(p for p in out_dir.rglob("*") if p.suffix in (".html", ".png"))
    return BuildResult(out_dir, files, time.monotonic() - started, run_id, [])


def prune_version_dashboards(paths: Paths) -> list[str]:
    """Remove the dashboards of kept versions that were pruned."""
    if not paths.versions_dir.exists():
        return []
    kept = set(publish.archived_versions(paths))
    removed = []
    for tmp in paths.versions_dir.glob(".*.dashboard.*.tmp"):
        shutil.rmtree(tmp, ignore_errors=True)
    for folder in paths.versions_dir.glob("*.dashboard"):
        if folder.name.removesuffix(".dashboard") not in kept:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed
