-- kpi_average_purchase_value summed over segments agrees with kpi_revenue_monthly for every month:
-- invoiced revenue, refunded revenue, net revenue, invoiced orders and paying customers (an order and a
-- customer belong to exactly one segment). Returns the months that disagree.
with

purchase_value as (
    select
        month_start,
        sum(revenue) as invoiced_revenue,
        sum(refunded_revenue) as refunded_revenue,
        sum(net_revenue) as net_revenue,
        sum(orders) as orders,
        sum(customers) as customers
    from {{ ref('kpi_average_purchase_value') }}
    group by month_start
),

revenue_monthly as (
    select * from {{ ref('kpi_revenue_monthly') }}
),

compared as (
    select
        coalesce(revenue_monthly.month_start, purchase_value.month_start) as month_start,
        coalesce(purchase_value.invoiced_revenue, 0) as apv_invoiced_revenue,
        coalesce(revenue_monthly.invoiced_revenue, 0) as kpi_invoiced_revenue,
        coalesce(purchase_value.refunded_revenue, 0) as apv_refunded_revenue,
        coalesce(revenue_monthly.refunded_revenue, 0) as kpi_refunded_revenue,
        coalesce(purchase_value.net_revenue, 0) as apv_net_revenue,
        coalesce(revenue_monthly.revenue, 0) as kpi_revenue,
        coalesce(purchase_value.orders, 0) as apv_orders,
        coalesce(revenue_monthly.invoiced_orders, 0) as kpi_invoiced_orders,
        coalesce(purchase_value.customers, 0) as apv_customers,
        coalesce(revenue_monthly.paying_customers, 0) as kpi_paying_customers
    from revenue_monthly
    full outer join purchase_value
        on revenue_monthly.month_start = purchase_value.month_start
)

select * from compared
where
    abs(apv_invoiced_revenue - kpi_invoiced_revenue) > 0.005
    or abs(apv_refunded_revenue - kpi_refunded_revenue) > 0.005
    or abs(apv_net_revenue - kpi_revenue) > 0.005
    or apv_orders <> kpi_invoiced_orders
    or apv_customers <> kpi_paying_customers
