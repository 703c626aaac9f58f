-- One row per sales target: a target period x rep, team or company x metric, with the actual to date, the
-- attainment and the pace. Who counts towards a target and what they achieved is decided once, in
-- int_target_actuals: a rep's own credits; a team's members' credits on the days they were in the team
-- (team history, D37); every credit for the company. Metrics: revenue (net invoiced), bookings (net of
-- cancellations), units (net invoiced units), new_accounts (customers acquired), deals_won. A target
-- without members (a team nobody was in during the period, a rep who is not a kept rep) is flagged and
-- has no attainment or pace: never a silent 0.
with

targets as (
    select * from {{ ref('fct_targets') }}
),

target_actuals as (
    select * from {{ ref('int_target_actuals') }}
),

measured as (
    select
        targets.*,
        target_actuals.member_reps,
        target_actuals.is_without_members,
        target_actuals.actual_value,
        -- the part of the target the period's elapsed share calls for by the as-of date
        cast(targets.target_value * targets.elapsed_share as decimal(18, 2)) as expected_value_to_date
    from targets
    inner join target_actuals
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
        is_without_members,
        period_days,
        elapsed_days,
        elapsed_share,
        member_reps,
        target_value,
        actual_value,
        expected_value_to_date,
        case
            when not is_without_members then {{ safe_divide('actual_value', 'target_value') }}
        end as attainment_rate,
        cast(case when target_value > actual_value then target_value - actual_value else 0 end as decimal(18, 2))
            as remaining_to_target,
        case
            when not is_without_members then {{ safe_divide('actual_value', '(target_value * elapsed_share)') }}
        end as pacing_rate,
        -- NULL when the pace is unknown (no members, a period not started yet, or a zero target)
        case
            when not is_without_members
                then {{ safe_divide('actual_value', '(target_value * elapsed_share)') }} >= 1
        end as on_track,
        currency_code,
        period_start,
        period_end
    from measured
)

select * from final
