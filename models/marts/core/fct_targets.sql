-- One row per sales target (rep, team or company x metric x period), with the share of its period
-- elapsed by the as-of date (the as-of day counts as elapsed), so views can pace actuals against it, and
-- team_key, the team matched against the reps' team history after label normalisation.
with

targets as (
    select * from {{ ref('stg_crm__sales_targets') }}
),

reps as (
    select * from {{ ref('dim_reps') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

targets_with_next_day as (
    select
        targets.*,
        cast({{ dbt.dateadd('day', 1, 'targets.period_end') }} as date) as day_after_period
    from targets
),

periods as (
    select
        targets.target_id,
        targets.rep_id,
        -- a rep target carries the rep's team (the target's own, else dim_reps')
        case
            when targets.rep_id is not null then coalesce(targets.team, reps.team)
            else targets.team
        end as team,
        case
            when targets.rep_id is not null then 'rep'
            when targets.team is not null then 'team'
            else 'company'
        end as scope,
        targets.metric,
        targets.is_money_metric,
        targets.is_rep_unresolved,
        targets.target_value_reporting,
        targets.period_start,
        targets.period_end,
        {{ days_between('targets.period_start', 'targets.period_end') | trim }} + 1 as period_days,
        {{ days_between('targets.period_start', 'as_of.as_of_date') | trim }} + 1 as days_to_as_of,
        -- whole calendar months: the period starts on the 1st and ends the day before a month start
        targets.period_start = {{ month_start('targets.period_start') }}
        and targets.day_after_period = {{ month_start('targets.day_after_period') }} as is_whole_months,
        {{ dbt.datediff('targets.period_start', 'targets.day_after_period', 'month') | trim }}
            as period_months
    from targets_with_next_day as targets
    cross join as_of
    left join reps
        on targets.rep_id = reps.rep_id
),

final as (
    select
        target_id,
        scope,
        rep_id,
        team,
        {{ normalize_label('team') }} as team_key,
        metric,
        case
            when is_whole_months and period_months = 1 then 'month'
            when is_whole_months and period_months = 3 then 'quarter'
            when is_whole_months and period_months = 12 then 'year'
            else 'custom'
        end as period_grain,
        is_money_metric,
        is_rep_unresolved,
        least(greatest(days_to_as_of, 0), period_days) >= period_days as is_period_complete,
        days_to_as_of <= 0 as is_future_period,
        period_days,
        least(greatest(days_to_as_of, 0), period_days) as elapsed_days,
        {{ double_quotient('least(greatest(days_to_as_of, 0), period_days)', 'period_days') }} as elapsed_share,
        cast(target_value_reporting as decimal(18, 2)) as target_value,
        case when is_money_metric then '{{ reporting_currency() }}' end as currency_code,
        period_start,
        period_end
    from periods
)

select * from final
