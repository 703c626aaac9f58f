{{ config(materialized='table') }}
-- One row per rep and reporting-zone day with any sales activity credited to the rep, holding the five
-- target metrics computed once for the rep views (kpi_sales_per_rep sums days to months,
-- kpi_sales_vs_target sums them over any target period):
--   revenue, units  net invoiced revenue and units (invoices less refunds) by revenue event date,
--                   credited rep (fct_revenue_events)
--   bookings        value of booked (not cancelled) orders by order date, credited rep (fct_orders)
--   new_accounts    customers acquired (first booked order) by that order's date, acquiring rep
--                   (dim_accounts)
--   deals_won       won opportunities by close date, owner rep (fct_opportunities)
-- Activity without a rep is left out; nothing dated after the as-of date counts.
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
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
    where credited_rep_id is not null

    union all

    select
        credited_rep_id as rep_id,
        ordered_date as activity_date,
        0 as revenue,
        0 as units,
        order_amount as bookings,
        0 as new_accounts,
        0 as deals_won
    from orders
    where is_booked and credited_rep_id is not null

    union all

    select
        acquiring_rep_id as rep_id,
        {{ reporting_date('first_order_at') }} as activity_date,
        0 as revenue,
        0 as units,
        0 as bookings,
        1 as new_accounts,
        0 as deals_won
    from accounts
    where is_customer and acquiring_rep_id is not null

    union all

    select
        owner_rep_id as rep_id,
        closed_date as activity_date,
        0 as revenue,
        0 as units,
        0 as bookings,
        0 as new_accounts,
        1 as deals_won
    from opportunities
    where is_won and owner_rep_id is not null
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
        rep_id,
        activity_date,
        {{ month_start('activity_date') }} as activity_month,
        {{ money('revenue') }} as revenue,
        cast(units as decimal(18, 4)) as units,
        {{ money('bookings') }} as bookings,
        {{ count_or_zero('new_accounts') }} as new_accounts,
        {{ count_or_zero('deals_won') }} as deals_won,
        '{{ reporting_currency() }}' as currency_code
    from daily_totals
)

select * from final
