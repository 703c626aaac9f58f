-- One row per month (reporting time zone), from the first month with costed revenue to the as-of month:
-- revenue, cost and gross profit of the revenue events whose cost is known (invoices +, refunds -), the
-- revenue-weighted gross margin rate, and beside them the revenue whose cost is unknown. With no costed
-- revenue at all the view returns no rows.
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

monthly_margin as (
    select
        event_month as month_start,
        sum(case when is_cost_known then revenue end) as revenue,
        sum(case when is_cost_known then cost end) as cost,  -- noqa: RF04
        sum(case when is_cost_known then gross_profit end) as gross_profit,
        sum(case when not is_cost_known then revenue end) as uncosted_revenue,
        sum(revenue) as total_revenue
    from revenue_events
    group by event_month
),

costed_events as (
    select * from revenue_events
    where is_cost_known
),

months as (
    {{ kpi_months('costed_events', 'event_month') }}
),

monthly_totals as (
    select
        months.month_start,
        months.is_complete_month,
        {{ money('monthly_margin.revenue') }} as revenue,
        {{ money('monthly_margin.cost') }} as cost,  -- noqa: RF04
        {{ money('monthly_margin.gross_profit') }} as gross_profit,
        {{ money('monthly_margin.uncosted_revenue') }} as uncosted_revenue,
        {{ money('monthly_margin.total_revenue') }} as total_revenue
    from months
    left join monthly_margin
        on months.month_start = monthly_margin.month_start
),

final as (
    select
        month_start,
        is_complete_month,
        revenue,
        cost,
        gross_profit,
        {{ safe_divide('gross_profit', 'revenue') }} as gross_margin_rate,
        uncosted_revenue,
        total_revenue,
        '{{ reporting_currency() }}' as currency_code
    from monthly_totals
)

select * from final
