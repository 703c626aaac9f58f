-- One row per landed HubSpot owner row: the sales reps. The team is the owner's primary team; the HR
-- attributes HubSpot does not hold (region, manager, role, hire and leave dates) come from the landed
-- owner table's extra columns or var hubspot_column_map (docs/crm_hubspot.md).
with

owners as (
    select landed_rows.* from {{ crm_landed('hubspot', 'owner') }} as landed_rows
),

owner_teams as (
    select landed_rows.* from {{ crm_landed('hubspot', 'owner_team') }} as landed_rows
),

teams as (
    select landed_rows.* from {{ crm_landed('hubspot', 'team') }} as landed_rows
),

-- the name of each owner's primary team (the smallest name if a landing has several)
primary_teams as (
    select
        owner_teams.owner_id,
        min(teams.name) as team_name
    from owner_teams
    inner join teams
        on owner_teams.team_id = teams.team_id
    where
        {{ hubspot_is_true('owner_teams.is_team_primary') }}
        and not {{ hubspot_is_true('teams._fivetran_deleted') }}
    group by owner_teams.owner_id
),

final as (
    select
        {{ hubspot_field('sales_reps', 'rep_id', 'owner_id', 'owners') }} as rep_id,
        case
            when owners.last_name is null then owners.first_name
            when owners.first_name is null then owners.last_name
            else {{ dbt.concat(['owners.first_name', "' '", 'owners.last_name']) }}
        end as full_name,
        {{ hubspot_field('sales_reps', 'email', 'email', 'owners') }} as email,
        {{ hubspot_field('sales_reps', 'team', 'primary_teams.team_name', 'owners') }} as team,
        {{ hubspot_field('sales_reps', 'region', 'region', 'owners') }} as region,
        {{ hubspot_field('sales_reps', 'manager_rep_id', 'manager_owner_id', 'owners') }} as manager_rep_id,
        {{ hubspot_field('sales_reps', 'role', 'role', 'owners') }} as role,
        {{ hubspot_field('sales_reps', 'hired_date', 'hired_date', 'owners') }} as hired_date,
        {{ hubspot_field('sales_reps', 'left_date', 'left_date', 'owners') }} as left_date,
        {{ hubspot_field('sales_reps', 'updated_at', 'updated_at', 'owners') }} as updated_at,
        {{ hubspot_source_relation() }} as source_relation
        {{ hubspot_extra_columns('owner', 'owners', 'sales_reps') }}  -- noqa: LT02
    from owners
    left join primary_teams
        on owners.owner_id = primary_teams.owner_id
)

select * from final
