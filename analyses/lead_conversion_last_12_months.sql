-- Lead conversion by channel over the last twelve complete months, the way a BI tool should roll up a
-- ratio: sum the numerators and the denominators, then divide (never average the monthly rates).
with

last_complete_month as (
    select max(month_start) as month_start
    from {{ ref('dim_months') }}
    where is_complete_month
),

cohorts as (
    select lead_cohorts.*
    from {{ ref('kpi_lead_conversion_by_channel') }} as lead_cohorts
    inner join last_complete_month
        on
            lead_cohorts.month_start <= last_complete_month.month_start
            and lead_cohorts.month_start > {{ dbt.dateadd('month', -12, 'last_complete_month.month_start') }}
),

by_channel as (
    select
        channel,
        channel_group,
        sum(leads) as leads,
        sum(leads_to_opportunity) as leads_to_opportunity,
        sum(leads_to_customer) as leads_to_customer
    from cohorts
    group by channel, channel_group
)

select
    channel,
    channel_group,
    leads,
    leads_to_opportunity,
    leads_to_customer,
    {{ safe_divide('leads_to_opportunity', 'leads') }} as lead_to_opportunity_ratio,
    {{ safe_divide('leads_to_customer', 'leads') }} as lead_conversion_rate
from by_channel
order by lead_conversion_rate desc nulls last
