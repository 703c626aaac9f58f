-- One row per opportunity (current version) with its originating lead and channel, its outcome flags,
-- its amount in the reporting currency, its win probability and its sales cycle.
-- The originating lead is the deal's own lead_id when it resolves to a staged lead, else the earliest lead
-- whose converted_opportunity_id points at the deal; without one the channel is 'unattributed'.
-- As of the as-of date: a deal created after its end (reporting zone) does not exist yet; the stage,
-- outcome, amount and probability are those of the stage interval in effect at its end, so a deal closed
-- after it is still open (no close time, no cycle) and a deal reopened after it is still closed.
-- Attribution: a deal naming no account belongs to the unknown account; owner_rep_id is the owner when it
-- is a kept rep; credit goes to that owner, else the account owner, else the unassigned rep (D30). A deal
-- closed before it was created keeps its flags and amount but has no sales cycle (cycle_days NULL).
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
    where {{ is_on_or_before_as_of('created_at') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
    where {{ is_on_or_before_as_of('created_at') }}
),

accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

reps as (
    select rep_id from {{ ref('dim_reps') }}
    where not is_unassigned
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

-- the interval in effect at the end of the as-of date (the timeline is already cut there)
current_stages as (
    select
        opportunity_id,
        stage,
        stage_order,
        is_closed_stage,
        is_won_stage,
        stage_probability,
        amount,
        valid_from
    from stage_intervals
    where is_current
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

opportunities_as_of as (
    select
        opportunities_with_lead.*,
        current_stages.stage as current_stage,
        current_stages.stage_order as current_stage_order,
        current_stages.is_closed_stage as is_closed_as_of,
        current_stages.is_won_stage as is_won_as_of,
        current_stages.stage_probability as probability,
        current_stages.amount as amount_as_of,
        -- closed: the record's close time when it is not after the as-of date, else (reopened after it,
        -- or history closing before the record) when the deal entered its closed stage
        case
            when current_stages.is_closed_stage
                then
                    case
                        when
                            opportunities_with_lead.is_closed
                            and {{ is_on_or_before_as_of('opportunities_with_lead.closed_at') }}
                            then opportunities_with_lead.closed_at
                        else current_stages.valid_from
                    end
        end as closed_at_as_of
    from opportunities_with_lead
    left join current_stages
        on opportunities_with_lead.opportunity_id = current_stages.opportunity_id
),

opportunities_enriched as (
    select
        opportunities_as_of.*,
        owner_reps.rep_id as resolved_owner_rep_id,
        coalesce(owner_reps.rep_id, account_reps.rep_id, {{ unassigned_rep_id() }}) as credited_rep_id,
        case
            when owner_reps.rep_id is not null then 'owner'
            when account_reps.rep_id is not null then 'account_owner'
            else 'unassigned'
        end as credit_source,
        lead_owner_reps.rep_id as lead_owner_rep_id,
        coalesce(originating_leads.channel, 'unattributed') as channel,
        coalesce(originating_leads.channel_group, 'unattributed') as channel_group,
        coalesce(accounts.segment, 'unknown') as segment,
        {{ reporting_date('opportunities_as_of.created_at') }} as created_date,
        {{ reporting_date('opportunities_as_of.closed_at_as_of') }} as closed_date
    from opportunities_as_of
    left join leads as originating_leads
        on opportunities_as_of.originating_lead_id = originating_leads.lead_id
    left join accounts
        on opportunities_as_of.account_id = accounts.account_id
    left join reps as owner_reps
        on opportunities_as_of.owner_rep_id = owner_reps.rep_id
    left join reps as account_reps
        on accounts.owner_rep_id = account_reps.rep_id
    left join reps as lead_owner_reps
        on originating_leads.owner_rep_id = lead_owner_reps.rep_id
),

final as (
    select
        -- ids
        opportunities_enriched.opportunity_id,
        coalesce(opportunities_enriched.account_id, {{ unknown_account_id() }}) as account_id,
        opportunities_enriched.resolved_owner_rep_id as owner_rep_id,
        opportunities_enriched.credited_rep_id,
        opportunities_enriched.originating_lead_id as lead_id,
        opportunities_enriched.lead_owner_rep_id,
        -- dimensions
        opportunities_enriched.credit_source,
        opportunities_enriched.opportunity_name,
        opportunities_enriched.opportunity_type,
        opportunities_enriched.current_stage as stage,
        opportunities_enriched.current_stage_order as stage_order,
        opportunities_enriched.stage_name as stage_label,
        opportunities_enriched.segment,
        opportunities_enriched.channel,
        opportunities_enriched.channel_group,
        opportunities_enriched.loss_reason,
        -- flags
        opportunities_enriched.is_closed_as_of as is_closed,
        opportunities_enriched.is_won_as_of as is_won,
        opportunities_enriched.is_closed_as_of and not opportunities_enriched.is_won_as_of as is_lost,
        not opportunities_enriched.is_closed_as_of as is_open,
        opportunities_enriched.is_stage_mapped,
        opportunities_enriched.account_id is null as is_unknown_account,
        opportunities_enriched.is_created_at_imputed,
        coalesce(opportunities_enriched.closed_at_as_of < opportunities_enriched.created_at, false)
            as is_closed_before_created,
        opportunities_enriched.originating_lead_id is not null as is_from_lead,
        coalesce(stage_moves.was_reopened, false) as was_reopened,
        coalesce(stage_moves.was_restaged_backwards, false) as was_restaged_backwards,
        coalesce(
            opportunities_enriched.is_closed_at_imputed
            and opportunities_enriched.closed_at_as_of = opportunities_enriched.closed_at,
            false
        ) as is_closed_at_imputed,
        -- measures
        opportunities_enriched.amount_as_of as amount,
        opportunities_enriched.amount as original_amount,
        opportunities_enriched.currency_code as original_currency_code,
        '{{ reporting_currency() }}' as currency_code,
        opportunities_enriched.probability as stage_probability,
        {{ weighted_amount('opportunities_enriched.amount_as_of', 'opportunities_enriched.probability') }}
            as weighted_amount,
        -- whole days from creation to close; NULL while open and for a deal closed before it was created
        case
            when
                opportunities_enriched.is_closed_as_of
                and opportunities_enriched.closed_at_as_of >= opportunities_enriched.created_at
                then {{ days_between('opportunities_enriched.created_date', 'opportunities_enriched.closed_date') }}
        end as cycle_days,
        -- time
        opportunities_enriched.created_at,
        opportunities_enriched.closed_at_as_of as closed_at,
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
