-- One row per month (company-wide), from the first month with revenue or customers to the as-of month:
-- the inputs of the simple customer lifetime value model (revenue per active customer, gross margin on
-- costed revenue, share of the month's opening customers who churned), for the month and pooled over the
-- trailing 12 months, and predicted_clv. predicted_clv uses the trailing-12-month inputs (D39): one
-- month's churn is too noisy (a month without churn gives no CLV, one churned customer among many gives a
-- huge one). The CLV view and the CAC view's ltv_to_cac_ratio read predicted CLV from here (formula: macro
-- predicted_clv).
with

months as (
    select * from {{ ref('dim_months') }}
),

revenue_events as (
    select * from {{ ref('fct_revenue_events') }}
),

customer_months as (
    select * from {{ ref('fct_customer_months') }}
),

monthly_revenue as (
    select
        event_month as month_start,
        sum(revenue) as revenue,
        sum(case when is_cost_known then revenue end) as costed_revenue,
        sum(gross_profit) as gross_profit
    from revenue_events
    group by event_month
),

monthly_customers as (
    select
        month_start,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(case when was_active_previous_month then 1 else 0 end) as customers_at_start,
        sum(case when is_churned then 1 else 0 end) as churned_customers
    from customer_months
    group by month_start
),

first_months as (
    select min(month_start) as first_month
    from (
        select month_start from monthly_revenue
        union all
        select month_start from monthly_customers
    ) as activity_months
),

monthly_inputs as (
    select
        months.month_start,
        months.is_complete_month,
        {{ count_or_zero('monthly_customers.active_customers') }} as active_customers,
        {{ count_or_zero('monthly_customers.customers_at_start') }} as customers_at_start,
        {{ count_or_zero('monthly_customers.churned_customers') }} as churned_customers,
        {{ money('monthly_revenue.revenue') }} as revenue,
        {{ money('monthly_revenue.costed_revenue') }} as costed_revenue,
        {{ money('monthly_revenue.gross_profit') }} as gross_profit
    from months
    inner join first_months
        on months.month_start >= first_months.first_month
    left join monthly_revenue
        on months.month_start = monthly_revenue.month_start
    left join monthly_customers
        on months.month_start = monthly_customers.month_start
),

monthly_rates as (
    select
        monthly_inputs.*,
        {{ safe_divide('revenue', 'active_customers') }} as arpa_monthly_exact,
        {{ safe_divide('gross_profit', 'costed_revenue') }} as gross_margin_rate,
        {{ safe_divide('churned_customers', 'customers_at_start') }} as monthly_churn_rate
    from monthly_inputs
),

-- the same inputs pooled over the trailing 12 months (this month and the 11 before it within the spine)
trailing_sums as (
    select
        monthly_rates.*,
        sum(monthly_rates.revenue) over trailing_12_months as t12m_revenue,
        sum(monthly_rates.active_customers) over trailing_12_months as t12m_active_customer_months,
        sum(monthly_rates.gross_profit) over trailing_12_months as t12m_gross_profit,
        sum(monthly_rates.costed_revenue) over trailing_12_months as t12m_costed_revenue,
        sum(monthly_rates.churned_customers) over trailing_12_months as t12m_churned_customers,
        sum(monthly_rates.customers_at_start) over trailing_12_months as t12m_customers_at_start
    from monthly_rates
    window trailing_12_months as (order by monthly_rates.month_start rows between 11 preceding and current row)
),

trailing_rates as (
    select
        trailing_sums.*,
        {{ safe_divide('t12m_revenue', 't12m_active_customer_months') }} as t12m_arpa_exact,
        {{ safe_divide('t12m_gross_profit', 't12m_costed_revenue') }} as trailing_12m_gross_margin_rate,
        {{ safe_divide('t12m_churned_customers', 't12m_customers_at_start') }} as trailing_12m_monthly_churn_rate
    from trailing_sums
),

final as (
    select
        month_start,
        is_complete_month,
        active_customers,
        customers_at_start,
        churned_customers,
        revenue,
        costed_revenue,
        gross_profit,
        cast(arpa_monthly_exact as decimal(18, 2)) as arpa_monthly,
        gross_margin_rate,
        monthly_churn_rate,
        t12m_revenue as trailing_12m_revenue,
        t12m_active_customer_months as trailing_12m_active_customer_months,
        t12m_churned_customers as trailing_12m_churned_customers,
        t12m_customers_at_start as trailing_12m_customers_at_start,
        cast(t12m_arpa_exact as decimal(18, 2)) as trailing_12m_arpa_monthly,
        trailing_12m_gross_margin_rate,
        trailing_12m_monthly_churn_rate,
        cast(
            {{ predicted_clv('t12m_arpa_exact', 'trailing_12m_gross_margin_rate', 'trailing_12m_monthly_churn_rate') }}
            as decimal(18, 2)
        ) as predicted_clv,
        '{{ reporting_currency() }}' as currency_code
    from trailing_rates
)

select * from final
