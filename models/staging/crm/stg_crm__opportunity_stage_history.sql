-- One row per stage an opportunity entered (opportunity_id, entered_at, stage_name), with the
-- stage mapped and the amount at that moment converted to the reporting currency.
with

kept_history as (
    select * from {{ ref('base_crm__opportunity_stage_history') }}
    where _disposition = 'kept'
),

final as (
    select
        opportunity_id,
        changed_by_rep_id,
        stage_name,
        stage,
        stage_order,
        stage_default_probability,
        is_stage_mapped,
        amount,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('amount') }} as amount_reporting,
        entered_at
        {{ crm_extra_columns_after('opportunity_stage_history') }}  -- noqa: LT02
    from kept_history
)

select * from final
