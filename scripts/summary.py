"""Summarise a built warehouse: row accounting, quarantine reasons, rows kept with a data-quality warning,
unknown labels, marts and KPI views (warning about KPI views without rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class WarehouseSummary:
    """What a build produced, read back from the warehouse."""

    accounting: list[tuple] = field(default_factory=list)
    quarantine_reasons: list[tuple[str, str, int]] = field(default_factory=list)
    warnings: list[tuple[str, str, int]] = field(default_factory=list)
    unmapped_labels: list[tuple[str, str, int]] = field(default_factory=list)
    relations: list[tuple[str, str, str, int]] = field(default_factory=list)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(query, [schema, name]).fetchone()[0] > 0


def read_summary(
    database: Path, marts_schema: str = "marts", dq_schema: str = "intermediate"
) -> WarehouseSummary:
    """Read the summary from a warehouse file (opened read-only)."""
    summary = WarehouseSummary()
    with duckdb.connect(str(database), read_only=True) as con:
        if _exists(con, dq_schema, "int_raw_rows_accounted"):
            summary.accounting = con.execute(
                "select table_name, is_table_present, raw_rows, staged_rows, superseded_rows, "
                "soft_deleted_rows, quarantined_rows, unaccounted_rows "
                f"from {dq_schema}.int_raw_rows_accounted order by table_name"
            ).fetchall()
        if _exists(con, dq_schema, "int_raw_rows_quarantined"):
            summary.quarantine_reasons = con.execute(
                f"select table_name, reason, count(*) from {dq_schema}.int_raw_rows_quarantined "
                "group by all order by 3 desc, 1, 2"
            ).fetchall()
        if _exists(con, dq_schema, "int_raw_rows_flagged"):
            summary.warnings = con.execute(
                f"select table_name, warning, count(*) from {dq_schema}.int_raw_rows_flagged "
                "group by all order by 3 desc, 1, 2"
            ).fetchall()
        if _exists(con, dq_schema, "int_unmapped_labels"):
            summary.unmapped_labels = con.execute(
                f"select label_type, raw_label, sum(row_count)::bigint from {dq_schema}.int_unmapped_labels "
                "group by all order by 3 desc, 1, 2"
            ).fetchall()
        tables = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_schema = ? order by table_name",
            [marts_schema],
        ).fetchall()
        for schema, name, kind in tables:
            rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            summary.relations.append((schema, name, "view" if kind == "VIEW" else "table", rows))
    return summary


def format_summary(summary: WarehouseSummary) -> list[str]:
    """The summary as lines of text for the log."""
    lines: list[str] = []
    if summary.accounting:
        totals = [sum(r[i] for r in summary.accounting) for i in range(2, 8)]
        lines.append(
            "Raw rows: {:,} = {:,} staged + {:,} superseded + {:,} soft-deleted + {:,} quarantined "
            "({:,} unaccounted)".format(*totals)
        )
        absent = [r[0] for r in summary.accounting if not r[1]]
        if absent:
            lines.append("Absent optional tables (read as empty): " + ", ".join(absent))
    if summary.quarantine_reasons:
        lines.append("Quarantined rows by reason (intermediate.int_raw_rows_quarantined):")
        lines += [f"  {table:<28} {reason:<28} {n:>7,}" for table, reason, n in summary.quarantine_reasons]
    if summary.warnings:
        lines.append("Rows kept with a data-quality warning (intermediate.int_raw_rows_flagged):")
        lines += [f"  {table:<28} {warning:<28} {n:>7,}" for table, warning, n in summary.warnings]
    if summary.unmapped_labels:
        lines.append("Unknown labels (extend seeds/stage_mapping.csv or seeds/channel_mapping.csv):")
        lines += [
            f"  {kind:<8} {label!r:<40} {n:>7,} rows" for kind, label, n in summary.unmapped_labels[:20]
        ]
    if summary.relations:
        kpis = [r for r in summary.relations if r[1].startswith("kpi_")]
        others = [r for r in summary.relations if not r[1].startswith("kpi_")]
        lines.append(f"Marts: {len(others)} fact/dimension tables, {len(kpis)} KPI views")
        empty = [name for _, name, _, rows in kpis if rows == 0]
        if empty:
            lines.append(
                "WARNING: KPI views with no rows (their inputs are absent or empty; validation fails when "
                "an input has rows): " + ", ".join(empty)
            )
        lines += [
            f"  {schema}.{name:<40} {kind:<6} {rows:>9,} rows"
            for schema, name, kind, rows in summary.relations
        ]
    return lines
