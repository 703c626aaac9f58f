-- One row per opportunity (deal): the current, valid, not deleted version, with its stage mapped
-- and its amount converted to the reporting currency.
with

kept_opportunities as (
    select * from {{ ref('base_crm__opportunities') }}
    where _disposition = 'kept'
),

final as (
    select
        opportunity_id,
        account_id,
        owner_rep_id,
        lead_id,
        opportunity_name,
        resolved_opportunity_type as opportunity_type,
        stage_name,
        stage,
        stage_order,
        stage_default_probability,
        is_stage_mapped,
        is_account_missing,
        is_account_unresolved,
        is_owner_missing,
        is_owner_unresolved,
        is_created_at_imputed,
        is_closed_before_created,
        resolved_is_closed as is_closed,
        resolved_is_won as is_won,
        loss_reason,
        amount,
        currency_code,
        rate_to_reporting,
        {{ to_reporting('amount') }} as amount_reporting,
        resolved_created_at as created_at,
        expected_close_date,
        resolved_closed_at as closed_at,
        is_closed_at_imputed,
        updated_at
        {{ crm_extra_columns_after('opportunities') }}  -- noqa: LT02
    from kept_opportunities
)

select * from final
