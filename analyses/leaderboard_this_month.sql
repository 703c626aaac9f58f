-- This month's rep leaderboard: revenue rank, the rank last month and the movement, with names.
-- "This month" is the month of the as-of date (still running); use the previous month for a closed one.
with

latest_month as (
    select max(month_start) as month_start
    from {{ ref('kpi_sales_per_rep') }}
),

leaderboard as (
    select
        sales.revenue_rank,
        reps.full_name,
        sales.team,
        sales.revenue,
        sales.bookings,
        sales.deals_won,
        sales.rank_prev_month,
        sales.rank_change,
        sales.revenue_change_rate,
        sales.currency_code
    from {{ ref('kpi_sales_per_rep') }} as sales
    inner join latest_month
        on sales.month_start = latest_month.month_start
    left join {{ ref('dim_reps') }} as reps
        on sales.rep_id = reps.rep_id
)

select * from leaderboard
order by revenue_rank, full_name
