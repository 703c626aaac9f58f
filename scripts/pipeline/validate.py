"""great-expectations suites built from `meta.checks`, run on pandas DataFrames read from the build DuckDB.

GX Core 1.24, ephemeral context, one pandas data source, one dataframe asset and suite per model.
(GX's SQL data source does not work with DuckDB, so each relation is read with duckdb into pandas.)

Check -> expectation:
  grain          expect_column_values_to_not_be_null (each column) + expect_compound_columns_to_be_unique
                 (expect_column_values_to_be_unique for a one-column grain); a nullable_grain column skips
                 the NULL check and counts NULL as one value in the uniqueness check
  month_column   months contiguous: a derived column, per group of the other grain columns, holding 'ok' or
                 the gap ('2026-02-01 -> 2026-05-01'), checked with expect_column_values_to_be_in_set ['ok']
  bounded_rates  expect_column_values_to_be_between 0 and 1
  ratios         expect_column_pair_values_a_to_be_greater_than_b (denominator >= numerator)
  non_negative   expect_column_values_to_be_between min 0
  not_null       expect_column_values_to_not_be_null
  rows_when_inputs_have_rows
                 expect_table_row_count_to_be_between min 1, added only when an input (optionally only its
                 rows where a boolean flag column is true) has rows: a KPI view that is empty although its
                 inputs are not is news; the report lists it under empty_kpi_views (run history)
Every column a check names must exist (expect_table_columns_to_match_set, not exact). NULLs pass the range
and pair checks.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scripts.pipeline.checks import CheckedModel, Checks, Relation
from scripts.pipeline.publish import quote_ident, quote_literal
from scripts.profile import apply_settings

log = logging.getLogger("pipeline.validate")

MONTHS_OK = "ok"
NULL_GRAIN_VALUE = "<NULL>"
# What GX computes for each expectation: BASIC has the counts and the first unexpected values a failure is
# reported with; SUMMARY (GX's default) adds value counts and row indexes of them, which nothing here reads
# and which cost about a fifth of the validation step at 10 M raw rows (D135).
RESULT_FORMAT = "BASIC"


@dataclass
class ExpectationFailure:
    """One failed expectation, in words."""

    model: str
    check: str
    expectation: str
    columns: list[str]
    unexpected_count: int | None = None
    element_count: int | None = None
    examples: list[str] = field(default_factory=list)
    error: str | None = None

    def describe(self) -> str:
        where = f"{self.model}: {self.check} ({', '.join(self.columns)})" if self.columns else self.model
        if self.error:
            return f"{where} [{self.expectation}]: {self.error}"
        detail = f"{self.unexpected_count} of {self.element_count} rows unexpected"
        if self.examples:
            detail += ", e.g. " + "; ".join(self.examples[:5])
        return f"{where} [{self.expectation}]: {detail}"


@dataclass
class ValidationReport:
    """All suites of one validation."""

    suites: int = 0
    evaluated: int = 0
    successful: int = 0
    failures: list[ExpectationFailure] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    # models with no rows although an input they need has rows: {model, inputs: {input: rows}}
    empty_kpi_views: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> dict[str, Any]:
        return {
            "suites": self.suites,
            "evaluated": self.evaluated,
            "successful": self.successful,
            "failed": len(self.failures),
            "failures": [asdict(f) for f in self.failures],
            "empty_kpi_views": self.empty_kpi_views,
        }


def month_gaps(frame: pd.DataFrame, month_column: str, by: list[str]) -> pd.Series:
    """Per row: 'ok', or the gap between the previous month of its group and its own month."""
    months = pd.to_datetime(frame[month_column], errors="coerce")
    index = months.dt.year * 12 + months.dt.month
    work = pd.DataFrame({"_m": index, "_d": months}, index=frame.index)
    for i, column in enumerate(by):
        work[f"_g{i}"] = frame[column].astype("string").fillna("<NULL>")
    groups = [f"_g{i}" for i in range(len(by))]
    work = work.sort_values([*groups, "_m"])
    if groups:
        previous = work.groupby(groups, dropna=False)["_m"].shift(1)
        previous_date = work.groupby(groups, dropna=False)["_d"].shift(1)
    else:
        previous, previous_date = work["_m"].shift(1), work["_d"].shift(1)
    gap = (work["_m"] - previous) > 1
    result = pd.Series(MONTHS_OK, index=work.index, dtype="object")
    for row in work.index[gap.fillna(False).to_numpy(dtype=bool)]:
        label = ", ".join(f"{c}={frame.at[row, c]}" for c in by)
        result[row] = f"{previous_date[row]:%Y-%m-%d} -> {work.at[row, '_d']:%Y-%m-%d}" + (
            f" ({label})" if label else ""
        )
    return result.reindex(frame.index)


def _numeric(frame: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        if column in frame and frame[column].dtype == object:
            try:
                frame[column] = pd.to_numeric(frame[column])
            except (TypeError, ValueError):
                log.debug("column %s is not numeric; left as it is", column)


def _expectations(
    checks: Checks, present: set[str], derived_month: str | None, inputs_with_rows: list[str] | None = None
) -> list[Any]:
    """The GX expectations for one model (each carries meta.check and meta.columns)."""
    import great_expectations.expectations as gxe

    out: list[Any] = []

    def meta(check: str, *columns: str) -> dict[str, Any]:
        return {"check": check, "columns": list(columns)}

    out.append(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=checks.columns(), exact_match=False, meta=meta("columns_exist", *checks.columns())
        )
    )
    grain = [c for c in checks.grain if c in present]
    for column in (c for c in grain if c not in checks.nullable_grain):
        out.append(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta("grain_not_null", column)))
    if grain and len(grain) == len(checks.grain):
        if len(grain) == 1:
            out.append(gxe.ExpectColumnValuesToBeUnique(column=grain[0], meta=meta("grain_unique", *grain)))
        else:
            out.append(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=grain, meta=meta("grain_unique", *grain))
            )
    if derived_month and checks.month_column:
        others = [c for c in checks.grain if c != checks.month_column]
        out.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=derived_month,
                value_set=[MONTHS_OK],
                meta=meta("months_contiguous", checks.month_column, *others),
            )
        )
    for column in (c for c in checks.bounded_rates if c in present):
        out.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=0, max_value=1, meta=meta("bounded_rate", column)
            )
        )
    for numerator, denominator in checks.ratios:
        if numerator in present and denominator in present:
            out.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=denominator,
                    column_B=numerator,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta=meta("ratio_numerator_le_denominator", numerator, denominator),
                )
            )
    for column in (c for c in checks.non_negative if c in present):
        out.append(
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, meta=meta("non_negative", column))
        )
    for column in (c for c in checks.not_null if c in present and c not in grain):
        out.append(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=meta("not_null", column)))
    if inputs_with_rows:
        out.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=1, meta=meta("rows_when_inputs_have_rows", *inputs_with_rows)
            )
        )
    return out


class _Place:
    """Where a relation is read: the database validated, or else (for a relation it does not hold, such as a
    staging model named by an extra check while the staged serving file is validated) the build database,
    attached read-only under its own catalog name, so the build's views resolve as dbt created them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, fallback: Path | None) -> None:
        self.con = con
        self.main = con.execute("select current_database()").fetchone()[0]
        self.fallback: str | None = None
        if fallback is not None:
            alias = fallback.stem
            if alias == self.main:
                log.warning("%s has the catalog name of the validated file: not read as a fallback", fallback)
                return
            con.execute(f"attach {quote_literal(str(fallback))} as {quote_ident(alias)} (read_only)")
            self.fallback = alias

    def columns(self, catalog: str, relation: Relation) -> list[str]:
        return [
            r[0]
            for r in self.con.execute(
                "select column_name from information_schema.columns "
                "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
                [catalog, relation.schema, relation.identifier],
            ).fetchall()
        ]

    def locate(self, relation: Relation) -> tuple[str, list[str]] | None:
        """The relation's SQL name and its columns, or None if neither database holds it."""
        columns = self.columns(self.main, relation)
        if columns:
            return relation.sql, columns
        if self.fallback is not None:
            columns = self.columns(self.fallback, relation)
            if columns:
                return f"{quote_ident(self.fallback)}.{relation.sql}", columns
        return None


