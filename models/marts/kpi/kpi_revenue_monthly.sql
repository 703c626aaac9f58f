-- One row per month (reporting time zone), from the first month with revenue to the as-of month: net
-- revenue (invoiced order lines in their invoiced month, less refunded lines in their refund month, at the
-- invoice date's rate), the invoiced and refunded parts, invoiced and refunded orders, and paying
-- customers (the unknown account, orders naming no account, is not a customer).
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

monthly_revenue as (
    select
        event_month as month_start,
        sum(revenue) as revenue,
        sum(case when event_type = 'invoice' then revenue end) as invoiced_revenue,
        sum(case when event_type = 'refund' then -revenue end) as refunded_revenue,
        count(distinct case when event_type = 'invoice' then order_id end) as invoiced_orders,
        count(distinct case when event_type = 'refund' then order_id end) as refunded_orders,
        count(distinct case when event_type = 'invoice' and not is_unknown_account then account_id end)
            as paying_customers
    from revenue_events
    group by event_month
),

months as (
    {{ kpi_months('monthly_revenue') }}
),

final as (
    select
        months.month_start,
        months.is_complete_month,
        {{ money('monthly_revenue.revenue') }} as revenue,
        {{ money('monthly_revenue.invoiced_revenue') }} as invoiced_revenue,
        {{ money('monthly_revenue.refunded_revenue') }} as refunded_revenue,
        {{ count_or_zero('monthly_revenue.invoiced_orders') }} as invoiced_orders,
        {{ count_or_zero('monthly_revenue.refunded_orders') }} as refunded_orders,
        {{ count_or_zero('monthly_revenue.paying_customers') }} as paying_customers,
        '{{ reporting_currency() }}' as currency_code
    from months
    left join monthly_revenue
        on months.month_start = monthly_revenue.month_start
)

select * from final
