-- One row per month of close (reporting time zone) x account segment, from the first month with a won
-- deal to the as-of month, for every segment with a won deal, plus one row per month for all segments
-- together (segment = 'all', is_all_segments): won deals and their sales cycle in whole days (created
-- date -> closed date, reporting zone), average and median. Won deals only. A deal closed before it was
-- created has no cycle: it counts in won_deals, not in the cycle statistics (won_deals_with_cycle, D35).
-- The 'all' row's median is the median over every won deal of the month, which no sum of segment rows
-- can give (D43). For longer periods each row also carries the median over the fiscal quarter to date and
-- the fiscal year to date (won deals closed from the period's first month to this month): at a quarter's
-- or year's last month, the median of that whole quarter or year.
with

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

segment_deals as (
    select
        closed_month,
        segment,
        false as is_all_segments,
        cycle_days
    from won_deals

    union all

    select
        closed_month,
        'all' as segment,
        true as is_all_segments,
        cycle_days
    from won_deals
),

segments as (
    select distinct
        segment,
        is_all_segments
    from segment_deals
),

monthly_cycles as (
    select
        closed_month as month_start,
        segment,
        count(*) as won_deals,
        count(cycle_days) as won_deals_with_cycle,
        sum(cycle_days) as total_cycle_days,
        -- DuckDB and PostgreSQL syntax; Spark would need percentile(cycle_days, 0.5)
        percentile_cont(0.5) within group (order by cycle_days) as median_cycle_days,
        min(cycle_days) as min_cycle_days,
        max(cycle_days) as max_cycle_days
    from segment_deals
    group by closed_month, segment
),

months as (
    {{ kpi_months('monthly_cycles') }}
),

fiscal_months as (
    select * from {{ ref('dim_months') }}
),

-- every won deal of the fiscal year to date of each month, marking those of its fiscal quarter to date
period_deals as (
    select
        fiscal_months.month_start,
        segment_deals.segment,
        segment_deals.cycle_days,
        deal_months.month_start >= fiscal_months.fiscal_quarter_start as is_quarter_to_date
    from fiscal_months
    inner join fiscal_months as deal_months
        on
            fiscal_months.fiscal_year = deal_months.fiscal_year
            and fiscal_months.month_start >= deal_months.month_start
    inner join segment_deals
        on deal_months.month_start = segment_deals.closed_month
),

period_cycles as (
    select
        month_start,
        segment,
        count(case when is_quarter_to_date then cycle_days end) as quarter_to_date_won_deals_with_cycle,
        percentile_cont(0.5) within group (order by case when is_quarter_to_date then cycle_days end)
            as quarter_to_date_median_cycle_days,
        count(cycle_days) as year_to_date_won_deals_with_cycle,
        percentile_cont(0.5) within group (order by cycle_days) as year_to_date_median_cycle_days
    from period_deals
    group by month_start, segment
),

final as (
    select
        months.month_start,
        segments.segment,
        months.is_complete_month,
        segments.is_all_segments,
        {{ count_or_zero('monthly_cycles.won_deals') }} as won_deals,
        {{ count_or_zero('monthly_cycles.won_deals_with_cycle') }} as won_deals_with_cycle,
        {{ count_or_zero('monthly_cycles.total_cycle_days') }} as total_cycle_days,
        cast(
            {{ safe_divide('monthly_cycles.total_cycle_days', 'monthly_cycles.won_deals_with_cycle') }}
            as decimal(18, 2)
        ) as avg_cycle_days,
        cast(monthly_cycles.median_cycle_days as decimal(18, 2)) as median_cycle_days,
        monthly_cycles.min_cycle_days,
        monthly_cycles.max_cycle_days,
        {{ count_or_zero('period_cycles.quarter_to_date_won_deals_with_cycle') }}
            as fiscal_quarter_to_date_won_deals_with_cycle,
        cast(period_cycles.quarter_to_date_median_cycle_days as decimal(18, 2))
            as fiscal_quarter_to_date_median_cycle_days,
        {{ count_or_zero('period_cycles.year_to_date_won_deals_with_cycle') }}
            as fiscal_year_to_date_won_deals_with_cycle,
        cast(period_cycles.year_to_date_median_cycle_days as decimal(18, 2))
            as fiscal_year_to_date_median_cycle_days
    from months
    cross join segments
    left join monthly_cycles
        on
            months.month_start = monthly_cycles.month_start
            and segments.segment = monthly_cycles.segment
    left join period_cycles
        on
            months.month_start = period_cycles.month_start
            and segments.segment = period_cycles.segment
)

select * from final