def _input_rows(place: _Place, model: CheckedModel) -> dict[str, int]:
    """Rows of each input the model needs (only those where its flag is true); absent relations count 0."""
    counts: dict[str, int] = {}
    con = place.con
    for relation, flag in model.inputs:
        label = relation.name if flag is None else f"{relation.name} where {flag}"
        try:
            where = f' where "{flag}"' if flag else ""
            located = place.locate(relation)
            name = located[0] if located else relation.sql
            counts[label] = int(con.execute(f"select count(*) from {name}{where}").fetchone()[0])
        except duckdb.Error as exc:
            log.warning("input %s of %s cannot be counted: %s", label, model.relation.name, exc)
            counts[label] = 0
    return counts


def _failure(model: str, result: Any) -> ExpectationFailure:
    config = result.expectation_config
    meta = config.meta or {}
    details = result.result or {}
    examples = [str(v) for v in (details.get("partial_unexpected_list") or [])[:5]]
    error = None
    if result.exception_info and result.exception_info.get("raised_exception", True) is not False:
        infos = result.exception_info
        messages = [str(v.get("exception_message")) for v in infos.values() if isinstance(v, dict)]
        error = (messages or [str(infos.get("exception_message") or "")])[
            0
        ].strip() or "expectation raised an error"
    return ExpectationFailure(
        model=model,
        check=str(meta.get("check", config.type)),
        expectation=str(config.type),
        columns=[str(c) for c in meta.get("columns", [])],
        unexpected_count=details.get("unexpected_count"),
        element_count=details.get("element_count"),
        examples=examples,
        error=error,
    )


