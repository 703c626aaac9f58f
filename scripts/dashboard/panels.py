"""Which KPI view and columns feed which chart: the one place to adapt when a view changes.

A panel reads one relation of the serving file (columns named, never `select *`), shaped by its SQL into
a tidy frame (`x` month / `series` / `value`, or `label` / `value`), and names the raw contract tables it
needs, so that an empty panel can say which input is missing instead of drawing an empty chart.

SQL parameters: $as_of (the as-of date), $as_of_month (its month), $last_month (the last complete
month), $window_start (12 complete months back from it).
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = ("scorecard", "revenue", "pipeline", "leads", "reps", "targets", "customers", "health")


@dataclass(frozen=True)
class PanelSpec:
    key: str  # chart id and label key (i18n.LABELS)
    section: str
    relation: str  # schema.table in the serving file
    columns: tuple[str, ...]  # the columns the SQL reads
    inputs: tuple[str, ...]  # raw contract tables the KPI needs (for the "no data" note)
    sql: str
    chart: str  # builder in charts.py: bars / lines / stacked / ranked / grouped / progress
    unit: str = "currency"  # currency, ratio, count, days, minutes
    day: bool = False  # x is a snapshot date rather than a month
    rule: float | None = None  # a reference line (LTV:CAC 3)
    series_are_data: bool = False  # series are data values (stages, segments), not label keys


def _series(relation: str, x: str, columns: tuple[str, ...], where: str = "") -> str:
    """One row per x and column: (x, series = the column's name, series_order, value)."""
    condition = f" and {where}" if where else ""
    return "\nunion all\n".join(
        f"select {x} as x, '{c}' as series, {i} as series_order, {c} as value, is_complete_month "
        f"from {relation} where {c} is not null{condition}"
        for i, c in enumerate(columns)
    )


PANELS: tuple[PanelSpec, ...] = (
    # --- revenue and growth -------------------------------------------------------------------------
    PanelSpec(
        "revenue_by_month",
        "revenue",
        "marts.kpi_sales_growth_monthly",
        ("month_start", "revenue", "is_complete_month"),
        ("orders", "order_lines"),
        _series("marts.kpi_sales_growth_monthly", "month_start", ("revenue",)),
        "bars",
    ),
    PanelSpec(
        "growth",
        "revenue",
        "marts.kpi_sales_growth_monthly",
        ("month_start", "mom_growth_rate", "yoy_growth_rate", "is_complete_month"),
        ("orders", "order_lines"),
        _series("marts.kpi_sales_growth_monthly", "month_start", ("mom_growth_rate", "yoy_growth_rate")),
        "lines",
        unit="ratio",
    ),
    PanelSpec(
        "bookings_split",
        "revenue",
        "marts.kpi_bookings_monthly",
        ("month_start", "new_business_bookings", "upsell_bookings", "renewal_bookings", "is_complete_month"),
        ("orders",),
        _series(
            "marts.kpi_bookings_monthly",
            "month_start",
            ("new_business_bookings", "upsell_bookings", "renewal_bookings"),
        ),
        "stacked",
    ),
    PanelSpec(
        "top_products",
        "revenue",
        "marts.fct_revenue_events",
        ("product_id", "revenue", "event_month"),
        ("order_lines", "products"),
        """
        select coalesce(p.product_name, e.product_id) as label, sum(e.revenue) as value
        from marts.fct_revenue_events as e
        left join marts.dim_products as p on e.product_id = p.product_id
        where e.event_month between $window_start and $as_of_month
        group by 1 having sum(e.revenue) > 0 order by 2 desc limit 10
        """,
        "ranked",
    ),
    # --- pipeline and deals ---------------------------------------------------------------------------
    PanelSpec(
        "pipeline_by_stage",
        "pipeline",
        "marts.kpi_pipeline_by_stage",
        ("snapshot_date", "stage", "stage_order", "pipeline_amount"),
        ("opportunities",),
        "select snapshot_date as x, stage as series, stage_order as series_order, pipeline_amount as value "
        "from marts.kpi_pipeline_by_stage order by series_order",
        "stacked",
        day=True,
        series_are_data=True,
    ),
    PanelSpec(
        "weighted_pipeline",
        "pipeline",
        "marts.kpi_pipeline_by_stage",
        ("snapshot_date", "stage", "stage_order", "weighted_pipeline_amount"),
        ("opportunities",),
        "select snapshot_date as x, stage as series, stage_order as series_order, "
        "weighted_pipeline_amount as value from marts.kpi_pipeline_by_stage order by series_order",
        "stacked",
        day=True,
        series_are_data=True,
    ),
    PanelSpec(
        "win_rate",
        "pipeline",
        "marts.kpi_win_rate_monthly",
        ("month_start", "win_rate", "win_rate_by_amount", "is_complete_month"),
        ("opportunities",),
        _series("marts.kpi_win_rate_monthly", "month_start", ("win_rate", "win_rate_by_amount")),
        "lines",
        unit="ratio",
    ),
    PanelSpec(
        "sales_cycle",
        "pipeline",
        "marts.kpi_sales_cycle_monthly",
        ("month_start", "segment", "avg_cycle_days"),
        ("opportunities",),
        "select month_start as x, segment as series, 0 as series_order, avg_cycle_days as value "
        "from marts.kpi_sales_cycle_monthly where avg_cycle_days is not null",
        "lines",
        unit="days",
        series_are_data=True,
    ),
    # --- leads ----------------------------------------------------------------------------------------
    PanelSpec(
        "lead_funnel",
        "leads",
        "marts.kpi_lead_conversion_by_channel",
        ("month_start", "channel", "leads", "leads_to_opportunity", "leads_to_customer"),
        ("leads",),
        """
        with cohorts as (
            select channel, sum(leads) as leads, sum(leads_to_opportunity) as leads_to_opportunity,
                sum(leads_to_customer) as leads_to_customer
            from marts.kpi_lead_conversion_by_channel
            where month_start between $window_start and $last_month
            group by channel
            having sum(leads) > 0
        )
        select channel as label, 'leads' as series, 0 as series_order, leads as value, leads as sort_key
        from cohorts
        union all
        select channel, 'leads_to_opportunity', 1, leads_to_opportunity, leads from cohorts
        union all
        select channel, 'leads_to_customer', 2, leads_to_customer, leads from cohorts
        order by sort_key desc, label, series_order
        """,
        "grouped",
        unit="count",
    ),
    PanelSpec(
        "response_time",
        "leads",
        "marts.kpi_lead_response_time",
        ("month_start", "total_response_minutes", "leads_responded", "is_complete_month"),
        ("leads", "activities"),
        "select month_start as x, 'avg_response_minutes' as series, 0 as series_order, "
        "sum(total_response_minutes) / nullif(sum(leads_responded), 0) as value, "
        "bool_and(is_complete_month) as is_complete_month "
        "from marts.kpi_lead_response_time group by month_start having sum(leads_responded) > 0",
        "bars",
        unit="minutes",
    ),
    PanelSpec(
        "sla_rate",
        "leads",
        "marts.kpi_lead_response_time",
        ("month_start", "leads_responded_within_sla", "leads_assigned"),
        ("leads", "activities"),
        "select month_start as x, 'responded_within_sla_rate' as series, 0 as series_order, "
        "sum(leads_responded_within_sla) / nullif(sum(leads_assigned), 0) as value "
        "from marts.kpi_lead_response_time group by month_start having sum(leads_assigned) > 0",
        "lines",
        unit="ratio",
    ),
    # --- reps (leaderboard: the last complete month) -------------------------------------------------
    PanelSpec(
        "leaderboard",
        "reps",
        "marts.kpi_sales_per_rep",
        (
            "month_start",
            "rep_id",
            "team",
            "revenue",
            "deals_won",
            "revenue_rank",
            "rank_prev_month",
            "rank_change",
            "is_employed_in_month",
        ),
        ("orders", "sales_reps"),
        """
        select s.rep_id, coalesce(r.full_name, s.rep_id) as label, s.team, s.revenue as value, s.deals_won,
            s.revenue_rank, s.rank_prev_month, s.rank_change
        from marts.kpi_sales_per_rep as s
        left join marts.dim_reps as r on s.rep_id = r.rep_id
        where s.month_start = $last_month and (s.revenue <> 0 or s.is_employed_in_month)
        order by s.revenue_rank nulls last, label
        limit 15
        """,
        "ranked",
    ),
    # --- targets in progress (periods containing the as-of date) -------------------------------------
    PanelSpec(
        "team_targets",
        "targets",
        "marts.kpi_sales_vs_target",
        (
            "scope",
            "team",
            "metric",
            "period_grain",
            "period_start",
            "period_end",
            "target_value",
            "actual_value",
            "attainment_rate",
            "elapsed_share",
            "pacing_rate",
            "on_track",
            "is_money_metric",
        ),
        ("sales_targets",),
        """
        select team as label, metric, period_grain, period_start, period_end, target_value, actual_value,
            attainment_rate, elapsed_share, pacing_rate, on_track, is_money_metric
        from marts.kpi_sales_vs_target
        where scope = 'team' and period_start <= $as_of and period_end >= $as_of
        """,
        "progress",
    ),
    PanelSpec(
        "rep_targets",
        "targets",
        "marts.kpi_sales_vs_target",
        (
            "scope",
            "rep_id",
            "metric",
            "period_grain",
            "period_start",
            "period_end",
            "target_value",
            "actual_value",
            "attainment_rate",
            "elapsed_share",
            "pacing_rate",
            "on_track",
            "is_money_metric",
        ),
        ("sales_targets",),
        """
        select coalesce(r.full_name, t.rep_id) as label, t.metric, t.period_grain, t.period_start,
            t.period_end, t.target_value, t.actual_value, t.attainment_rate, t.elapsed_share, t.pacing_rate,
            t.on_track, t.is_money_metric
        from marts.kpi_sales_vs_target as t
        left join marts.dim_reps as r on t.rep_id = r.rep_id
        where t.scope = 'rep' and t.period_start <= $as_of and t.period_end >= $as_of
        """,
        "progress",
    ),
    # --- customers ------------------------------------------------------------------------------------
    PanelSpec(
        "retention",
        "customers",
        "marts.kpi_customer_retention_monthly",
        ("month_start", "retention_rate", "churn_rate", "net_revenue_retention", "is_complete_month"),
        ("orders",),
        _series(
            "marts.kpi_customer_retention_monthly",
            "month_start",
            ("retention_rate", "churn_rate", "net_revenue_retention"),
        ),
        "lines",
        unit="ratio",
    ),
    PanelSpec(
        "cac_clv",
        "customers",
        "marts.kpi_customer_acquisition_cost",
        ("month_start", "channel", "acquisition_cost", "new_customers", "predicted_clv"),
        ("marketing_spend", "sales_expenses"),
        # CAC re-aggregated over the window as sum(cost) / sum(new customers); CLV weighted by the new
        # customers it applies to (the view's ltv_to_cac_ratio = predicted_clv / cac, per month)
        """
        with channels as (
            select channel,
                sum(acquisition_cost) / nullif(sum(new_customers), 0) as cac,
                sum(predicted_clv * new_customers)
                    / nullif(sum(case when predicted_clv is not null then new_customers end), 0) as clv
            from marts.kpi_customer_acquisition_cost
            where channel <> 'all' and month_start between $window_start and $last_month
            group by channel
            having sum(new_customers) > 0
        )
        select channel as label, 'cac' as series, 0 as series_order, cac as value, cac as sort_key
        from channels where cac is not null
        union all
        select channel, 'clv', 1, clv, cac from channels where clv is not null and cac is not null
        order by sort_key desc, label, series_order
        """,
        "grouped",
    ),
    PanelSpec(
        "ltv_cac",
        "customers",
        "marts.kpi_customer_acquisition_cost",
        ("month_start", "channel", "acquisition_cost", "new_customers", "predicted_clv"),
        ("marketing_spend", "sales_expenses"),
        """
        select channel as label,
            sum(predicted_clv * new_customers) / nullif(sum(acquisition_cost), 0) as value
        from marts.kpi_customer_acquisition_cost
        where channel <> 'all' and month_start between $window_start and $last_month
            and predicted_clv is not null
        group by channel
        having sum(acquisition_cost) > 0
        order by value desc
        """,
        "ranked",
        unit="count",
        rule=3.0,
    ),
    PanelSpec(
        "top_customers",
        "customers",
        "marts.fct_revenue_events",
        ("account_id", "revenue", "event_month"),
        ("orders", "order_lines", "accounts"),
        """
        select coalesce(a.account_name, e.account_id) as label, sum(e.revenue) as value
        from marts.fct_revenue_events as e
        left join marts.dim_accounts as a on e.account_id = a.account_id
        where e.event_month between $window_start and $as_of_month
        group by 1 having sum(e.revenue) > 0 order by 2 desc limit 10
        """,
        "ranked",
    ),
    # --- data health -----------------------------------------------------------------------------------
    PanelSpec(
        "quarantine",
        "health",
        "intermediate.int_raw_rows_accounted",
        ("table_name", "quarantined_rows"),
        (),
        # rejected_rows (records the loader could not read) is shown when the serving file has it
        "select table_name as label, 'quarantined' as series, 0 as series_order, quarantined_rows as value, "
        "quarantined_rows as sort_key from intermediate.int_raw_rows_accounted where quarantined_rows > 0"
        "{rejected} order by sort_key desc, label, series_order",
        "grouped",
        unit="count",
    ),
)

REJECTED_SQL = (
    " union all select table_name, 'rejected', 1, rejected_rows, quarantined_rows "
    "from intermediate.int_raw_rows_accounted where rejected_rows > 0"
)

SCORECARD_RELATION = "marts.kpi_scorecard"
SCORECARD_COLUMNS = (
    "month_start",
    "kpi_name",
    "value_unit",
    "is_higher_better",
    "status",
    "value",
    "previous_value",
    "change_rate",
    "target_value",
    "target_value_to_date",
    "attainment_rate",
    "pacing_rate",
)
# the order tiles appear in (names not listed follow, alphabetically)
SCORECARD_ORDER = (
    "revenue",
    "bookings",
    "gross_margin_rate",
    "weighted_pipeline",
    "win_rate",
    "new_customers",
    "customer_churn_rate",
    "cac",
    "revenue_mom_growth",
    "avg_sales_cycle_days",
    "lead_conversion_rate",
    "avg_response_minutes",
    "email_open_rate",
    "avg_purchase_value",
    "net_revenue_retention",
    "deals_won",
)
# the raw tables behind each scorecard KPI, for the note of a KPI without data
SCORECARD_INPUTS = {
    "revenue": ("orders", "order_lines"),
    "revenue_mom_growth": ("orders", "order_lines"),
    "bookings": ("orders",),
    "gross_margin_rate": ("order_lines", "products"),
    "weighted_pipeline": ("opportunities",),
    "win_rate": ("opportunities",),
    "avg_sales_cycle_days": ("opportunities",),
    "lead_conversion_rate": ("leads",),
    "avg_response_minutes": ("leads", "activities"),
    "email_open_rate": ("email_events",),
    "avg_purchase_value": ("orders", "order_lines"),
    "new_customers": ("orders",),
    "customer_churn_rate": ("orders",),
    "net_revenue_retention": ("subscriptions",),
    "cac": ("marketing_spend", "sales_expenses"),
    "deals_won": ("opportunities",),
}

# series keys (column names in the SQL above) to label keys
SERIES_LABELS = {
    "new_business_bookings": "new_business",
    "upsell_bookings": "upsell",
    "renewal_bookings": "renewal",
    "win_rate": "win_rate_count",
    "win_rate_by_amount": "win_rate_amount",
    "avg_response_minutes": "response_time",
    "responded_within_sla_rate": "sla_rate",
}
