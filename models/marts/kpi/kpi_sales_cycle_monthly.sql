{{ config(materialized='view') }}
-- One row per month of close (reporting time zone) x account segment, from the first month with a won
-- deal to the as-of month, for every segment with a won deal: won deals and their sales cycle in whole
-- days (created date -> closed date, reporting zone), average and median. Won deals only.
with

months as (
    select * from {{ ref('dim_months') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

won_deals as (
    select
        closed_month,
        segment,
        cycle_days
    from opportunities
    where is_won
),

first_months as (
    select min(closed_month) as first_month
    from won_deals
),

segments as (
    select distinct segment
    from won_deals
),

monthly_cycles as (
    select
        closed_month as month_start,
        segment,
        count(*) as won_deals,
        sum(cycle_days) as total_cycle_days,
        -- DuckDB and PostgreSQL syntax; Spark would need percentile(cycle_days, 0.5)
        percentile_cont(0.5) within group (order by cycle_days) as median_cycle_days,
        min(cycle_days) as min_cycle_days,
        max(cycle_days) as max_cycle_days
    from won_deals
    group by closed_month, segment
),

final as (
    select
        months.month_start,
        segments.segment,
        months.is_complete_month,
        {{ count_or_zero('monthly_cycles.won_deals') }} as won_deals,
        {{ count_or_zero('monthly_cycles.total_cycle_days') }} as total_cycle_days,
        cast(
            {{ safe_divide('monthly_cycles.total_cycle_days', 'monthly_cycles.won_deals') }} as decimal(18, 2)
        ) as avg_cycle_days,
        cast(monthly_cycles.median_cycle_days as decimal(18, 2)) as median_cycle_days,
        monthly_cycles.min_cycle_days,
        monthly_cycles.max_cycle_days
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    cross join segments
    left join monthly_cycles
        on
            months.month_start = monthly_cycles.month_start
            and segments.segment = monthly_cycles.segment
)

select * from final
