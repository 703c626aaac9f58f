-- One row per landed Salesforce opportunity_history row (one per stage change), in the contract's
-- opportunity_stage_history shape. The contract table has no is_deleted: a deleted history row is kept
-- as it is (its opportunity is deleted too, so staging quarantines it as an orphan) and sf_is_deleted is an
-- extra column.
{%- set t = 'opportunity_stage_history' %}
with

landed_history as (
    select * from {{ crm_landed('salesforce', 'opportunity_history') }}
),

final as (
    select
        {{ salesforce_column(t, 'opportunity_id', 'opportunity_id') }} as opportunity_id,
        {{ salesforce_column(t, 'entered_at', 'created_date') }} as entered_at,
        {{ salesforce_column(t, 'stage_name', 'stage_name') }} as stage_name,
        {{ salesforce_column(t, 'amount', 'amount') }} as amount,
        {{ salesforce_column(t, 'changed_by_rep_id', 'created_by_id') }} as changed_by_rep_id,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        id as sf_history_id,
        {{ salesforce_percent_to_fraction('probability') }} as sf_probability,
        {{ salesforce_is_deleted() }} as sf_is_deleted,
        _fivetran_synced
    from landed_history
)

select * from final
