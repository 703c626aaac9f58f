"""Companies without an ERP: the won-deal fallback (`derive_orders_from_won_opportunities`) end to end.

Two generated data sets, each loaded and built once (`dbt build`: seeds, models and every data test):

(a) crm_only: only the required tables plus products and currency_rates (sales_reps, accounts,
    opportunities, products, currency_rates), reporting in USD. What a sales team exporting its CRM has.
(b) leads_without_orders: a CRM with lead management, stage history and the marketing / finance side
    (leads, contacts, opportunity_stage_history, marketing_spend, sales_expenses, sales_targets), but no
    ERP or billing tables (orders, order_lines, subscriptions) and no engagement tracking (activities,
    email_events). Reporting in IDR.

For each, the set of KPI views that return rows and the set that return none are written down from the
inputs (which tables a view needs) and asserted exactly. dbt unit tests are excluded from these builds:
they check logic on fixed inputs whatever the data set (make dbt-test runs them), and several assume the
default reporting currency (IDR).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from dbt_scenario import BuiltScenario, build_scenario
from kpi_reference import (
    LEAD_CONVERSION,
    SALES_CYCLE,
    WIN_RATE,
    RawData,
    compare,
    lead_conversion_by_channel,
    sales_cycle_monthly,
    win_rate_monthly,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SMALL = ("--clean", "--reps", "14", "--accounts", "200", "--leads", "700", "--months", "14")
DBT_ARGS = ("build", "--exclude-resource-type", "unit_test")

ALL_KPI_VIEWS = frozenset(
    {
        "kpi_average_purchase_value",
        "kpi_bookings_monthly",
        "kpi_customer_acquisition_cost",
        "kpi_customer_lifetime_value",
        "kpi_customer_retention_monthly",
        "kpi_email_engagement",
        "kpi_lead_conversion_by_channel",
        "kpi_lead_response_time",
        "kpi_pipeline_by_stage",
        "kpi_pipeline_generated_per_rep",
        "kpi_profit_margin_by_category",
        "kpi_profit_margin_monthly",
        "kpi_rep_customer_churn",
        "kpi_revenue_monthly",
        "kpi_sales_cycle_monthly",
        "kpi_sales_growth_monthly",
        "kpi_sales_per_rep",
        "kpi_sales_vs_target",
        "kpi_scorecard",
        "kpi_win_rate_monthly",
    }
)
# Views that need only opportunities and reps, or the orders derived from won deals.
FROM_WON_DEALS = frozenset(
    {
        "kpi_revenue_monthly",  # derived orders are invoiced at close
        "kpi_sales_growth_monthly",  # from revenue
        "kpi_bookings_monthly",  # derived orders are booked at close
        "kpi_win_rate_monthly",
        "kpi_sales_cycle_monthly",
        "kpi_pipeline_by_stage",  # intervals synthesised from the opportunity records
        "kpi_sales_per_rep",  # revenue, bookings, deals won per rep and month employed
        "kpi_pipeline_generated_per_rep",  # opportunities created by their owners
        "kpi_average_purchase_value",  # derived orders
        "kpi_customer_retention_monthly",  # invoice-based activity of the derived orders
        "kpi_rep_customer_churn",  # customers acquired through derived orders
        "kpi_customer_lifetime_value",  # cohorts, revenue, ARPA, churn (margin and CLV NULL: no costs)
        "kpi_scorecard",  # headline KPIs above
    }
)
# Margins need costs; derived order lines have no product and no cost.
NEED_COSTS = frozenset({"kpi_profit_margin_monthly", "kpi_profit_margin_by_category"})


@dataclass(frozen=True)
class Scenario:
    tables: tuple[str, ...]
    reporting_currency: str
    non_empty: frozenset[str]
    empty: frozenset[str]

    @property
    def generator_args(self) -> tuple[str, ...]:
        return (*SMALL, "--tables", ",".join(self.tables), "--reporting-currency", self.reporting_currency)

    @property
    def dbt_vars(self) -> dict[str, object]:
        return {"reporting_currency": self.reporting_currency, "derive_orders_from_won_opportunities": True}


SCENARIOS = {
    "crm_only": Scenario(
        tables=("sales_reps", "accounts", "opportunities", "products", "currency_rates"),
        reporting_currency="USD",
        non_empty=FROM_WON_DEALS,
        empty=NEED_COSTS
        | {
            "kpi_lead_conversion_by_channel",  # no leads
            "kpi_lead_response_time",  # no leads
            "kpi_email_engagement",  # no email_events
            "kpi_sales_vs_target",  # no sales_targets
            "kpi_customer_acquisition_cost",  # no marketing_spend, no sales_expenses
        },
    ),
    "leads_without_orders": Scenario(
        tables=(
            "sales_reps",
            "accounts",
            "contacts",
            "leads",
            "opportunities",
            "opportunity_stage_history",
            "products",
            "marketing_spend",
            "sales_expenses",
            "sales_targets",
            "currency_rates",
        ),
        reporting_currency="IDR",
        non_empty=FROM_WON_DEALS
        | {
            "kpi_lead_conversion_by_channel",  # leads and their won deals
            "kpi_lead_response_time",  # leads assigned per rep; a conversion is the only response
            "kpi_customer_acquisition_cost",  # spend, expenses and customers from derived orders
            "kpi_sales_vs_target",  # targets against derived revenue and won deals
        },
        empty=NEED_COSTS | {"kpi_email_engagement"},  # no email_events
    ),
}


def test_the_expected_sets_partition_every_kpi_view() -> None:
    for name, scenario in SCENARIOS.items():
        assert scenario.non_empty | scenario.empty == ALL_KPI_VIEWS, name
        assert not scenario.non_empty & scenario.empty, name


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One dbt build per scenario (module scope: the parametrised tests below share it)."""
    name = request.param
    scenario = SCENARIOS[name]
    result = build_scenario(
        tmp_path_factory.mktemp(name), scenario.generator_args, DBT_ARGS, scenario.dbt_vars
    )
    yield name, scenario, result


