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
