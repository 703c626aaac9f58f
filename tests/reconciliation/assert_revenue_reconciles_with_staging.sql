-- kpi_revenue_monthly equals, month by month and in total, net revenue recomputed from staging without the
-- facts: the lines of staged orders ordered by the as-of date whose status is invoiced, paid or refunded
-- and whose invoice is dated by then, converted at the rate of the invoice date (currency_rates, the
-- order's own rate when the invoice precedes every rate; the reporting currency at 1), less the same
-- amounts in the refund month for refunded orders whose refund (refunded_at, else updated_at, never before
-- the invoice) is dated by then; plus, with derive_orders_from_won_opportunities, the won deals without an
-- order at their close. Returns the months (and the total) that disagree.
{%- set derive_orders = boolean_var('derive_orders_from_won_opportunities', false) %}
with

orders as (
    select
        order_id,
        status,
        currency_code,
        rate_to_reporting as order_rate,
        {{ reporting_date('ordered_at') }} as ordered_day,
        {{ reporting_date('invoiced_at') }} as invoiced_day,
        {{ reporting_date('greatest(coalesce(refunded_at, updated_at, invoiced_at), invoiced_at)') }} as refunded_day
    from {{ ref('stg_crm__orders') }}
),

rates as (
    select * from {{ ref('stg_crm__currency_rates') }}
),

invoiced_lines as (
    select
        orders.order_id,
        orders.status,
        orders.invoiced_day,
        orders.refunded_day,
        order_lines.quantity,
        case
            when orders.currency_code = '{{ reporting_currency() }}' then 1
            else coalesce(rates.rate_to_reporting, orders.order_rate)
        end as invoice_rate,
        order_lines.unit_price,
        order_lines.discount_amount
    from {{ ref('stg_crm__order_lines') }} as order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join rates
        on
            orders.currency_code = rates.currency_code
            and orders.invoiced_day >= rates.valid_from
            and orders.invoiced_day < rates.valid_to
    where
        orders.ordered_day <= {{ as_of_date() }}
        and orders.status in ('invoiced', 'paid', 'refunded')
        and orders.invoiced_day <= {{ as_of_date() }}
),

line_values as (
    select
        status,
        invoiced_day,
        refunded_day,
        round(
            quantity * round(cast(unit_price as decimal(38, 4)) * invoice_rate, 2)
            - round(cast(discount_amount as decimal(38, 4)) * invoice_rate, 2),
            2
        ) as invoiced_value
    from invoiced_lines
),

movements as (
    select
        {{ month_start('invoiced_day') }} as month_start,
        invoiced_value as amount
    from line_values

    union all

    select
        {{ month_start('refunded_day') }} as month_start,
        -invoiced_value as amount
    from line_values
    where status = 'refunded' and refunded_day <= {{ as_of_date() }}

    {%- if derive_orders %}

    union all

    select
        {{ reporting_month('opportunities.closed_at') }} as month_start,
        coalesce(opportunities.amount_reporting, 0) as amount
    from {{ ref('stg_crm__opportunities') }} as opportunities
    where
        opportunities.is_won
        and {{ reporting_date('opportunities.closed_at') }} <= {{ as_of_date() }}
        and opportunities.opportunity_id not in (
            select staged.opportunity_id
            from {{ ref('stg_crm__orders') }} as staged
            where staged.opportunity_id is not null
        )
    {%- endif %}
),

expected_revenue as (
    select
        month_start,
        sum(amount) as revenue
    from movements
    group by month_start
),

kpi_revenue as (
    select
        month_start,
        revenue
    from {{ ref('kpi_revenue_monthly') }}
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
