-- One row per month (reporting time zone) x product category, from the first month with costed revenue
-- to the as-of month, for every category with revenue: revenue, cost and gross profit of the revenue
-- events whose cost is known, the revenue-weighted gross margin rate, and the revenue whose cost is
-- unknown. With no costed revenue at all the view returns no rows.
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

categories as (
    select distinct category as product_category
    from revenue_events
),

category_margin as (
    select
        event_month as month_start,
        category as product_category,
        sum(case when is_cost_known then revenue end) as revenue,
        sum(case when is_cost_known then cost end) as cost,  -- noqa: RF04
        sum(case when is_cost_known then gross_profit end) as gross_profit,
        sum(case when not is_cost_known then revenue end) as uncosted_revenue,
        sum(revenue) as total_revenue
    from revenue_events
    group by event_month, category
),

costed_events as (
    select * from revenue_events
    where is_cost_known
),

months as (
    {{ kpi_months('costed_events', 'event_month') }}
),

category_totals as (
    select
        months.month_start,
        categories.product_category,
        months.is_complete_month,
        {{ money('category_margin.revenue') }} as revenue,
        {{ money('category_margin.cost') }} as cost,  -- noqa: RF04
        {{ money('category_margin.gross_profit') }} as gross_profit,
        {{ money('category_margin.uncosted_revenue') }} as uncosted_revenue,
        {{ money('category_margin.total_revenue') }} as total_revenue
    from months
    cross join categories
    left join category_margin
        on
            months.month_start = category_margin.month_start
            and categories.product_category = category_margin.product_category
),

final as (
    select
        month_start,
        product_category,
        is_complete_month,
        revenue,
        cost,
        gross_profit,
        {{ safe_divide('gross_profit', 'revenue') }} as gross_margin_rate,
        uncosted_revenue,
        total_revenue,
        '{{ reporting_currency() }}' as currency_code
    from category_totals
)

select * from final
