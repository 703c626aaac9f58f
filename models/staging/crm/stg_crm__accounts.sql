-- One row per account (customer or prospect company): the current, valid, not deleted version.
with

kept_accounts as (
    select
        *,
        -- free segment labels in snake case: 'Mid Market', 'mid-market' -> mid_market
        replace(replace(segment, '-', '_'), ' ', '_') as segment_snake_case
    from {{ ref('base_crm__accounts') }}
    where _disposition = 'kept'
),

final as (
    select
        account_id,
        owner_rep_id,
        account_name,
        industry,
        segment_snake_case as segment,
        region,
        city,
        country_code,
        created_at,
        updated_at
        {{ crm_extra_columns_after('accounts') }}  -- noqa: LT02
    from kept_accounts
)

select * from final
