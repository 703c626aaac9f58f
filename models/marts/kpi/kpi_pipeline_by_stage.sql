-- One row per snapshot date x open stage: each month end (reporting time zone) before the as-of month
-- plus the as-of date, from the first month with open pipeline, crossed with the open standard stages
-- (including 'unmapped'): the deals open at the end of that date in that stage, their amount and their
-- weighted amount. stage_probability is amount-weighted (weighted / pipeline amount).
with

stages as (
    select * from {{ ref('dim_stages') }}
),

pipeline_snapshots as (
    select * from {{ ref('fct_pipeline_snapshots') }}
),

first_months as (
    select min(snapshot_month) as first_month
    from pipeline_snapshots
),

snapshot_dates as (
    {{ pipeline_snapshot_dates() }}
),

snapshot_stages as (
    select
        snapshot_dates.snapshot_date,
        snapshot_dates.month_start,
        snapshot_dates.is_complete_month,
        snapshot_dates.is_as_of_snapshot,
        stages.stage,
        stages.stage_order
    from snapshot_dates
    inner join first_months
        on snapshot_dates.month_start >= first_months.first_month
    cross join stages
    where stages.is_open
),

stage_totals as (
    select
        snapshot_date,
        stage,
        count(*) as open_opportunities,
        sum(amount) as pipeline_amount,
        sum(weighted_amount) as weighted_pipeline_amount
    from pipeline_snapshots
    group by snapshot_date, stage
),

final as (
    select
        snapshot_stages.snapshot_date,
        snapshot_stages.stage,
        snapshot_stages.month_start,
        snapshot_stages.stage_order,
        snapshot_stages.is_as_of_snapshot,
        snapshot_stages.is_complete_month,
        {{ count_or_zero('stage_totals.open_opportunities') }} as open_opportunities,
        {{ money('stage_totals.pipeline_amount') }} as pipeline_amount,
        {{ money('stage_totals.weighted_pipeline_amount') }} as weighted_pipeline_amount,
        {{ safe_divide('stage_totals.weighted_pipeline_amount', 'stage_totals.pipeline_amount') }}
            as stage_probability,
        '{{ reporting_currency() }}' as currency_code
    from snapshot_stages
    left join stage_totals
        on
            snapshot_stages.snapshot_date = stage_totals.snapshot_date
            and snapshot_stages.stage = stage_totals.stage
)

select * from final
