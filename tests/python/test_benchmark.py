"""The benchmark's pure parts: percentiles, ratios, the model order of the lower bound, dbt's breakdown,
CPU between two moments, the process-tree reading and the printed report. Nothing here times anything
(the benchmark itself, `python -m scripts.benchmark`, is never part of make test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scripts.benchmark import measure
from scripts.benchmark.bound import Bound, ModelCost, models_in_order
from scripts.benchmark.incremental import NOT_AVAILABLE
from scripts.benchmark.latency import percentile
from scripts.benchmark.measure import (
    TreeSampler,
    cpu_model,
    process_tree,
    read_stat,
    reference_cpu_s,
    run_measured,
)
from scripts.benchmark.nightly import dbt_breakdown, layer_of, log_since, parse_kind
from scripts.benchmark.report import derived, format_report, ratio


def test_percentile_interpolates_between_sorted_values() -> None:
    values = [40.0, 10.0, 30.0, 20.0]  # sorted: 10 20 30 40
    assert percentile(values, 0.5) == pytest.approx(25.0)  # halfway between 20 and 30
    assert percentile(values, 0.95) == pytest.approx(38.5)  # position 2.85: 30 + 0.85 * 10
    assert percentile(values, 0.0) == 10.0
    assert percentile([7.0], 0.95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_ratio_rounds_and_refuses_a_missing_or_zero_denominator() -> None:
    assert ratio(30.0, 8.0) == 3.75
    assert ratio(1.0, 3.0) == 0.33
    assert ratio(None, 3.0) is None
    assert ratio(3.0, 0.0) is None
    assert ratio(3.0, None) is None


def test_derived_ratios_use_cpu_seconds() -> None:
    result = derived({"full": {"cpu_s": 120.0}, "bound": {"cpu_s": 40.0}, "incremental": None})
    assert result["ratio_cpu_to_bound"] == 3.0
    assert result["incremental_share_of_full"] is None
    result = derived({"full": {"cpu_s": 120.0}, "bound": None, "incremental": {"cpu_s": 6.0}})
    assert result["ratio_cpu_to_bound"] is None
    assert result["incremental_share_of_full"] == 0.05


def _node(name: str, depends: list[str], materialized: str) -> tuple[str, dict]:
    uid = f"model.p.{name}"
    return uid, {
        "resource_type": "model",
        "name": name,
        "depends_on": {"nodes": depends},
        "config": {"materialized": materialized},
    }


def test_models_run_after_their_parents_and_ephemeral_ones_are_left_out() -> None:
    nodes = dict(
        [
            _node("kpi", ["model.p.fct", "seed.p.mapping"], "view"),
            _node("fct", ["model.p.stg", "model.p.eph"], "table"),
            _node("eph", ["model.p.stg"], "ephemeral"),
            _node("stg", ["source.p.crm.accounts"], "view"),
            _node("other", [], "incremental"),
        ]
    )
    nodes["seed.p.mapping"] = {"resource_type": "seed", "name": "mapping"}
    order = [n["name"] for n in models_in_order({"nodes": nodes})]
    assert sorted(order) == ["fct", "kpi", "other", "stg"]
    assert order.index("stg") < order.index("fct") < order.index("kpi")


def test_the_bound_names_its_models_of_most_cpu_first() -> None:
    costs = (
        ModelCost("a", 1.0, 0.6),
        ModelCost("b", 3.0, 1.5),
        ModelCost("c", 2.0, 1.0),
        ModelCost("d", 3.0, 2.0),
    )
    bound = Bound(wall_s=5.1, cpu_s=9.0, models=4, compile_wall_s=1.0, costs=costs)
    assert [c.model for c in bound.slowest(3)] == ["b", "d", "c"]  # equal CPU: by name
    assert Bound(wall_s=0.0, cpu_s=0.0, models=0, compile_wall_s=0.0).slowest() == []


def test_models_in_order_refuses_a_cycle() -> None:
    nodes = dict([_node("a", ["model.p.b"], "table"), _node("b", ["model.p.a"], "table")])
    with pytest.raises(ValueError, match="cycle"):
        models_in_order({"nodes": nodes})


def test_layers_follow_the_naming_conventions() -> None:
    assert layer_of("base_crm__accounts") == "staging_base"
    assert layer_of("stg_crm__accounts") == "staging_views"
    assert layer_of("int_raw_rows_accounted") == "intermediate"
    assert layer_of("fct_orders") == "marts_facts"
    assert layer_of("dim_reps") == "marts_dimensions"
    assert layer_of("kpi_scorecard") == "kpi_views"
    assert layer_of("my_model") == "other"


def test_dbt_breakdown_sums_node_time_by_type_and_layer(tmp_path: Path) -> None:
    results = {
        "elapsed_time": 50.0,
        "results": [
            {"unique_id": "model.p.base_crm__leads", "execution_time": 4.0},
            {"unique_id": "model.p.stg_crm__leads", "execution_time": 0.5},
            {"unique_id": "model.p.fct_orders", "execution_time": 6.0},
            {"unique_id": "test.p.not_null_x", "execution_time": 0.25},
            {"unique_id": "test.p.unique_y", "execution_time": 0.75},
            {"unique_id": "seed.p.stage_mapping", "execution_time": 1.0},
        ],
    }
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    out = dbt_breakdown(path, build=(1000.0, 1065.0))
    assert out["node_seconds"] == {"model": 10.5, "seed": 1.0, "test": 1.0}
    assert out["nodes"] == {"model": 3, "seed": 1, "test": 2}
    assert out["model_seconds_by_layer"] == {"marts_facts": 6.0, "staging_base": 4.0, "staging_views": 0.5}
    assert out["startup_and_parse_s"] == 15.0  # 65 s of build step - 50 s dbt spent on nodes
    assert out["slowest_models"][0] == {"model": "fct_orders", "seconds": 6.0}
    assert dbt_breakdown(tmp_path / "missing.json", (0.0, 1.0)) == {}


def test_parse_kind_reads_dbts_log() -> None:
    # dbt 1.11's own lines (file log, debug level)
    partial = (
        "[debug] [MainThread]: Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed.\n"
        "[debug] [MainThread]: Partial parsing enabled, no changes found, skipping parsing\n"
    )
    vars_changed = (
        "[info ] [MainThread]: Unable to do partial parsing because config vars, config profile, or config "
        "target have changed\n"
    )
    first = (
        "[info ] [MainThread]: Unable to do partial parsing because saved manifest not found. "
        "Starting full parse.\n"
    )
    assert parse_kind(partial) == "partial"
    assert parse_kind(vars_changed) == "full"
    assert parse_kind(first) == "full"
    assert parse_kind("[info ] [MainThread]: Running with dbt=1.11.2\n") is None


def test_dbt_breakdown_cuts_the_build_into_start_parse_and_nodes(tmp_path: Path) -> None:
    results = {
        "elapsed_time": 40.0,
        "metadata": {"invocation_started_at": "2026-12-01T10:00:05Z"},
        "results": [
            {
                "unique_id": "model.p.fct_orders",
                "execution_time": 3.0,
                "timing": [{"name": "compile", "started_at": "2026-12-01T10:00:20Z"}],
            },
            {
                "unique_id": "test.p.unique_y",
                "execution_time": 1.0,
                "timing": [{"name": "execute", "started_at": "2026-12-01T10:00:30Z"}],
            },
        ],
    }
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    start = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC).timestamp()
    sampler = TreeSampler(root=0)
    sampler.samples = [(start, 0.0), (start + 5, 4.0), (start + 20, 30.0), (start + 60, 100.0)]
    windows = dbt_breakdown(path, build=(start, start + 60), sampler=sampler)["windows"]
    # the build step starts at 10:00:00, dbt's invocation at 10:00:05, the first node at 10:00:20
    assert windows["process_start"] == {"wall_s": 5.0, "cpu_s": 4.0}
    assert windows["parse_and_compile_graph"] == {"wall_s": 15.0, "cpu_s": 26.0}
    assert windows["nodes"] == {"wall_s": 40.0, "cpu_s": 70.0}


def test_cpu_between_two_moments_uses_the_samples_around_them() -> None:
    sampler = TreeSampler(root=0)
    sampler.samples = [(100.0, 1.0), (101.0, 2.0), (102.0, 5.0), (103.0, 5.5)]
    assert sampler.cpu_between(100.5, 102.5) == pytest.approx(4.5)  # 5.5 (after) - 1.0 (before)
    assert sampler.cpu_between(101.0, 102.0) == pytest.approx(3.0)
    assert sampler.cpu_between(200.0, 201.0) is None  # nothing sampled then


def test_one_glitched_sample_does_not_move_cpu_into_a_phase() -> None:
    # 188 s of a reaped child counted twice in one sample (a spike), then missing from one (a dip)
    sampler = TreeSampler(root=0)
    values = [190.0, 191.0, 379.0, 192.0, 5.0, 194.0]
    sampler.samples = [(100.0 + i, value) for i, value in enumerate(values)]
    assert sampler.cpu_between(100.0, 102.0) == pytest.approx(2.0)  # 192 (the median at 102) - 190
    assert sampler.cpu_between(102.0, 105.0) == pytest.approx(2.0)
    assert sampler.cpu_between(103.5, 104.5) == pytest.approx(2.0)  # 194 - 192, the dip ignored


def test_the_process_tree_holds_a_child_and_its_memory() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(64 * 2**20); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tree = {p.pid: p for p in process_tree(os.getpid())}
            if child.pid in tree and tree[child.pid].rss_mb > 60:
                break
            time.sleep(0.1)
        assert child.pid in tree
        assert tree[child.pid].ppid == os.getpid()
        assert tree[child.pid].rss_mb > 60  # the 64 MiB the child holds
    finally:
        child.kill()
        child.wait()
    assert read_stat(child.pid) is None or read_stat(child.pid).pid == child.pid


def test_run_measured_counts_the_cpu_of_grandchildren(tmp_path: Path) -> None:
    """CPU spent by a child of the measured command (as dbt is a child of the pipeline) is included."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass"
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}], check=True)"
    measured = run_measured([sys.executable, "-c", script], log=tmp_path / "out.log")
    assert measured.returncode == 0
    assert measured.cpu_s >= 0.6
    assert measured.wall_s >= 0.6


