-- One row per opportunity (current version) with its originating lead and channel, its outcome flags,
-- its amount in the reporting currency, its win probability and its sales cycle.
-- The originating lead is the deal's own lead_id when it resolves to a staged lead, else the earliest lead
-- whose converted_opportunity_id points at the deal; without one the channel is 'unattributed'.
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

stage_intervals as (
    select * from {{ ref('fct_opportunity_stage_intervals') }}
),

converting_leads as (
    select
        converted_opportunity_id as opportunity_id,
        lead_id,
        row_number() over (
            partition by converted_opportunity_id
            order by created_at, lead_id
        ) as lead_rank
    from leads
    where converted_opportunity_id is not null
),

stage_moves as (
    select
        opportunity_id,
        max(case when is_reopening then 1 else 0 end) = 1 as was_reopened,
        max(case when is_backward_move then 1 else 0 end) = 1 as was_restaged_backwards
    from stage_intervals
    group by opportunity_id
),

opportunities_with_lead as (
    select
        opportunities.*,
        coalesce(direct_leads.lead_id, converting_leads.lead_id) as originating_lead_id
    from opportunities
    left join leads as direct_leads
        on opportunities.lead_id = direct_leads.lead_id
    left join converting_leads
        on
            opportunities.opportunity_id = converting_leads.opportunity_id
            and converting_leads.lead_rank = 1
),

opportunities_enriched as (
    select
        opportunities_with_lead.*,
        originating_leads.owner_rep_id as lead_owner_rep_id,
        coalesce(originating_leads.channel, 'unattributed') as channel,
        coalesce(originating_leads.channel_group, 'unattributed') as channel_group,
        coalesce(accounts.segment, 'unknown') as segment,
        {{ reporting_date('opportunities_with_lead.created_at') }} as created_date,
        {{ reporting_date('opportunities_with_lead.closed_at') }} as closed_date,
        {{ stage_probability('opportunities_with_lead.stage', 'opportunities_with_lead.stage_default_probability') }}
            as probability
    from opportunities_with_lead
    left join leads as originating_leads
        on opportunities_with_lead.originating_lead_id = originating_leads.lead_id
    left join accounts
        on opportunities_with_lead.account_id = accounts.account_id
),

final as (
    select
        -- ids
        opportunities_enriched.opportunity_id,
        opportunities_enriched.account_id,
        opportunities_enriched.owner_rep_id,
        opportunities_enriched.originating_lead_id as lead_id,
        opportunities_enriched.lead_owner_rep_id,
        -- dimensions
        opportunities_enriched.opportunity_name,
        opportunities_enriched.opportunity_type,
        opportunities_enriched.stage,
        opportunities_enriched.stage_order,
        opportunities_enriched.stage_name as stage_label,
        opportunities_enriched.segment,
        opportunities_enriched.channel,
        opportunities_enriched.channel_group,
        opportunities_enriched.loss_reason,
        -- flags
        opportunities_enriched.is_closed,
        opportunities_enriched.is_won,
        opportunities_enriched.is_closed and not opportunities_enriched.is_won as is_lost,
        not opportunities_enriched.is_closed as is_open,
        opportunities_enriched.is_stage_mapped,
        opportunities_enriched.originating_lead_id is not null as is_from_lead,
        coalesce(stage_moves.was_reopened, false) as was_reopened,
        coalesce(stage_moves.was_restaged_backwards, false) as was_restaged_backwards,
        opportunities_enriched.is_closed_at_imputed,
        -- measures
        opportunities_enriched.amount_reporting as amount,
        opportunities_enriched.amount as original_amount,
        opportunities_enriched.currency_code as original_currency_code,
        '{{ reporting_currency() }}' as currency_code,
        opportunities_enriched.probability as stage_probability,
        cast(opportunities_enriched.amount_reporting * opportunities_enriched.probability as decimal(18, 2))
            as weighted_amount,
        case
            when opportunities_enriched.is_closed
                then {{ days_between('opportunities_enriched.created_date', 'opportunities_enriched.closed_date') }}
        end as cycle_days,
        -- time
        opportunities_enriched.created_at,
        opportunities_enriched.closed_at,
        opportunities_enriched.created_date,
        opportunities_enriched.closed_date,
        {{ month_start('opportunities_enriched.created_date') }} as created_month,
        {{ month_start('opportunities_enriched.closed_date') }} as closed_month,
        opportunities_enriched.expected_close_date
    from opportunities_enriched
    left join stage_moves
        on opportunities_enriched.opportunity_id = stage_moves.opportunity_id
)

select * from final
