"""The benchmark's result: the JSON document other tools read, and the table printed for people.

Top-level keys (stable): raw_rows (total raw rows), full and incremental (each wall_s, cpu_s,
peak_rss_mb, phases; incremental is null when its phase was not run), bound (wall_s,
cpu_s), ratio_cpu_to_bound, incremental_share_of_full, kpi_latency_ms (view -> p50, p95). The other keys
add context: scale, machine load, generation, raw rows per table, dbt's split of the build.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator rounded to 2 places; None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def derived(result: dict[str, Any]) -> dict[str, Any]:
    """Add the ratios computed from the measured parts."""
    full, bound, incremental = result.get("full"), result.get("bound"), result.get("incremental")
    result["ratio_cpu_to_bound"] = ratio(full and full.get("cpu_s"), bound and bound.get("cpu_s"))
    result["incremental_share_of_full"] = ratio(
        incremental and incremental.get("cpu_s"), full and full.get("cpu_s")
    )
    return result


def _num(value: object, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return out


def _night_rows(title: str, night: dict[str, Any]) -> list[tuple[str, ...]]:
    """A measured night: its totals, its pipeline steps, and dbt's share by window, node kind and layer."""
    parse = f" (dbt: {night['dbt_parse']} parse)" if night.get("dbt_parse") else ""
    rows: list[tuple[str, ...]] = [(f"{title}{parse}", *_cells(night))]
    for name, phase in (night.get("phases") or {}).items():
        rows.append((f"  {name}", _num(phase.get("wall_s")), _num(phase.get("cpu_s")), ""))
    dbt = night.get("dbt") or {}
    windows = dbt.get("windows") or {}
    for name, window in windows.items():
        label = name.replace("_", " ")
        rows.append((f"    dbt build: {label}", _num(window.get("wall_s")), _num(window.get("cpu_s")), ""))
    if not windows and dbt.get("startup_and_parse_s") is not None:
        rows.append(("    dbt start-up and parse (wall)", _num(dbt.get("startup_and_parse_s")), "", ""))
    for kind, seconds in (dbt.get("node_seconds") or {}).items():
        count = (dbt.get("nodes") or {}).get(kind)
        rows.append((f"    dbt {kind} node time ({count})", _num(seconds), "", ""))
    for layer, seconds in (dbt.get("model_seconds_by_layer") or {}).items():
        rows.append((f"      models: {layer}", _num(seconds), "", ""))
    return rows


def format_report(result: dict[str, Any]) -> str:
    """The result as text tables."""
    cpus = (result.get("machine") or {}).get("cpus")
    lines = [
        f"Benchmark at scale {result.get('scale')} ({_num(result.get('raw_rows'), 0)} raw rows, "
        f"{result.get('format')}), load average before/after: "
        f"{_load(result, 'load_before')} / {_load(result, 'load_after')} on {cpus} CPUs",
    ]
    machine = result.get("machine") or {}
    if machine.get("reference_cpu_s_before") is not None:
        before, after = machine.get("reference_cpu_s_before"), machine.get("reference_cpu_s_after")
        lines.append(
            f"Machine: {machine.get('cpu_model', 'unknown')}; reference query (the same work on any machine) "
            f"{_num(before, 2)} / {_num(after, 2)} s of CPU before/after"
        )
    lines.append("")
    rows: list[tuple[str, ...]] = []
    generation = result.get("generation") or {}
    if generation and not generation.get("reused"):
        rows.append(("generate data", *_cells(generation)))
    full = result.get("full")
    if full:
        rows += _night_rows("full nightly run", full)
    incremental = result.get("incremental")
    if incremental:
        changed = (
            f", {_num(incremental.get('changed_rows'), 0)} changed rows"
            if incremental.get("changed_rows")
            else ""
        )
        rows += _night_rows(f"incremental night{changed}", incremental)
    else:
        rows.append((f"incremental night: {result.get('incremental_note') or '-'}", "", "", ""))
    bound = result.get("bound")
    if bound:
        rows.append(
            (
                f"lower bound ({bound.get('models')} models' SQL)",
                _num(bound.get("wall_s")),
                _num(bound.get("cpu_s")),
                "",
            )
        )
        for cost in bound.get("slowest_models") or []:
            rows.append((f"  {cost.get('model')}", _num(cost.get("wall_s")), _num(cost.get("cpu_s")), ""))
    lines += _table(rows, ("phase", "wall s", "cpu s", "peak RSS MiB"))
    lines += [
        "",
        f"CPU of the full run / lower bound: {_num(result.get('ratio_cpu_to_bound'), 2)}; "
        f"incremental / full: {_num(result.get('incremental_share_of_full'), 2)}",
    ]
    latency = result.get("kpi_latency_ms") or {}
    if latency:
        lines += [
            "",
            f"KPI views through Arrow ({result.get('latency_repeats')} reads each after a warm-up):",
        ]
        lines += _table(
            [
                (v, _num(m.get("rows"), 0), _num(m.get("p50"), 2), _num(m.get("p95"), 2))
                for v, m in latency.items()
            ],
            ("view", "rows", "p50 ms", "p95 ms"),
        )
    raw = result.get("raw_rows_by_table") or {}
    if raw:
        lines += ["", "Raw rows per table:"]
        lines += _table([(t, _num(n, 0)) for t, n in raw.items()], ("table", "rows"))
    return "\n".join(lines)


def _cells(part: dict[str, Any]) -> tuple[str, str, str]:
    return _num(part.get("wall_s")), _num(part.get("cpu_s")), _num(part.get("peak_rss_mb"), 0)


def _load(result: dict[str, Any], key: str) -> str:
    values = (result.get("machine") or {}).get(key)
    return "-" if not values else " ".join(f"{v:.2f}" for v in values)
