-- One row per landed Salesforce opportunity row (deleted ones included, as is_deleted = true), in the
-- contract's opportunities shape. stage_name passes through (seeds/stage_mapping.csv maps it in staging);
-- closed_at is the last stage change of a closed deal; probability (0-100) is kept as a 0..1 extra column.
{%- set t = 'opportunities' %}
{%- set type_rule = salesforce_picklist('type', salesforce_picklists().opportunity_type) %}
with

landed_opportunities as (
    select * from {{ crm_landed('salesforce', 'opportunity') }}
),

final as (
    select
        {{ salesforce_column(t, 'opportunity_id', 'id') }} as opportunity_id,
        {{ salesforce_column(t, 'account_id', 'account_id') }} as account_id,
        {{ salesforce_column(t, 'owner_rep_id', 'owner_id') }} as owner_rep_id,
        {{ salesforce_column(t, 'lead_id', 'lead_c') }} as lead_id,
        {{ salesforce_column(t, 'opportunity_name', 'name') }} as opportunity_name,
        {{ salesforce_column(t, 'opportunity_type', type_rule) }} as opportunity_type,
        {{ salesforce_column(t, 'stage_name', 'stage_name') }} as stage_name,
        {{ salesforce_column(t, 'amount', 'amount') }} as amount,
        {{ salesforce_column(t, 'currency_code', 'currency_iso_code') }} as currency_code,
        {{ salesforce_column(t, 'created_at', 'created_date') }} as created_at,
        {{ salesforce_column(t, 'expected_close_date', 'close_date') }} as expected_close_date,
        {{ salesforce_column(t, 'closed_at',
            'case when ' ~ salesforce_is_true('is_closed') ~ ' then last_stage_change_date end') }} as closed_at,
        {{ salesforce_column(t, 'is_closed', 'is_closed') }} as is_closed,
        {{ salesforce_column(t, 'is_won', 'is_won') }} as is_won,
        {{ salesforce_column(t, 'loss_reason', 'loss_reason_c') }} as loss_reason,
        {{ salesforce_column(t, 'updated_at', 'last_modified_date') }} as updated_at,
        {{ salesforce_column(t, 'is_deleted', salesforce_is_deleted()) }} as is_deleted,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        record_type_id as sf_record_type_id,
        {{ salesforce_percent_to_fraction('probability') }} as sf_probability,
        _fivetran_synced
    from landed_opportunities
)

select * from final
