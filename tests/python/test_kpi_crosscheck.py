"""Independent cross-check of the 20 KPI views against pandas implementations of their definitions.

The views come from the bundled sample's build, warehouse/test.duckdb (`make dbt-test` makes it before
pytest; serving_sample.sample_build() builds it first when it is missing or older than the models), read
read-only: the cross-check runs no dbt of its own. The sample is the generator's data with its 1 % of
messy rows (older and duplicate versions, soft deletes, NULL keys, unparseable numbers and dates,
orphaned references, closes before creation, unknown stage and source labels, stray whitespace and case),
27 months of an Indonesian company with foreign-currency orders and deals, refunds, cancellations and
targets. The bad-input catalog's data set (40-odd kinds of hand-made bad rows, parents with children
corrupted) is cross-checked the same way in test_bad_input_catalog.py, on the build that module makes
anyway.

kpi_reference/ computes every KPI from the raw CSV files alone: it applies the contract and staging rules
itself (kpi_reference/staging.py: versions by updated_at, soft deletes, quarantines, kept-and-flagged
fallbacks, parsing with offsets) - never the generator's record of what it injected, never the project's
SQL, macros or Python helpers - then follows the spec and the views' documented readings. Each view must
agree with it value by value: money to the cent, counts exactly, ratios within 1e-9 (floating point),
values the views round within half a unit of the rounding, labels exactly; each comparison must have rows,
and every column of a view is either compared or named in NOT_COMPARED with the reason.

The drift tests feed the comparator view results with a formula deliberately changed (win rate by count
instead of amount, churn over the wrong denominator, revenue a month late, refunds ignored, ... at least
one per view) and require it to report the change, so a green cross-check means something.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from dbt_scenario import read_relation
from kpi_reference import (
    DESCRIPTIVE_COLUMNS,
    REFERENCES,
    SPECS,
    WIN_RATE,
    RawData,
    add_months,
    check_view,
    compare,
    month_of,
    opportunities,
    ratio,
)
from serving_sample import sample_build

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = PROJECT_ROOT / "seeds" / "sample_crm"
ALL_KPI_VIEWS = 20
# View columns the references do not recompute: descriptive attributes a view repeats from a dimension
# (the rep's name and current team from dim_reps, the stage's display order from the stage_mapping seed).
# currency_code, is_complete_month and is_all_segments are checked by kpi_reference.check_view().
NOT_COMPARED = frozenset({"rep_name", "team", "stage_order"})


def kpi_views_in_the_project() -> set[str]:
    return {
        p.name.removesuffix(".sql") for p in (PROJECT_ROOT / "models" / "marts" / "kpi").glob("kpi_*.sql")
    }


@pytest.fixture(scope="module")
def raw() -> RawData:
    return RawData.load(SAMPLE_DIR, PROJECT_ROOT / "seeds")


@pytest.fixture(scope="module")
def views() -> dict[str, pd.DataFrame]:
    database = sample_build()
    return {view: read_relation(database, f"marts.{view}") for view in SPECS}


@pytest.fixture(scope="module")
def references(raw: RawData) -> dict[str, pd.DataFrame]:
    return {view: REFERENCES[view](raw) for view in SPECS}


# ----- the cross-check -------------------------------------------------------------------------------
def test_every_kpi_view_has_a_reference() -> None:
    """A new kpi_ view fails here until kpi_reference/registry.py recomputes it."""
    views = kpi_views_in_the_project()
    assert len(views) == ALL_KPI_VIEWS, sorted(views)
    assert set(SPECS) == set(REFERENCES) == views, {
        "views without a reference": sorted(views - set(SPECS)),
        "references without a view": sorted(set(SPECS) - views),
    }


@pytest.mark.slow
def test_every_view_column_is_compared(views: dict[str, pd.DataFrame]) -> None:
    """A column added to a view fails here until its spec compares it (or NOT_COMPARED says why not)."""
    unchecked = {
        view: sorted(set(frame.columns) - set(SPECS[view].columns) - NOT_COMPARED - DESCRIPTIVE_COLUMNS)
        for view, frame in views.items()
    }
    assert not any(unchecked.values()), {v: c for v, c in unchecked.items() if c}


@pytest.mark.slow
@pytest.mark.parametrize("view", sorted(SPECS))
def test_view_matches_the_independent_reference(
    view: str, raw: RawData, views: dict[str, pd.DataFrame], references: dict[str, pd.DataFrame]
) -> None:
    expected, actual = references[view], views[view]
    problems = check_view(view, expected, actual, raw)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_data_set_exercises_the_tricky_cases(raw: RawData, references: dict[str, pd.DataFrame]) -> None:
    """The cross-check is only as good as its data: these cases must occur in it."""
    revenue = references["kpi_revenue_monthly"]
    assert (revenue["refunded_revenue"] > 0).sum() >= 2, "refunds in at least two months"
    orders = raw.table("orders")
    assert (orders["currency_code"] != raw.reporting_currency).sum() >= 5, "foreign-currency orders"
    leads = raw.table("leads")
    utc = raw.instants(leads["created_at"]).dt.tz_localize(None).dt.to_period("M")
    local = pd.Series([month_of(d) for d in raw.local_dates(leads["created_at"])]).map(
        lambda d: pd.Period(d, "M")
    )
    assert (utc.to_numpy() != local.to_numpy()).sum() >= 1, "a lead whose Jakarta month is not its UTC month"
    retention = references["kpi_customer_retention_monthly"]
    assert retention["churned_customers"].sum() >= 5, "churned customers"
    win = references["kpi_win_rate_monthly"]
    assert ((win["deals_won"] > 0) & (win["deals_lost"] > 0)).sum() >= 6, "months with won and lost deals"
    bookings = references["kpi_bookings_monthly"]
    assert (bookings["cancelled_orders"] > 0).sum() >= 2, "cancellations in at least two months"
    targets = references["kpi_sales_vs_target"]
    assert set(targets["scope"]) == {"rep", "team", "company"}, "rep, team and company targets"
    scorecard = references["kpi_scorecard"]
    assert {"on_track", "at_risk", "off_track", "no_target"} <= set(scorecard["status"]), "every status"
    # a won deal closed before its creation (no cycle): the bad-input catalog's set has one
    # (test_bad_input_catalog.py::test_the_catalog_exercises_a_won_deal_without_cycle); the sample may not


@pytest.mark.slow
def test_the_reader_drops_and_keeps_messy_rows(raw: RawData) -> None:
    """The sample's messy rows make the checker's own reader work: rows it quarantines, older versions and
    soft deletes it drops, in the tables the KPIs read."""
    raw_rows = {
        t: len(pd.read_csv(SAMPLE_DIR / f"{t}.csv", dtype=str, keep_default_na=False)) for t in raw.tables
    }
    dropped = {t: raw_rows[t] - len(raw.tables[t]) for t in raw.tables}
    for table in ("leads", "opportunities", "orders", "order_lines", "email_events", "sales_targets"):
        assert dropped[table] >= 2, f"{table}: {dropped[table]} raw rows not kept"
    assert sum(raw.quarantined.values()) >= 100, raw.quarantined
    for table in ("leads", "orders", "email_events"):
        versions = raw.staged_versions[table]
        key = versions.columns[0]
        assert versions[key].duplicated().any(), f"{table}: no key with several versions"


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


def _cancellations_ignored(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(bookings=frame["gross_bookings"])


def _win_rate_over_all_deals(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    """won / every deal created in the month (open ones included) instead of won / (won + lost)."""
    opps = opportunities(raw)
    created = pd.Series([month_of(d) for d in opps["created_date"]]).value_counts().to_dict()
    rates = [
        ratio(w, created.get(m, 0)) for m, w in zip(frame["month_start"], frame["deals_won"], strict=True)
    ]
    return frame.assign(win_rate=rates)


def _win_rate_by_amount_counted(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    """The amount-based win rate computed by count (won deals / closed deals)."""
    return frame.assign(win_rate_by_amount=frame["win_rate"])


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


def _div(numerator: object, denominator: object) -> float | None:
    if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator):
        return None
    return ratio(Decimal(str(numerator)), Decimal(str(denominator)))


def _columns_divided(frame: pd.DataFrame, target: str, numerator: str, denominator: str) -> pd.DataFrame:
    return frame.assign(
        **{target: [_div(n, d) for n, d in zip(frame[numerator], frame[denominator], strict=True)]}
    )


def _yoy_against_previous_month(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(yoy_growth_rate=frame["mom_growth_rate"])


def _nrr_without_expansion(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(net_revenue_retention=frame["gross_revenue_retention"])


def _margin_over_total_revenue(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return _columns_divided(frame, "gross_margin_rate", "gross_profit", "total_revenue")


def _uncosted_revenue_as_costed(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(revenue=frame["total_revenue"])


def _purchase_value_per_customer(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return _columns_divided(frame, "avg_purchase_value", "revenue", "customers")


def _rank_ascending(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    ranked = frame[frame["revenue_rank"].notna()]
    ranks = ranked.groupby("month_start")["revenue"].rank(method="min", ascending=True)
    return frame.assign(
        revenue_rank=ranks.reindex(frame.index).astype(object).where(frame["revenue_rank"].notna())
    )


def _pace_without_elapsed_share(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(pacing_rate=frame["attainment_rate"])


def _pipeline_unweighted(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(weighted_pipeline_amount=frame["pipeline_amount"])


def _sourcing_credited_to_the_owner(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(opportunities_sourced=frame["opportunities_created"])


def _sla_over_answered_leads(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return _columns_divided(
        frame, "responded_within_sla_rate", "leads_responded_within_sla", "leads_responded"
    )


def _open_rate_over_sent(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return _columns_divided(frame, "open_rate", "unique_opens", "emails_sent")


def _clv_with_the_cohort_churn(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    values = []
    for arpa, margin, churn in zip(
        frame["arpa_monthly"], frame["gross_margin_rate"], frame["monthly_churn_rate"], strict=True
    ):
        inputs = [arpa, margin, churn]
        ok = all(v is not None and not pd.isna(v) for v in inputs) and float(churn) != 0
        values.append(float(arpa) * float(margin) / float(churn) if ok else None)
    return frame.assign(predicted_clv=values)


def _cac_without_sales_expenses(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return _columns_divided(frame, "cac", "marketing_spend", "new_customers")


def _rep_churn_over_the_month(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    month_total = frame.groupby("acquisition_month")["customers_acquired"].transform("sum")
    return frame.assign(
        rep_churn_rate=[_div(c, t) for c, t in zip(frame["customers_churned"], month_total, strict=True)]
    )


def _change_relative_not_in_points(frame: pd.DataFrame, raw: RawData) -> pd.DataFrame:
    return frame.assign(change_value=frame["change_rate"])


DRIFTS: dict[str, tuple[str, str, Mutation]] = {
    "revenue a month late": ("kpi_revenue_monthly", "revenue", _revenue_a_month_late),
    "refunds ignored": ("kpi_revenue_monthly", "revenue", _refunds_ignored),
    "revenue one cent off": ("kpi_revenue_monthly", "revenue", _one_cent_off),
    "bookings ignore cancellations": ("kpi_bookings_monthly", "bookings", _cancellations_ignored),
    "win rate over all deals": ("kpi_win_rate_monthly", "win_rate", _win_rate_over_all_deals),
    "win rate won / (won + lost + 1)": ("kpi_win_rate_monthly", "win_rate", _win_rate_plus_one),
    "win rate by amount counted by deals": (
        "kpi_win_rate_monthly",
        "win_rate_by_amount",
        _win_rate_by_amount_counted,
    ),
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
    "yoy growth against the previous month": (
        "kpi_sales_growth_monthly",
        "yoy_growth_rate",
        _yoy_against_previous_month,
    ),
    "net revenue retention without expansion": (
        "kpi_customer_retention_monthly",
        "net_revenue_retention",
        _nrr_without_expansion,
    ),
    "margin over total revenue": (
        "kpi_profit_margin_monthly",
        "gross_margin_rate",
        _margin_over_total_revenue,
    ),
    "uncosted revenue counted as costed": (
        "kpi_profit_margin_by_category",
        "revenue",
        _uncosted_revenue_as_costed,
    ),
    "purchase value per customer": (
        "kpi_average_purchase_value",
        "avg_purchase_value",
        _purchase_value_per_customer,
    ),
    "leaderboard ranked ascending": ("kpi_sales_per_rep", "revenue_rank", _rank_ascending),
    "pace without the elapsed share": ("kpi_sales_vs_target", "pacing_rate", _pace_without_elapsed_share),
    "pipeline not weighted": ("kpi_pipeline_by_stage", "weighted_pipeline_amount", _pipeline_unweighted),
    "sourcing credited to the deal owner": (
        "kpi_pipeline_generated_per_rep",
        "opportunities_sourced",
        _sourcing_credited_to_the_owner,
    ),
    "SLA rate over answered leads": (
        "kpi_lead_response_time",
        "responded_within_sla_rate",
        _sla_over_answered_leads,
    ),
    "open rate over sent emails": ("kpi_email_engagement", "open_rate", _open_rate_over_sent),
    "predicted CLV with the cohort's own churn": (
        "kpi_customer_lifetime_value",
        "predicted_clv",
        _clv_with_the_cohort_churn,
    ),
    "CAC without sales expenses": ("kpi_customer_acquisition_cost", "cac", _cac_without_sales_expenses),
    "rep churn over the month's customers": (
        "kpi_rep_customer_churn",
        "rep_churn_rate",
        _rep_churn_over_the_month,
    ),
    "scorecard change relative, not in points": (
        "kpi_scorecard",
        "change_value",
        _change_relative_not_in_points,
    ),
}


def test_every_kind_of_view_has_a_drift_case() -> None:
    assert {view for view, _, _ in DRIFTS.values()} == set(SPECS)


@pytest.mark.slow
@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_the_comparison_catches_a_drifted_formula(
    drift: str, raw: RawData, views: dict[str, pd.DataFrame], references: dict[str, pd.DataFrame]
) -> None:
    view, column, mutate = DRIFTS[drift]
    assert not compare(SPECS[view], references[view], views[view]), f"{view} differs before the drift"
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
        "won_deals_with_amount": 1,
        "won_deals_without_amount": 0,
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
    # 31 January 18:30 UTC is 1 February 01:30 in Jakarta; offset-less text is Jakarta time (raw_timezone)
    assert raw.local_dates(
        pd.Series(["2026-01-31 18:30:00Z", "2026-01-31 16:59:59+00:00", "2026-01-31 23:59:59", "2026-02-01"])
    ) == [
        pd.Timestamp("2026-02-01").date(),
        pd.Timestamp("2026-01-31").date(),
        pd.Timestamp("2026-01-31").date(),
        pd.Timestamp("2026-02-01").date(),
    ]
    raw.raw_timezone = (
        "UTC"  # offset-less text read as UTC: 23:59:59 UTC is 06:59:59 on 1 February in Jakarta
    )
    assert raw.local_dates(pd.Series(["2026-01-31 23:59:59"])) == [pd.Timestamp("2026-02-01").date()]
    sunday = pd.Timestamp("2026-02-01").date()
    assert raw.convert("10.005", "USD", sunday) == Decimal("160080.00")
    assert raw.convert("1.23", "usd ", pd.Timestamp("2026-02-02").date()) == Decimal("19803.00")
    assert raw.convert("5", "IDR", sunday) == Decimal("5.00")
    with pytest.raises(ValueError, match="no USD rate"):
        raw.rate("USD", pd.Timestamp("2026-01-29").date())
