-- One row per landed Salesforce user row, in the contract's sales_reps shape: team from the department,
-- region from the division, role from the user role's developer name, hire and leave dates from custom
-- fields. Users are deactivated, not deleted: the contract table has no is_deleted (extra column).
{%- set t = 'sales_reps' %}
with

landed_users as (
    select * from {{ crm_landed('salesforce', 'user') }}
),

-- one role per id (a landed id appears once; min() guards the join against a duplicate)
roles as (
    select
        landed_roles.id as user_role_id,
        min(landed_roles.developer_name) as developer_name
    from {{ crm_landed('salesforce', 'user_role') }} as landed_roles
    group by landed_roles.id
),

final as (
    select
        {{ salesforce_column(t, 'rep_id', 'landed_users.id') }} as rep_id,
        {{ salesforce_column(t, 'full_name', 'landed_users.name') }} as full_name,
        {{ salesforce_column(t, 'email', 'landed_users.email') }} as email,
        {{ salesforce_column(t, 'team', 'landed_users.department') }} as team,
        {{ salesforce_column(t, 'region', 'landed_users.division') }} as region,
        {{ salesforce_column(t, 'manager_rep_id', 'landed_users.manager_id') }} as manager_rep_id,
        {{ salesforce_column(t, 'role', 'roles.developer_name') }} as role,  -- noqa: RF04
        {{ salesforce_column(t, 'hired_date', 'landed_users.hire_date_c') }} as hired_date,
        {{ salesforce_column(t, 'left_date', 'landed_users.termination_date_c') }} as left_date,
        {{ salesforce_column(t, 'updated_at', 'landed_users.last_modified_date') }} as updated_at,
        {{ salesforce_source_relation() }} as source_relation,
        {{ salesforce_extra_columns(t) }}
        landed_users.is_active as sf_is_active,
        landed_users._fivetran_deleted,
        landed_users._fivetran_synced
    from landed_users
    left join roles
        on landed_users.user_role_id = roles.user_role_id
)

select * from final
