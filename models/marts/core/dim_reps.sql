-- One row per sales rep (current version), with employment dates and whether the rep is still employed
-- on the as-of date.
with

reps as (
    select * from {{ ref('stg_crm__sales_reps') }}
),

final as (
    select
        rep_id,
        manager_rep_id,
        full_name,
        email,
        coalesce(team, 'unassigned') as team,
        coalesce(region, 'unknown') as region,
        coalesce(role, 'unknown') as role,
        hired_date,
        left_date,
        {{ month_start('hired_date') }} as hired_month,
        {{ month_start('left_date') }} as left_month,
        (hired_date is null or hired_date <= {{ as_of_date() }})
        and (left_date is null or left_date >= {{ as_of_date() }}) as is_employed_at_as_of,
        updated_at
    from reps
)

select * from final
