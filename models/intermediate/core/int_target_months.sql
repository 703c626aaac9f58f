-- One row per sales target and month of dim_months its period overlaps: the target prorated to the month
-- by overlapping days, for the whole month and up to the as-of date (the as-of day counts), and whether
-- the target is of the finest grain among the targets of the same scope, rep, team and metric that overlap
-- the month (a monthly target wins over a quarterly one, a quarterly over a yearly, those over custom
-- periods), so a yearly and a monthly target for one month are never added up. kpi_scorecard compares the
-- company targets of the finest grain with the headline KPIs.
with

targets as (
    select * from {{ ref('fct_targets') }}
),

months as (
    select * from {{ ref('dim_months') }}
),

target_overlaps as (
    select
        targets.target_id,
        targets.scope,
        targets.rep_id,
        targets.team_key,
        targets.metric,
        targets.period_grain,
        targets.target_value,
        targets.period_days,
        months.month_start,
        {{ days_between(
            'greatest(targets.period_start, months.month_start)',
            'least(targets.period_end, months.month_end)'
        ) | trim }} + 1 as overlap_days,
        {{ days_between(
            'greatest(targets.period_start, months.month_start)',
            'least(targets.period_end, months.month_end, months.as_of_date)'
        ) | trim }} + 1 as overlap_days_to_date
    from targets
    inner join months
        on
            targets.period_start <= months.month_end
            and targets.period_end >= months.month_start
),

grains_ranked as (
    select
        target_overlaps.*,
        case target_overlaps.period_grain
            when 'month' then 1
            when 'quarter' then 2
            when 'year' then 3
            else 4
        end as grain_order
    from target_overlaps
),

finest as (
    select
        grains_ranked.*,
        grains_ranked.grain_order = min(grains_ranked.grain_order) over (
            partition by
                grains_ranked.scope,
                grains_ranked.rep_id,
                grains_ranked.team_key,
                grains_ranked.metric,
                grains_ranked.month_start
        ) as is_finest_grain
    from grains_ranked
),

final as (
    select
        target_id,
        month_start,
        scope,
        rep_id,
        team_key,
        metric,
        period_grain,
        is_finest_grain,
        cast(overlap_days as integer) as overlap_days,
        cast(greatest(overlap_days_to_date, 0) as integer) as overlap_days_to_date,
        cast(target_value * overlap_days / period_days as decimal(18, 2)) as month_target_value,
        cast(target_value * greatest(overlap_days_to_date, 0) / period_days as decimal(18, 2))
            as month_target_value_to_date
    from finest
)

select * from final
