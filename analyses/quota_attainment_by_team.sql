-- Quota attainment by team for the quarter of the as-of date: target, actual to date, attainment, and
-- whether the team is on pace (actual >= target x elapsed share of the quarter).
with

as_of as (
    select max(as_of_date) as as_of_date
    from {{ ref('dim_months') }}
),

team_targets as (
    select
        targets.team,
        targets.metric,
        targets.period_start,
        targets.period_end,
        targets.target_value,
        targets.actual_value,
        targets.attainment_rate,
        targets.pacing_rate,
        targets.on_track,
        targets.remaining_to_target,
        targets.currency_code
    from {{ ref('kpi_sales_vs_target') }} as targets
    inner join as_of
        on as_of.as_of_date between targets.period_start and targets.period_end
    where
        targets.scope = 'team'
        and targets.period_grain = 'quarter'
)

select * from team_targets
order by metric asc, attainment_rate desc
