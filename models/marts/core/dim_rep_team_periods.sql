-- One row per rep and period in a team (slowly changing dimension, type 2), rebuilt from the versions of
-- the rep in staging (the kept version and the superseded ones, each dated by its updated_at): a version
-- whose team differs from the previous one starts a period on its reporting-zone date; the first period
-- reaches back to the beginning (valid_from_date NULL) and the last one is current (valid_to_date NULL).
-- When two versions with different teams fall on one day, the later one holds the day. Teams are matched
-- on team_key, the team after the label normalisation staging applies to mapping seeds (trimmed, inner
-- whitespace collapsed, lower-cased), so 'Enterprise  Jakarta' and 'enterprise jakarta' are one team.
with

versions as (
    select
        base_reps.rep_id,
        base_reps.updated_at,
        base_reps._row_hash,
        coalesce(base_reps.team, 'unassigned') as team
    from {{ ref('base_crm__sales_reps') }} as base_reps
    inner join {{ ref('stg_crm__sales_reps') }} as kept_reps
        on base_reps.rep_id = kept_reps.rep_id
    where base_reps._disposition in ('kept', 'superseded')
),

-- chronological order: the reverse of staging's version rank (latest updated_at, then lowest row hash,
-- is current), so the current version comes last
versions_ordered as (
    select
        rep_id,
        team,
        {{ normalize_label('team') }} as team_key,
        {{ reporting_date('updated_at') }} as version_date,
        row_number() over (
            partition by rep_id
            order by updated_at asc nulls first, _row_hash desc
        ) as version_number
    from versions
),

team_changes as (
    select
        versions_ordered.*,
        coalesce(
            lag(versions_ordered.team_key) over (
                partition by versions_ordered.rep_id order by versions_ordered.version_number
            ) <> versions_ordered.team_key,
            true
        ) as starts_period
    from versions_ordered
),

periods as (
    select
        rep_id,
        team,
        team_key,
        version_number,
        case
            when version_number = min(version_number) over (partition by rep_id) then null
            else version_date
        end as valid_from_date
    from team_changes
    where starts_period
),

periods_bounded as (
    select
        periods.*,
        lead(periods.valid_from_date) over (
            partition by periods.rep_id order by periods.version_number
        ) as valid_to_date
    from periods
),

kept_periods as (
    select
        rep_id,
        team,
        team_key,
        valid_from_date,
        valid_to_date
    from periods_bounded
    -- a period that another change on the same day replaces holds no day
    where valid_from_date is null or valid_to_date is null or valid_from_date < valid_to_date
),

unassigned_member as (
    select
        {{ unassigned_rep_id() }} as rep_id,
        'unassigned' as team,
        'unassigned' as team_key,
        cast(null as date) as valid_from_date,
        cast(null as date) as valid_to_date
),

all_periods as (
    select * from kept_periods
    union all
    select * from unassigned_member
),

final as (
    select
        rep_id,
        team,
        team_key,
        valid_from_date,
        valid_to_date,
        row_number() over (partition by rep_id order by valid_from_date asc nulls first) as period_number,
        valid_to_date is null as is_current
    from all_periods
)

select * from final
