{{ config(materialized='view') }}
-- One row per sales target: a target period x rep, team or company x metric, with the actual to date, the
-- attainment and the pace. A rep's actual is what is credited to the rep in the period (days from
-- period_start to period_end, up to the as-of date); a team's is the sum of its members' actuals (members:
-- reps whose dim_reps.team is the team) and the company's the sum over all reps. Metrics: revenue (net
-- invoiced), bookings, units (net invoiced units), new_accounts (customers acquired), deals_won.
with

targets as (
    select * from {{ ref('fct_targets') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

daily_actuals as (
    select * from {{ ref('int_rep_metric_actuals_daily') }}
),

daily_actuals_by_metric as (
    select
        rep_id,
        activity_date,
        'revenue' as metric,
        cast(revenue as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        activity_date,
        'bookings' as metric,
        cast(bookings as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        activity_date,
        'units' as metric,
        cast(units as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        activity_date,
        'new_accounts' as metric,
        cast(new_accounts as decimal(18, 4)) as actual_value
    from daily_actuals

    union all

    select
        rep_id,
        activity_date,
        'deals_won' as metric,
        cast(deals_won as decimal(18, 4)) as actual_value
    from daily_actuals
),

-- the reps whose actuals count towards each target
target_members as (
    select
        targets.target_id,
        reps.rep_id
    from targets
    inner join reps
        on
            (targets.scope = 'rep' and targets.rep_id = reps.rep_id)
            or (targets.scope = 'team' and targets.team = reps.team)
            or targets.scope = 'company'
),

target_actuals as (
    select
        targets.target_id,
        count(distinct target_members.rep_id) as member_reps,
        sum(daily_actuals_by_metric.actual_value) as actual_value
    from targets
    left join target_members
        on targets.target_id = target_members.target_id
    left join daily_actuals_by_metric
        on
            target_members.rep_id = daily_actuals_by_metric.rep_id
            and targets.metric = daily_actuals_by_metric.metric
            and targets.period_start <= daily_actuals_by_metric.activity_date
            and targets.period_end >= daily_actuals_by_metric.activity_date
    group by targets.target_id
),

measured as (
    select
        targets.*,
        {{ count_or_zero('target_actuals.member_reps') }} as member_reps,
        cast(coalesce(target_actuals.actual_value, 0) as decimal(18, 2)) as actual_value,
        -- the part of the target the period's elapsed share calls for by the as-of date
        cast(targets.target_value * targets.elapsed_share as decimal(18, 2)) as expected_value_to_date
    from targets
    left join target_actuals
        on targets.target_id = target_actuals.target_id
),

final as (
    select
        target_id,
        scope,
        rep_id,
        team,
        metric,
        period_grain,
        is_money_metric,
        is_period_complete,
        is_future_period,
        period_days,
        elapsed_days,
        elapsed_share,
        member_reps,
        target_value,
        actual_value,
        expected_value_to_date,
        {{ safe_divide('actual_value', 'target_value') }} as attainment_rate,
        cast(case when target_value > actual_value then target_value - actual_value else 0 end as decimal(18, 2))
            as remaining_to_target,
        {{ safe_divide('actual_value', '(target_value * elapsed_share)') }} as pacing_rate,
        -- NULL when the pace is unknown (a period not started yet, or a zero target)
        {{ safe_divide('actual_value', '(target_value * elapsed_share)') }} >= 1 as on_track,
        currency_code,
        period_start,
        period_end
    from measured
)

select * from final
