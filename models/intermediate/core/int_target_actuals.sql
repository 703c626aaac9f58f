-- A table, not a view: every data test on it and on kpi_sales_vs_target reads it (as a view, each of them
-- recomputed it). Targets meet days and reps through one equality join per scope (rep, team, company): a
-- single join with `or` in its condition compared every target with every day and every rep, 25 s of CPU
-- at 1 M raw rows against 0.4 s now, with identical rows (issue 9).
{{ config(materialized='table') }}
-- One row per sales target: who counts towards it and what they achieved in its period up to the as-of
-- date. The membership rule, written once here (kpi_sales_vs_target only compares):
--   rep target      the rep (none when the rep is not a kept rep);
--   team target     the reps whose team (dim_rep_team_periods, matched on team_key) was the target's team
--                   on some day of the period while they were employed, plus any rep credited with a sale
--                   for that team in the period; a sale counts for the team the rep was in that day (D37);
--   company target  every rep employed in the period, plus any rep (the unassigned one too) credited in it.
-- actual_value sums the metric's daily actuals (int_rep_metric_actuals_daily) over the period's days up to
-- the as-of date: for a rep target the rep's, for a team target those credited to the team's members on
-- their days in the team, for a company target all of them. A target without members is flagged (D37).
with

targets as (
    select * from {{ ref('fct_targets') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
    where not is_unassigned
),

team_periods as (
    select * from {{ ref('dim_rep_team_periods') }}
),

daily_actuals as (
    select * from {{ ref('int_rep_metric_actuals_daily') }}
),

daily_actuals_by_metric as (
    select
        rep_id,
        team_key,
        activity_date,
        'revenue' as metric,
        cast(revenue as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        team_key,
        activity_date,
        'bookings' as metric,
        cast(bookings as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        team_key,
        activity_date,
        'units' as metric,
        cast(units as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        team_key,
        activity_date,
        'new_accounts' as metric,
        cast(new_accounts as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        team_key,
        activity_date,
        'deals_won' as metric,
        cast(deals_won as decimal(18, 4)) as actual_value
    from daily_actuals
),

-- the actuals that count towards each target: one equality join per scope, on the rep for a rep target, on
-- the team for a team target, on the metric and days alone for a company target (a single join with `or` in
-- its condition compared every target with every day of its metric: at 1 M raw rows the slowest model)
target_credits as (
    {%- for scope, key in [('rep', 'rep_id'), ('team', 'team_key'), ('company', none)] %}
    select
        targets.target_id,
        daily_actuals_by_metric.rep_id,
        daily_actuals_by_metric.actual_value
    from targets
    inner join daily_actuals_by_metric
        on
            targets.metric = daily_actuals_by_metric.metric
            {%- if key %}
            and targets.{{ key }} = daily_actuals_by_metric.{{ key }}
            {%- endif %}
            and targets.period_start <= daily_actuals_by_metric.activity_date
            and targets.period_end >= daily_actuals_by_metric.activity_date
    where targets.scope = '{{ scope }}'
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

-- the reps in each team target's team on some day of its period (a join, not a correlated subquery in
-- the join condition: Spark cannot plan one that references both sides of a join)
team_members as (
    select distinct
        targets.target_id,
        team_periods.rep_id
    from targets
    inner join team_periods
        on
            targets.team_key = team_periods.team_key
            and (team_periods.valid_from_date is null or targets.period_end >= team_periods.valid_from_date)
            and (team_periods.valid_to_date is null or targets.period_start < team_periods.valid_to_date)
    where targets.scope = 'team'
),

-- reps employed in the period (and, for a team, in the team on some day of it), one join per scope as above
employed_members as (
    select
        targets.target_id,
        reps.rep_id
    from targets
    inner join reps
        on
            targets.rep_id = reps.rep_id
            and (reps.hired_date is null or targets.period_end >= reps.hired_date)
            and (reps.left_date is null or targets.period_start <= reps.left_date)
    where targets.scope = 'rep'

    union all

    select
        targets.target_id,
        reps.rep_id
    from targets
    inner join team_members
        on targets.target_id = team_members.target_id
    inner join reps
        on
            team_members.rep_id = reps.rep_id
            and (reps.hired_date is null or targets.period_end >= reps.hired_date)
            and (reps.left_date is null or targets.period_start <= reps.left_date)

    union all

    select
        targets.target_id,
        reps.rep_id
    from targets
    inner join reps
        on
            (reps.hired_date is null or targets.period_end >= reps.hired_date)
            and (reps.left_date is null or targets.period_start <= reps.left_date)
    where targets.scope = 'company'
),

members as (
    select
        target_id,
        rep_id
    from employed_members

    union

    select
        target_id,
        rep_id
    from target_credits
    where actual_value <> 0
),

member_counts as (
    select
        target_id,
        count(*) as member_reps
    from members
    group by target_id
),

credit_totals as (
    select
        target_id,
        sum(actual_value) as actual_value
    from target_credits
    group by target_id
),

final as (
    select
        targets.target_id,
        {{ count_or_zero('member_counts.member_reps') }} as member_reps,
        cast(coalesce(credit_totals.actual_value, 0) as decimal(18, 2)) as actual_value,
        coalesce(member_counts.member_reps, 0) = 0 as is_without_members
    from targets
    left join member_counts
        on targets.target_id = member_counts.target_id
    left join credit_totals
        on targets.target_id = credit_totals.target_id
)

select * from final
