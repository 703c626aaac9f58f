-- One row per acquisition cohort month (month the customer was acquired: first booked order, else first
-- subscription; reporting time zone) x customer segment, from the first acquisition month to the as-of
-- month, for every segment with customers: the cohort's customers, their revenue and gross profit to the
-- as-of date, historical CLV (gross profit per customer whose profit is known: every revenue of theirs
-- costed) and the inputs and result of the predicted CLV = the cohort's arpa_monthly * gross_margin_rate /
-- the company's trailing-12-month monthly churn rate at the as-of month (D39), NULL when that churn is 0.
with

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

customer_value as (
    select * from {{ ref('int_customer_value_monthly') }}
),

segments as (
    select distinct segment
    from customers
),

months as (
    {{ kpi_months('customers', 'acquisition_month') }}
),

-- the company's trailing-12-month churn rate at the as-of month
trailing_churn as (
    select customer_value.trailing_12m_monthly_churn_rate
    from customer_value
    inner join months
        on customer_value.month_start = months.month_start
    where months.is_as_of_month
),

customer_revenue as (
    select
        account_id,
        sum(revenue) as revenue,
        sum(case when is_cost_known then revenue end) as costed_revenue,
        sum(gross_profit) as gross_profit,
        sum(case when not is_cost_known then revenue end) as uncosted_revenue,
        count(case when not is_cost_known then 1 end) = 0 as is_profit_known
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
        -- a customer without revenue has a known gross profit: zero
        count(case when coalesce(customer_revenue.is_profit_known, true) then 1 end) as profit_known_customers,
        sum(
            case when coalesce(customer_revenue.is_profit_known, true) then customer_revenue.gross_profit end
        ) as profit_known_gross_profit,
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

cohort_totals as (
    select
        months.month_start as acquisition_month,
        segments.segment,
        months.is_complete_month,
        {{ count_or_zero('cohorts.customers') }} as customers,
        {{ count_or_zero('cohorts.profit_known_customers') }} as profit_known_customers,
        {{ money('cohorts.profit_known_gross_profit') }} as profit_known_gross_profit,
        {{ money('cohorts.revenue_to_date') }} as revenue_to_date,
        {{ money('cohorts.costed_revenue_to_date') }} as costed_revenue_to_date,
        {{ money('cohorts.gross_profit_to_date') }} as gross_profit_to_date,
        {{ money('cohorts.uncosted_revenue_to_date') }} as uncosted_revenue_to_date,
        {{ count_or_zero('cohorts.active_customer_months') }} as active_customer_months,
        {{ count_or_zero('cohorts.customer_months_at_risk') }} as customer_months_at_risk,
        {{ count_or_zero('cohorts.churn_events') }} as churn_events
    from months
    cross join segments
    left join cohorts
        on
            months.month_start = cohorts.acquisition_month
            and segments.segment = cohorts.segment
),

cohort_rates as (
    select
        cohort_totals.*,
        trailing_churn.trailing_12m_monthly_churn_rate,
        {{ safe_divide('cohort_totals.profit_known_gross_profit', 'cohort_totals.profit_known_customers') }}
            as historical_clv_exact,
        {{ safe_divide('cohort_totals.revenue_to_date', 'cohort_totals.active_customer_months') }}
            as arpa_monthly_exact,
        {{ safe_divide('cohort_totals.gross_profit_to_date', 'cohort_totals.costed_revenue_to_date') }}
            as gross_margin_rate,
        {{ safe_divide('cohort_totals.churn_events', 'cohort_totals.customer_months_at_risk') }}
            as monthly_churn_rate
    from cohort_totals
    left join trailing_churn
        on true
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
        profit_known_customers,
        profit_known_gross_profit,
        cast(historical_clv_exact as decimal(18, 2)) as historical_clv_avg,
        active_customer_months,
        cast(arpa_monthly_exact as decimal(18, 2)) as arpa_monthly,
        gross_margin_rate,
        churn_events,
        customer_months_at_risk,
        monthly_churn_rate,
        trailing_12m_monthly_churn_rate,
        cast(
            {{ predicted_clv('arpa_monthly_exact', 'gross_margin_rate', 'trailing_12m_monthly_churn_rate') }}
            as decimal(18, 2)
        ) as predicted_clv,
        '{{ reporting_currency() }}' as currency_code
    from cohort_rates
)

select * from final
