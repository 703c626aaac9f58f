-- The lead and email KPI views lose and duplicate nothing: up to the as-of month, the leads of
-- kpi_lead_conversion_by_channel and kpi_lead_response_time, the won deals of kpi_sales_cycle_monthly and
-- the emails of kpi_email_engagement add up to the rows of their facts. Returns the checks that disagree.
with

as_of as (
    select {{ month_start(as_of_date()) }} as as_of_month
),

lead_counts as (
    select
        count(*) as leads,
        count(case when fct_leads.is_converted_to_customer then 1 end) as leads_to_customer,
        count(case when fct_leads.is_responded_within_sla then 1 end) as leads_responded_within_sla
    from {{ ref('fct_leads') }} as fct_leads
    cross join as_of
    where fct_leads.created_month <= as_of.as_of_month
),

email_counts as (
    select
        count(case when fct_email_messages.is_sent then 1 end) as emails_sent,
        count(case when fct_email_messages.is_opened then 1 end) as unique_opens
    from {{ ref('fct_email_messages') }} as fct_email_messages
    cross join as_of
    where fct_email_messages.sent_month <= as_of.as_of_month
),

won_deal_counts as (
    select count(*) as won_deals
    from {{ ref('fct_opportunities') }} as fct_opportunities
    cross join as_of
    where
        fct_opportunities.is_won
        and fct_opportunities.closed_month <= as_of.as_of_month
),

conversion_totals as (
    select
        coalesce(sum(leads), 0) as leads,
        coalesce(sum(leads_to_customer), 0) as leads_to_customer
    from {{ ref('kpi_lead_conversion_by_channel') }}
),

response_totals as (
    select
        coalesce(sum(leads_assigned), 0) as leads_assigned,
        coalesce(sum(leads_responded_within_sla), 0) as leads_responded_within_sla
    from {{ ref('kpi_lead_response_time') }}
),

cycle_totals as (
    select coalesce(sum(won_deals), 0) as won_deals
    from {{ ref('kpi_sales_cycle_monthly') }}
),

email_totals as (
    select
        coalesce(sum(emails_sent), 0) as emails_sent,
        coalesce(sum(unique_opens), 0) as unique_opens
    from {{ ref('kpi_email_engagement') }}
),

checks as (
    select
        'conversion: leads' as check_name,
        conversion_totals.leads as kpi_value,
        lead_counts.leads as expected_value
    from conversion_totals cross join lead_counts

    union all

    select
        'conversion: leads_to_customer' as check_name,
        conversion_totals.leads_to_customer as kpi_value,
        lead_counts.leads_to_customer as expected_value
    from conversion_totals cross join lead_counts

    union all

    select
        'response: leads_assigned' as check_name,
        response_totals.leads_assigned as kpi_value,
        lead_counts.leads as expected_value
    from response_totals cross join lead_counts

    union all

    select
        'response: leads_responded_within_sla' as check_name,
        response_totals.leads_responded_within_sla as kpi_value,
        lead_counts.leads_responded_within_sla as expected_value
    from response_totals cross join lead_counts

    union all

    select
        'sales cycle: won_deals' as check_name,
        cycle_totals.won_deals as kpi_value,
        won_deal_counts.won_deals as expected_value
    from cycle_totals cross join won_deal_counts

    union all

    select
        'email: emails_sent' as check_name,
        email_totals.emails_sent as kpi_value,
        email_counts.emails_sent as expected_value
    from email_totals cross join email_counts

    union all

    select
        'email: unique_opens' as check_name,
        email_totals.unique_opens as kpi_value,
        email_counts.unique_opens as expected_value
    from email_totals cross join email_counts
),

final as (
    select * from checks
)

select * from final
where kpi_value <> expected_value
