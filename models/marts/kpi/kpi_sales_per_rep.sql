-- One row per month and rep: the rep leaderboard. Revenue (net invoiced, credited rep), bookings (net of
-- cancellations, credited rep) and deals won (credited rep), the rep's revenue rank within the month and
-- the change from the previous month. Rows cover every month a rep was employed (zeros without sales) and
-- any other month a rep was credited with sales (e.g. a late invoice after the rep left), from the first
-- month with sales to the as-of month. Sales no rep resolves for are the unassigned rep's row
-- (is_unassigned; not ranked), so the rows of a month add up to the company's totals (D30).
with

daily_actuals as (
    select * from {{ ref('int_rep_metric_actuals_daily') }}
),

monthly_actuals as (
    select
        rep_id,
        activity_month as month_start,
        sum(revenue) as revenue,
        sum(bookings) as bookings,
        sum(deals_won) as deals_won
    from daily_actuals
    group by rep_id, activity_month
    -- a month with only other credits (a new account for its acquiring rep) is no month with sales
    having sum(revenue) <> 0 or sum(bookings) <> 0 or sum(deals_won) > 0
),

rep_month_rows as (
    {{ rep_month_spine('monthly_actuals') }}
),

rep_month_totals as (
    select
        rep_month_rows.rep_id,
        rep_month_rows.month_start,
        rep_month_rows.is_complete_month,
        rep_month_rows.team,
        rep_month_rows.is_employed_in_month,
        rep_month_rows.rep_id = {{ unassigned_rep_id() }} as is_unassigned,
        {{ money('monthly_actuals.revenue') }} as revenue,
        {{ money('monthly_actuals.bookings') }} as bookings,
        {{ count_or_zero('monthly_actuals.deals_won') }} as deals_won,
        cast({{ dbt.dateadd('month', -1, 'rep_month_rows.month_start') }} as date) as previous_month_start,
        rep_month_rows.month_start = min(rep_month_rows.month_start) over () as is_first_month
    from rep_month_rows
    left join monthly_actuals
        on
            rep_month_rows.rep_id = monthly_actuals.rep_id
            and rep_month_rows.month_start = monthly_actuals.month_start
),

-- the leaderboard ranks reps; the unassigned row is not a rep
ranked as (
    select
        *,
        case
            when not is_unassigned
                then rank() over (
                    partition by month_start, is_unassigned
                    order by revenue desc
                )
        end as revenue_rank
    from rep_month_totals
),

compared as (
    select
        ranked.*,
        -- the previous month's revenue: 0 when the rep had no row then, NULL before the first month
        cast(
            case
                when ranked.is_first_month then null
                else {{ money('previous.revenue') }}
            end as decimal(18, 2)
        ) as revenue_prev_month,
        previous.revenue_rank as rank_prev_month
    from ranked
    left join ranked as previous
        on
            ranked.rep_id = previous.rep_id
            and ranked.previous_month_start = previous.month_start
),

final as (
    select
        month_start,
        rep_id,
        team,
        is_complete_month,
        is_employed_in_month,
        is_unassigned,
        revenue,
        bookings,
        deals_won,
        cast(revenue_rank as integer) as revenue_rank,
        revenue_prev_month,
        {{ growth_rate('revenue', 'revenue_prev_month') }} as revenue_change_rate,
        cast(rank_prev_month as integer) as rank_prev_month,
        cast(rank_prev_month - revenue_rank as integer) as rank_change,
        '{{ reporting_currency() }}' as currency_code
    from compared
)

select * from final
