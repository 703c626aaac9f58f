-- The margin views account for all revenue: for every month of kpi_profit_margin_monthly, costed revenue +
-- uncosted revenue = total_revenue = kpi_revenue_monthly's revenue, and kpi_profit_margin_by_category
-- summed over categories gives the monthly revenue, cost, gross profit and uncosted revenue.
-- Returns the months that disagree.
with

margin_monthly as (
    select * from {{ ref('kpi_profit_margin_monthly') }}
),

revenue_monthly as (
    select * from {{ ref('kpi_revenue_monthly') }}
),

margin_by_category as (
    select
        month_start,
        sum(revenue) as revenue,
        sum(cost) as cost,  -- noqa: RF04
        sum(gross_profit) as gross_profit,
        sum(uncosted_revenue) as uncosted_revenue
    from {{ ref('kpi_profit_margin_by_category') }}
    group by month_start
),

compared as (
    select
        margin_monthly.month_start,
        margin_monthly.revenue,
        margin_monthly.uncosted_revenue,
        margin_monthly.total_revenue,
        revenue_monthly.revenue as kpi_revenue,
        margin_by_category.revenue as category_revenue,
        margin_monthly.cost,
        margin_by_category.cost as category_cost,
        margin_monthly.gross_profit,
        margin_by_category.gross_profit as category_gross_profit,
        margin_by_category.uncosted_revenue as category_uncosted_revenue
    from margin_monthly
    left join revenue_monthly
        on margin_monthly.month_start = revenue_monthly.month_start
    left join margin_by_category
        on margin_monthly.month_start = margin_by_category.month_start
)

select * from compared
where
    abs(revenue + uncosted_revenue - total_revenue) > 0.005
    or abs(total_revenue - coalesce(kpi_revenue, 0)) > 0.005
    or abs(revenue - coalesce(category_revenue, 0)) > 0.005
    or abs(cost - coalesce(category_cost, 0)) > 0.005
    or abs(gross_profit - coalesce(category_gross_profit, 0)) > 0.005
    or abs(uncosted_revenue - coalesce(category_uncosted_revenue, 0)) > 0.005
    or abs(revenue - cost - gross_profit) > 0.005
