-- One row per sales rep: the current, valid version.
with

kept_reps as (
    select * from {{ ref('base_crm__sales_reps') }}
    where _disposition = 'kept'
),

final as (
    select
        rep_id,
        manager_rep_id,
        full_name,
        email,
        team,
        region,
        role,
        hired_date,
        left_date,
        updated_at
        {{ crm_extra_columns_after('sales_reps') }}  -- noqa: LT02
    from kept_reps
)

select * from final
