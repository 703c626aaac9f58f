-- One row per month of kpi_revenue_monthly: the month's net revenue compared with the previous month and
-- with the same month a year earlier. A comparison month before the first revenue month is absent, so
-- its revenue and the growth rate are NULL; a growth rate is also NULL when the earlier revenue is 0.
with

monthly_revenue as (
    select * from {{ ref('kpi_revenue_monthly') }}
),

final as (
    select
        current_month.month_start,
        current_month.is_complete_month,
        current_month.revenue,
        previous_month.revenue as revenue_prev_month,
        {{ growth_rate('current_month.revenue', 'previous_month.revenue') }} as mom_growth_rate,
        same_month_last_year.revenue as revenue_same_month_last_year,
        {{ growth_rate('current_month.revenue', 'same_month_last_year.revenue') }} as yoy_growth_rate,
        current_month.currency_code
    from monthly_revenue as current_month
    left join monthly_revenue as previous_month
        on previous_month.month_start = cast({{ dbt.dateadd('month', -1, 'current_month.month_start') }} as date)
    left join monthly_revenue as same_month_last_year
        on
            same_month_last_year.month_start
            = cast({{ dbt.dateadd('month', -12, 'current_month.month_start') }} as date)
)

select * from final