@pytest.mark.slow
@pytest.mark.e2e
def test_build_and_every_data_test_pass(built: tuple[str, Scenario, BuiltScenario]) -> None:
    name, scenario, result = built
    assert result.dbt.ok, f"{name}: " + "\n".join(result.dbt.failures)
    # the whole data-test suite ran: 247 data tests since D137 (2026-12-04; 285 after D131, 301 after D128,
    # 355 after D124, 607 before)
    counts = result.dbt.counts
    assert counts["success"] > 50 and counts["pass"] + counts["warn"] > 235, counts
    assert sorted(result.load.rows) == sorted(scenario.tables)


@pytest.mark.slow
@pytest.mark.e2e
def test_exactly_the_computable_views_return_rows(built: tuple[str, Scenario, BuiltScenario]) -> None:
    name, scenario, result = built
    counts = result.kpi_row_counts()
    assert set(counts) == ALL_KPI_VIEWS, "a KPI view was added or removed: classify it in SCENARIOS"
    non_empty = {view for view, n in counts.items() if n > 0}
    empty = {view for view, n in counts.items() if n == 0}
    assert non_empty == scenario.non_empty, f"{name}: {counts}"
    assert empty == scenario.empty, f"{name}: {counts}"


@pytest.mark.slow
@pytest.mark.e2e
def test_revenue_and_bookings_are_the_won_deals(built: tuple[str, Scenario, BuiltScenario]) -> None:
    """With no orders, each won deal is one order invoiced and booked at close: revenue and bookings of a
    month are the won amount of the deals closed in it (reference computed from the raw files)."""
    _, _, result = built
    raw = RawData.load(result.raw_dir, PROJECT_ROOT / "seeds")
    won = dict(zip(*_columns(win_rate_monthly(raw), "month_start", "won_amount"), strict=True))
    revenue = result.frame("kpi_revenue_monthly")
    bookings = result.frame("kpi_bookings_monthly")
    assert sum(won.values(), Decimal(0)) > 0
    for frame, column in ((revenue, "revenue"), (bookings, "bookings")):
        actual = dict(zip(*_columns(frame, "month_start", column), strict=True))
        assert {m: v for m, v in actual.items() if v} == {m: v for m, v in won.items() if v}, column
        assert set(frame["currency_code"]) == {result.reporting_currency}
    assert (revenue["refunded_revenue"] == 0).all()


@pytest.mark.slow
@pytest.mark.e2e
def test_pipeline_and_lead_views_match_the_reference(built: tuple[str, Scenario, BuiltScenario]) -> None:
    name, _, result = built
    raw = RawData.load(result.raw_dir, PROJECT_ROOT / "seeds")
    checks = [(WIN_RATE, win_rate_monthly), (SALES_CYCLE, sales_cycle_monthly)]
    if "leads" in result.load.rows:
        checks.append((LEAD_CONVERSION, lead_conversion_by_channel))
    for spec, reference in checks:
        problems = compare(spec, reference(raw), result.frame(spec.view))
        assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.e2e
def test_no_costs_means_no_margin(built: tuple[str, Scenario, BuiltScenario]) -> None:
    """Derived order lines carry no cost: margins and predicted CLV stay unknown rather than 0 or 100 %."""
    _, _, result = built
    clv = result.frame("kpi_customer_lifetime_value")
    assert len(clv) > 0
    assert clv["gross_margin_rate"].isna().all() and clv["predicted_clv"].isna().all()
    assert (clv["costed_revenue_to_date"] == 0).all()
    retention = result.frame("kpi_customer_retention_monthly")
    assert (retention["mrr_start"] == 0).all() and retention["net_revenue_retention"].isna().all()
    assert retention["churned_customers"].sum() > 0


def _columns(frame, *names: str) -> list[list]:
    return [list(frame[n]) for n in names]
