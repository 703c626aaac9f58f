"""The MetricFlow semantic layer (models/semantic/) gives the same numbers as the kpi_* views.

On the sample, published into a serving file (serving_sample.py), MetricFlow runs read-only against the
serving file through the `serving` target of profiles.yml, exactly as an analyst would run it:
`mf validate-configs` (with the warehouse checks) and `mf query --saved-query scorecard_monthly` through
the `mf` command, then the other comparisons (the README's `revenue by region by month` included)
through the same engine in one process (tests/python/mf_batch.py; every `mf` start-up costs seconds).

Each metric is compared with one kpi_* column at the view's grain, with the view re-aggregated where its
grain is finer (sum of numerators over sum of denominators, never an average of ratios). A group missing
from MetricFlow's answer is 0 for additive metrics (the view shows zeros) and NULL for ratios. The two
conversion metrics are not claimed equal to the view (their descriptions say why): the test measures how
often they agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from serving_sample import publish_copy, sample_build

from scripts.contract import PROJECT_ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
MONTH = "metric_time__month"

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Check:
    """One metric against one view column: MetricFlow's answer grouped by `group_by` (a batch), the view's
    by the same keys (`view_sql` selects the keys, then the value)."""

    metric: str
    batch: str
    view_sql: str
    additive: bool = True
    tolerance: float = 1e-6  # absolute, or relative to the larger value when that is above 1

    @property
    def id(self) -> str:
        return f"{self.metric}-{self.batch}"


BATCHES: dict[str, list[str]] = {
    "month": [MONTH],
    "month_channel": [MONTH, "lead__channel"],
    "month_opportunity_segment": [MONTH, "opportunity__segment"],
    "month_revenue_segment": [MONTH, "revenue_event__segment"],
    "day_stage": ["metric_time__day", "pipeline_snapshot__stage"],
    "month_rep": [MONTH, "rep"],
    "month_acquisition_channel": [MONTH, "account__acquisition_channel"],
    "month_region": [MONTH, "account__region"],
    "month_category": [MONTH, "revenue_event__category"],
}


def _monthly(view: str, column: str, where: str = "") -> str:
    return f"select month_start, {column} from marts.{view} {('where ' + where) if where else ''}"


RATE = {"additive": False}
CHECKS = [
    # revenue, growth, margin (kpi_revenue_monthly, kpi_sales_growth_monthly, kpi_profit_margin_monthly)
    Check("invoiced_revenue", "month", _monthly("kpi_revenue_monthly", "invoiced_revenue")),
    Check("refunded_revenue", "month", _monthly("kpi_revenue_monthly", "refunded_revenue")),
    Check("invoiced_orders", "month", _monthly("kpi_revenue_monthly", "invoiced_orders")),
    Check("paying_customers", "month", _monthly("kpi_revenue_monthly", "paying_customers")),
    Check("revenue_mom_growth", "month", _monthly("kpi_sales_growth_monthly", "mom_growth_rate"), **RATE),
    Check("revenue_yoy_growth", "month", _monthly("kpi_sales_growth_monthly", "yoy_growth_rate"), **RATE),
    # cumulative metrics: the view's months summed over the calendar year / the 12 months to date
    Check(
        "revenue_ytd",
        "month",
        "select month_start, sum(revenue) over (partition by extract(year from month_start) "
        "order by month_start) from marts.kpi_revenue_monthly",
    ),
    Check(
        "revenue_trailing_12_months",
        "month",
        "select month_start, sum(revenue) over (order by month_start rows between 11 preceding and "
        "current row) from marts.kpi_revenue_monthly",
    ),
    Check("costed_revenue", "month", _monthly("kpi_profit_margin_monthly", "revenue")),
    Check("gross_profit", "month", _monthly("kpi_profit_margin_monthly", "gross_profit")),
    Check(
        "gross_profit",
        "month_category",
        "select month_start, product_category, gross_profit from marts.kpi_profit_margin_by_category",
    ),
    Check(
        "gross_margin_rate",
        "month_category",
        "select month_start, product_category, gross_margin_rate from marts.kpi_profit_margin_by_category",
        **RATE,
    ),
    # bookings
    Check("booked_orders", "month", _monthly("kpi_bookings_monthly", "booked_orders")),
    Check("new_business_bookings", "month", _monthly("kpi_bookings_monthly", "new_business_bookings")),
    Check("upsell_bookings", "month", _monthly("kpi_bookings_monthly", "upsell_bookings")),
    Check("renewal_bookings", "month", _monthly("kpi_bookings_monthly", "renewal_bookings")),
    Check("gross_bookings", "month", _monthly("kpi_bookings_monthly", "gross_bookings")),
    Check("cancelled_bookings", "month", _monthly("kpi_bookings_monthly", "cancelled_bookings")),
    Check("cancelled_orders", "month", _monthly("kpi_bookings_monthly", "cancelled_orders")),
    # deals
    Check("deals_lost", "month", _monthly("kpi_win_rate_monthly", "deals_lost")),
    Check("closed_deals", "month", _monthly("kpi_win_rate_monthly", "closed_deals")),
    Check("won_amount", "month", _monthly("kpi_win_rate_monthly", "won_amount")),
    Check("win_rate_by_amount", "month", _monthly("kpi_win_rate_monthly", "win_rate_by_amount"), **RATE),
    Check(
        "avg_won_deal_size",
        "month",
        _monthly("kpi_win_rate_monthly", "avg_won_deal_size"),
        additive=False,
        tolerance=0.005,  # the view rounds to cents
    ),
    Check(
        "won_cycle_days",
        "month_opportunity_segment",
        "select month_start, segment, total_cycle_days"
        " from marts.kpi_sales_cycle_monthly where segment <> 'all'",
    ),
    Check(
        "won_deals_with_cycle",
        "month_opportunity_segment",
        "select month_start, segment, won_deals_with_cycle"
        " from marts.kpi_sales_cycle_monthly where segment <> 'all'",
    ),
    Check(
        "avg_sales_cycle_days",
        "month_opportunity_segment",
        "select month_start, segment, avg_cycle_days"
        " from marts.kpi_sales_cycle_monthly where segment <> 'all'",
        additive=False,
        tolerance=0.005,  # rounded to 2 decimals in the view
    ),
    Check(
        "median_sales_cycle_days",
        "month_opportunity_segment",
        "select month_start, segment, median_cycle_days"
        " from marts.kpi_sales_cycle_monthly where segment <> 'all'",
        additive=False,
        tolerance=0.005,
    ),
    # the view's all-segments row: the month's won deals whatever their segment (its median is no sum)
    Check(
        "won_cycle_days",
        "month",
        "select month_start, total_cycle_days from marts.kpi_sales_cycle_monthly where segment = 'all'",
    ),
    Check(
        "median_sales_cycle_days",
        "month",
        "select month_start, median_cycle_days from marts.kpi_sales_cycle_monthly where segment = 'all'",
        additive=False,
        tolerance=0.005,
    ),
    Check(
        "avg_purchase_value",
        "month_revenue_segment",
        "select month_start, segment, avg_purchase_value from marts.kpi_average_purchase_value",
        additive=False,
        tolerance=0.005,
    ),
    Check(
        "invoiced_orders",
        "month_revenue_segment",
        "select month_start, segment, orders from marts.kpi_average_purchase_value",
    ),
    # pipeline at each snapshot date, by stage
    Check(
        "pipeline_amount",
        "day_stage",
        "select snapshot_date, stage, pipeline_amount from marts.kpi_pipeline_by_stage",
    ),
    Check(
        "weighted_pipeline",
        "day_stage",
        "select snapshot_date, stage, weighted_pipeline_amount from marts.kpi_pipeline_by_stage",
    ),
    Check(
        "open_opportunities",
        "day_stage",
        "select snapshot_date, stage, open_opportunities from marts.kpi_pipeline_by_stage",
    ),
    # leads (cohorts by creation month and channel)
    Check(
        "leads",
        "month_channel",
        "select month_start, channel, leads from marts.kpi_lead_conversion_by_channel",
    ),
    Check(
        "leads_to_opportunity",
        "month_channel",
        "select month_start, channel, leads_to_opportunity from marts.kpi_lead_conversion_by_channel",
    ),
    Check(
        "leads_to_customer",
        "month_channel",
        "select month_start, channel, leads_to_customer from marts.kpi_lead_conversion_by_channel",
    ),
    Check(
        "lead_to_opportunity_ratio",
        "month_channel",
        "select month_start, channel, lead_to_opportunity_ratio from marts.kpi_lead_conversion_by_channel",
        **RATE,
    ),
    Check(
        "lead_conversion_rate",
        "month_channel",
        "select month_start, channel, lead_conversion_rate from marts.kpi_lead_conversion_by_channel",
        **RATE,
    ),
    Check(
        "avg_days_to_convert",
        "month_channel",
        "select month_start, channel, avg_days_to_convert from marts.kpi_lead_conversion_by_channel",
        additive=False,
        tolerance=0.005,
    ),
    # response time and email, company-wide by month (the view re-aggregated over reps) and by rep
    Check(
        "avg_response_minutes",
        "month",
        "select month_start, sum(total_response_minutes) / nullif(sum(leads_responded), 0) "
        "from marts.kpi_lead_response_time group by 1",
        additive=False,
        tolerance=0.005,  # total_response_minutes is rounded to cents per rep
    ),
    Check(
        "email_open_rate",
        "month",
        "select month_start, sum(unique_opens) / nullif(sum(emails_delivered), 0) "
        "from marts.kpi_email_engagement group by 1",
        **RATE,
    ),
    Check(
        "leads", "month_rep", "select month_start, rep_id, leads_assigned from marts.kpi_lead_response_time"
    ),
    Check(
        "leads_responded",
        "month_rep",
        "select month_start, rep_id, leads_responded from marts.kpi_lead_response_time",
    ),
    Check(
        "responded_within_sla_rate",
        "month_rep",
        "select month_start, rep_id, responded_within_sla_rate from marts.kpi_lead_response_time",
        **RATE,
    ),
    Check(
        "median_response_minutes",
        "month_rep",
        "select month_start, rep_id, median_response_minutes from marts.kpi_lead_response_time",
        additive=False,
        # the view rounds to the cent, a half cent away from zero: a median of 53.255 (53.25499... as a
        # double here) is 53.26 there
        tolerance=0.0051,
    ),
    Check(
        "email_click_rate",
        "month_rep",
        "select month_start, rep_id, click_rate from marts.kpi_email_engagement",
        **RATE,
    ),
    # reps
    Check("revenue", "month_rep", "select month_start, rep_id, revenue from marts.kpi_sales_per_rep"),
    Check("bookings", "month_rep", "select month_start, rep_id, bookings from marts.kpi_sales_per_rep"),
    Check(
        "opportunities_created",
        "month_rep",
        "select month_start, rep_id, opportunities_created from marts.kpi_pipeline_generated_per_rep",
    ),
    Check(
        "pipeline_created_amount",
        "month_rep",
        "select month_start, rep_id, pipeline_created_amount from marts.kpi_pipeline_generated_per_rep",
    ),
    # customers
    Check("customers_at_start", "month", _monthly("kpi_customer_retention_monthly", "customers_at_start")),
    Check("retained_customers", "month", _monthly("kpi_customer_retention_monthly", "retained_customers")),
    Check(
        "customer_retention_rate",
        "month",
        _monthly("kpi_customer_retention_monthly", "retention_rate"),
        **RATE,
    ),
    Check(
        "net_revenue_retention",
        "month",
        _monthly("kpi_customer_retention_monthly", "net_revenue_retention"),
        **RATE,
    ),
    Check(
        "new_customers",
        "month_acquisition_channel",
        "select month_start, channel, new_customers from marts.kpi_customer_acquisition_cost "
        "where channel <> 'all'",
    ),
    Check(
        "marketing_spend",
        "month",
        _monthly("kpi_customer_acquisition_cost", "marketing_spend", "channel = 'all'"),
    ),
    Check(
        "sales_expenses",
        "month",
        _monthly("kpi_customer_acquisition_cost", "sales_expense_allocated", "channel = 'all'"),
    ),
]

# the saved query scorecard_monthly: each metric against the KPI view the scorecard reads it from
SCORECARD = {
    "revenue": _monthly("kpi_revenue_monthly", "revenue"),
    "bookings": _monthly("kpi_bookings_monthly", "bookings"),
    "gross_margin_rate": _monthly("kpi_profit_margin_monthly", "gross_margin_rate"),
    "weighted_pipeline": "select month_start, sum(weighted_pipeline_amount) from marts.kpi_pipeline_by_stage "
    "group by 1",
    "win_rate": _monthly("kpi_win_rate_monthly", "win_rate"),
    "new_customers": _monthly("kpi_customer_acquisition_cost", "new_customers", "channel = 'all'"),
    "customer_churn_rate": _monthly("kpi_customer_retention_monthly", "churn_rate"),
    "blended_cac": _monthly("kpi_customer_acquisition_cost", "cac", "channel = 'all'"),
}
SCORECARD_RATIOS = {"gross_margin_rate", "win_rate", "customer_churn_rate", "blended_cac"}


@dataclass
class SemanticEnv:
    root: Path
    serving: Path
    env: dict[str, str]

    def mf(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "mf"), *args],
            cwd=self.root / "project",
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def view(self, sql: str) -> dict[Key, Any]:
        with duckdb.connect(str(self.serving), read_only=True) as con:
            rows = con.execute(sql).fetchall()
        return {tuple(_key(v) for v in row[:-1]): _number(row[-1]) for row in rows}


def _key(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return dt.date.fromisoformat(value[:10])
    return value


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number


@pytest.fixture(scope="module")
def semantic(tmp_path_factory: pytest.TempPathFactory) -> SemanticEnv:
    """The sample published into a serving file, and a project folder for `mf` whose target/ holds the
    semantic manifest parsed for it (mf always reads <project>/target/semantic_manifest.json)."""
    root = tmp_path_factory.mktemp("semantic")
    serving = publish_copy(sample_build(), root / "serving" / "sales_kpis.duckdb", "20261115T000000Z-5e1a01")
    project = root / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "analyses"):
        (project / name).symlink_to(PROJECT_ROOT / name)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_PROJECT_DIR": str(project),
        # the build database's name is the catalog the semantic manifest names; the serving target
        # attaches the serving file read-only under it
        "SALES_KPIS_DUCKDB_PATH": str(root / "build.duckdb"),
        "SALES_KPIS_SERVING_PATH": str(serving),
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    parse = subprocess.run(
        [str(BIN / "dbt"), "parse", "--project-dir", str(PROJECT_ROOT), "--target", "serving"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert parse.returncode == 0, parse.stdout[-3000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return SemanticEnv(root, serving, {**env, "SALES_KPIS_TARGET": "serving"})


@pytest.fixture(scope="module")
def batches(semantic: SemanticEnv) -> dict[str, dict[Key, dict[str, float | None]]]:
    """Every comparison query of CHECKS, answered by MetricFlow in one process."""
    requests = {
        name: {"metrics": sorted({c.metric for c in CHECKS if c.batch == name}), "group_by": group_by}
        for name, group_by in BATCHES.items()
    }
    requests["month_channel"]["metrics"] += ["lead_to_customer_conversion", "lead_to_opportunity_conversion"]
    requests["month_region"]["metrics"] = ["revenue"]
    request_file, result_file = semantic.root / "requests.json", semantic.root / "results.json"
    request_file.write_text(json.dumps(requests), encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "tests" / "python" / "mf_batch.py"),
            str(request_file),
            str(result_file),
        ],
        cwd=semantic.root / "project",
        env=semantic.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    answers = json.loads(result_file.read_text(encoding="utf-8"))
    return {name: _rows_by_key(a["columns"], a["rows"], len(BATCHES[name])) for name, a in answers.items()}


def _rows_by_key(columns: list[str], rows: list[list[Any]], keys: int) -> dict[Key, dict[str, float | None]]:
    return {
        tuple(_key(v) for v in row[:keys]): {
            c: _number(v) for c, v in zip(columns[keys:], row[keys:], strict=True)
        }
        for row in rows
    }


def _mismatches(
    metric_values: dict[Key, float | None],
    view_values: dict[Key, float | None],
    additive: bool,
    tolerance: float,
) -> list[str]:
    """Groups where MetricFlow and the view disagree by more than `tolerance` (plus 1e-9 relative, for
    sums of doubles). For additive metrics a missing group or NULL is 0; for ratios NULL must match NULL."""
    problems = []
    for key in sorted(set(metric_values) | set(view_values), key=str):
        got, want = metric_values.get(key), view_values.get(key)
        if additive:
            got, want = got or 0.0, want or 0.0
        if got is None or want is None:
            if not (got is None and want is None):
                problems.append(f"{key}: metricflow {got} vs view {want}")
            continue
        if abs(got - want) > tolerance + 1e-9 * max(abs(got), abs(want)):
            problems.append(f"{key}: metricflow {got} vs view {want}")
    return problems


def test_validate_configs_passes_with_the_warehouse_checks(semantic: SemanticEnv) -> None:
    run = semantic.mf("validate-configs")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "ERRORS: 0" in output
    # every check ran, the warehouse ones included (each metric is queried against the serving file)
    assert "Successfully validated metrics against data warehouse" in output


def test_the_scorecard_saved_query_equals_the_kpi_views(semantic: SemanticEnv) -> None:
    out = semantic.root / "scorecard.csv"
    run = semantic.mf("query", "--saved-query", "scorecard_monthly", "--csv", str(out), "--quiet")
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    answer = _rows_by_key(rows[0], rows[1:], 1)
    assert set(rows[0][1:]) == set(SCORECARD)
    assert len(answer) >= 24, "the sample has 27 months"
    for metric, sql in SCORECARD.items():
        got = {k: v[metric] for k, v in answer.items()}
        additive = metric not in SCORECARD_RATIOS
        tolerance = 0.005 if metric == "blended_cac" else 1e-6
        problems = _mismatches(got, semantic.view(sql), additive, tolerance)
        assert not problems, f"{metric}: {problems[:5]}"


def test_revenue_by_region_by_month_adds_up_to_revenue(
    semantic: SemanticEnv, batches: dict[str, dict[Key, dict[str, float | None]]]
) -> None:
    """The README's example, `revenue` by metric_time__month and account__region: the regions add up to
    the month's revenue, and one region equals a recomputation from the facts without MetricFlow."""
    answer = {key: values["revenue"] or 0.0 for key, values in batches["month_region"].items()}
    regions = {region for _, region in answer}
    assert len(regions) >= 3, regions
    by_month: dict[Key, float] = {}
    for (month, _), revenue in answer.items():
        by_month[(month,)] = by_month.get((month,), 0.0) + revenue
    assert not _mismatches(by_month, semantic.view(_monthly("kpi_revenue_monthly", "revenue")), True, 1e-6)
    region = sorted(r for r in regions if r is not None)[0]
    direct = semantic.view(
        "select e.event_month, sum(e.revenue) from marts.fct_revenue_events as e "
        "inner join marts.dim_accounts as a on e.account_id = a.account_id "
        f"where a.region = '{region}' group by 1"
    )
    got = {(month,): revenue for (month, r), revenue in answer.items() if r == region}
    assert not _mismatches(got, direct, True, 1e-6)


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_metric_equals_its_kpi_view(
    check: Check, semantic: SemanticEnv, batches: dict[str, dict[Key, dict[str, float | None]]]
) -> None:
    answer = batches[check.batch]
    got = {key: values[check.metric] for key, values in answer.items()}
    expected = semantic.view(check.view_sql)
    assert expected, f"the view side of {check.id} returned nothing"
    problems = _mismatches(got, expected, check.additive, check.tolerance)
    assert not problems, f"{len(problems)} of {len(expected)} groups differ, e.g. {problems[:5]}"


@pytest.mark.parametrize(
    ("metric", "column"),
    [
        ("lead_to_opportunity_conversion", "lead_to_opportunity_ratio"),
        ("lead_to_customer_conversion", "lead_conversion_rate"),
    ],
)
def test_conversion_metrics_track_the_cohort_view_closely(
    metric: str, column: str, semantic: SemanticEnv, batches: dict[str, dict[Key, dict[str, float | None]]]
) -> None:
    """Event-based conversion (MetricFlow) against the cohort flags of the view: not claimed equal, but
    they must agree for almost every cohort and never by more than a few points."""
    got = {key: values[metric] for key, values in batches["month_channel"].items()}
    expected = semantic.view(
        f"select month_start, channel, {column} from marts.kpi_lead_conversion_by_channel"
    )
    compared = [k for k in expected if expected[k] is not None]
    differ = [k for k in compared if got.get(k) is None or abs(got[k] - expected[k]) > 1e-9]
    print(f"{metric}: {len(compared) - len(differ)} of {len(compared)} cohorts equal {column}")
    assert len(compared) > 100
    assert len(differ) <= 0.1 * len(compared), differ[:10]
    assert all(got.get(k) is not None and abs(got[k] - expected[k]) <= 0.15 for k in compared)
