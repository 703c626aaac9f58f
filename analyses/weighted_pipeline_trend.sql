-- Weighted pipeline at each month end (and on the as-of date): open deals, their value and their value
-- weighted by win probability, all stages together. The weighted share is re-aggregated from its parts.
with

pipeline as (
    select
        snapshot_date,
        is_as_of_snapshot,
        sum(open_opportunities) as open_opportunities,
        sum(pipeline_amount) as pipeline_amount,
        sum(weighted_pipeline_amount) as weighted_pipeline_amount,
        max(currency_code) as currency_code
    from {{ ref('kpi_pipeline_by_stage') }}
    group by snapshot_date, is_as_of_snapshot
)

select
    snapshot_date,
    is_as_of_snapshot,
    open_opportunities,
    pipeline_amount,
    weighted_pipeline_amount,
    {{ safe_divide('weighted_pipeline_amount', 'pipeline_amount') }} as weighted_share,
    currency_code
from pipeline
order by snapshot_date
