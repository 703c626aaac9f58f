-- One row per month (reporting time zone) x customer segment, from the first invoice month to the
-- as-of month, for every segment with invoices: the orders invoiced in the month, their invoiced
-- revenue, the average purchase value (revenue per invoiced order), the customers invoiced and revenue
-- per customer. Refunds are shown beside (refunded_revenue, by refund month) and do not change the
-- purchase value of the month's orders. Customers exclude the unknown account (orders naming none), so
-- revenue per customer divides the revenue of identified customers (customer_revenue) by them (D35).
with

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

segments as (
    select distinct segment
    from revenue_events
    where event_type = 'invoice'
),

segment_purchases as (
    select
        event_month as month_start,
        segment,
        count(distinct case when event_type = 'invoice' then order_id end) as orders,
        count(distinct case when event_type = 'invoice' and not is_unknown_account then account_id end) as customers,
        sum(case when event_type = 'invoice' then revenue end) as revenue,
        sum(case when event_type = 'invoice' and not is_unknown_account then revenue end) as customer_revenue,
        sum(case when event_type = 'refund' then -revenue end) as refunded_revenue
    from revenue_events
    group by event_month, segment
),

invoice_events as (
    select * from revenue_events
    where event_type = 'invoice'
),

months as (
    {{ kpi_months('invoice_events', 'event_month') }}
),

segment_totals as (
    select
        months.month_start,
        segments.segment,
        months.is_complete_month,
        {{ count_or_zero('segment_purchases.orders') }} as orders,
        {{ count_or_zero('segment_purchases.customers') }} as customers,
        {{ money('segment_purchases.revenue') }} as revenue,
        {{ money('segment_purchases.customer_revenue') }} as customer_revenue,
        {{ money('segment_purchases.refunded_revenue') }} as refunded_revenue
    from months
    cross join segments
    left join segment_purchases
        on
            months.month_start = segment_purchases.month_start
            and segments.segment = segment_purchases.segment
),

final as (
    select
        month_start,
        segment,
        is_complete_month,
        orders,
        revenue,
        cast({{ safe_divide('revenue', 'orders') }} as decimal(18, 2)) as avg_purchase_value,
        customers,
        customer_revenue,
        cast({{ safe_divide('customer_revenue', 'customers') }} as decimal(18, 2)) as revenue_per_customer,
        refunded_revenue,
        cast(revenue - refunded_revenue as decimal(18, 2)) as net_revenue,
        '{{ reporting_currency() }}' as currency_code
    from segment_totals
)

select * from final
