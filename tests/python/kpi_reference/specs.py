"""Which columns of each view are compared, and how."""

from __future__ import annotations

from .compare import Spec

REVENUE = Spec(
    "kpi_revenue_monthly",
    keys=("month_start",),
    money=("revenue", "invoiced_revenue", "refunded_revenue"),
    counts=("invoiced_orders", "refunded_orders", "paying_customers"),
)
GROWTH = Spec(
    "kpi_sales_growth_monthly",
    keys=("month_start",),
    money=("revenue", "revenue_prev_month", "revenue_same_month_last_year"),
    ratios=("mom_growth_rate", "yoy_growth_rate"),
)
BOOKINGS = Spec(
    "kpi_bookings_monthly",
    keys=("month_start",),
    money=(
        "bookings",
        "gross_bookings",
        "cancelled_bookings",
        "new_business_bookings",
        "upsell_bookings",
        "renewal_bookings",
    ),
    counts=("booked_orders", "cancelled_orders", "new_business_orders", "upsell_orders", "renewal_orders"),
)
WIN_RATE = Spec(
    "kpi_win_rate_monthly",
    keys=("month_start",),
    money=("won_amount", "lost_amount", "closed_amount", "avg_won_deal_size"),
    counts=("deals_won", "deals_lost", "closed_deals", "won_deals_with_amount", "won_deals_without_amount"),
    ratios=("win_rate", "win_rate_by_amount"),
)
SALES_CYCLE = Spec(
    "kpi_sales_cycle_monthly",
    keys=("month_start", "segment"),
    counts=(
        "won_deals",
        "won_deals_with_cycle",
        "total_cycle_days",
        "min_cycle_days",
        "max_cycle_days",
        "fiscal_quarter_to_date_won_deals_with_cycle",
        "fiscal_year_to_date_won_deals_with_cycle",
    ),
    rounded=(
        "avg_cycle_days",
        "median_cycle_days",
        "fiscal_quarter_to_date_median_cycle_days",
        "fiscal_year_to_date_median_cycle_days",
    ),
)
LEAD_CONVERSION = Spec(
    "kpi_lead_conversion_by_channel",
    keys=("month_start", "channel", "channel_group"),
    counts=(
        "leads",
        "leads_to_opportunity",
        "leads_to_customer",
        "total_days_to_convert",
        "leads_with_days_to_convert",
    ),
    ratios=("lead_to_opportunity_ratio", "lead_conversion_rate", "opportunity_to_customer_rate"),
    rounded=("avg_days_to_convert",),
)
RETENTION = Spec(
    "kpi_customer_retention_monthly",
    keys=("month_start",),
    counts=(
        "customers_at_start",
        "retained_customers",
        "churned_customers",
        "new_customers",
        "reactivated_customers",
        "customers_at_end",
        "customers_with_orders",
        "repeat_customers",
    ),
    money=(
        "mrr_start",
        "new_mrr",
        "reactivated_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "mrr_end",
        "gross_retained_mrr",
        "net_retained_mrr",
    ),
    ratios=(
        "retention_rate",
        "churn_rate",
        "repeat_purchase_rate",
        "gross_revenue_retention",
        "net_revenue_retention",
    ),
)
MARGIN = Spec(
    "kpi_profit_margin_monthly",
    keys=("month_start",),
    money=("revenue", "cost", "gross_profit", "uncosted_revenue", "total_revenue"),
    ratios=("gross_margin_rate",),
)
MARGIN_BY_CATEGORY = Spec(
    "kpi_profit_margin_by_category",
    keys=("month_start", "product_category"),
    money=("revenue", "cost", "gross_profit", "uncosted_revenue", "total_revenue"),
    ratios=("gross_margin_rate",),
)
PURCHASE_VALUE = Spec(
    "kpi_average_purchase_value",
    keys=("month_start", "segment"),
    money=("revenue", "customer_revenue", "refunded_revenue", "net_revenue"),
    counts=("orders", "customers"),
    rounded=("avg_purchase_value", "revenue_per_customer"),  # rounded to cents by the view
)
SALES_PER_REP = Spec(
    "kpi_sales_per_rep",
    keys=("month_start", "rep_id"),
    money=("revenue", "bookings", "revenue_prev_month"),
    counts=(
        "is_unassigned",
        "is_employed_in_month",
        "deals_won",
        "revenue_rank",
        "rank_prev_month",
        "rank_change",
    ),
    ratios=("revenue_change_rate",),
)
SALES_VS_TARGET = Spec(
    "kpi_sales_vs_target",
    keys=("target_id",),
    money=("target_value", "actual_value", "expected_value_to_date", "remaining_to_target"),
    counts=(
        "period_days",
        "elapsed_days",
        "member_reps",
        "is_without_members",
        "is_period_complete",
        "is_future_period",
        "is_money_metric",
        "on_track",
    ),
    ratios=("elapsed_share", "attainment_rate", "pacing_rate"),
    labels=("scope", "rep_id", "metric", "period_grain", "period_start", "period_end"),
)
PIPELINE_BY_STAGE = Spec(
    "kpi_pipeline_by_stage",
    keys=("snapshot_date", "stage"),
    money=("pipeline_amount", "weighted_pipeline_amount"),
    counts=("open_opportunities", "is_as_of_snapshot"),
    ratios=("stage_probability",),
    labels=("month_start",),
)
PIPELINE_GENERATED = Spec(
    "kpi_pipeline_generated_per_rep",
    keys=("month_start", "rep_id"),
    money=("pipeline_created_amount", "sourced_pipeline_amount"),
    counts=("is_employed_in_month", "leads_created", "opportunities_created", "opportunities_sourced"),
)
RESPONSE_TIME = Spec(
    "kpi_lead_response_time",
    keys=("month_start", "rep_id"),
    counts=(
        "is_unassigned",
        "is_employed_in_month",
        "leads_assigned",
        "leads_responded",
        "leads_not_responded",
        "leads_responded_within_sla",
        "leads_converted_before_first_touch",
        "sla_minutes",
    ),
    money=("total_response_minutes",),  # minutes to 2 decimals, summed exactly
    ratios=("response_rate", "responded_within_sla_rate"),
    rounded=("avg_response_minutes", "median_response_minutes"),
)
EMAIL = Spec(
    "kpi_email_engagement",
    keys=("month_start", "rep_id"),
    counts=(
        "is_sales_email",
        "is_employed_in_month",
        "emails_sent",
        "emails_delivered",
        "emails_bounced",
        "unique_opens",
        "unique_clicks",
        "unsubscribes",
        "total_opens",
        "total_clicks",
    ),
    ratios=("delivery_rate", "bounce_rate", "open_rate", "click_rate"),
)
LIFETIME_VALUE = Spec(
    "kpi_customer_lifetime_value",
    keys=("acquisition_month", "segment"),
    money=(
        "revenue_to_date",
        "costed_revenue_to_date",
        "gross_profit_to_date",
        "uncosted_revenue_to_date",
        "profit_known_gross_profit",
    ),
    counts=(
        "customers",
        "profit_known_customers",
        "active_customer_months",
        "churn_events",
        "customer_months_at_risk",
    ),
    ratios=("gross_margin_rate", "monthly_churn_rate", "trailing_12m_monthly_churn_rate"),
    rounded=("historical_clv_avg", "arpa_monthly", "predicted_clv"),
)
ACQUISITION_COST = Spec(
    "kpi_customer_acquisition_cost",
    keys=("month_start", "channel"),
    money=("marketing_spend", "sales_expense_allocated", "acquisition_cost", "cac"),
    counts=("new_customers", "is_blended"),
    ratios=("ltv_to_cac_ratio",),
    rounded=("predicted_clv",),
    labels=("channel_group",),
)
REP_CHURN = Spec(
    "kpi_rep_customer_churn",
    keys=("acquisition_month", "rep_id"),
    counts=(
        "is_horizon_complete",
        "is_employed_in_month",
        "churn_horizon_months",
        "customers_acquired",
        "customers_churned",
        "acquiring_won_deals",
        "acquiring_cycle_days_total",
    ),
    ratios=("rep_churn_rate",),
    rounded=("avg_sales_cycle_days",),
)
SCORECARD = Spec(
    "kpi_scorecard",
    keys=("month_start", "kpi_name"),
    money=("target_value", "target_value_to_date"),
    counts=("is_partial_comparison", "is_higher_better"),
    ratios=("change_rate", "attainment_rate", "pacing_rate"),
    labels=("status", "value_unit", "target_metric"),
    decimals=("value", "previous_value", "change_value"),
    unit_column="value_unit",
)
