-- kpi_customer_retention_monthly rolls forward: each month's customers_at_start equals the previous
-- month's customers_at_end (0 before the first month), customers_at_end = retained + new + reactivated,
-- and MRR at the end = MRR at the start + new + reactivated + expansion - contraction - churned, with each
-- month's mrr_start equal to the previous month's mrr_end. Returns the months that break a rule.
with

retention as (
    select * from {{ ref('kpi_customer_retention_monthly') }}
),

compared as (
    select
        current_month.month_start,
        current_month.customers_at_start,
        current_month.customers_at_end,
        current_month.mrr_start,
        current_month.mrr_end,
        coalesce(previous_month.customers_at_end, 0) as previous_customers_at_end,
        current_month.retained_customers + current_month.new_customers + current_month.reactivated_customers
            as rolled_customers_at_end,
        coalesce(previous_month.mrr_end, 0) as previous_mrr_end,
        current_month.mrr_start + current_month.new_mrr + current_month.reactivated_mrr
        + current_month.expansion_mrr - current_month.contraction_mrr - current_month.churned_mrr
            as rolled_mrr_end
    from retention as current_month
    left join retention as previous_month
        on previous_month.month_start = cast({{ dbt.dateadd('month', -1, 'current_month.month_start') }} as date)
)

select * from compared
where
    customers_at_start <> previous_customers_at_end
    or customers_at_end <> rolled_customers_at_end
    or abs(mrr_start - previous_mrr_end) > 0.005
    or abs(mrr_end - rolled_mrr_end) > 0.005
