-- The as-of snapshot of kpi_pipeline_by_stage equals, stage by stage and in total, the deals open now in
-- fct_opportunities (created on or before the as-of date): same count, amount and weighted amount.
-- This holds because every stage timeline ends in the deal's current stage with the record's amount and
-- probability. Returns the stages (and the total) that disagree.
with

kpi_pipeline as (
    select
        stage,
        open_opportunities,
        pipeline_amount,
        weighted_pipeline_amount
    from {{ ref('kpi_pipeline_by_stage') }}
    where is_as_of_snapshot
),

opportunities as (
    select * from {{ ref('fct_opportunities') }}
),

expected_pipeline as (
    select
        stage,
        count(*) as open_opportunities,
        coalesce(sum(amount), 0) as pipeline_amount,
        coalesce(sum(weighted_amount), 0) as weighted_pipeline_amount
    from opportunities
    where
        is_open
        and created_date <= {{ as_of_date() }}
    group by stage
),

stage_differences as (
    select
        'stage' as scope,
        coalesce(kpi_pipeline.stage, expected_pipeline.stage) as pipeline_stage,
        coalesce(kpi_pipeline.open_opportunities, 0) as kpi_open_opportunities,
        coalesce(expected_pipeline.open_opportunities, 0) as expected_open_opportunities,
        coalesce(kpi_pipeline.pipeline_amount, 0) as kpi_pipeline_amount,
        coalesce(expected_pipeline.pipeline_amount, 0) as expected_pipeline_amount,
        coalesce(kpi_pipeline.weighted_pipeline_amount, 0) as kpi_weighted_amount,
        coalesce(expected_pipeline.weighted_pipeline_amount, 0) as expected_weighted_amount
    from kpi_pipeline
    full outer join expected_pipeline
        on kpi_pipeline.stage = expected_pipeline.stage
),

total_difference as (
    select
        'total' as scope,
        cast(null as {{ dbt.type_string() }}) as pipeline_stage,
        (select coalesce(sum(open_opportunities), 0) from kpi_pipeline) as kpi_open_opportunities,
        (select coalesce(sum(open_opportunities), 0) from expected_pipeline) as expected_open_opportunities,
        (select coalesce(sum(pipeline_amount), 0) from kpi_pipeline) as kpi_pipeline_amount,
        (select coalesce(sum(pipeline_amount), 0) from expected_pipeline) as expected_pipeline_amount,
        (select coalesce(sum(weighted_pipeline_amount), 0) from kpi_pipeline) as kpi_weighted_amount,
        (select coalesce(sum(weighted_pipeline_amount), 0) from expected_pipeline) as expected_weighted_amount
),

final as (
    select * from stage_differences
    union all
    select * from total_difference
)

select * from final
where
    kpi_open_opportunities <> expected_open_opportunities
    or abs(kpi_pipeline_amount - expected_pipeline_amount) > 0.005
    or abs(kpi_weighted_amount - expected_weighted_amount) > 0.005
