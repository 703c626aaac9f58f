-- Net revenue in kpi_revenue_monthly equals, month by month and in total, the net value of invoiced order
-- lines (in their invoiced month) less that of refunded lines (in their refund month), recomputed from
-- fct_order_lines rather than fct_revenue_events. Returns the months (and the total) that disagree.
with

kpi_revenue as (
    select
        month_start,
        revenue
    from {{ ref('kpi_revenue_monthly') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

line_movements as (
    select
        invoiced_month as month_start,
        net_amount as amount
    from order_lines
    where is_invoiced

    union all

    select
        refunded_month as month_start,
        -net_amount as amount
    from order_lines
    where is_refunded
),

expected_revenue as (
    select
        month_start,
        sum(amount) as revenue
    from line_movements
    group by month_start
),

monthly_differences as (
    select
        coalesce(kpi_revenue.month_start, expected_revenue.month_start) as month_start,
        coalesce(kpi_revenue.revenue, 0) as kpi_revenue,
        coalesce(expected_revenue.revenue, 0) as expected_revenue
    from kpi_revenue
    full outer join expected_revenue
        on kpi_revenue.month_start = expected_revenue.month_start
),

total_difference as (
    select
        cast(null as date) as month_start,
        (select coalesce(sum(revenue), 0) from kpi_revenue) as kpi_revenue,
        (select coalesce(sum(revenue), 0) from expected_revenue) as expected_revenue
),

final as (
    select
        'month' as scope,
        month_start,
        kpi_revenue,
        expected_revenue
    from monthly_differences

    union all

    select
        'total' as scope,
        month_start,
        kpi_revenue,
        expected_revenue
    from total_difference
)

select * from final
where abs(kpi_revenue - expected_revenue) > 0.005
