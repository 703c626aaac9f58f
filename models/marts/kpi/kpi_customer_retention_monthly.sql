{{ config(materialized='view') }}
-- One row per month (reporting time zone), from the first month with an active customer to the as-of
-- month: customers active at the start of the month (active at the previous month's evaluation point),
-- how many of them were retained or churned, new and reactivated customers, retention and churn rates,
-- and the recurring-revenue (MRR) movements of subscription customers with gross and net revenue
-- retention (MRR columns are 0, and the MRR rates NULL, when there are no subscriptions).
with

months as (
    select * from {{ ref('dim_months') }}
),

customer_months as (
    select * from {{ ref('fct_customer_months') }}
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

first_months as (
    select min(month_start) as first_month
    from customer_months
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
        {{ money('monthly_customers.mrr_end') }} as mrr_end
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    left join monthly_customers
        on months.month_start = monthly_customers.month_start
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
        '{{ reporting_currency() }}' as currency_code
    from monthly_totals
)

select * from final
