{{ config(materialized='table') }}
-- One row per rep and reporting-zone day with any sales activity credited to the rep, holding the five
-- target metrics computed once for the rep views (kpi_sales_per_rep sums days to months,
-- kpi_sales_vs_target sums them over any target period), and the rep's team on that day:
--   revenue, units  net invoiced revenue and units (invoices less refunds) by revenue event date,
--                   credited rep (fct_revenue_events)
--   bookings        net bookings: orders by order date less cancellations by cancellation date,
--                   credited rep (fct_booking_events)
--   new_accounts    customers acquired by the acquisition date, acquiring rep (dim_accounts)
--   deals_won       won opportunities by close date, credited rep (fct_opportunities)
--   team            the rep's team that day (dim_rep_team_periods, SCD2): a sale counts for the team the
--                   rep was in when it happened (D37)
-- Every credit has a rep (the unassigned rep when nothing resolves, D30), so the sums over reps are the
-- company totals; nothing dated after the as-of date counts.
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

booking_events as (
    select * from {{ ref('fct_booking_events') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

team_periods as (
    select * from {{ ref('dim_rep_team_periods') }}
),

activity as (
    select
        credited_rep_id as rep_id,
        event_date as activity_date,
        revenue,
        units,
        0 as bookings,
        0 as new_accounts,
        0 as deals_won
    from revenue_events

    union all

    select
        credited_rep_id as rep_id,
        event_date as activity_date,
        0 as revenue,
        0 as units,
        amount as bookings,
        0 as new_accounts,
        0 as deals_won
    from booking_events

    union all

    select
        acquiring_rep_id as rep_id,
        acquisition_date as activity_date,
        0 as revenue,
        0 as units,
        0 as bookings,
        1 as new_accounts,
        0 as deals_won
    from accounts
    where is_customer

    union all

    select
        credited_rep_id as rep_id,
        closed_date as activity_date,
        0 as revenue,
        0 as units,
        0 as bookings,
        0 as new_accounts,
        1 as deals_won
    from opportunities
    where is_won
),

daily_totals as (
    select
        rep_id,
        activity_date,
        sum(revenue) as revenue,
        sum(units) as units,
        sum(bookings) as bookings,
        sum(new_accounts) as new_accounts,
        sum(deals_won) as deals_won
    from activity
    where activity_date <= {{ as_of_date() }}
    group by rep_id, activity_date
),

final as (
    select
        daily_totals.rep_id,
        daily_totals.activity_date,
        {{ month_start('daily_totals.activity_date') }} as activity_month,
        coalesce(team_periods.team, 'unassigned') as team,
        coalesce(team_periods.team_key, 'unassigned') as team_key,
        {{ money('daily_totals.revenue') }} as revenue,
        cast(daily_totals.units as decimal(18, 4)) as units,
        {{ money('daily_totals.bookings') }} as bookings,
        {{ count_or_zero('daily_totals.new_accounts') }} as new_accounts,
        {{ count_or_zero('daily_totals.deals_won') }} as deals_won,
        '{{ reporting_currency() }}' as currency_code
    from daily_totals
    left join team_periods
        on
            daily_totals.rep_id = team_periods.rep_id
            and (team_periods.valid_from_date is null or daily_totals.activity_date >= team_periods.valid_from_date)
            and (team_periods.valid_to_date is null or daily_totals.activity_date < team_periods.valid_to_date)
)

select * from final
