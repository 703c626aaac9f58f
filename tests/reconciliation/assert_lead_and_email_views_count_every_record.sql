-- The lead and email KPI views lose and duplicate nothing, recounted from staging where staging can tell:
-- the leads of kpi_lead_conversion_by_channel and kpi_lead_response_time are the staged leads created by the
-- as-of date; the emails sent in kpi_email_engagement are the staged email_ids with a sent, delivered,
-- bounced, opened or clicked event by then, and its unique opens those with an opened event by then. The
-- converted and within-SLA counts come from fct_leads (they are its flags), and the won deals of
-- kpi_sales_cycle_monthly (segment rows) must equal the deals won of kpi_win_rate_monthly. Returns the
-- checks that disagree.
with

lead_counts as (
    select count(*) as leads
    from {{ ref('stg_crm__leads') }}
    where {{ reporting_date('created_at') }} <= {{ as_of_date() }}
),

lead_flags as (
    select
        count(case when is_converted_to_customer then 1 end) as leads_to_customer,
        count(case when is_responded_within_sla then 1 end) as leads_responded_within_sla
    from {{ ref('fct_leads') }}
),

email_counts as (
    select
        count(distinct case when event_type in ('sent', 'delivered', 'bounced', 'opened', 'clicked') then email_id end)
            as emails_sent,
        count(distinct case when event_type = 'opened' then email_id end) as unique_opens
    from {{ ref('stg_crm__email_events') }}
    where {{ reporting_date('occurred_at') }} <= {{ as_of_date() }}
),

won_deal_counts as (
    select coalesce(sum(deals_won), 0) as won_deals
    from {{ ref('kpi_win_rate_monthly') }}
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
    where not is_all_segments
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
        lead_flags.leads_to_customer as expected_value
    from conversion_totals cross join lead_flags

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
        lead_flags.leads_responded_within_sla as expected_value
    from response_totals cross join lead_flags

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
