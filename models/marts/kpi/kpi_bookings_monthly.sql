-- One row per month (reporting time zone), from the first month with a booking to the as-of month: net
-- bookings = orders received in the month (by ordered_at) less the orders cancelled in the month (by the
-- cancellation date, D36), so a cancellation never changes an earlier month; the gross and cancelled parts
-- beside it; and the split by the originating opportunity's type (orders without one count as new
-- business). Order counts are the orders received (booked_orders) and cancelled (cancelled_orders).
with

booking_events as (
    select * from {{ ref('fct_booking_events') }}
),

monthly_bookings as (
    select
        event_month as month_start,
        sum(amount) as bookings,
        sum(case when event_type = 'booking' then amount end) as gross_bookings,
        sum(case when event_type = 'cancellation' then -amount end) as cancelled_bookings,
        sum(case when opportunity_type = 'new_business' then amount end) as new_business_bookings,
        sum(case when opportunity_type = 'upsell' then amount end) as upsell_bookings,
        sum(case when opportunity_type = 'renewal' then amount end) as renewal_bookings,
        count(case when event_type = 'booking' then 1 end) as booked_orders,
        count(case when event_type = 'cancellation' then 1 end) as cancelled_orders,
        count(case when event_type = 'booking' and opportunity_type = 'new_business' then 1 end)
            as new_business_orders,
        count(case when event_type = 'booking' and opportunity_type = 'upsell' then 1 end) as upsell_orders,
        count(case when event_type = 'booking' and opportunity_type = 'renewal' then 1 end) as renewal_orders
    from booking_events
    group by event_month
),

months as (
    {{ kpi_months('monthly_bookings') }}
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
        {{ money('monthly_bookings.gross_bookings') }} as gross_bookings,
        {{ money('monthly_bookings.cancelled_bookings') }} as cancelled_bookings,
        {{ count_or_zero('monthly_bookings.cancelled_orders') }} as cancelled_orders,
        '{{ reporting_currency() }}' as currency_code
    from months
    left join monthly_bookings
        on months.month_start = monthly_bookings.month_start
)

select * from final
