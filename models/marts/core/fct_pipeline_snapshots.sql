-- One row per snapshot date x opportunity open at the end of that date, with its stage, amount and
-- probability at that moment. Snapshot dates: each month end (reporting time zone) before the as-of month,
-- plus the as-of date. Open at the end of date D = an interval in an open stage started on or before D and
-- ended after D, comparing the intervals' reporting-zone dates (converted once in the intervals fact).
with

stage_intervals as (
    select * from {{ ref('fct_opportunity_stage_intervals') }}
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

snapshot_dates as (
    {{ pipeline_snapshot_dates() }}
),

open_intervals as (
    select
        snapshot_dates.snapshot_date,
        snapshot_dates.month_start as snapshot_month,
        snapshot_dates.is_as_of_snapshot,
        stage_intervals.opportunity_id,
        stage_intervals.interval_number,
        stage_intervals.stage,
        stage_intervals.stage_order,
        stage_intervals.amount,
        stage_intervals.stage_probability
    from snapshot_dates
    inner join stage_intervals
        on
            snapshot_dates.snapshot_date >= stage_intervals.valid_from_date
            and (
                stage_intervals.valid_to_date is null
                or snapshot_dates.snapshot_date < stage_intervals.valid_to_date
            )
    where stage_intervals.is_open_stage
),

final as (
    select
        -- ids
        open_intervals.snapshot_date,
        open_intervals.opportunity_id,
        opportunities.account_id,
        opportunities.owner_rep_id,
        opportunities.credited_rep_id,
        open_intervals.interval_number,
        -- dimensions
        open_intervals.snapshot_month,
        open_intervals.stage,
        open_intervals.stage_order,
        opportunities.opportunity_type,
        opportunities.segment,
        opportunities.channel,
        opportunities.channel_group,
        -- flags
        open_intervals.is_as_of_snapshot,
        -- measures
        open_intervals.amount,
        open_intervals.stage_probability,
        {{ weighted_amount('open_intervals.amount', 'open_intervals.stage_probability') }} as weighted_amount,
        '{{ reporting_currency() }}' as currency_code,
        {{ days_between('opportunities.created_date', 'open_intervals.snapshot_date') }} as age_days  -- noqa: LT05
    from open_intervals
    inner join opportunities
        on open_intervals.opportunity_id = opportunities.opportunity_id
)

select * from final
