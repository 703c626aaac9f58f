-- Every raw opportunities row, typed and classified, with the stage label mapped to a standard stage
-- and the amount converted to the reporting currency. Early-stage deals often have no account or no
-- creation date: a deal without an account, without an owner, or whose account or owner is not kept is
-- kept and flagged (the facts give it the unknown account and fall back for credit); a deal without
-- created_at is dated at its earliest stage-history entry, else the first time the extract saw it (or its
-- close, if earlier), flagged; only a deal with no date at all is quarantined. A close before the
-- creation is flagged, not quarantined.
{{ config(**crm_incremental_config('opportunity_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'opportunities',
        lower=['opportunity_type'],
        upper=['currency_code'],
        collapse=['opportunity_name', 'stage_name', 'loss_reason'],
        incremental=true,
        depends_on=[
            {'table': 'accounts', 'column': 'account_id', 'found': '_account_found'},
            {'table': 'sales_reps', 'column': 'owner_rep_id', 'found': '_owner_found'},
            {'table': 'opportunity_stage_history', 'column': 'opportunity_id', 'key': 'opportunity_id'},
        ],
        reads_rates=true,
    ) }}
),

-- the earliest stage-history entry of each deal, read from the raw history (its staging model depends on
-- this one)
history_rows as (
    {{ crm_typed_rows('opportunity_stage_history', collapse=['stage_name']) }}
),

history_starts as (
    select
        opportunity_id,
        min(entered_at) as first_entered_at
    from history_rows
    where not _key_is_invalid
    group by opportunity_id
),

stage_mapping as (
    select * from {{ ref('stage_mapping') }}
),

accounts as (
    select account_id from {{ ref('stg_crm__accounts') }}
),

reps as (
    select rep_id from {{ ref('stg_crm__sales_reps') }}
),

-- the closed stages an unknown label falls back to, with their order and probability from the seed
fallback_stages as (
    select
        standard_stage,
        min(stage_order) as stage_order,
        min(default_probability) as default_probability
    from stage_mapping
    where standard_stage in ('closed_won', 'closed_lost')
    group by standard_stage
),

labels_mapped as (
    select
        typed_rows.*,
        stage_mapping.stage_order as label_stage_order,
        stage_mapping.default_probability as label_default_probability,
        stage_mapping.standard_stage is not null as is_stage_mapped,
        -- a mapped label decides; an unknown label falls back to the row's own flags
        coalesce(
            stage_mapping.standard_stage,
            case
                when typed_rows.is_won then 'closed_won'
                when typed_rows.is_closed then 'closed_lost'
                else 'unmapped'
            end
        ) as stage,  -- noqa: RF04
        coalesce(
            stage_mapping.is_closed,
            coalesce(typed_rows.is_closed, false) or coalesce(typed_rows.is_won, false)
        ) as resolved_is_closed,
        coalesce(stage_mapping.is_won, typed_rows.is_won, false) as resolved_is_won
    from typed_rows
    left join stage_mapping
        on {{ normalize_label('typed_rows.stage_name') }} = {{ normalize_label('stage_mapping.stage_label') }}
),

stages_resolved as (
    select
        labels_mapped.*,
        -- a fallback closed stage is that standard stage (its order and probability); 'unmapped' has none
        coalesce(labels_mapped.label_stage_order, fallback_stages.stage_order) as stage_order,
        coalesce(labels_mapped.label_default_probability, fallback_stages.default_probability)
            as stage_default_probability
    from labels_mapped
    left join fallback_stages
        on labels_mapped.stage = fallback_stages.standard_stage
),

closes_resolved as (
    select
        stages_resolved.*,
        coalesce(
            stages_resolved.created_at,
            history_starts.first_entered_at,
            least(stages_resolved._first_seen_at, stages_resolved.closed_at)
        ) as resolved_created_at,
        -- a closed deal without a close time closes at its last change; an open (reopened) deal has none
        case
            when stages_resolved.resolved_is_closed
                then coalesce(stages_resolved.closed_at, stages_resolved.updated_at)
        end as resolved_closed_at,
        stages_resolved.resolved_is_closed
        and stages_resolved.closed_at is null
        and stages_resolved.updated_at is not null as is_closed_at_imputed,
        coalesce(stages_resolved.opportunity_type, 'new_business') as resolved_opportunity_type
    from stages_resolved
    left join history_starts
        on stages_resolved.opportunity_id = history_starts.opportunity_id
),

{% set rate_day = reporting_date('coalesce(closes_resolved.resolved_closed_at, closes_resolved.resolved_created_at)') -%}
enriched as (
    select
        closes_resolved.*,
        {{ crm_rate_to_reporting('closes_resolved.currency_code') }} as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('closes_resolved.currency_code') }} as _currency_is_known,
        accounts.account_id is not null as _account_found,
        reps.rep_id is not null as _owner_found
    from closes_resolved
    {{ crm_join_rates('closes_resolved.currency_code', rate_day) }}
    left join accounts on closes_resolved.account_id = accounts.account_id
    left join reps on closes_resolved.owner_rep_id = reps.rep_id
),

dispositioned as (
    select
        enriched.*,
        {{ crm_disposition([
            {'when': 'resolved_created_at is null', 'reason': 'missing_required_value', 'detail': "'created_at'"},
            {'when': 'resolved_is_closed and resolved_closed_at is null',
             'reason': 'missing_required_value', 'detail': "'closed_at'"},
            {'when': "resolved_opportunity_type not in ('new_business', 'upsell', 'renewal')",
             'reason': 'unknown_label', 'detail': 'opportunity_type'},
            crm_negative_rule(['amount']),
        ] + crm_currency_rules(['amount']) + [
            crm_future_rule(['resolved_created_at', 'resolved_closed_at']),
        ]) }}
    from enriched
),

final as (
    select
        dispositioned.*,
        {{ crm_warning_flags('opportunities') }}
    from dispositioned
)

select * from final
