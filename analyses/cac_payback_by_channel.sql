-- Is acquisition paying off? CAC and LTV/CAC by channel over the last twelve complete months, with CAC
-- re-aggregated from acquisition cost and new customers.
with

last_complete_month as (
    select max(month_start) as month_start
    from {{ ref('dim_months') }}
    where is_complete_month
),

channel_months as (
    select cac.*
    from {{ ref('kpi_customer_acquisition_cost') }} as cac
    inner join last_complete_month
        on
            cac.month_start <= last_complete_month.month_start
            and cac.month_start > {{ dbt.dateadd('month', -12, 'last_complete_month.month_start') }}
),

by_channel as (
    select
        channel,
        channel_group,
        sum(new_customers) as new_customers,
        sum(acquisition_cost) as acquisition_cost,
        avg(predicted_clv) as avg_predicted_clv,
        max(currency_code) as currency_code
    from channel_months
    group by channel, channel_group
)

select
    channel,
    channel_group,
    new_customers,
    acquisition_cost,
    {{ safe_divide('acquisition_cost', 'new_customers') }} as cac,
    {{ safe_divide('avg_predicted_clv', safe_divide('acquisition_cost', 'new_customers')) }} as ltv_to_cac_ratio,
    currency_code
from by_channel
order by channel = 'all' desc, new_customers desc
