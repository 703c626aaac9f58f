-- One row per lead (current version): its owner (when a kept rep) and channel, its first response (the
-- first outbound activity or sales email linked to the lead at or after its creation, as the spec says:
-- creating an opportunity is not a response), and whether it became an opportunity and a customer.
-- Date anomalies are kept and flagged: a lead converted before it was created
-- (is_converted_before_created), a deal won before the lead was created (days_to_convert NULL).
-- The converted opportunity is the lead's converted_opportunity_id when that deal is staged, else the
-- earliest deal (created_at, then opportunity_id) whose originating lead is this lead.
-- As of the as-of date: a lead created after its end (reporting zone) does not exist yet; touches,
-- conversions and wins after it have not happened (fct_opportunities and fct_email_messages are cut there
-- already), so a lead converted after it is not converted.
{%- set converted_as_of = is_on_or_before_as_of('leads_enriched.resolved_converted_at') %}
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where {{ is_on_or_before_as_of('created_at') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

email_messages as (
    select * from {{ ref('fct_email_messages') }}
),

reps as (
    select rep_id from {{ ref('dim_reps') }}
    where not is_unassigned
),

opportunities_by_lead as (
    select
        lead_id,
        opportunity_id,
        row_number() over (partition by lead_id order by created_at, opportunity_id) as opportunity_rank
    from opportunities
    where lead_id is not null
),

touches as (
    select
        lead_id,
        occurred_at as touched_at
    from activities
    where
        direction = 'outbound'
        and lead_id is not null
        and {{ is_on_or_before_as_of('occurred_at') }}

    union all

    select
        lead_id,
        sent_at as touched_at
    from email_messages
    where
        is_sales_email
        and lead_id is not null
),

first_touches as (
    select
        touches.lead_id,
        min(touches.touched_at) as first_touch_at
    from touches
    inner join leads
        on touches.lead_id = leads.lead_id
    where touches.touched_at >= leads.created_at
    group by touches.lead_id
),

leads_converted as (
    select
        leads.*,
        coalesce(direct_opportunities.opportunity_id, opportunities_by_lead.opportunity_id)
            as resolved_opportunity_id
    from leads
    left join opportunities as direct_opportunities
        on leads.converted_opportunity_id = direct_opportunities.opportunity_id
    left join opportunities_by_lead
        on
            leads.lead_id = opportunities_by_lead.lead_id
            and opportunities_by_lead.opportunity_rank = 1
),

leads_enriched as (
    select
        leads_converted.*,
        first_touches.first_touch_at,
        converted_opportunities.account_id as opportunity_account_id,
        coalesce(converted_opportunities.is_won, false) as is_won,
        case when converted_opportunities.is_won then converted_opportunities.closed_at end as won_at,
        case when converted_opportunities.is_won then converted_opportunities.closed_date end as won_date,
        -- converted at: the lead's own time, else when its deal was created (never before the lead)
        coalesce(
            leads_converted.converted_at,
            case
                when converted_opportunities.created_at >= leads_converted.created_at
                    then converted_opportunities.created_at
                when converted_opportunities.created_at is not null then leads_converted.created_at
            end
        ) as resolved_converted_at
    from leads_converted
    left join opportunities as converted_opportunities
        on leads_converted.resolved_opportunity_id = converted_opportunities.opportunity_id
    left join first_touches
        on leads_converted.lead_id = first_touches.lead_id
),

-- a conversion after the as-of date has not happened yet: no deal, account or win for the lead
leads_as_of as (
    select
        leads_enriched.lead_id,
        leads_enriched.owner_rep_id,
        leads_enriched.is_owner_unresolved,
        leads_enriched.is_created_at_imputed,
        leads_enriched.is_converted_before_created,
        leads_enriched.channel,
        leads_enriched.channel_group,
        leads_enriched.lead_source,
        leads_enriched.status,
        leads_enriched.is_channel_mapped,
        leads_enriched.created_at,
        leads_enriched.first_touch_at,
        case when {{ converted_as_of }} then leads_enriched.resolved_opportunity_id end as resolved_opportunity_id,
        case when {{ converted_as_of }} then leads_enriched.converted_account_id end as converted_account_id,
        case when {{ converted_as_of }} then leads_enriched.opportunity_account_id end as opportunity_account_id,
        coalesce({{ converted_as_of }} and leads_enriched.is_won, false) as is_won,
        case when {{ converted_as_of }} then leads_enriched.won_at end as won_at,
        case when {{ converted_as_of }} then leads_enriched.won_date end as won_date,
        case when {{ converted_as_of }} then leads_enriched.resolved_converted_at end as resolved_converted_at
    from leads_enriched
),

leads_responded as (
    select
        leads_as_of.*,
        reps.rep_id as resolved_owner_rep_id,
        leads_as_of.first_touch_at as first_response_at,
        {{ reporting_date('leads_as_of.created_at') }} as created_date
    from leads_as_of
    left join reps
        on leads_as_of.owner_rep_id = reps.rep_id
),

leads_timed as (
    select
        leads_responded.*,
        cast(
            {{ dbt.datediff('created_at', 'first_response_at', 'second') }} / 60.0  -- noqa: LT05
            as decimal(18, 2)
        ) as response_minutes
    from leads_responded
),

final as (
    select
        -- ids
        lead_id,
        resolved_owner_rep_id as owner_rep_id,
        resolved_opportunity_id as converted_opportunity_id,
        coalesce(converted_account_id, opportunity_account_id) as converted_account_id,
        -- dimensions
        channel,
        channel_group,
        lead_source,
        status,
        -- flags
        is_channel_mapped,
        is_owner_unresolved,
        is_created_at_imputed,
        is_converted_before_created,
        coalesce(won_at < created_at, false) as is_won_before_created,
        first_touch_at is not null as is_touched,
        first_response_at is not null as is_responded,
        coalesce(
            response_minutes <= {{ non_negative_int_var('lead_response_sla_minutes', 60) }}, false
        ) as is_responded_within_sla,
        coalesce(
            resolved_converted_at is not null
            and (first_touch_at is null or resolved_converted_at < first_touch_at),
            false
        ) as is_converted_before_first_touch,
        resolved_opportunity_id is not null as is_converted_to_opportunity,
        is_won as is_converted_to_customer,
        -- measures
        response_minutes,
        -- whole days from the lead's creation to the won date; NULL when not won or won before creation
        case
            when is_won and won_at >= created_at then {{ days_between('created_date', 'won_date') }}
        end as days_to_convert,
        -- time
        created_at,
        created_date,
        {{ month_start('created_date') }} as created_month,
        resolved_converted_at as converted_at,
        first_touch_at,
        first_response_at,
        won_at,
        won_date
    from leads_timed
)

select * from final