def _read_frame(place: _Place, model: CheckedModel) -> tuple[pd.DataFrame, set[str], int] | None:
    located = place.locate(model.relation)
    if located is None:
        return None
    name, columns = located
    assert model.checks is not None
    wanted = [c for c in model.checks.columns() if c in columns]
    rows = place.con.execute(f"select count(*) from {name}").fetchone()[0]
    select = ", ".join(f'"{c}"' for c in wanted) or "1 as _row"
    frame = place.con.execute(f"select {select} from {name}").df()
    return frame, set(wanted), int(rows)


def record_suite_result(
    report: ValidationReport,
    name: str,
    result: Any,
    rows: int,
    input_rows: dict[str, int],
    inputs_with_rows: list[str],
) -> None:
    """Add one suite's validation result to the report (failures named, the empty-view check explained by
    its inputs' row counts) and log it; shared by the DuckDB path and the PostgreSQL engine."""
    stats = result.statistics
    report.evaluated += int(stats.get("evaluated_expectations", 0))
    report.successful += int(stats.get("successful_expectations", 0))
    failed = [_failure(name, r) for r in result.results if not r.success]
    for failure in failed:
        if failure.check == "rows_when_inputs_have_rows":
            failure.error = "no rows although its inputs have rows: " + ", ".join(
                f"{label} ({input_rows[label]:,})" for label in inputs_with_rows
            )
    report.failures += failed
    log.log(
        logging.ERROR if failed else logging.INFO,
        "suite %-40s %5d rows  %2d expectations  %s",
        name,
        rows,
        int(stats.get("evaluated_expectations", 0)),
        f"{len(failed)} FAILED" if failed else "ok",
    )


def validate_build(
    build_db: Path,
    models: list[CheckedModel],
    results_file: Path | None = None,
    on_suite_done: Callable[[str], None] | None = None,
    settings: dict[str, str] | None = None,
    fallback: Path | None = None,
) -> ValidationReport:
    """Run one suite per checked model against `build_db` (the build database, or the staged serving file
    with the build as `fallback` for the models it does not hold); save GX's results as JSON.

    `settings` (profile.duckdb_settings) are SET on the connection, so views evaluate as dbt built them
    (the optimizer workaround) within the same memory limit."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("build")
    report = ValidationReport()
    saved: dict[str, Any] = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        apply_settings(con, settings or {})
        place = _Place(con, fallback)
        for model in models:
            name = model.relation.name
            report.suites += 1
            if model.checks is None:
                report.failures.append(
                    ExpectationFailure(name, "meta_checks", "meta.checks", [], error=model.error)
                )
                continue
            read = _read_frame(place, model)
            if read is None:
                report.failures.append(
                    ExpectationFailure(
                        name, "relation_exists", "relation", [], error=f"{model.relation.label} not built"
                    )
                )
                continue
            frame, present, rows = read
            report.row_counts[name] = rows
            checks = model.checks
            input_rows = _input_rows(place, model)
            inputs_with_rows = [label for label, n in input_rows.items() if n > 0]
            if rows == 0 and inputs_with_rows:
                report.empty_kpi_views.append(
                    {"model": name, "inputs": {label: input_rows[label] for label in inputs_with_rows}}
                )
                log.warning(
                    "%s has no rows although its inputs have rows: %s",
                    name,
                    ", ".join(f"{label} ({input_rows[label]:,})" for label in inputs_with_rows),
                )
            _numeric(
                frame, [*checks.bounded_rates, *(c for p in checks.ratios for c in p), *checks.non_negative]
            )
            for column in (c for c in checks.nullable_grain if c in present):
                # NULL is one value of this grain column: make it comparable for the uniqueness check
                frame[column] = frame[column].astype("string").fillna(NULL_GRAIN_VALUE)
            derived = None
            others = [c for c in checks.grain if c != checks.month_column]
            if checks.month_column in present and all(c in present for c in others):
                derived = f"months_contiguous__{checks.month_column}"
                frame[derived] = month_gaps(frame, checks.month_column, others)
            # built whole, then added once: adding expectations one by one re-serialises the suite each time
            suite = gx.ExpectationSuite(
                name=name, expectations=_expectations(checks, present, derived, inputs_with_rows)
            )
            suite = context.suites.add(suite)
            batch_definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                "all_rows"
            )
            result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite, result_format=RESULT_FORMAT
            )
            saved[name] = result.to_json_dict()
            record_suite_result(report, name, result, rows, input_rows, inputs_with_rows)
            if on_suite_done:
                on_suite_done(name)
    for failure in report.failures:
        log.error("expectation failed: %s", failure.describe())
    if results_file:
        results_file.parent.mkdir(parents=True, exist_ok=True)
        payload = {"summary": report.summary(), "row_counts": report.row_counts, "suites": saved}
        results_file.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return report
