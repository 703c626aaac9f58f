{%- set horizon_months = non_negative_int_var('rep_churn_horizon_months', 6) %}
-- One row per acquisition month and acquiring rep: the customers the rep acquired that month (first booked
-- order, credited rep), how many of them churned within the horizon (var rep_churn_horizon_months, from
-- the acquisition month to that many months later), and the sales cycle of the won deals that acquired
-- them. Rows cover every month a rep was employed (zeros) and any other month the rep acquired customers,
-- from the first acquisition month to the as-of month. Customers no rep resolves for are the unassigned
-- rep's rows (D30).
with

accounts as (
    select * from {{ ref('dim_accounts') }}
),

customer_months as (
    select * from {{ ref('fct_customer_months') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

customers as (
    select
        account_id,
        acquiring_rep_id as rep_id,
        acquisition_month,
        first_won_opportunity_id,
        cast({{ dbt.dateadd('month', horizon_months, 'acquisition_month') }} as date) as horizon_end_month
    from accounts
    where is_customer
),

churned_customers as (
    select distinct customers.account_id
    from customers
    inner join customer_months
        on
            customers.account_id = customer_months.account_id
            and customers.acquisition_month <= customer_months.month_start
            and customers.horizon_end_month >= customer_months.month_start
    where customer_months.is_churned
),

cohorts as (
    select
        customers.rep_id,
        customers.acquisition_month as month_start,
        count(*) as customers_acquired,
        count(churned_customers.account_id) as customers_churned,
        count(opportunities.cycle_days) as acquiring_won_deals,
        sum(opportunities.cycle_days) as acquiring_cycle_days_total
    from customers
    left join churned_customers
        on customers.account_id = churned_customers.account_id
    left join opportunities
        on
            customers.first_won_opportunity_id = opportunities.opportunity_id
            and opportunities.is_won
    group by customers.rep_id, customers.acquisition_month
),

rep_month_rows as (
    {{ rep_month_spine('cohorts') }}
),

final as (
    select
        rep_month_rows.month_start as acquisition_month,
        rep_month_rows.rep_id,
        rep_month_rows.team,
        rep_month_rows.is_complete_month,
        -- the horizon's last month has ended by the as-of date: the churn count is final
        cast({{ dbt.dateadd('month', horizon_months, 'rep_month_rows.month_start') }} as date)
        < {{ month_start(as_of_date()) }} as is_horizon_complete,
        rep_month_rows.is_employed_in_month,
        {{ horizon_months }} as churn_horizon_months,
        {{ count_or_zero('cohorts.customers_acquired') }} as customers_acquired,
        {{ count_or_zero('cohorts.customers_churned') }} as customers_churned,
        {{ safe_divide('cohorts.customers_churned', 'cohorts.customers_acquired') }} as rep_churn_rate,
        {{ count_or_zero('cohorts.acquiring_won_deals') }} as acquiring_won_deals,
        {{ count_or_zero('cohorts.acquiring_cycle_days_total') }} as acquiring_cycle_days_total,
        {{ safe_divide('cohorts.acquiring_cycle_days_total', 'cohorts.acquiring_won_deals') }}
            as avg_sales_cycle_days
    from rep_month_rows
    left join cohorts
        on
            rep_month_rows.rep_id = cohorts.rep_id
            and rep_month_rows.month_start = cohorts.month_start
)

select * from final
