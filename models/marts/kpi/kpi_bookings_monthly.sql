{{ config(materialized='view') }}
-- One row per month (reporting time zone) of ordered_at, from the first month with a booked order to the
-- as-of month: bookings (value of orders received, cancelled orders excluded) and booked orders, split by
-- the originating opportunity's type (orders without an opportunity count as new business).
with

months as (
    select * from {{ ref('dim_months') }}
),

booked_orders as (
    select * from {{ ref('fct_orders') }}
    where is_booked
),

monthly_bookings as (
    select
        ordered_month as month_start,
        sum(order_amount) as bookings,
        sum(case when opportunity_type = 'new_business' then order_amount end) as new_business_bookings,
        sum(case when opportunity_type = 'upsell' then order_amount end) as upsell_bookings,
        sum(case when opportunity_type = 'renewal' then order_amount end) as renewal_bookings,
        count(*) as booked_orders,
        sum(case when opportunity_type = 'new_business' then 1 else 0 end) as new_business_orders,
        sum(case when opportunity_type = 'upsell' then 1 else 0 end) as upsell_orders,
        sum(case when opportunity_type = 'renewal' then 1 else 0 end) as renewal_orders
    from booked_orders
    group by ordered_month
),

first_months as (
    select min(month_start) as first_month
    from monthly_bookings
),

final as (
    select
        months.month_start,
        months.is_complete_month,
        {{ money('monthly_bookings.bookings') }} as bookings,
        {{ money('monthly_bookings.new_business_bookings') }} as new_business_bookings,
        {{ money('monthly_bookings.upsell_bookings') }} as upsell_bookings,
        {{ money('monthly_bookings.renewal_bookings') }} as renewal_bookings,
        {{ count_or_zero('monthly_bookings.booked_orders') }} as booked_orders,
        {{ count_or_zero('monthly_bookings.new_business_orders') }} as new_business_orders,
        {{ count_or_zero('monthly_bookings.upsell_orders') }} as upsell_orders,
        {{ count_or_zero('monthly_bookings.renewal_orders') }} as renewal_orders,
        '{{ reporting_currency() }}' as currency_code
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    left join monthly_bookings
        on months.month_start = monthly_bookings.month_start
)

select * from final
