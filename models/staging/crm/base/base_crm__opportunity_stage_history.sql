-- Every raw opportunity_stage_history row, typed and classified, with the stage label mapped and the
-- amount (in the opportunity's currency) converted at the rate of the day the stage was entered.
-- Incremental on DuckDB (D126): a night reads every row of the opportunities it touches.
{{ config(**crm_incremental_config('opportunity_id')) }}
with

typed_rows as (
    {{ crm_typed_rows(
        'opportunity_stage_history',
        collapse=['stage_name'],
        incremental=true,
        depends_on=[{'table': 'opportunities', 'column': 'opportunity_id', 'found': '_opportunity_found'}],
        reads_rates=true,
    ) }}
),

stage_mapping as (
    select * from {{ ref('stage_mapping') }}
),

opportunities as (
    select
        opportunity_id,
        currency_code
    from {{ ref('stg_crm__opportunities') }}
),

{% set rate_day = reporting_date('typed_rows.entered_at') -%}
enriched as (
    select
        typed_rows.*,
        coalesce(stage_mapping.standard_stage, 'unmapped') as stage,  -- noqa: RF04
        stage_mapping.stage_order,
        stage_mapping.default_probability as stage_default_probability,
        stage_mapping.standard_stage is not null as is_stage_mapped,
        opportunities.currency_code,
        {{ crm_rate_to_reporting('opportunities.currency_code') }} as rate_to_reporting,
        cast({{ rate_day }} as date) as _rate_date,  -- the day it converts at: what a rate change reaches (D134)
        {{ crm_currency_is_known('opportunities.currency_code') }} as _currency_is_known,
        opportunities.opportunity_id is not null as _opportunity_found
    from typed_rows
    left join stage_mapping
        on {{ normalize_label('typed_rows.stage_name') }} = {{ normalize_label('stage_mapping.stage_label') }}
    left join opportunities on typed_rows.opportunity_id = opportunities.opportunity_id
    {{ crm_join_rates('opportunities.currency_code', rate_day) }}
),

final as (
    select
        enriched.*,
        {{ crm_disposition([
            crm_negative_rule(['amount']),
            crm_future_rule(['entered_at']),
            crm_orphan_rule('opportunity_id', '_opportunity_found'),
            {'when': 'amount is not null and rate_to_reporting is null',
             'reason': 'missing_currency_rate', 'detail': 'currency_code'},
        ], soft_delete=false) }}
    from enriched
)

select * from final
