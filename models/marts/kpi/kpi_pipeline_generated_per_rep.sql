-- One row per month and rep: pipeline generation. Leads created that the rep owns, opportunities created
-- that the rep owns (and their amount), and opportunities created that were sourced from a lead the rep
-- owned (the originating lead's owner, whoever owns the deal). Rows cover every month a rep was employed
-- (zeros without activity) and any other month with activity credited to the rep, from the first month
-- with leads or opportunities to the as-of month. An opportunity counts for its credited rep (owner, else
-- account owner, else the unassigned rep's row, D30); leads without an owner that is a kept rep, and
-- deals not sourced from such a lead, are left out of the lead columns.
with

leads as (
    select * from {{ ref('fct_leads') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

activity as (
    select
        owner_rep_id as rep_id,
        created_month as month_start,
        1 as leads_created,
        0 as opportunities_created,
        0 as pipeline_created_amount,
        0 as opportunities_sourced,
        0 as sourced_pipeline_amount
    from leads
    where owner_rep_id is not null and created_date <= {{ as_of_date() }}

    union all

    select
        credited_rep_id as rep_id,
        created_month as month_start,
        0 as leads_created,
        1 as opportunities_created,
        amount as pipeline_created_amount,
        0 as opportunities_sourced,
        0 as sourced_pipeline_amount
    from opportunities
    where created_date <= {{ as_of_date() }}

    union all

    select
        lead_owner_rep_id as rep_id,
        created_month as month_start,
        0 as leads_created,
        0 as opportunities_created,
        0 as pipeline_created_amount,
        1 as opportunities_sourced,
        amount as sourced_pipeline_amount
    from opportunities
    where lead_owner_rep_id is not null and created_date <= {{ as_of_date() }}
),

monthly_activity as (
    select
        rep_id,
        month_start,
        sum(leads_created) as leads_created,
        sum(opportunities_created) as opportunities_created,
        sum(pipeline_created_amount) as pipeline_created_amount,
        sum(opportunities_sourced) as opportunities_sourced,
        sum(sourced_pipeline_amount) as sourced_pipeline_amount
    from activity
    group by rep_id, month_start
),

rep_month_rows as (
    {{ rep_month_spine('monthly_activity') }}
),

final as (
    select
        rep_month_rows.month_start,
        rep_month_rows.rep_id,
        rep_month_rows.team,
        rep_month_rows.is_complete_month,
        rep_month_rows.is_employed_in_month,
        {{ count_or_zero('monthly_activity.leads_created') }} as leads_created,
        {{ count_or_zero('monthly_activity.opportunities_created') }} as opportunities_created,
        {{ count_or_zero('monthly_activity.opportunities_sourced') }} as opportunities_sourced,
        {{ money('monthly_activity.pipeline_created_amount') }} as pipeline_created_amount,
        {{ money('monthly_activity.sourced_pipeline_amount') }} as sourced_pipeline_amount,
        '{{ reporting_currency() }}' as currency_code
    from rep_month_rows
    left join monthly_activity
        on
            rep_month_rows.rep_id = monthly_activity.rep_id
            and rep_month_rows.month_start = monthly_activity.month_start
)

select * from final