def test_the_reference_query_counts_the_cpu_of_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's gauge is CPU seconds of real work: four times the rows cost well over twice the CPU
    (CPU time, so a busy neighbour does not change it much)."""
    light = reference_cpu_s(repeats=1)
    assert light > 0.02
    heavier = measure.REFERENCE_QUERY.replace("range(10000000)", "range(40000000)")
    assert heavier != measure.REFERENCE_QUERY
    monkeypatch.setattr(measure, "REFERENCE_QUERY", heavier)
    assert reference_cpu_s(repeats=1) > 2 * light


def test_the_cpu_model_is_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n",
        encoding="utf-8",
    )
    assert cpu_model(cpuinfo) == "AMD EPYC 7B13"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: \nmodel\t\t: 1\n", encoding="utf-8")
    assert cpu_model(cpuinfo) == "unknown"
    assert cpu_model(tmp_path / "missing") == "unknown"


def test_the_report_prints_every_part() -> None:
    result = derived(
        {
            "scale": 1.0,
            "format": "parquet",
            "raw_rows": 10_000_000,
            "machine": {
                "cpus": 2,
                "cpu_model": "Test CPU 9000",
                "load_before": [0.5, 0.4, 0.3],
                "load_after": [1.5, 1.0, 0.5],
                "reference_cpu_s_before": 0.812,
                "reference_cpu_s_after": 0.9,
            },
            "generation": {"reused": False, "wall_s": 60.0, "cpu_s": 100.0, "peak_rss_mb": 1500},
            "full": {
                "wall_s": 300.0,
                "cpu_s": 450.0,
                "peak_rss_mb": 3000,
                "phases": {
                    "load": {"wall_s": 20.0, "cpu_s": 30.0},
                    "build": {"wall_s": 250.0, "cpu_s": 380.0},
                },
                "dbt": {
                    "startup_and_parse_s": 12.5,
                    "node_seconds": {"model": 150.0},
                    "nodes": {"model": 90},
                },
            },
            "incremental": {
                "wall_s": 40.0,
                "cpu_s": 45.0,
                "peak_rss_mb": 900,
                "changed_rows": 98_765,
                "phases": {"load": {"wall_s": 2.0, "cpu_s": 3.0}, "build": {"wall_s": 30.0, "cpu_s": 33.0}},
            },
            "bound": {
                "wall_s": 100.0,
                "cpu_s": 150.0,
                "models": 90,
                "slowest_models": [{"model": "fct_email_messages", "cpu_s": 6.5, "wall_s": 3.4}],
            },
            "latency_repeats": 20,
            "kpi_latency_ms": {"kpi_scorecard": {"p50": 12.0, "p95": 30.5, "rows": 216}},
            "raw_rows_by_table": {"accounts": 220_000},
        }
    )
    text = format_report(result)
    assert "10,000,000 raw rows" in text
    assert "0.50 0.40 0.30 / 1.50 1.00 0.50 on 2 CPUs" in text
    assert "Machine: Test CPU 9000; reference query (the same work on any machine) 0.81 / 0.90 s" in text
    assert "CPU of the full run / lower bound: 3.00" in text
    assert "incremental / full: 0.10" in text  # 45 / 450 CPU s
    assert "incremental night, 98,765 changed rows" in text
    assert NOT_AVAILABLE not in text
    assert any(line.split() == ["fct_email_messages", "3.4", "6.5"] for line in text.splitlines()), text
    assert NOT_AVAILABLE in format_report({**result, "incremental": None, "incremental_note": NOT_AVAILABLE})
    for expected in (
        "full nightly run",
        "  load",
        "  build",
        "dbt start-up and parse",
        "kpi_scorecard",
        "30.50",
    ):
        assert expected in text
    assert "220,000" in text


def test_a_data_directory_that_is_no_generated_data_set_is_never_deleted(tmp_path: Path) -> None:
    """--data reaches the file system: a folder with other files is refused (exit 2), not replaced."""
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("keep me", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.benchmark",
            "--data",
            str(folder),
            "--only",
            "generate",
            "--regenerate",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "refusing to delete it" in run.stderr
    assert (folder / "thesis.txt").read_text(encoding="utf-8") == "keep me"
    # a file given as --data is refused the same way
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.benchmark",
            "--data",
            str(file),
            "--only",
            "generate",
            "--regenerate",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and file.exists(), run.stderr[-2000:]


def test_log_since_follows_dbts_log_rotation(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    log.write_text("old night\n" * 3 + "Partial parsing enabled\nnode 1\n")
    start = len("old night\n" * 3)
    assert log_since(log, start) == "Partial parsing enabled\nnode 1\n"
    # rotated during the run: the night began in dbt.log.1 and went on in a new dbt.log
    log.rename(tmp_path / "dbt.log.1")
    log.write_text("node 2\n")
    assert log_since(log, start) == "Partial parsing enabled\nnode 1\nnode 2\n"
    assert parse_kind(log_since(log, start)) == "partial"
    assert log_since(tmp_path / "missing.log", 0) == ""
