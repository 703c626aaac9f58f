-- One row per order per bookings event: the order's booking (+ its value) on its order date and, for an
-- order cancelled by the as-of date, the cancellation (- the same value) on its cancellation date. Summing
-- any slice gives net bookings, and a cancellation never reaches into a month before it happened: a June
-- order cancelled in July counts in June, in a June backfill and in every later run, and July carries the
-- reversal (D36). Values are at the order date's rate.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

booking_events as (
    select
        order_id || ':booking' as booking_event_id,
        order_id,
        'booking' as event_type,
        1 as sign,
        order_amount as amount,
        units,
        ordered_at as event_at,
        ordered_date as event_date,
        ordered_month as event_month
    from orders

    union all

    select
        order_id || ':cancellation' as booking_event_id,
        order_id,
        'cancellation' as event_type,
        -1 as sign,
        -order_amount as amount,
        -units as units,
        cancelled_at as event_at,
        cancelled_date as event_date,
        cancelled_month as event_month
    from orders
    where is_cancelled
),

final as (
    select
        -- ids
        booking_events.booking_event_id,
        booking_events.order_id,
        orders.account_id,
        orders.credited_rep_id,
        -- dimensions
        booking_events.event_type,
        orders.opportunity_type,
        orders.segment,
        -- flags
        orders.is_first_order,
        orders.is_unknown_account,
        orders.is_derived_from_opportunity,
        -- measures
        cast(booking_events.sign as integer) as sign,
        cast(booking_events.amount as decimal(18, 2)) as amount,
        cast(booking_events.units as decimal(18, 4)) as units,
        orders.currency_code,
        -- time
        booking_events.event_at,
        booking_events.event_date,
        booking_events.event_month
    from booking_events
    inner join orders
        on booking_events.order_id = orders.order_id
)

select * from final
