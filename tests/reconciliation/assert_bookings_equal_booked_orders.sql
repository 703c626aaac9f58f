-- kpi_bookings_monthly equals, month by month, the value and count of booked (not cancelled) orders in
-- fct_orders by ordered month, and its split by opportunity type adds up: new business + upsell + renewal
-- = bookings (values and counts). Returns the months that disagree.
with

kpi_bookings as (
    select * from {{ ref('kpi_bookings_monthly') }}
),

expected_bookings as (
    select
        ordered_month as month_start,
        sum(order_amount) as bookings,
        count(*) as booked_orders
    from {{ ref('fct_orders') }}
    where status <> 'cancelled'
    group by ordered_month
),

compared as (
    select
        coalesce(kpi_bookings.month_start, expected_bookings.month_start) as month_start,
        coalesce(kpi_bookings.bookings, 0) as kpi_bookings,
        coalesce(expected_bookings.bookings, 0) as expected_bookings,
        coalesce(kpi_bookings.booked_orders, 0) as kpi_booked_orders,
        coalesce(expected_bookings.booked_orders, 0) as expected_booked_orders,
        coalesce(
            kpi_bookings.new_business_bookings + kpi_bookings.upsell_bookings + kpi_bookings.renewal_bookings, 0
        ) as split_bookings,
        coalesce(
            kpi_bookings.new_business_orders + kpi_bookings.upsell_orders + kpi_bookings.renewal_orders, 0
        ) as split_booked_orders
    from kpi_bookings
    full outer join expected_bookings
        on kpi_bookings.month_start = expected_bookings.month_start
)

select * from compared
where
    abs(kpi_bookings - expected_bookings) > 0.005
    or kpi_booked_orders <> expected_booked_orders
    or abs(split_bookings - kpi_bookings) > 0.005
    or split_booked_orders <> kpi_booked_orders
