"""The dashboard in a real browser: Debian's headless Chromium (driven by Playwright, never Playwright's own
browser download) loads each language's page from disk with no network.

The sample, published into a serving file of the test's own (serving_sample.py) with hostile names
written into it: reps, accounts, products and teams whose names hold HTML and script. The dashboard is
built by the pipeline's own command (`python -m scripts.pipeline dashboard`), PNGs included. Each page
must load with no console error and no failed request, every section must show a rendered chart or an
explicit "no data" note, every chart must render, and the hostile names must show as text and run
nothing. A screenshot per language is saved (its path is printed; docs/img/ holds committed ones).

Without Chromium the tests skip, except in CI (SALES_KPIS_CI=1), where they fail: .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from serving_sample import publish_copy, sample_build

from scripts.contract import PROJECT_ROOT
from scripts.dashboard.panels import PANELS, SECTIONS

pytestmark = pytest.mark.slow

RUN_ID = "20261115T000000Z-0a55e7"
CHROMIUM = os.environ.get("SALES_KPIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# prefixed to every name of its column in the serving copy
HOSTILE = {
    "marts.dim_reps.full_name": "<script>alert(1)</script>",
    "marts.dim_accounts.account_name": '"><img src=x onerror=alert(2)>',
    "marts.dim_products.product_name": "</script><img src=x onerror=alert(3)>",
    "marts.kpi_sales_per_rep.team": "<svg onload=alert(4)>",
}


@dataclass
class Site:
    root: Path
    out: Path
    build: subprocess.CompletedProcess[str]


@dataclass
class Visit:
    """What the browser saw on one page."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    sections: dict[str, dict[str, int]] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=dict)
    text: str = ""
    svg_text: str = ""
    injected: dict[str, Any] = field(default_factory=dict)
    screenshot: Path | None = None


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"Chromium not found ({CHROMIUM}); install it with `apt-get install -y chromium`"
    if os.environ.get("SALES_KPIS_CI") == "1":
        pytest.fail(message + " (required when SALES_KPIS_CI=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The sample with hostile names, served and dashboarded by the pipeline's `dashboard` command."""
    root = tmp_path_factory.mktemp("dashboard")
    serving = publish_copy(sample_build(), root / "serving" / "sales_kpis.duckdb", RUN_ID, rename=HOSTILE)
    # the served run's record, as the pipeline leaves it: source freshness (one stale table)
    runs = root / "state" / "runs"
    runs.mkdir(parents=True)
    freshness = [
        {"table": "orders", "status": "pass", "age_hours": 14.8},
        {"table": "leads", "status": "warn", "age_hours": 48.7},
    ]
    (runs / f"{RUN_ID}.json").write_text(
        json.dumps({"run_id": RUN_ID, "freshness": freshness}), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_KPIS_", "DBT_"))}
    env |= {
        "SALES_KPIS_SERVING_PATH": str(serving),
        "SALES_KPIS_STATE_DIR": str(root / "state"),
        "SALES_KPIS_DUCKDB_PATH": str(root / "build.duckdb"),
    }
    build = subprocess.run(
        [sys.executable, "-m", "scripts.pipeline", "dashboard"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return Site(root, serving.parent / "dashboard", build)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _visit(browser: Any, page_file: Path, screenshot: Path) -> Visit:
    seen = Visit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.console_errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.failed_requests.append(f"{r.url} {r.failure}"))
    page.on("request", lambda r: seen.requests.append(r.url))

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(page_file.as_uri())
    page.wait_for_selector("body[data-charts-done='true']", timeout=120_000)
    seen.sections = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-section]')).map(s => [
            s.dataset.section,
            {charts: s.querySelectorAll('[data-chart][data-rendered="true"] svg').length,
             notes: s.querySelectorAll('[data-no-data]').length}]))"""
    )
    seen.charts = page.evaluate(
        """() => Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]')).map(c => [
            c.dataset.chart, (c.dataset.rendered || 'pending') + ':' + c.querySelectorAll('svg').length]))"""
    )
    seen.text = page.inner_text("body")
    seen.svg_text = page.evaluate(
        "() => Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('\\n')"
    )
    seen.injected = page.evaluate(
        """() => ({imgs: document.querySelectorAll('img').length,
                   svgs_onload: document.querySelectorAll('svg[onload]').length,
                   scripts: document.querySelectorAll('script').length})"""
    )
    page.screenshot(path=str(screenshot), full_page=True)
    seen.screenshot = screenshot
    context.close()
    return seen


@pytest.fixture(scope="module")
def visits(site: Site, browser: Any) -> dict[str, Visit]:
    assert site.build.returncode == 0, site.build.stderr[-3000:]
    shots = site.root / "screenshots"
    shots.mkdir()
    seen = {
        lang: _visit(browser, site.out / f"dashboard_{lang}.html", shots / f"dashboard_{lang}.png")
        for lang in ("en", "id")
    }
    for lang, visit in seen.items():
        print(f"screenshot {lang}: {visit.screenshot}")
    return seen


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_page_loads_offline_without_errors(visits: dict[str, Visit], lang: str) -> None:
    visit = visits[lang]
    assert not visit.console_errors, visit.console_errors[:5]
    assert not visit.failed_requests, visit.failed_requests[:5]
    assert [u for u in visit.requests if not u.startswith(("file:", "data:"))] == []
    assert visit.screenshot is not None and visit.screenshot.stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_section_has_a_rendered_chart_or_a_no_data_note(visits: dict[str, Visit], lang: str) -> None:
    visit = visits[lang]
    assert set(visit.sections) == set(SECTIONS)
    for section, counts in visit.sections.items():
        assert counts["charts"] + counts["notes"] > 0, f"section {section} shows nothing"
    # every chart on the page rendered (an SVG, no embed error); on the sample every panel has data
    assert visit.charts and all(state == "true:1" for state in visit.charts.values()), visit.charts
    assert {p.key for p in PANELS} <= set(visit.charts)


def test_labels_and_numbers_follow_the_language(visits: dict[str, Visit]) -> None:
    en, id_ = visits["en"].text, visits["id"].text
    assert "Revenue and growth" in en and "Pendapatan dan pertumbuhan" in id_
    assert "Data as of 15 Nov 2026" in en and "Data per 15 Nov 2026" in id_
    # money: compact with the language's separators and units (Rp 1.2B / Rp 1,2 M)
    assert re.search(r"Rp\s\d+(\.\d)?[MB]\b", en) and re.search(r"Rp\s\d+(,\d)?\s(jt|M)\b", id_)
    # stale sources from the run record
    assert "leads" in en.split("Source freshness")[1]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_names_holding_html_or_script_render_as_text(visits: dict[str, Visit], lang: str) -> None:
    visit = visits[lang]
    assert visit.dialogs == [], "a hostile name ran a script"
    assert visit.injected["imgs"] == 0 and visit.injected["svgs_onload"] == 0
    assert visit.injected["scripts"] == 3  # the bundle, the chart specs, the embedding code
    # the leaderboard table (HTML) shows rep and team names literally
    assert HOSTILE["marts.dim_reps.full_name"] in visit.text
    assert HOSTILE["marts.kpi_sales_per_rep.team"] in visit.text
    # the charts (SVG text) show product and account names literally, even one closing the script tag
    assert "</script><img src=x onerror=alert(3)>" in visit.svg_text
    assert '"><img src=x onerror=alert(2)>' in visit.svg_text


def test_the_pngs_are_the_charts_of_each_page(site: Site, visits: dict[str, Visit]) -> None:
    for lang, visit in visits.items():
        pngs = {p.stem for p in (site.out / "png" / lang).glob("*.png")}
        charts = {k for k in visit.charts if not k.startswith("spark_")} | {"scorecard"}
        assert pngs == charts
        for png in (site.out / "png" / lang).glob("*.png"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000, png
    manifest = json.loads((site.out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == RUN_ID and manifest["as_of_date"] == "2026-11-15"
