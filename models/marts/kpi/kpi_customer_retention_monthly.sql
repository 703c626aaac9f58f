-- One row per month (reporting time zone), from the first month with an active customer to the as-of
-- month: customers active at the start of the month (active at the previous month's evaluation point),
-- how many of them were retained or churned, new and reactivated customers, retention and churn rates,
-- and the recurring-revenue (MRR) movements of subscription customers with gross and net revenue
-- retention (MRR columns are 0, and the MRR rates NULL, when there are no subscriptions). Beside them, the
-- repeat-purchase rate: of the customers with a booked order by the month's end, the share with two or
-- more (fct_orders.customer_order_number, D44).
with

customer_months as (
    select * from {{ ref('fct_customer_months') }}
),

all_months as (
    select * from {{ ref('dim_months') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where customer_order_number <= 2
),

-- customers reaching their first and second booked order, by month
order_milestones as (
    select
        ordered_month as month_start,
        count(case when customer_order_number = 1 then 1 end) as first_orders,
        count(case when customer_order_number = 2 then 1 end) as second_orders
    from orders
    group by ordered_month
),

customers_to_date as (
    select
        all_months.month_start,
        sum(coalesce(order_milestones.first_orders, 0)) over (
            order by all_months.month_start rows between unbounded preceding and current row
        ) as customers_with_orders,
        sum(coalesce(order_milestones.second_orders, 0)) over (
            order by all_months.month_start rows between unbounded preceding and current row
        ) as repeat_customers
    from all_months
    left join order_milestones
        on all_months.month_start = order_milestones.month_start
),

monthly_customers as (
    select
        month_start,
        sum(case when was_active_previous_month then 1 else 0 end) as customers_at_start,
        sum(case when is_retained then 1 else 0 end) as retained_customers,
        sum(case when is_churned then 1 else 0 end) as churned_customers,
        sum(case when is_new then 1 else 0 end) as new_customers,
        sum(case when is_reactivated then 1 else 0 end) as reactivated_customers,
        sum(case when is_active then 1 else 0 end) as customers_at_end,
        sum(mrr_previous_month) as mrr_start,
        sum(new_mrr) as new_mrr,
        sum(reactivated_mrr) as reactivated_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(mrr) as mrr_end
    from customer_months
    group by month_start
),

months as (
    {{ kpi_months('customer_months') }}
),

monthly_totals as (
    select
        months.month_start,
        months.is_complete_month,
        {{ count_or_zero('monthly_customers.customers_at_start') }} as customers_at_start,
        {{ count_or_zero('monthly_customers.retained_customers') }} as retained_customers,
        {{ count_or_zero('monthly_customers.churned_customers') }} as churned_customers,
        {{ count_or_zero('monthly_customers.new_customers') }} as new_customers,
        {{ count_or_zero('monthly_customers.reactivated_customers') }} as reactivated_customers,
        {{ count_or_zero('monthly_customers.customers_at_end') }} as customers_at_end,
        {{ money('monthly_customers.mrr_start') }} as mrr_start,
        {{ money('monthly_customers.new_mrr') }} as new_mrr,
        {{ money('monthly_customers.reactivated_mrr') }} as reactivated_mrr,
        {{ money('monthly_customers.expansion_mrr') }} as expansion_mrr,
        {{ money('monthly_customers.contraction_mrr') }} as contraction_mrr,
        {{ money('monthly_customers.churned_mrr') }} as churned_mrr,
        {{ money('monthly_customers.mrr_end') }} as mrr_end,
        {{ count_or_zero('customers_to_date.customers_with_orders') }} as customers_with_orders,
        {{ count_or_zero('customers_to_date.repeat_customers') }} as repeat_customers
    from months
    left join monthly_customers
        on months.month_start = monthly_customers.month_start
    left join customers_to_date
        on months.month_start = customers_to_date.month_start
),

final as (
    select
        month_start,
        is_complete_month,
        customers_at_start,
        retained_customers,
        churned_customers,
        new_customers,
        reactivated_customers,
        customers_at_end,
        {{ safe_divide('retained_customers', 'customers_at_start') }} as retention_rate,
        {{ safe_divide('churned_customers', 'customers_at_start') }} as churn_rate,
        mrr_start,
        new_mrr,
        reactivated_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        mrr_end,
        cast(mrr_start - churned_mrr - contraction_mrr as decimal(18, 2)) as gross_retained_mrr,
        cast(mrr_start - churned_mrr - contraction_mrr + expansion_mrr as decimal(18, 2)) as net_retained_mrr,
        {{ safe_divide('(mrr_start - churned_mrr - contraction_mrr)', 'mrr_start') }} as gross_revenue_retention,
        {{ safe_divide('(mrr_start - churned_mrr - contraction_mrr + expansion_mrr)', 'mrr_start') }}
            as net_revenue_retention,
        customers_with_orders,
        repeat_customers,
        {{ safe_divide('repeat_customers', 'customers_with_orders') }} as repeat_purchase_rate,
        '{{ reporting_currency() }}' as currency_code
    from monthly_totals
)

select * from final
