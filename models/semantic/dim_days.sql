-- One row per calendar day (reporting time zone) of the months in dim_months: the time spine MetricFlow
-- joins to for offsets (growth), cumulative metrics and month-end snapshots. Built from dim_months, so it
-- covers exactly the months the KPI views cover, and from a digits table, so it is portable (D10).
with

months as (
    select * from {{ ref('dim_months') }}
),

digits as (
    {{ digits() }}
),

day_offsets as (
    -- 0 to 39, enough for any month
    select tens.d * 10 + ones.d as day_offset
    from digits as tens
    cross join digits as ones
    where tens.d < 4
),

days as (
    select
        months.month_start,
        months.is_complete_month,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'months.month_start') }} as date) as date_day,
        months.month_end
    from months
    cross join day_offsets
),

final as (
    select
        date_day,
        month_start,
        is_complete_month
    from days
    where date_day <= month_end
)

select * from final
