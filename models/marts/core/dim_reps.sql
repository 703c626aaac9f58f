-- One row per sales rep (current version), with employment dates and whether the rep is employed on the
-- as-of date, plus the explicit unassigned member: the rep credited when no rep in a fallback chain
-- resolves (docs/marts.md). It is never employed, so per-rep views show it only in months with credits.
with

reps as (
    select * from {{ ref('stg_crm__sales_reps') }}
),

kept_reps as (
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
        false as is_unassigned,
        updated_at
    from reps
),

unassigned_member as (
    select
        {{ unassigned_rep_id() }} as rep_id,
        cast(null as {{ dbt.type_string() }}) as manager_rep_id,
        'Unassigned' as full_name,
        cast(null as {{ dbt.type_string() }}) as email,
        'unassigned' as team,
        'unknown' as region,
        'unknown' as role,
        cast(null as date) as hired_date,
        cast(null as date) as left_date,
        cast(null as date) as hired_month,
        cast(null as date) as left_month,
        false as is_employed_at_as_of,
        true as is_unassigned,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at
),

final as (
    select * from kept_reps
    union all
    select * from unassigned_member
)

select * from final
