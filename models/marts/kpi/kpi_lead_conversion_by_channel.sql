-- One row per lead created month (reporting time zone) x channel, from the first month with a lead to the
-- as-of month, for every channel of dim_channels that has leads. Cohort-based: a lead counts in its
-- creation month, with whatever it has become by the as-of date (opportunity, won customer). The average
-- days to convert is over the converted leads that have a duration (a deal won before its lead was
-- created has none, D35).
with

channels as (
    select * from {{ ref('dim_channels') }}
),

leads as (
    select * from {{ ref('fct_leads') }}
),

months as (
    {{ kpi_months('leads', 'created_month') }}
),

channels_with_leads as (
    select
        channels.channel,
        channels.channel_group
    from channels
    where channels.channel in (select leads.channel from leads)
),

cohorts as (
    select
        created_month as month_start,
        channel,
        count(*) as leads,
        count(case when is_converted_to_opportunity then 1 end) as leads_to_opportunity,
        count(case when is_converted_to_customer then 1 end) as leads_to_customer,
        count(days_to_convert) as leads_with_days_to_convert,
        sum(days_to_convert) as total_days_to_convert
    from leads
    group by created_month, channel
),

cohorts_spined as (
    select
        months.month_start,
        channels_with_leads.channel,
        channels_with_leads.channel_group,
        months.is_complete_month,
        {{ count_or_zero('cohorts.leads') }} as leads,
        {{ count_or_zero('cohorts.leads_to_opportunity') }} as leads_to_opportunity,
        {{ count_or_zero('cohorts.leads_to_customer') }} as leads_to_customer,
        {{ count_or_zero('cohorts.leads_with_days_to_convert') }} as leads_with_days_to_convert,
        {{ count_or_zero('cohorts.total_days_to_convert') }} as total_days_to_convert
    from months
    cross join channels_with_leads
    left join cohorts
        on
            months.month_start = cohorts.month_start
            and channels_with_leads.channel = cohorts.channel
),

final as (
    select
        month_start,
        channel,
        channel_group,
        is_complete_month,
        leads,
        leads_to_opportunity,
        {{ safe_divide('leads_to_opportunity', 'leads') }} as lead_to_opportunity_ratio,
        leads_to_customer,
        {{ safe_divide('leads_to_customer', 'leads') }} as lead_conversion_rate,
        {{ safe_divide('leads_to_customer', 'leads_to_opportunity') }} as opportunity_to_customer_rate,
        total_days_to_convert,
        leads_with_days_to_convert,
        cast({{ safe_divide('total_days_to_convert', 'leads_with_days_to_convert') }} as decimal(18, 2))
            as avg_days_to_convert
    from cohorts_spined
)

select * from final
