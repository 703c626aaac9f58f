{{ config(materialized='view') }}
-- One row per acquisition cohort month (month of the customer's first booked order, reporting time zone)
-- x customer segment, from the first acquisition month to the as-of month, for every segment with
-- customers: the cohort's customers, their revenue and gross profit to the as-of date, historical CLV
-- (gross profit per customer to date) and the inputs and result of the predicted CLV
-- (arpa_monthly * gross_margin_rate / monthly_churn_rate, NULL when no churn has been observed).
with

months as (
    select * from {{ ref('dim_months') }}
),

customers as (
    select * from {{ ref('dim_accounts') }}
    where is_customer
),

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

customer_months as (
    select * from {{ ref('fct_customer_months') }}
),

segments as (
    select distinct segment
    from customers
),

customer_revenue as (
    select
        account_id,
        sum(revenue) as revenue,
        sum(case when is_cost_known then revenue end) as costed_revenue,
        sum(gross_profit) as gross_profit,
        sum(case when not is_cost_known then revenue end) as uncosted_revenue
    from revenue_events
    group by account_id
),

customer_activity as (
    select
        account_id,
        sum(case when is_active then 1 else 0 end) as active_months,
        sum(case when was_active_previous_month then 1 else 0 end) as months_at_risk,
        sum(case when is_churned then 1 else 0 end) as churn_events
    from customer_months
    group by account_id
),

cohorts as (
    select
        customers.acquisition_month,
        customers.segment,
        count(*) as customers,
        sum(customer_revenue.revenue) as revenue_to_date,
        sum(customer_revenue.costed_revenue) as costed_revenue_to_date,
        sum(customer_revenue.gross_profit) as gross_profit_to_date,
        sum(customer_revenue.uncosted_revenue) as uncosted_revenue_to_date,
        sum(customer_activity.active_months) as active_customer_months,
        sum(customer_activity.months_at_risk) as customer_months_at_risk,
        sum(customer_activity.churn_events) as churn_events
    from customers
    left join customer_revenue
        on customers.account_id = customer_revenue.account_id
    left join customer_activity
        on customers.account_id = customer_activity.account_id
    group by customers.acquisition_month, customers.segment
),

first_months as (
    select min(acquisition_month) as first_month
    from customers
),

cohort_totals as (
    select
        months.month_start as acquisition_month,
        segments.segment,
        months.is_complete_month,
        {{ count_or_zero('cohorts.customers') }} as customers,
        {{ money('cohorts.revenue_to_date') }} as revenue_to_date,
        {{ money('cohorts.costed_revenue_to_date') }} as costed_revenue_to_date,
        {{ money('cohorts.gross_profit_to_date') }} as gross_profit_to_date,
        {{ money('cohorts.uncosted_revenue_to_date') }} as uncosted_revenue_to_date,
        {{ count_or_zero('cohorts.active_customer_months') }} as active_customer_months,
        {{ count_or_zero('cohorts.customer_months_at_risk') }} as customer_months_at_risk,
        {{ count_or_zero('cohorts.churn_events') }} as churn_events
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    cross join segments
    left join cohorts
        on
            months.month_start = cohorts.acquisition_month
            and segments.segment = cohorts.segment
),

cohort_rates as (
    select
        cohort_totals.*,
        -- gross profit is unknown (not zero) when none of the cohort's revenue carries a cost
        case
            when
                cohort_totals.costed_revenue_to_date = 0
                and cohort_totals.uncosted_revenue_to_date > 0
                then null
            else {{ safe_divide('cohort_totals.gross_profit_to_date', 'cohort_totals.customers') }}
        end as historical_clv_exact,
        {{ safe_divide('cohort_totals.revenue_to_date', 'cohort_totals.active_customer_months') }}
            as arpa_monthly_exact,
        {{ safe_divide('cohort_totals.gross_profit_to_date', 'cohort_totals.costed_revenue_to_date') }}
            as gross_margin_rate,
        {{ safe_divide('cohort_totals.churn_events', 'cohort_totals.customer_months_at_risk') }}
            as monthly_churn_rate
    from cohort_totals
),

final as (
    select
        acquisition_month,
        segment,
        is_complete_month,
        customers,
        revenue_to_date,
        costed_revenue_to_date,
        gross_profit_to_date,
        uncosted_revenue_to_date,
        cast(historical_clv_exact as decimal(18, 2)) as historical_clv_avg,
        active_customer_months,
        cast(arpa_monthly_exact as decimal(18, 2)) as arpa_monthly,
        gross_margin_rate,
        churn_events,
        customer_months_at_risk,
        monthly_churn_rate,
        cast(
            {{ predicted_clv('arpa_monthly_exact', 'gross_margin_rate', 'monthly_churn_rate') }}
            as decimal(18, 2)
        ) as predicted_clv,
        '{{ reporting_currency() }}' as currency_code
    from cohort_rates
)

select * from final
