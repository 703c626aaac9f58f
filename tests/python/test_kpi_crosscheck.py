"""Independent cross-check of KPI views against pandas implementations of their definitions.

One clean data set is generated (seed 7: 16 reps, 300 accounts, 1,200 leads, 18 months; foreign-currency
orders and deals, refunds a month or more after their invoice, leads created late in the evening UTC that
belong to the next Jakarta month, cancelled subscriptions), loaded, and every model is built once (`dbt
build` of seeds and models, no tests) into a temporary DuckDB file with the data set's as-of date.
kpi_reference.py computes the KPIs from the raw CSV files alone, following the spec and the views'
documented readings, and each view must agree with it: money to the cent, counts exactly, ratios within
1e-9 (floating point), and values the views round to 2 decimals (average and median days) within 0.005.

The drift tests feed the comparator view results with a formula deliberately changed (revenue a month
late, refunds ignored, win rate over all deals, ...) and require it to report the change, so a green
cross-check means something.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from dbt_scenario import BuiltScenario, build_scenario
from kpi_reference import (
    REFERENCES,
    SPECS,
    WIN_RATE,
    RawData,
    add_months,
    compare,
    month_of,
    opportunities,
    ratio,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATOR_ARGS = (
    "--clean",
    "--seed", "7",
    "--reps", "16",
    "--accounts", "300",
    "--leads", "1200",
    "--months", "18",
)  # fmt: skip
# seeds and every model, no tests: the cross-check is about the numbers (test_crm_only.py runs data tests)
DBT_ARGS = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltScenario:
    scenario = build_scenario(tmp_path_factory.mktemp("kpi_crosscheck"), GENERATOR_ARGS, DBT_ARGS)
    assert scenario.dbt.ok, f"dbt run failed: {scenario.dbt.failures}"
    return scenario


@pytest.fixture(scope="module")
def raw(built: BuiltScenario) -> RawData:
    return RawData.load(built.raw_dir, PROJECT_ROOT / "seeds")


@pytest.fixture(scope="module")
def views(built: BuiltScenario) -> dict[str, pd.DataFrame]:
    return {view: built.frame(view) for view in SPECS}


@pytest.fixture(scope="module")
def references(raw: RawData) -> dict[str, pd.DataFrame]:
    return {view: REFERENCES[view](raw) for view in SPECS}


# ----- the cross-check -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("view", sorted(SPECS))
def test_view_matches_the_independent_reference(
    view: str, views: dict[str, pd.DataFrame], references: dict[str, pd.DataFrame]
) -> None:
    expected, actual = references[view], views[view]
    assert len(expected) > 0, f"the data set gives {view} no rows: the cross-check would be vacuous"
    problems = compare(SPECS[view], expected, actual)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_data_set_exercises_the_tricky_cases(raw: RawData, references: dict[str, pd.DataFrame]) -> None:
    """The cross-check is only as good as its data: these cases must occur in it."""
    revenue = references["kpi_revenue_monthly"]
    assert (revenue["refunded_revenue"] > 0).sum() >= 2, "refunds in at least two months"
    orders = raw.table("orders")
    assert (orders["currency_code"] != raw.reporting_currency).sum() >= 5, "foreign-currency orders"
    leads = raw.table("leads")
    created = pd.to_datetime(leads["created_at"], format="ISO8601", utc=True)
    utc = created.dt.tz_localize(None).dt.to_period("M")
    local = pd.Series([month_of(d) for d in raw.local_dates(leads["created_at"])]).map(
        lambda d: pd.Period(d, "M")
    )
    assert (utc.to_numpy() != local.to_numpy()).sum() >= 1, "a lead whose Jakarta month is not its UTC month"
    retention = references["kpi_customer_retention_monthly"]
    assert retention["churned_customers"].sum() >= 5, "churned customers"
    win = references["kpi_win_rate_monthly"]
    assert ((win["deals_won"] > 0) & (win["deals_lost"] > 0)).sum() >= 6, "months with won and lost deals"


# ----- drift: the comparison notices a changed formula -----------------------------------------------
Mutation = Callable[[pd.DataFrame, RawData], pd.DataFrame]


def _revenue_a_month_late(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    by_month = dict(zip(frame["month_start"], frame["revenue"], strict=True))
    out = frame.copy()
    out["revenue"] = [by_month.get(add_months(m, -1), Decimal(0)) for m in frame["month_start"]]
    return out


def _refunds_ignored(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(revenue=frame["invoiced_revenue"])


def _one_cent_off(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    out = frame.copy()
    out.loc[out.index[len(out) // 2], "revenue"] += Decimal("0.01")
    return out


def _win_rate_over_all_deals(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    """won / every deal created in the month (open ones included) instead of won / (won + lost)."""
    opps = opportunities(raw)
    created = pd.Series([month_of(d) for d in opps["created_date"]]).value_counts().to_dict()
    rates = [
        ratio(w, created.get(m, 0)) for m, w in zip(frame["month_start"], frame["deals_won"], strict=True)
    ]
    return frame.assign(win_rate=rates)


def _win_rate_plus_one(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(
        win_rate=[w / (w + lost + 1) for w, lost in zip(frame["deals_won"], frame["deals_lost"], strict=True)]
    )


def _cycle_counted_inclusively(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(avg_cycle_days=[None if v is None else v + 1 for v in frame["avg_cycle_days"]])


def _conversion_over_opportunities(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(lead_conversion_rate=frame["opportunity_to_customer_rate"])


def _churn_over_customers_at_end(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    rates = [ratio(c, e) for c, e in zip(frame["churned_customers"], frame["customers_at_end"], strict=True)]
    return frame.assign(churn_rate=rates)


DRIFTS: dict[str, tuple[str, str, Mutation]] = {
    "revenue a month late": ("kpi_revenue_monthly", "revenue", _revenue_a_month_late),
    "refunds ignored": ("kpi_revenue_monthly", "revenue", _refunds_ignored),
    "revenue one cent off": ("kpi_revenue_monthly", "revenue", _one_cent_off),
    "win rate over all deals": ("kpi_win_rate_monthly", "win_rate", _win_rate_over_all_deals),
    "win rate won / (won + lost + 1)": ("kpi_win_rate_monthly", "win_rate", _win_rate_plus_one),
    "sales cycle counted inclusively": (
        "kpi_sales_cycle_monthly",
        "avg_cycle_days",
        _cycle_counted_inclusively,
    ),
    "lead conversion over opportunities": (
        "kpi_lead_conversion_by_channel",
        "lead_conversion_rate",
        _conversion_over_opportunities,
    ),
    "churn over customers at end": (
        "kpi_customer_retention_monthly",
        "churn_rate",
        _churn_over_customers_at_end,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_the_comparison_catches_a_drifted_formula(
    drift: str, raw: RawData, views: dict[str, pd.DataFrame], references: dict[str, pd.DataFrame]
) -> None:
    view, column, mutate = DRIFTS[drift]
    drifted = mutate(views[view], raw)
    problems = compare(SPECS[view], references[view], drifted)
    assert problems, f"{drift}: the comparator did not notice"
    assert any(f" {column}: " in p for p in problems), problems


# ----- the comparator itself (fast, no dbt) ----------------------------------------------------------
def _win_frame(**changes: object) -> pd.DataFrame:
    row: dict[str, object] = {
        "month_start": pd.Timestamp("2026-01-01").date(),
        "deals_won": 1,
        "deals_lost": 1,
        "closed_deals": 2,
        "win_rate": 0.5,
        "won_amount": Decimal("100.00"),
        "lost_amount": Decimal("50.00"),
        "closed_amount": Decimal("150.00"),
        "win_rate_by_amount": 2 / 3,
        "avg_won_deal_size": Decimal("100.00"),
    }
    row.update(changes)
    return pd.DataFrame([row], dtype=object)


def test_comparator_accepts_equal_values_in_other_types() -> None:
    view = _win_frame(
        month_start=pd.Timestamp("2026-01-01"), won_amount=100.0, win_rate_by_amount=0.6666666666667
    )
    assert compare(WIN_RATE, _win_frame(), view) == []


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"won_amount": Decimal("100.01")}, "won_amount"),
        ({"deals_lost": 2}, "deals_lost"),
        ({"win_rate": 0.5 + 1e-6}, "win_rate"),
        ({"win_rate": None}, "win_rate"),
        ({"avg_won_deal_size": Decimal("0.00")}, "avg_won_deal_size"),
    ],
)
def test_comparator_reports_a_changed_value(changes: dict[str, object], column: str) -> None:
    problems = compare(WIN_RATE, _win_frame(), _win_frame(**changes))
    assert len(problems) == 1 and f" {column}: " in problems[0], problems


def test_comparator_treats_null_as_a_value() -> None:
    assert compare(WIN_RATE, _win_frame(win_rate=None), _win_frame(win_rate=None)) == []
    assert compare(WIN_RATE, _win_frame(win_rate=None), _win_frame(win_rate=0.0))


def test_comparator_reports_missing_and_extra_rows() -> None:
    other_month = _win_frame(month_start=pd.Timestamp("2026-02-01").date())
    problems = compare(WIN_RATE, _win_frame(), other_month)
    assert any("row missing from the view" in p for p in problems)
    assert any("row not in the reference" in p for p in problems)
    assert compare(WIN_RATE, _win_frame(), pd.concat([_win_frame(), other_month]))


def test_reference_cuts_months_in_the_reporting_zone_and_takes_the_nearest_earlier_rate() -> None:
    raw = RawData(
        tables={
            "currency_rates": pd.DataFrame(
                {
                    "rate_date": ["2026-01-30", "2026-02-02"],  # Friday, Monday: no weekend rates
                    "currency_code": ["USD", "USD"],
                    "rate_to_reporting": ["16000.00000000", "16100.00000000"],
                }
            )
        },
        as_of=pd.Timestamp("2026-02-15").date(),
        reporting_currency="IDR",
    )
    raw._index_rates()
    # 31 January 18:30 UTC is 1 February 01:30 in Jakarta
    assert raw.local_dates(pd.Series(["2026-01-31 18:30:00", "2026-01-31 16:59:59"])) == [
        pd.Timestamp("2026-02-01").date(),
        pd.Timestamp("2026-01-31").date(),
    ]
    sunday = pd.Timestamp("2026-02-01").date()
    assert raw.convert("10.005", "USD", sunday) == Decimal("160080.00")
    assert raw.convert("1.23", "usd ", pd.Timestamp("2026-02-02").date()) == Decimal("19803.00")
    assert raw.convert("5", "IDR", sunday) == Decimal("5.00")
    with pytest.raises(ValueError, match="no USD rate"):
        raw.rate("USD", pd.Timestamp("2026-01-29").date())
